"""Load the contact directory file: normalise phones and emails, validate, report every problem."""

from __future__ import annotations

import re
import types
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import tomli
from email_validator import EmailNotValidError
from pydantic import BaseModel, ValidationError

from contacts.directory import Directory
from contacts.errors import ContactsError, Problem
from contacts.models import DirectoryFile
from contacts.normalise import DEFAULT_REGION as DEFAULT_REGION  # re-exported
from contacts.normalise import Normaliser
from contacts.normalise import normalise_phone as normalise_phone  # re-exported
from contacts.validation import validate_directory

BUNDLED_EXAMPLE = "contacts/examples/fredericia.toml"
"""How the bundled fictional directory is named in problems."""


def load_directory(path: Path | None = None) -> Directory:
    """Load the bundled fictional example (``path=None``) or the directory file at ``path``.

    Phone numbers become E.164 and emails are normalised before the models are built.
    Raises ``ContactsError`` listing every problem if any is an error; warnings are kept on
    ``Directory.warnings``.
    """
    if path is None:
        label = BUNDLED_EXAMPLE
        raw = resources.files("contacts").joinpath("examples", "fredericia.toml").read_bytes()
        source = "fredericia.toml"
    else:
        label, source = str(path), path.name
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problem = Problem(
                label,
                "(file)",
                f"cannot be read: {exc.strerror}",
                "check the contacts path in the configuration",
            )
            raise ContactsError([problem]) from exc
    problems: list[Problem] = []
    data = _parse(label, raw, problems)
    if data is None:
        raise ContactsError(problems)
    problems.extend(validate_directory(data, label))
    if any(p.severity == "error" for p in problems):
        raise ContactsError(problems)
    return Directory(data, source=source, text=raw.decode("utf-8"), warnings=tuple(problems))


def directory_from_data(data: Any, *, label: str, source: str, text: str = "") -> Directory:
    """A ``Directory`` from parsed data (a dict like the TOML file's, e.g. kept in the
    database), checked exactly as ``load_directory`` checks a file; raises ``ContactsError``."""
    problems: list[Problem] = []
    model = parse_data(label, data, problems)
    if model is None:
        raise ContactsError(problems)
    problems.extend(validate_directory(model, label))
    if any(p.severity == "error" for p in problems):
        raise ContactsError(problems)
    return Directory(model, source=source, text=text, warnings=tuple(problems))


def _parse(label: str, raw: bytes, problems: list[Problem]) -> DirectoryFile | None:
    try:
        data = tomli.loads(raw.decode("utf-8"))  # tomllib's parser, compiled (pyproject.toml)
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(label, f"byte {exc.start}", "is not valid UTF-8", "save the file as UTF-8")
        )
        return None
    except tomli.TOMLDecodeError as exc:
        problems.append(toml_problem(label, exc))
        return None
    return parse_data(label, data, problems)


def parse_data(label: str, data: Any, problems: list[Problem]) -> DirectoryFile | None:
    """Normalise and validate a directory as parsed data (a dict like the TOML file's);
    problems go to ``problems``; None when the data is not a valid ``DirectoryFile``."""
    if not isinstance(data, dict):
        problems.append(Problem(label, "(top level)", "is not a table", "give a directory table"))
        return None
    normaliser = Normaliser()
    for section in ("people", "targets", "addressees"):
        entries = data.get(section)
        if isinstance(entries, list):
            for i, entry in enumerate(entries):
                if isinstance(entry, dict):
                    _normalise(normaliser, label, f"{section}[{i}]", entry, problems)
    try:
        model = DirectoryFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(label, DirectoryFile, exc))
        return None
    share_fields_sets(model.people)
    share_fields_sets(model.targets)
    return model


def share_fields_sets(models: Iterable[BaseModel]) -> None:
    """Let frozen models whose explicitly set fields are the same share one set of them.

    pydantic keeps a set of the fields given (``model_fields_set``) per instance, ~0.7 kB,
    a third of a loaded person; people written the same way now share one (14 MB less at
    20,000 people). A frozen model never changes its set; ``model_copy`` copies it first.
    """
    shared: dict[frozenset[str], set[str]] = {}
    for model in models:
        given = model.__pydantic_fields_set__
        same = shared.setdefault(frozenset(given), given)
        if same is not given:
            object.__setattr__(model, "__pydantic_fields_set__", same)


