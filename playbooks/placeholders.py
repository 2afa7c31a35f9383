"""Placeholders in template texts: which names a text uses, and a text with every value at
its longest (for SMS sizing)."""

from __future__ import annotations

import string

from playbooks.schema import PLACEHOLDERS


def placeholders(text: str) -> tuple[list[str], str | None]:
    """The placeholder names used in ``text``, or the syntax error found."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [], str(exc)
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            return [], f"{{{name}}} must be a plain name without format spec"
        names.append(name)
    return names, None


def render_max(text: str) -> str:
    """``text`` with each placeholder replaced by a filler of its maximum length."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append("x" * PLACEHOLDERS.get(name, 0))
    return "".join(out)
