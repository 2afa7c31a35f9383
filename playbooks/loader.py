"""Load the playbook files (bundled or from a directory), validate them, report every problem."""

from __future__ import annotations

import re
import tomllib
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from playbooks.errors import PlaybookError, Problem
from playbooks.schema import Playbook
from playbooks.validation import validate_playbook, validate_set

BUNDLED_DIR = "playbooks/plans"
"""How bundled files are named in problems."""


@dataclass(frozen=True)
class PlaybookSet:
    """Every loaded playbook, ordered by number, with the raw sources for the version hash."""

    playbooks: tuple[Playbook, ...]
    sources: tuple[tuple[str, bytes], ...]
    warnings: tuple[Problem, ...] = field(default=())
    labels: tuple[tuple[str, str], ...] = field(default=())

    def label(self, playbook_id: str) -> str:
        """The file a playbook came from, as problems name it."""
        return dict(self.labels).get(playbook_id, f"{playbook_id}.toml")

    def get(self, ref: str) -> Playbook | None:
        """The playbook with this id (``gruppe-2``), number (``"2"``) or name (any case)."""
        wanted = ref.strip().casefold()
        for pb in self.playbooks:
            if wanted in (pb.id.casefold(), str(pb.number), pb.name.casefold()):
                return pb
        return None


def load_playbooks(directory: Path | None = None) -> PlaybookSet:
    """Load the bundled plan (``directory=None``) or every ``*.toml`` in ``directory``.

    Raises ``PlaybookError`` listing every problem in every file if any is an error.
    """
    problems: list[Problem] = []
    files = _read_bundled() if directory is None else _read_directory(directory, problems)
    loaded: list[tuple[str, Playbook]] = []
    for label, raw in files:
        playbook = _parse(label, raw, problems)
        if playbook is not None:
            problems.extend(validate_playbook(playbook, label))
            loaded.append((label, playbook))
    problems.extend(validate_set(loaded))
    if any(p.severity == "error" for p in problems):
        raise PlaybookError(problems)
    return PlaybookSet(
        playbooks=tuple(sorted((pb for _, pb in loaded), key=lambda pb: pb.number)),
        sources=tuple(sorted((Path(label).name, raw) for label, raw in files)),
        warnings=tuple(problems),
        labels=tuple((pb.id, label) for label, pb in loaded),
    )


def _read_bundled() -> list[tuple[str, bytes]]:
    plans = resources.files("playbooks").joinpath("plans")
    entries = [e for e in plans.iterdir() if e.is_file() and e.name.endswith(".toml")]
    return [(f"{BUNDLED_DIR}/{e.name}", e.read_bytes()) for e in sorted(entries, key=_name)]


def _name(entry: Any) -> str:
    return str(entry.name)


def _read_directory(directory: Path, problems: list[Problem]) -> list[tuple[str, bytes]]:
    if not directory.is_dir():
        problems.append(
            Problem(
                str(directory),
                "(directory)",
                "is not a directory",
                "name the folder that holds the playbook *.toml files",
            )
        )
        return []
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        problems.append(
            Problem(
                str(directory),
                "(directory)",
                "contains no *.toml playbook files",
                "copy playbooks/plans/gruppe-1.toml and gruppe-2.toml there and adapt them",
            )
        )
    return [(str(p), p.read_bytes()) for p in paths]


_TOML_AT = re.compile(r"\s*\(at (line (\d+), column (\d+)|end of document)\)\s*$")


def _parse(label: str, raw: bytes, problems: list[Problem]) -> Playbook | None:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(label, f"byte {exc.start}", "is not valid UTF-8", "save the file as UTF-8")
        )
        return None
    except tomllib.TOMLDecodeError as exc:
        problems.append(toml_problem(label, exc))
        return None
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(label, Playbook, exc))
        return None


def toml_problem(label: str, exc: tomllib.TOMLDecodeError) -> Problem:
    """A TOML syntax error as a Problem whose key is the line and column."""
    text = str(exc)
    match = _TOML_AT.search(text)
    message = text[: match.start()] if match else text
    if match and match.group(2):
        where = f"line {match.group(2)}, column {match.group(3)}"
    else:
        where = "end of file"
    return Problem(
        label,
        where,
        f"TOML syntax error: {message}",
        "check quotes, brackets and '=' near that place; strings need double quotes, "
        "multi-line strings triple quotes",
    )


def validation_problems(label: str, model: type[BaseModel], exc: ValidationError) -> list[Problem]:
    """Map pydantic errors to Problems with dotted key paths and a fix hint per error type."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        key, allowed = _walk(model, loc)
        out.append(Problem(label, key or "(top level)", err["msg"], _hint(err, allowed)))
    return out


def _hint(err: Any, allowed: list[str] | None) -> str:
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    if kind == "extra_forbidden":
        keys = ", ".join(allowed) if allowed else "see the schema"
        return f"remove it or check the spelling; allowed keys: {keys}"
    if kind == "missing":
        return "add it"
    if kind in ("enum", "literal_error"):
        return f"use one of: {ctx.get('expected', '')}"
    if kind == "union_tag_invalid":
        return f"set kind to one of: {ctx.get('expected_tags', '')}"
    if kind == "union_tag_not_found":
        return 'add kind = "notify", "create_outreach_tasks" or "convene"'
    if kind == "string_pattern_mismatch":
        return 'use lowercase letters a-z, digits and hyphens, e.g. "gruppe-2"'
    if kind in ("too_short", "string_too_short"):
        return f"give at least {ctx.get('min_length', 1)} item(s)/character(s)"
    if kind in ("too_long", "string_too_long"):
        return f"shorten it to at most {ctx.get('max_length')}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {
            "greater_than": ">",
            "greater_than_equal": ">=",
            "less_than": "<",
            "less_than_equal": "<=",
        }[kind]
        value = next(iter(ctx.values()), "")
        return f"use a whole number {bound} {value}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        wanted = kind.removesuffix("_type").removesuffix("_parsing")
        names = {
            "int": "a whole number without quotes",
            "bool": "true or false",
            "string": "a quoted string",
            "tuple": "a list [ ... ]",
            "list": "a list [ ... ]",
            "model": "a table",
            "dict": "a table",
        }
        return f"write {names.get(wanted, wanted)}"
    return "see the comment header of the bundled plan files for the format"


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return tp


def _tagged_member(tp: Any, tag: object) -> Any | None:
    if get_origin(tp) not in (Union, types.UnionType):
        return None
    for member in get_args(tp):
        member = _unwrap(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            kind = member.model_fields.get("kind")
            if (
                kind is not None
                and get_origin(kind.annotation) is Literal
                and tag in get_args(kind.annotation)
            ):
                return member
    return None


def _walk(root: type[BaseModel], loc: Iterable[str | int]) -> tuple[str, list[str] | None]:
    """Render a pydantic ``loc`` as ``a[1].b`` and return the keys allowed at its parent."""
    parts = list(loc)
    key = ""
    tp: Any = root
    parent: Any = None
    for part in parts:
        if part == "[key]":
            continue
        tp = _unwrap(tp)
        member = _tagged_member(tp, part)
        if member is not None:
            tp = member  # the discriminator tag is not part of the file's key path
            continue
        parent = tp
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(part))
            tp = info.annotation if info is not None else None
        elif get_origin(tp) is tuple:
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            tp = None
    allowed = None
    if isinstance(parent, type) and issubclass(parent, BaseModel):
        allowed = list(parent.model_fields)
    return key, allowed
