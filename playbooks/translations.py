"""Checks of a playbook's languages and translated templates: known language codes, a Danish
original for every translation, only the Danish text's placeholders, the fingerprint of the
Danish text each translation was made from, and the SMS in one segment of its encoding."""

from __future__ import annotations

from playbooks.errors import Problem
from playbooks.gsm import segments
from playbooks.languages import DANISH, LANGUAGES, fingerprint
from playbooks.placeholders import placeholders, render_max
from playbooks.schema import (
    DRILL_PREFIX,
    PLACEHOLDERS,
    SMS_PLACEHOLDERS,
    Playbook,
    Template,
    TemplateKind,
)


def _unknown_language(file: str, key: str, code: str) -> Problem:
    return Problem(
        file,
        key,
        f"unknown language code {code!r}",
        f"use one of: {', '.join(c for c in LANGUAGES if c != DANISH)} "
        "(to add a language, add it to playbooks/languages.py)",
    )


def _check_languages(pb: Playbook, file: str) -> list[Problem]:
    out: list[Problem] = []
    for i, code in enumerate(pb.languages):
        if code in pb.languages[:i]:
            out.append(
                Problem(
                    file, f"languages[{i}]", f"{code!r} is listed twice", "list each language once"
                )
            )
        elif code == DANISH:
            out.append(
                Problem(
                    file,
                    f"languages[{i}]",
                    "Danish is always there: the templates themselves are Danish",
                    'remove "da" from languages',
                )
            )
        elif code not in LANGUAGES:
            out.append(_unknown_language(file, f"languages[{i}]", code))
    translated = {kind for kinds in pb.translations.values() for kind in kinds}
    for code in pb.languages:
        if code == DANISH or code not in LANGUAGES:
            continue
        for kind in sorted(translated):
            if pb.variant(kind, code) is None:
                table = "templates_en" if code == "en" else f"translations.{code}"
                out.append(
                    Problem(
                        file,
                        f"{table}.{kind.value}",
                        f"no {LANGUAGES[code].en} variant of {kind.value}; "
                        f"{LANGUAGES[code].en} readers get the Danish text",
                        f"add a [{table}.{kind.value}] table with subject, text, sms "
                        "and translated_from",
                        severity="warning",
                    )
                )
    return out


def check_translations(pb: Playbook, file: str) -> list[Problem]:
    """Every problem of the plan's languages and translations, with key paths into its file."""
    out = _check_languages(pb, file)
    for kind, template in pb.templates.items():
        if template.translated_from is not None:
            out.append(
                Problem(
                    file,
                    f"templates.{kind.value}.translated_from",
                    "the Danish template is the original, not a translation",
                    "remove translated_from from the Danish template",
                )
            )
    for kind, template in pb.templates_en.items():
        out += _check_source(pb, file, f"templates_en.{kind.value}", kind, template, False)
    for code, kinds in pb.translations.items():
        if code in (DANISH, "en"):
            where = "[templates.<kind>]" if code == DANISH else "[templates_en.<kind>]"
            out.append(
                Problem(
                    file,
                    f"translations.{code}",
                    f"{LANGUAGES[code].en} templates do not go under translations",
                    f"write them as {where}",
                )
            )
            continue
        if code not in LANGUAGES:
            out.append(_unknown_language(file, f"translations.{code}", code))
            continue
        if code not in pb.languages:
            out.append(
                Problem(
                    file,
                    f"translations.{code}",
                    f"{LANGUAGES[code].en} is not listed in languages",
                    f'add "{code}" to languages = [...]',
                )
            )
        for kind, template in kinds.items():
            key = f"translations.{code}.{kind.value}"
            out += _check_source(pb, file, key, kind, template, True)
            out += _check_variant(pb, file, key, kind, template)
    return out


def _check_source(
    pb: Playbook, file: str, key: str, kind: TemplateKind, template: Template, required: bool
) -> list[Problem]:
    """A translation names the Danish text it was made from; warn when that has changed."""
    danish = pb.templates.get(kind)
    if danish is None:
        return [
            Problem(
                file,
                key,
                f"there is no Danish {kind.value} to translate from",
                f"add the Danish original as [templates.{kind.value}] first",
            )
        ]
    current = fingerprint(danish.subject, danish.text, danish.sms)
    if template.translated_from is None and not required:
        return []
    if template.translated_from == current:
        return []
    said = "does not say which Danish text it was translated from"
    if template.translated_from is not None:
        said = "is older than the Danish text (the Danish text has changed since)"
    return [
        Problem(
            file,
            f"{key}.translated_from",
            f"the translation {said}",
            f'check it against [templates.{kind.value}], then set translated_from = "{current}"',
            severity="warning",
        )
    ]


def _check_variant(
    pb: Playbook, file: str, key: str, kind: TemplateKind, template: Template
) -> list[Problem]:
    """Placeholders known and used by the Danish text too; the SMS in one segment of its
    encoding (GSM-7, or UCS-2 for other scripts)."""
    out: list[Problem] = []
    danish = pb.templates.get(kind)
    for attr in ("subject", "text", "sms"):
        allowed = SMS_PLACEHOLDERS if attr == "sms" else frozenset(PLACEHOLDERS)
        names, error = placeholders(getattr(template, attr))
        original, _ = placeholders(getattr(danish, attr)) if danish else ([], None)
        if error:
            out.append(
                Problem(
                    file,
                    f"{key}.{attr}",
                    f"bad placeholder syntax: {error}",
                    "write placeholders as {name}; a literal brace as {{ or }}",
                )
            )
            continue
        for name in dict.fromkeys(names):
            if name not in allowed or (danish is not None and name not in original):
                out.append(
                    Problem(
                        file,
                        f"{key}.{attr}",
                        f"unknown placeholder {{{name}}}: the Danish {attr} has no {{{name}}}",
                        "use only the Danish text's placeholders: "
                        f"{', '.join('{' + n + '}' for n in dict.fromkeys(original)) or 'none'}",
                    )
                )
    if out:
        return out
    size = segments(DRILL_PREFIX + render_max(template.sms))
    if size.count > 1:
        out.append(
            Problem(
                file,
                f"{key}.sms",
                f"needs {size.count} SMS segments ({size.units} {size.encoding} units with "
                f"{DRILL_PREFIX.strip()!r} and placeholders at full length)",
                "shorten it to one segment: 160 GSM-7 characters, or 70 in UCS-2 "
                "(Arabic, Urdu, Ukrainian …)",
                severity="warning",
            )
        )
    return out
