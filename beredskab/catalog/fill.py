"""Filling a text's ``{placeholders}``, with counted nouns: ``{n:modtager|modtagere}``."""

from __future__ import annotations

import string


def plural(count: int, one: str, other: str) -> str:
    """``count`` with the singular or the plural noun: "1 modtager", "3 modtagere"."""
    return f"{count} {one if count == 1 else other}"


class _Formatter(string.Formatter):
    """``str.format`` plus plurals: ``{n:modtager|modtagere}`` gives "1 modtager" or
    "3 modtagere" (the count and the noun that fits it)."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" in format_spec and isinstance(value, int) and not isinstance(value, bool):
            one, _, other = format_spec.partition("|")
            return plural(value, one, other)
        return str(super().format_field(value, format_spec))


_FORMATTER = _Formatter()


def fill(template: str, /, **values: object) -> str:
    """Fill ``{placeholders}`` in a text; ``{n:one|other}`` counts with the fitting noun.

    A text without a ``|`` has no counted noun and is filled by ``str.format`` (the same
    result, without the pure-Python formatter every alert's text would otherwise pay for)."""
    if "|" not in template:
        return template.format(**values)
    return _FORMATTER.format(template, **values)


def placeholders(template: str) -> frozenset[str]:
    """The names of the ``{placeholders}`` in a text (format specs aside)."""
    return frozenset(
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name is not None
    )
