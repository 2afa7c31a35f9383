"""English templates (``templates_en``) for people whose directory language is "en"."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from playbooks.errors import PlaybookError, Problem
from playbooks.gsm import BASIC, EXTENSION, SEGMENT_SEPTETS
from playbooks.loader import PlaybookSet, load_playbooks
from playbooks.schema import (
    DRILL_PREFIX,
    DRILL_PREFIX_EN,
    PLACEHOLDERS,
    Playbook,
    TemplateKind,
)
from playbooks.validation import placeholders, sms_septets

GOOD = resources.files("playbooks").joinpath("plans", "gruppe-2.toml").read_text("utf-8")
EN_STAND_DOWN_SMS = (
    'sms = "{gruppe} was stood down at {tid} (incident {nr}). Thank you for your efforts. '
    'Evaluation will follow. You do not need to reply."'
)
EN_REMINDER_SUBJECT = 'subject = "Reminder - incident {nr}"'


@pytest.fixture(scope="module")
def plan() -> PlaybookSet:
    return load_playbooks()


def _playbook(plan: PlaybookSet, pid: str) -> Playbook:
    pb = plan.get(pid)
    assert pb is not None
    return pb


def _replace(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, old
    return GOOD.replace(old, new, 1)


def _drop_table(text: str, header: str) -> str:
    start = text.index(header)
    end = text.find("\n[", start + len(header))
    return text[:start] + (text[end + 1 :] if end != -1 else "")


def _errors(tmp_path: Path, text: str) -> tuple[Problem, ...]:
    (tmp_path / "gruppe-2.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookError) as caught:
        load_playbooks(tmp_path)
    return caught.value.problems


# --- bundled plans -----------------------------------------------------------------------


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
def test_bundled_plans_have_an_english_variant_of_every_kind(plan: PlaybookSet, pid: str) -> None:
    pb = _playbook(plan, pid)
    assert set(pb.templates_en) == set(TemplateKind)
    assert plan.warnings == ()


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
@pytest.mark.parametrize("kind", list(TemplateKind))
def test_english_sms_fits_one_segment_with_english_drill_prefix(
    plan: PlaybookSet, pid: str, kind: TemplateKind
) -> None:
    template = _playbook(plan, pid).templates_en[kind]
    worst = DRILL_PREFIX_EN + template.sms.format(**{k: "x" * n for k, n in PLACEHOLDERS.items()})
    assert set(worst) <= BASIC | EXTENSION
    assert sum(2 if ch in EXTENSION else 1 for ch in worst) <= SEGMENT_SEPTETS


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
@pytest.mark.parametrize("kind", list(TemplateKind))
def test_english_uses_the_same_placeholders_as_danish(
    plan: PlaybookSet, pid: str, kind: TemplateKind
) -> None:
    pb = _playbook(plan, pid)
    da, en = pb.templates[kind], pb.templates_en[kind]
    for attr in ("subject", "text", "sms"):
        da_names, _ = placeholders(getattr(da, attr))
        en_names, _ = placeholders(getattr(en, attr))
        assert set(en_names) == set(da_names), (pid, kind.value, attr)


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
def test_english_texts_are_english(plan: PlaybookSet, pid: str) -> None:
    pb = _playbook(plan, pid)
    for kind in TemplateKind:
        en = pb.templates_en[kind]
        assert en != pb.templates[kind]
        assert not re.search(r"\b(hændelse|Svar|aktiveret|afsluttet)\b", en.subject + en.sms)
    assert "incident" in pb.templates_en[TemplateKind.ACTIVATION].sms


def test_police_case_number_only_in_the_police_case_plan(plan: PlaybookSet) -> None:
    g1, g2 = _playbook(plan, "gruppe-1"), _playbook(plan, "gruppe-2")
    assert "journalnr" not in "".join(t.sms + t.text for t in g1.templates_en.values())
    assert "{journalnr}" in g2.templates_en[TemplateKind.ACTIVATION].sms


# --- validation of broken English templates ---------------------------------------------

# (case id, broken file text, expected key, fragment of message, fragment of hint)
BROKEN = [
    (
        "unknown-placeholder",
        _replace(EN_REMINDER_SUBJECT, 'subject = "Reminder - incident {number}"'),
        "templates_en.reminder.subject",
        "unknown placeholder {number}",
        "{nr}",
    ),
    (
        "long-placeholder-in-sms",
        _replace(EN_STAND_DOWN_SMS, 'sms = "{gruppe} stood down: {titel}"'),
        "templates_en.stand_down.sms",
        "unknown placeholder {titel}",
        "{kode}",
    ),
    (
        "broken-brace",
        _replace(EN_STAND_DOWN_SMS, 'sms = "{gruppe stood down"'),
        "templates_en.stand_down.sms",
        "bad placeholder syntax",
        "{{",
    ),
    (
        "sms-too-long",
        _replace(
            EN_STAND_DOWN_SMS,
            EN_STAND_DOWN_SMS[:-1] + ' Call the project manager with any questions."',
        ),
        "templates_en.stand_down.sms",
        "with 'DRILL:' and placeholders at full length; one SMS segment holds 160",
        "shorten it by",
    ),
    (
        "sms-non-gsm",
        _replace(EN_STAND_DOWN_SMS, EN_STAND_DOWN_SMS.replace("Thank you", "Thank you – ")),
        "templates_en.stand_down.sms",
        "outside GSM-7",
        "'–' (U+2013)",
    ),
    (
        "unknown-kind",
        _replace("[templates_en.reminder]", "[templates_en.remind]"),
        "templates_en.remind",
        "Input should be",
        "use one of",
    ),
    (
        "unknown-key",
        _replace(EN_REMINDER_SUBJECT, EN_REMINDER_SUBJECT + '\ntitle = "x"'),
        "templates_en.reminder.title",
        "Extra inputs",
        "allowed keys: subject, text, sms",
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "message", "hint"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_broken_english_template_names_key_and_hint(
    tmp_path: Path, text: str, key: str, message: str, hint: str
) -> None:
    problems = _errors(tmp_path, text)
    matching = [p for p in problems if p.key == key]
    assert matching, f"no problem at {key!r}; got {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.severity == "error"
    assert message in problem.message
    assert hint in problem.hint
    assert not any(p.key.startswith("templates.") for p in problems)


def test_english_sms_is_sized_with_the_english_drill_prefix(tmp_path: Path) -> None:
    room = SEGMENT_SEPTETS - len(DRILL_PREFIX_EN)
    assert len(DRILL_PREFIX) > len(DRILL_PREFIX_EN)
    assert sms_septets("x" * room, DRILL_PREFIX_EN) == SEGMENT_SEPTETS
    assert sms_septets("x" * room) > SEGMENT_SEPTETS  # would not fit with "ØVELSE: "
    fits = _replace(EN_STAND_DOWN_SMS, f'sms = "{"x" * room}"')
    (tmp_path / "gruppe-2.toml").write_text(fits, encoding="utf-8")
    assert load_playbooks(tmp_path).warnings == ()
    too_long = _replace(EN_STAND_DOWN_SMS, f'sms = "{"x" * (room + 1)}"')
    (problem,) = _errors(tmp_path, too_long)
    assert problem.key == "templates_en.stand_down.sms"
    assert "needs 161 septets" in problem.message
    assert "shorten it by 1 character(s)" in problem.hint


def test_missing_english_kind_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = _drop_table(GOOD, "[templates_en.outreach_task]")
    (tmp_path / "gruppe-2.toml").write_text(text, encoding="utf-8")
    plan = load_playbooks(tmp_path)
    (warning,) = plan.warnings
    assert (warning.severity, warning.key) == ("warning", "templates_en.outreach_task")
    assert "[templates_en.outreach_task]" in warning.hint
    assert TemplateKind.OUTREACH_TASK not in plan.playbooks[0].templates_en


def test_plan_without_english_templates_loads_without_warnings(tmp_path: Path) -> None:
    danish_only = GOOD[: GOOD.index("[templates_en.")]
    (tmp_path / "gruppe-2.toml").write_text(danish_only, encoding="utf-8")
    plan = load_playbooks(tmp_path)
    assert plan.warnings == ()
    assert plan.playbooks[0].templates_en == {}


# --- Playbook.template --------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(TemplateKind))
def test_template_picks_english_for_english_readers(plan: PlaybookSet, kind: TemplateKind) -> None:
    pb = _playbook(plan, "gruppe-2")
    assert pb.template(kind, "en") == (pb.templates_en[kind], "en")
    assert pb.template(kind, "da") == (pb.templates[kind], "da")


@pytest.mark.parametrize("language", ["da", "de", "", "EN"])
def test_template_uses_danish_for_any_other_language(plan: PlaybookSet, language: str) -> None:
    pb = _playbook(plan, "gruppe-1")
    assert pb.template(TemplateKind.ACTIVATION, language) == (
        pb.templates[TemplateKind.ACTIVATION],
        "da",
    )


def test_template_falls_back_to_danish_when_english_kind_is_missing(plan: PlaybookSet) -> None:
    pb = _playbook(plan, "gruppe-1")
    partial = pb.model_copy(
        update={
            "templates_en": {
                k: t for k, t in pb.templates_en.items() if k is not TemplateKind.REMINDER
            }
        }
    )
    assert partial.template(TemplateKind.REMINDER, "en") == (
        pb.templates[TemplateKind.REMINDER],
        "da",
    )
    assert partial.template(TemplateKind.ESCALATION, "en") == (
        pb.templates_en[TemplateKind.ESCALATION],
        "en",
    )
    danish_only = pb.model_copy(update={"templates_en": {}})
    assert danish_only.template(TemplateKind.REMINDER, "en") == (
        pb.templates[TemplateKind.REMINDER],
        "da",
    )