def _normalise(
    normaliser: Normaliser, label: str, key: str, entry: dict[str, Any], problems: list[Problem]
) -> None:
    """Rewrite ``phone`` to E.164 and ``email`` to its normalised form, in place."""
    phone = entry.get("phone")
    if isinstance(phone, str):
        e164 = normaliser.phone(phone)
        if e164 is None:
            problems.append(
                Problem(
                    label,
                    f"{key}.phone",
                    f"{phone!r} is not a valid phone number",
                    'write a Danish number as 8 digits (e.g. "20 10 00 01") or a foreign one '
                    "with + and country code",
                )
            )
        else:
            entry["phone"] = e164
    email = entry.get("email")
    if isinstance(email, str):
        try:
            entry["email"] = normaliser.email(email)
        except EmailNotValidError as exc:
            problems.append(
                Problem(
                    label,
                    f"{key}.email",
                    f"{email!r} is not a valid email address: {exc}",
                    'write it as name@domain, e.g. "anna@example.org"',
                )
            )


_TOML_AT = re.compile(r"\s*\(at (line (\d+), column (\d+)|end of document)\)\s*$")


def toml_problem(label: str, exc: tomli.TOMLDecodeError) -> Problem:
    """A TOML syntax error as a Problem whose key is the line and column."""
    text = str(exc)
    match = _TOML_AT.search(text)
    message = text[: match.start()] if match else text
    where = (
        f"line {match.group(2)}, column {match.group(3)}"
        if match and match.group(2)
        else "end of file"
    )
    return Problem(
        label,
        where,
        f"TOML syntax error: {message}",
        "check quotes, brackets and '=' near that place; strings need double quotes",
    )


def validation_problems(label: str, model: type[BaseModel], exc: ValidationError) -> list[Problem]:
    """Map pydantic errors to Problems with dotted key paths and a fix hint per error type."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        key, allowed = _walk(model, tuple(err["loc"]))
        out.append(Problem(label, key or "(top level)", err["msg"], _hint(err, allowed)))
    return out


def _hint(err: Any, allowed: list[str] | None) -> str:
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    if kind == "extra_forbidden":
        keys = ", ".join(allowed) if allowed else "see the example directory"
        return f"remove it or check the spelling; allowed keys: {keys}"
    if kind == "missing":
        return "add it"
    if kind == "literal_error":
        return f"use one of: {ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        return 'use lowercase letters a-z, digits and hyphens, e.g. "anna-jensen"'
    if kind in ("too_short", "string_too_short"):
        return f"give at least {ctx.get('min_length', 1)} item(s)/character(s)"
    if kind in ("greater_than_equal", "less_than_equal"):
        return "zones are 1, 2, 3 or 4; leave zone out for area-wide targets"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        wanted = kind.removesuffix("_type").removesuffix("_parsing")
        names = {
            "int": "a whole number without quotes",
            "bool": "true or false",
            "string": "a quoted string",
            "tuple": "a list [ ... ]",
            "model": "a table",
            "dict": "a table",
        }
        return f"write {names.get(wanted, wanted)}"
    return "see the comment header of the example directory for the format"


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return tp


def _walk(root: type[BaseModel], loc: Iterable[str | int]) -> tuple[str, list[str] | None]:
    """Render a pydantic ``loc`` as ``a[1].b`` and return the keys allowed at its parent."""
    key = ""
    tp: Any = root
    parent: Any = None
    for part in loc:
        tp = _unwrap(tp)
        parent = tp
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(part))
            tp = info.annotation if info is not None else None
        elif get_origin(tp) is tuple:
            tp = get_args(tp)[0]
        else:
            tp = None
    allowed = (
        list(parent.model_fields)
        if isinstance(parent, type) and issubclass(parent, BaseModel)
        else None
    )
    return key, allowed
