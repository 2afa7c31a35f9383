"""A crisis communication in several languages: the variants composed from the plan's
translations, which text each recipient gets, and what the composer warns about.

Danish is the original. A variant records ``source``, the fingerprint of the Danish subject and
text it was translated from; once the Danish text is edited the variant is *older*, and a
recipient of that language gets the Danish text instead (the situation log says who), as does
a recipient whose language has no variant at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from beredskab.communications.audiences import everyone
from beredskab.communications.texts import texts
from beredskab.delivery.notifications import compose
from beredskab.models import Incident
from beredskab.plan import Plan
from beredskab.storage.repositories.communications import Communication, Variant
from playbooks.gsm import Segments, segments
from playbooks.languages import DANISH, LANGUAGES, fingerprint, is_rtl
from playbooks.schema import DRILL_PREFIX, DRILL_PREFIX_EN, Playbook, TemplateKind

__all__ = [
    "Chosen",
    "LanguageView",
    "State",
    "compose_variants",
    "drilled",
    "expected_languages",
    "fallback_note",
    "for_composer",
    "named",
    "source_of",
    "text_for",
    "views",
]


class State(StrEnum):
    """How a language stands in a communication."""

    ORIGINAL = "original"
    CURRENT = "current"
    OLDER = "older"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Chosen:
    """The text a recipient gets: its language, and ``fell_back`` when they read another
    language that has no current variant (they get Danish)."""

    language: str
    subject: str
    text: str
    fell_back: bool


@dataclass(frozen=True, slots=True)
class LanguageView:
    """One language of a communication as the composer shows it."""

    language: str
    name: str
    """The language's name in Danish."""
    english: str
    """The language's name in English."""
    native: str
    rtl: bool
    state: State
    subject: str
    text: str
    segments: Segments | None
    """SMS segments of the text (None when missing)."""
    too_long: bool
    """More segments than ``limit``, the configured warning limit."""
    limit: int


def source_of(item: Communication) -> str:
    """The fingerprint of the communication's Danish subject and text."""
    return fingerprint(item.subject, item.text)


def _current(item: Communication, variant: Variant) -> bool:
    return variant.source == source_of(item)


def text_for(item: Communication, language: str) -> Chosen:
    """What to send a reader of ``language``: its variant when current, else the Danish text
    (``fell_back`` is then True for any language but Danish)."""
    if language != DANISH:
        for variant in item.variants:
            if variant.language == language and _current(item, variant):
                return Chosen(language, variant.subject, variant.text, fell_back=False)
    return Chosen(DANISH, item.subject, item.text, fell_back=language != DANISH)


def drilled(text: str, *, drill: bool, language: str) -> str:
    """``text`` with the drill prefix of its language (English: DRILL, else ØVELSE), once."""
    prefix = DRILL_PREFIX_EN if language == "en" else DRILL_PREFIX
    return prefix + text if drill and not text.startswith(prefix) else text


def expected_languages(
    playbook: Playbook, kind: TemplateKind, readers: Iterable[str] = ()
) -> tuple[str, ...]:
    """The languages a communication from ``kind`` should have besides Danish: the plan's
    languages when the plan translates ``kind`` (a resident-facing template), and the
    languages of its recipients."""
    translated = any(kind in kinds for kinds in playbook.translations.values())
    wanted = list(playbook.languages) if translated else []
    wanted += [lang for lang in readers if lang != DANISH]
    return tuple(dict.fromkeys(wanted))


def compose_variants(
    playbook: Playbook,
    kind: TemplateKind,
    values: Mapping[str, str],
    *,
    drill: bool,
    source: str,
    limits: tuple[int, int],
) -> list[Variant]:
    """The communication in each language the plan translates ``kind`` into, filled with
    the incident's values. A translation of the plan's current Danish template records
    ``source`` (the new communication's Danish fingerprint); one made from an older Danish
    template records "" and shows as older. ``limits``: the longest subject and text."""
    danish = playbook.templates[kind]
    plan_source = fingerprint(danish.subject, danish.text, danish.sms)
    found = []
    for language in playbook.variant_languages(kind):
        template = playbook.variant(kind, language)
        assert template is not None
        subject, text, _ = compose(template, values, drill=drill, language=language)
        fresh = template.translated_from in (None, plan_source)
        found.append(
            Variant(
                language,
                subject[: limits[0]],
                text.strip()[: limits[1]],
                source if fresh else "",
            )
        )
    return found


def views(
    item: Communication, *, expected: Sequence[str], max_segments: int
) -> tuple[LanguageView, ...]:
    """Danish, then every expected language and every other variant, each with its state and
    SMS segments (``too_long`` above ``max_segments``)."""
    variants = {v.language: v for v in item.variants}
    out = [_view(DANISH, State.ORIGINAL, item.subject, item.text, max_segments)]
    for language in dict.fromkeys([*expected, *variants]):
        variant = variants.get(language)
        if variant is None:
            out.append(_view(language, State.MISSING, "", "", max_segments))
            continue
        state = State.CURRENT if _current(item, variant) else State.OLDER
        out.append(_view(language, state, variant.subject, variant.text, max_segments))
    return tuple(out)


def _view(language: str, state: State, subject: str, text: str, limit: int) -> LanguageView:
    known = LANGUAGES.get(language)
    size = segments(text) if text else None
    return LanguageView(
        language=language,
        name=known.da if known else language,
        english=known.en if known else language,
        native=known.native if known else language,
        rtl=is_rtl(language),
        state=state,
        subject=subject,
        text=text,
        segments=size,
        too_long=size is not None and size.count > limit,
        limit=limit,
    )


def fallback_note(fell_back: Iterable[tuple[str, str]]) -> str:
    """For the situation log: who got Danish instead of which language, from pairs of
    (language wanted, recipient name); "" if nobody."""
    by_language: dict[str, list[str]] = {}
    for language, name in fell_back:
        by_language.setdefault(language, []).append(name)
    parts = []
    for language, names in by_language.items():
        known = LANGUAGES.get(language)
        parts.append(
            texts(
                "log.fell_back",
                count=len(names),
                language=known.da if known else language,
                names=", ".join(names),
            )
        )
    return ". ".join(parts) + "." if parts else ""


def for_composer(
    *,
    plan: Plan,
    incident: Incident,
    playbook: Playbook | None,
    item: Communication,
    max_segments: int,
) -> tuple[LanguageView, ...]:
    """The languages of a communication as the composer shows them: Danish, the languages it
    should have (the plan's, for a translated template; its recipients') and its variants."""
    readers = [r.language for r in everyone(plan=plan, incident=incident, stored=item.audience)]
    kind = next((k for k in TemplateKind if k.value == item.template), None)
    if playbook is not None and kind is not None:
        expected = expected_languages(playbook, kind, readers)
    else:
        expected = tuple(dict.fromkeys(r for r in readers if r != DANISH))
    return views(item, expected=expected, max_segments=max_segments)


def named(codes: Iterable[str]) -> str:
    """Languages by their Danish names, for the log ("arabisk, somali"); unknown codes as
    they are."""
    return ", ".join(LANGUAGES[c].da if c in LANGUAGES else c for c in codes)
