"""Resident templates in other languages (``languages``, ``translations``): what ``plan check``
accepts, refuses and warns about."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from playbooks.errors import PlaybookError, Problem
from playbooks.gsm import segments
from playbooks.languages import fingerprint, is_rtl
from playbooks.loader import PlaybookSet, load_playbooks
from playbooks.placeholders import render_max
from playbooks.schema import DRILL_PREFIX, TemplateKind

GOOD = resources.files("playbooks").joinpath("plans", "gruppe-2.toml").read_text("utf-8")
RESIDENT = TemplateKind.RESIDENT_INFORMATION
LANGUAGES = ("en", "ar", "so", "tr", "ur", "uk")


def _replace(old: str, new: str, text: str = GOOD) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new, 1)


def _load(tmp_path: Path, text: str) -> PlaybookSet:
    (tmp_path / "gruppe-2.toml").write_text(text, encoding="utf-8")
    return load_playbooks(tmp_path)


def _errors(tmp_path: Path, text: str) -> list[Problem]:
    (tmp_path / "gruppe-2.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookError) as caught:
        load_playbooks(tmp_path)
    return [p for p in caught.value.problems if p.severity == "error"]


@pytest.fixture(scope="module")
def plan() -> PlaybookSet:
    return load_playbooks()


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
def test_bundled_plans_translate_resident_information_into_six_languages(
    plan: PlaybookSet, pid: str
) -> None:
    pb = plan.get(pid)
    assert pb is not None
    assert pb.languages == LANGUAGES
    assert pb.variant_languages(RESIDENT) == LANGUAGES
    danish = pb.templates[RESIDENT]
    current = fingerprint(danish.subject, danish.text, danish.sms)
    for language in LANGUAGES:
        variant = pb.variant(RESIDENT, language)
        assert variant is not None and variant.translated_from == current
        assert "{zone}" in variant.text and "{beskrivelse}" in variant.text
    assert plan.warnings == ()


@pytest.mark.parametrize(
    ("language", "encoding"),
    [("ar", "UCS-2"), ("so", "GSM-7"), ("tr", "UCS-2"), ("ur", "UCS-2"), ("uk", "UCS-2")],
)
def test_bundled_translated_sms_fit_one_segment_of_their_encoding(
    plan: PlaybookSet, language: str, encoding: str
) -> None:
    for pid in ("gruppe-1", "gruppe-2"):
        pb = plan.get(pid)
        assert pb is not None
        variant = pb.variant(RESIDENT, language)
        assert variant is not None
        size = segments(DRILL_PREFIX + render_max(variant.sms))
        assert (size.encoding, size.count) == (encoding, 1)


def test_arabic_and_urdu_run_right_to_left() -> None:
    assert [c for c in ("da", "en", *LANGUAGES) if is_rtl(c)] == ["ar", "ur"]


def test_an_unknown_language_code_is_an_error(tmp_path: Path) -> None:
    text = _replace(
        "[translations.so.resident_information]", "[translations.xx.resident_information]"
    )
    text = _replace('languages = ["en", "ar", "so",', 'languages = ["en", "ar", "xx",', text)
    errors = _errors(tmp_path, text)
    keys = {p.key for p in errors}
    assert keys == {"languages[2]", "translations.xx"}
    assert all("unknown language code 'xx'" in p.message for p in errors)
    assert all("playbooks/languages.py" in p.hint and "so" in p.hint for p in errors)


def test_a_translation_without_its_danish_original_is_an_error(tmp_path: Path) -> None:
    start = GOOD.index("[templates.resident_information]")
    end = GOOD.index("\n[", start + 1)
    errors = _errors(tmp_path, GOOD[:start] + GOOD[end + 1 :])
    missing = [p for p in errors if "no Danish resident_information" in p.message]
    assert {p.key for p in missing} == {
        f"translations.{c}.resident_information" for c in LANGUAGES if c != "en"
    } | {"templates_en.resident_information"}
    assert all("[templates.resident_information]" in p.hint for p in missing)


def test_danish_under_translations_is_an_error(tmp_path: Path) -> None:
    text = _replace(
        "[translations.so.resident_information]", "[translations.da.resident_information]"
    )
    errors = _errors(tmp_path, text)
    assert [(p.key, p.hint) for p in errors] == [
        ("translations.da", "write them as [templates.<kind>]")
    ]


def test_danish_in_languages_is_an_error(tmp_path: Path) -> None:
    errors = _errors(tmp_path, _replace('languages = ["en",', 'languages = ["da", "en",'))
    assert [p.key for p in errors] == ["languages[0]"]
    assert "Danish is always there" in errors[0].message


def test_a_translation_in_a_language_not_listed_is_an_error(tmp_path: Path) -> None:
    errors = _errors(tmp_path, _replace('"tr", "ur", "uk"]', '"tr", "ur"]'))
    assert [(p.key, p.hint) for p in errors] == [
        ("translations.uk", 'add "uk" to languages = [...]')
    ]


@pytest.mark.parametrize(
    ("attr", "placeholder", "why"),
    [
        ("text", "{kode}", "the Danish text has no {kode}"),
        ("sms", "{beskrivelse}", "the Danish sms has no {beskrivelse}"),
        ("subject", "{ukendt}", "the Danish subject has no {ukendt}"),
    ],
)
def test_a_variant_with_an_unknown_placeholder_is_an_error(
    tmp_path: Path, attr: str, placeholder: str, why: str
) -> None:
    section = GOOD.index("[translations.ar.resident_information]")
    line = GOOD.index(f"\n{attr} = ", section) + 1
    body = line + len(f"{attr} = ") + (3 if attr == "text" else 1)
    text = GOOD[:body] + placeholder + " " + GOOD[body:]
    errors = _errors(tmp_path, text)
    assert [p.key for p in errors] == [f"translations.ar.resident_information.{attr}"]
    assert f"unknown placeholder {placeholder}: {why}" == errors[0].message


def test_an_older_translation_is_a_warning_naming_the_new_fingerprint(tmp_path: Path) -> None:
    danish = tomllib.loads(GOOD)["templates"]["resident_information"]
    edited = danish["sms"].replace("Mere info følger.", "Mere følger.")
    text = _replace(danish["sms"], edited)
    loaded = _load(tmp_path, text)
    fresh = fingerprint(danish["subject"], danish["text"], edited)
    older = [w for w in loaded.warnings if "older than the Danish text" in w.message]
    assert {w.key for w in older} == {
        "templates_en.resident_information.translated_from",
        *(f"translations.{c}.resident_information.translated_from" for c in LANGUAGES[1:]),
    }
    assert all(f'translated_from = "{fresh}"' in w.hint for w in older)


def test_a_missing_variant_of_a_listed_language_is_a_warning(tmp_path: Path) -> None:
    start = GOOD.index("[translations.tr.resident_information]")
    end = GOOD.index("\n[", start + 1)
    loaded = _load(tmp_path, GOOD[:start] + GOOD[end + 1 :])
    [warning] = loaded.warnings
    assert warning.key == "translations.tr.resident_information"
    assert "Turkish readers get the Danish text" in warning.message


def test_a_translated_sms_over_one_segment_is_a_warning(tmp_path: Path) -> None:
    section = GOOD.index("[translations.ar.resident_information]")
    sms = GOOD.index('\nsms = "', section) + len('\nsms = "')
    loaded = _load(tmp_path, GOOD[:sms] + "مرحبا بكم. " + GOOD[sms:])
    [warning] = loaded.warnings
    assert warning.key == "translations.ar.resident_information.sms"
    assert "needs 2 SMS segments" in warning.message and "UCS-2" in warning.message
