"""Import aiogram with its Telegram types built when first used, not all at import.

``aiogram.types`` declares ~400 pydantic models with ``defer_build=True`` and then calls
``model_rebuild`` on every one of them at import, with a namespace of all the types (their
modules import each other only under ``TYPE_CHECKING``). Each of those validators holds its
own copy of everything it can nest (a ``Message`` inside most of them), so the import costs
~100 MB and ~2 s of CPU, while a bot validates a handful of types: ``Update`` and what the
Bot API answers.

``import_aiogram`` imports aiogram with those ``model_rebuild`` calls skipped. A type then
builds on first use, as pydantic's ``defer_build`` does, with aiogram's namespace: its
``model_rebuild`` gets that namespace when called without one (pydantic's deferred build
would otherwise look in the caller's frame), and each ``aiogram.types`` module gains the
namespace's names it lacks, for types built inside another model's schema (``Response[…]``).
Nothing else changes: the same models, fields and validators, only built when first used
(tests/notifier/test_telegram_models.py builds every type this way and compares).
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

_LOCK = threading.Lock()
_TYPES = "aiogram.types."


def import_aiogram() -> None:
    """Import aiogram (once per process) with its types' validators built on first use.

    A no-op when aiogram is already imported: then its types were built at import."""
    with _LOCK:
        if "aiogram" in sys.modules:
            return
        if not _deferrable():  # another pydantic: import aiogram as it is (more memory)
            import aiogram.types

            return
        namespaces: list[Mapping[str, Any]] = []
        with _rebuilds_recorded(namespaces):
            import aiogram.types
        merged: dict[str, Any] = {}
        for namespace in namespaces:
            merged.update(namespace)
        _complete_modules(merged)
        _rebuild_with(aiogram.types.TelegramObject, merged)


def _deferrable() -> bool:
    """Whether pydantic's ``model_rebuild`` takes the arguments this module relies on (it
    has since 2.0; a pydantic that changes them gets aiogram's ordinary import instead)."""
    parameters = inspect.signature(BaseModel.model_rebuild).parameters
    return {"_parent_namespace_depth", "_types_namespace"} <= set(parameters)


@contextlib.contextmanager
def _rebuilds_recorded(namespaces: list[Mapping[str, Any]]) -> Iterator[None]:
    """While the block runs, ``model_rebuild`` of an aiogram type given a namespace records
    the namespace instead of building; every other call builds as usual."""
    original = BaseModel.__dict__["model_rebuild"]
    build = original.__func__

    def model_rebuild(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Mapping[str, Any] | None = None,
    ) -> bool | None:
        if _types_namespace is not None and not force and cls.__module__.startswith(_TYPES):
            if not namespaces or namespaces[-1] is not _types_namespace:
                namespaces.append(_types_namespace)
            return None
        result: bool | None = build(
            cls,
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,  # this frame on top
            _types_namespace=_types_namespace,
        )
        return result

    BaseModel.model_rebuild = classmethod(model_rebuild)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]


def _rebuild_with(base: type[BaseModel], namespace: Mapping[str, Any]) -> None:
    """``base.model_rebuild`` (and its subclasses') with ``namespace`` unless given one."""
    build = BaseModel.__dict__["model_rebuild"].__func__

    def model_rebuild(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Mapping[str, Any] | None = None,
    ) -> bool | None:
        result: bool | None = build(
            cls,
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,
            _types_namespace=namespace if _types_namespace is None else _types_namespace,
        )
        return result

    base.model_rebuild = classmethod(model_rebuild)  # type: ignore[method-assign,assignment]


def _complete_modules(merged: Mapping[str, Any]) -> None:
    """Give every ``aiogram.types`` module the names its annotations use (set only where
    the module has no such name), so a type built inside another model's schema resolves
    them."""
    for name, module in list(sys.modules.items()):
        if name.startswith(_TYPES) and module is not None:
            found = vars(module)
            for key, value in merged.items():
                found.setdefault(key, value)
