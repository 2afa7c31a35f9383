"""SQLAlchemy's asyncio engine, imported without the ORM.

The service uses SQLAlchemy Core only, but ``sqlalchemy.ext.asyncio/__init__`` also imports
``AsyncSession`` and with it the whole ORM: about a fifth of SQLAlchemy's import time, paid by
every command. ``sqlalchemy.ext.asyncio.engine`` itself needs only Core. So the package is
registered without running its ``__init__``, the engine module is imported into it, and the
names the repositories use (``AsyncConnection``, ``AsyncEngine``, ``create_async_engine``)
are set on it. The first access to any other name of the package (``AsyncSession`` …) runs
the real ``__init__`` then, so code that wants the ORM gets it, only later. When the package
is already imported, or its layout is not the one expected, the ordinary import is used.

Import this module before anything imports ``sqlalchemy.ext.asyncio`` (``storage.db``
does, and every storage module is imported after it through ``beredskab.storage``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

_PACKAGE = "sqlalchemy.ext.asyncio"
_CORE_NAMES = ("AsyncConnection", "AsyncEngine", "AsyncTransaction", "create_async_engine")


def _register_without_orm() -> None:
    if _PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)

    def complete(name: str) -> object:
        """Any name but a submodule's runs the package's real ``__init__`` first."""
        if name.startswith("__") or importlib.util.find_spec(f"{_PACKAGE}.{name}") is not None:
            raise AttributeError(name)
        del package.__getattr__
        assert spec.loader is not None
        spec.loader.exec_module(package)
        return getattr(package, name)

    package.__getattr__ = complete  # type: ignore[method-assign]
    sys.modules[_PACKAGE] = package
    try:
        engine = importlib.import_module(f"{_PACKAGE}.engine")
        for name in _CORE_NAMES:
            setattr(package, name, getattr(engine, name))
    except (ImportError, AttributeError):  # another layout: import it the ordinary way
        for name in [n for n in sys.modules if n == _PACKAGE or n.startswith(_PACKAGE + ".")]:
            del sys.modules[name]
        return
    ext = sys.modules["sqlalchemy.ext"]
    ext.asyncio = package  # type: ignore[attr-defined]


_register_without_orm()

from sqlalchemy.ext.asyncio import (  # noqa: E402 (after the registration above)
    AsyncConnection,
    AsyncEngine,
    create_async_engine,
)

__all__ = ["AsyncConnection", "AsyncEngine", "create_async_engine"]
