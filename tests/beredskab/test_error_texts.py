"""Every error is raised with an English template that has a Danish translation in the
``errors`` catalog domain, and renders in the reader's language. (That every catalog entry is
complete in Danish and English with the same placeholders is the catalog test's job.)"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from enum import StrEnum
from pathlib import Path

import pytest

import beredskab
from beredskab.errors import BeredskabError, NotFoundError, Phrase, PlanInvalidError, render, texts

ROOT = Path(beredskab.__file__).parent
KNOWN_EXCEPTIONS: set[str] = set()


def _error_classes() -> set[str]:
    """The names of every BeredskabError subclass, once every module is imported."""
    for module in pkgutil.walk_packages([str(ROOT)], prefix="beredskab."):
        if ".migrations." not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: set[str] = set()
    pending: list[type] = [BeredskabError]
    while pending:
        cls = pending.pop()
        found.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return found


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and _name(func.value.func) == "super"
    )


def _problem(message: ast.expr) -> str | None:
    """Why a message argument is not a translatable template, or None if it is one."""
    if isinstance(message, ast.JoinedStr):
        return "an f-string"
    if isinstance(message, ast.Call) and _name(message.func) == "format":
        return "a .format() call"
    if isinstance(message, ast.BinOp):
        return "a computed string"
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        if texts.has(message.value, "da") and texts.has(message.value, "en"):
            return None
        return f"no Danish translation for {message.value!r}"
    return None  # an enum or a variable: the class builds its own template (checked there)


def _violations() -> list[str]:
    classes = _error_classes() | {"Phrase"}
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in KNOWN_EXCEPTIONS or "/migrations/" in relative:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            if _name(node.func) in classes or _is_super_init(node):
                problem = _problem(node.args[0])
                if problem is not None:
                    found.append(f"{relative}:{node.lineno}: {problem}")
            if _name(node.func) == "require_role":
                for keyword in node.keywords:
                    if keyword.arg == "what":
                        problem = _problem(keyword.value)
                        if problem is not None:
                            found.append(f"{relative}:{node.lineno}: what= is {problem}")
    return found


def test_every_error_is_a_template_with_a_danish_translation() -> None:
    assert _violations() == []


def test_the_scan_sees_f_strings_and_untranslated_templates(tmp_path: Path) -> None:
    bad = ast.parse('raise NotFoundError(f"x {y}")').body[0]
    assert isinstance(bad, ast.Raise) and isinstance(bad.exc, ast.Call)
    assert _problem(bad.exc.args[0]) == "an f-string"
    untranslated = ast.parse('NotFoundError("no such thing {x}", x=1)').body[0]
    assert isinstance(untranslated, ast.Expr) and isinstance(untranslated.value, ast.Call)
    assert "no Danish translation" in (_problem(untranslated.value.args[0]) or "")


class _Colour(StrEnum):
    CLOSED = "closed"


@pytest.mark.parametrize(
    ("error", "danish", "english"),
    [
        (
            NotFoundError("there is no incident number {nr}; see `beredskab status`", nr=7),
            "der er ingen hændelse nummer 7; se `beredskab status`",
            "there is no incident number 7; see `beredskab status`",
        ),
        (  # an untranslated template falls back to English
            NotFoundError("not in the catalog {x}", x=1),
            "not in the catalog 1",
            "not in the catalog 1",
        ),
        (  # enum values are words; a Phrase is translated inside its message
            NotFoundError("step {position} is already {status}", position=2, status=_Colour.CLOSED),
            "trin 2 er allerede afsluttet",
            "step 2 is already closed",
        ),
        (
            PlanInvalidError(["a", "b"]),
            "planen har 2 fejl:\na\nb",
            "the plan has 2 problem(s):\na\nb",
        ),
    ],
)
def test_render(error: BeredskabError, danish: str, english: str) -> None:
    assert render(error, "da") == danish
    assert render(error, "en") == english == str(error)


def test_a_phrase_is_translated_within_its_message() -> None:
    from beredskab.security.access import Refusal

    refusal = Refusal(
        "{name} ({person}) may not {what}; allowed roles: {roles}",
        name="Kim",
        person="kim",
        what=Phrase("finish step {position}", position=3),
        roles="projektchef",
        actor="kim",
        action="step.done",
        channel="cli",
        incident_id=1,
    )
    assert str(refusal) == "Kim (kim) may not finish step 3; allowed roles: projektchef"
    assert render(refusal, "da") == (
        "Kim (kim) må ikke afslutte trin 3; roller der må: projektchef"
    )
