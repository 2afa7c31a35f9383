"""Broken plan files: every problem names the file, the key path and a fix hint."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from playbooks.errors import PlaybookError, Problem
from playbooks.loader import load_playbooks
from playbooks.validation import sms_septets

GOOD = resources.files("playbooks").joinpath("plans", "gruppe-2.toml").read_text("utf-8")
STAND_DOWN_SMS = (
    'sms = "{gruppe} er afsluttet kl. {tid} (hændelse {nr}). Tak for indsatsen. '
    'Evaluering følger. Du skal ikke svare."'
)


def _drop_table(text: str, header: str) -> str:
    start = text.index(header)
    end = text.find("\n[", start + len(header))
    return text[:start] + (text[end + 1 :] if end != -1 else "")


def _replace(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (case id, broken file text, expected key (regex), fragment of message, fragment of hint)
CASES = [
    (
        "syntax",
        _replace("number = 2", "number = = 2"),
        r"line \d+, column \d+",
        "TOML syntax error",
        "quotes",
    ),
    (
        "unknown-top-key",
        _replace('leader_role = "projektchef"', 'leader_role = "projektchef"\nleder = "x"'),
        r"leder",
        "Extra inputs",
        "allowed keys: id, number, name",
    ),
    (
        "unknown-action-key",
        _replace(
            'template = "board_orientation", confirm = true',
            'template = "board_orientation", bekraeft = true',
        ),
        r"steps\[0\]\.actions\[0\]\.bekraeft",
        "Extra inputs",
        "allowed keys: kind, role, template",
    ),
    (
        "bad-action-kind",
        _replace('kind = "convene"', 'kind = "indkald"'),
        r"steps\[1\]\.actions\[0\]",
        "does not match",
        "set kind to one of",
    ),
    (
        "missing-field",
        _replace(
            'owner_role = "projektchef"\ndue_after_minutes = 15\n', "due_after_minutes = 15\n"
        ),
        r"steps\[0\]\.owner_role",
        "Field required",
        "add it",
    ),
    ("wrong-type", _replace("number = 2", 'number = "to"'), r"number", "integer", "whole number"),
    (
        "bad-slug",
        _replace('id = "briefing"', 'id = "Briefing Trin"'),
        r"steps\[4\]\.id",
        "pattern",
        "lowercase",
    ),
    (
        "unknown-template-kind",
        _replace("[templates.reminder]", "[templates.paamindelse]"),
        r"templates\.paamindelse",
        "Input should be",
        "use one of",
    ),
    (
        "missing-template",
        _drop_table(GOOD, "[templates.stand_down]"),
        r"templates\.stand_down",
        "template is missing",
        "add a [templates.stand_down] table",
    ),
    (
        "bad-placeholder",
        _replace(
            'subject = "Orientering til bestyrelsen: {titel}"',
            'subject = "Orientering til bestyrelsen: {overskrift}"',
        ),
        r"templates\.board_orientation\.subject",
        "unknown placeholder {overskrift}",
        "{titel}",
    ),
    (
        "long-placeholder-in-sms",
        _replace(STAND_DOWN_SMS, 'sms = "{gruppe} afsluttet: {titel}"'),
        r"templates\.stand_down\.sms",
        "unknown placeholder {titel}",
        "{kode}",
    ),
    (
        "broken-brace",
        _replace(STAND_DOWN_SMS, 'sms = "{gruppe afsluttet"'),
        r"templates\.stand_down\.sms",
        "bad placeholder syntax",
        "{{",
    ),
    (
        "sms-too-long",
        _replace(STAND_DOWN_SMS, STAND_DOWN_SMS[:-1] + ' Ring til projektchefen ved spørgsmål."'),
        r"templates\.stand_down\.sms",
        "one SMS segment holds 160",
        "shorten it by",
    ),
    (
        "sms-non-gsm",
        _replace(STAND_DOWN_SMS, STAND_DOWN_SMS.replace("Tak for", "Tak – for")),
        r"templates\.stand_down\.sms",
        "outside GSM-7",
        "'–' (U+2013)",
    ),
    (
        "duplicate-step-id",
        _replace('id = "briefing"', 'id = "kommunale-ledere"'),
        r"steps\[4\]\.id",
        "more than once",
        "unique id",
    ),
    (
        "unknown-outreach-group",
        _replace('"frivillige", "beboere-i-aktiviteter"', '"frivilige", "beboere-i-aktiviteter"'),
        r"steps\[5\]\.actions\[0\]\.groups\[2\]",
        "'frivilige' is not defined",
        "use one of: beboere-i-aktiviteter",
    ),
    (
        "escalation-order",
        _replace("deputy_after_minutes = 20", "deputy_after_minutes = 5"),
        r"escalation\.deputy_after_minutes",
        "must be greater than renotify",
        "renotify < deputy",
    ),
    (
        "escalation-report-order",
        _replace("report_missing_after_minutes = 30", "report_missing_after_minutes = 20"),
        r"escalation\.report_missing_after_minutes",
        "greater than deputy",
        "e.g. 10, 20, 30",
    ),
    (
        "leader-not-participant",
        _replace('leader_role = "projektchef"', 'leader_role = "ssp-x"'),
        r"leader_role",
        "not a participant",
        "add it to participants",
    ),
    (
        "police-case-mismatch",
        _replace("police_case_required = true", "police_case_required = false"),
        r"activation\.police_case_required",
        "police_case is true",
        "set both",
    ),
    (
        "non-positive-minutes",
        _replace("renotify_after_minutes = 10", "renotify_after_minutes = 0"),
        r"escalation\.renotify_after_minutes",
        "greater than 0",
        "> 0",
    ),
]


def _problems(tmp_path: Path) -> tuple[Problem, ...]:
    with pytest.raises(PlaybookError) as caught:
        load_playbooks(tmp_path)
    return caught.value.problems


@pytest.mark.parametrize(
    ("text", "key", "message", "hint"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_plan_names_file_key_and_hint(
    tmp_path: Path, text: str, key: str, message: str, hint: str
) -> None:
    path = tmp_path / "gruppe-2.toml"
    path.write_text(text, encoding="utf-8")
    problems = _problems(tmp_path)
    matching = [p for p in problems if re.fullmatch(key, p.key)]
    assert matching, f"no problem at {key!r}; got {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.file == str(path)
    assert problem.severity == "error"
    assert message in problem.message
    assert hint in problem.hint
    assert str(problem) == f"{path}: {problem.key}: {problem.message} (hint: {problem.hint})"


def test_good_file_in_directory_loads(tmp_path: Path) -> None:
    (tmp_path / "gruppe-2.toml").write_text(GOOD, encoding="utf-8")
    assert [pb.id for pb in load_playbooks(tmp_path).playbooks] == ["gruppe-2"]


def test_every_problem_in_every_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(_replace("number = 2", "number = = 2"), encoding="utf-8")
    broken = GOOD.replace('id = "briefing"', 'id = "kommunale-ledere"').replace(
        "deputy_after_minutes = 20", "deputy_after_minutes = 5"
    )
    (tmp_path / "b.toml").write_text(broken, encoding="utf-8")
    problems = _problems(tmp_path)
    assert {(Path(p.file).name, p.key.split(",")[0]) for p in problems} >= {
        ("a.toml", "line 21"),
        ("b.toml", "steps[4].id"),
        ("b.toml", "escalation.deputy_after_minutes"),
    }


def test_error_message_lists_every_problem(tmp_path: Path) -> None:
    broken = GOOD.replace('id = "briefing"', 'id = "kommunale-ledere"').replace(
        "deputy_after_minutes = 20", "deputy_after_minutes = 5"
    )
    (tmp_path / "gruppe-2.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(PlaybookError) as caught:
        load_playbooks(tmp_path)
    text = str(caught.value)
    assert text.startswith("2 problem(s)")
    assert "steps[4].id" in text and "escalation.deputy_after_minutes" in text


def test_duplicate_id_and_number_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")
    problems = _problems(tmp_path)
    assert {(Path(p.file).name, p.key) for p in problems} == {
        ("b.toml", "id"),
        ("b.toml", "number"),
    }
    assert all("a.toml" in p.message for p in problems)


def test_empty_and_missing_directories_are_errors(tmp_path: Path) -> None:
    assert "no *.toml" in _problems(tmp_path)[0].message
    with pytest.raises(PlaybookError, match="is not a directory"):
        load_playbooks(tmp_path / "missing")


def test_warnings_do_not_stop_loading(tmp_path: Path) -> None:
    late_first = _replace("due_after_minutes = 15", "due_after_minutes = 35")
    (tmp_path / "gruppe-2.toml").write_text(late_first, encoding="utf-8")
    plan = load_playbooks(tmp_path)
    (warning,) = plan.warnings
    assert (warning.severity, warning.key) == ("warning", "steps[1].due_after_minutes")


@pytest.mark.parametrize(
    ("sms", "septets"),
    [
        ("", 8),
        ("OK", 10),
        ("æøåÆØÅ", 14),
        ("€", 10),
        ("[x]", 13),
        ("{kode}", 12),
        ("{{", 10),
        ("€" * 76, 160),
        ("{navn}{journalnr}", 68),
    ],
)
def test_sms_sizing_counts_prefix_extension_chars_and_placeholders(sms: str, septets: int) -> None:
    assert sms_septets(sms) == septets


def test_one_septet_over_the_segment_is_an_error(tmp_path: Path) -> None:
    fits, too_long = "€" * 76, "€" * 76 + "x"
    for sms, ok in ((fits, True), (too_long, False)):
        text = _replace(STAND_DOWN_SMS, f'sms = "{sms}"')
        (tmp_path / "gruppe-2.toml").write_text(text, encoding="utf-8")
        if ok:
            assert load_playbooks(tmp_path).playbooks
        else:
            assert _problems(tmp_path)[0].key == "templates.stand_down.sms"
