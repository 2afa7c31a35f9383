"""Loading a directory file: normalisation, errors with key paths and hints, warnings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contacts.errors import ContactsError, Problem
from contacts.loader import load_directory, normalise_phone

BASE = """\
name = "Testkatalog (fiktiv)"

[[roles]]
id = "projektchef"
name = "Projektchef"

[[roles]]
id = "sekretariat"
name = "Sekretariat"

[[people]]
id = "anna"
name = "Anna (fiktiv)"
roles = ["projektchef", "sekretariat"]
phone = "20 10 00 01"
email = "Anna@Example.org"
deputy = "bo"

[[people]]
id = "bo"
name = "Bo (fiktiv)"
roles = ["projektchef", "sekretariat"]
phone = "+45 2010 0002"
email = "bo@example.org"
deputy = "anna"
zones = [1, 2]

[[targets]]
id = "varmemester-1"
name = "Varmemester (fiktiv)"
group = "varmemestre-driftschefer"
zone = 1
phone = "0045 20 10 01 01"

[[assignments]]
staff = "bo"
targets = ["varmemester-1"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kontakter.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _replace(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def test_valid_file_loads_with_e164_phones_and_normalised_email(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE)
    directory = load_directory(path)
    anna, bo = directory.people
    assert (anna.phone, bo.phone) == ("+4520100001", "+4520100002")
    assert anna.email == "Anna@example.org"
    target = directory.target("varmemester-1")
    assert target is not None and target.phone == "+4520100101"
    assert directory.by_phone("+4520100002") is bo
    assert directory.source == "kontakter.toml"
    assert directory.text == BASE
    assert directory.warnings == ()


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("20100001", "+4520100001"),
        ("+45 20 10 00 01", "+4520100001"),
        ("0045-2010-0001", "+4520100001"),
        ("+46 70 123 45 67", "+46701234567"),
        ("+45 20 00 00 01", None),
        ("1234", None),
        ("telefon", None),
    ],
)
def test_normalise_phone(written: str, e164: str | None) -> None:
    assert normalise_phone(written) == e164


# (case id, broken text, key regex, message fragment, hint fragment)
CASES = [
    (
        "syntax",
        _replace('id = "anna"', 'id = anna"'),
        r"line \d+, column \d+",
        "TOML syntax error",
        "quotes",
    ),
    (
        "unknown-key",
        _replace('id = "anna"', 'id = "anna"\nmobil = "20100009"'),
        r"people\[0\]\.mobil",
        "Extra inputs",
        "allowed keys: id, name, title",
    ),
    (
        "missing-name",
        _replace('name = "Bo (fiktiv)"\n', ""),
        r"people\[1\]\.name",
        "Field required",
        "add it",
    ),
    (
        "bad-phone",
        _replace('phone = "+45 2010 0002"', 'phone = "+45 20 00 00 01"'),
        r"people\[1\]\.phone",
        "not a valid phone number",
        "8 digits",
    ),
    (
        "bad-target-phone",
        _replace('phone = "0045 20 10 01 01"', 'phone = "112"'),
        r"targets\[0\]\.phone",
        "not a valid phone number",
        "country code",
    ),
    (
        "bad-email",
        _replace('email = "bo@example.org"', 'email = "bo@@example.org"'),
        r"people\[1\]\.email",
        "not a valid email address",
        "name@domain",
    ),
    (
        "unknown-role",
        _replace(
            'roles = ["projektchef", "sekretariat"]\nphone = "+45',
            'roles = ["projektchef", "sekretaritat"]\nphone = "+45',
        ),
        r"people\[1\]\.roles\[1\]",
        "'sekretaritat' is not declared",
        "declared: projektchef",
    ),
    (
        "missing-deputy",
        _replace('deputy = "bo"', 'deputy = "carl"'),
        r"people\[0\]\.deputy",
        "'carl' is not a person",
        "[[people]]",
    ),
    (
        "self-deputy",
        _replace('deputy = "bo"', 'deputy = "anna"'),
        r"people\[0\]\.deputy",
        "own deputy",
        "another person",
    ),
    (
        "duplicate-person",
        _replace('id = "bo"', 'id = "anna"'),
        r"people\[1\]\.id",
        "more than once",
        "its own id",
    ),
    (
        "duplicate-role",
        _replace('id = "sekretariat"', 'id = "projektchef"'),
        r"roles\[1\]\.id",
        "more than once",
        "its own id",
    ),
    (
        "duplicate-phone",
        _replace('phone = "+45 2010 0002"', 'phone = "20100001"'),
        r"people\[1\]\.phone",
        "also used by 'anna'",
        "their own number",
    ),
    (
        "no-channel",
        _replace('phone = "+45 2010 0002"\nemail = "bo@example.org"\n', ""),
        r"people\[1\]",
        "neither phone nor email",
        "add phone and email",
    ),
    (
        "person-zone",
        _replace("zones = [1, 2]", "zones = [1, 5]"),
        r"people\[1\]\.zones\[1\]",
        "zone 5 does not exist",
        "1, 2, 3 or 4",
    ),
    (
        "target-zone",
        _replace("zone = 1", "zone = 7"),
        r"targets\[0\]\.zone",
        "less than or equal to 4",
        "zones are 1, 2, 3 or 4",
    ),
    (
        "unknown-staff",
        _replace('staff = "bo"', 'staff = "bodil"'),
        r"assignments\[0\]\.staff",
        "'bodil' is not a person",
        "[[people]]",
    ),
    (
        "unknown-target",
        _replace('targets = ["varmemester-1"]', 'targets = ["varmemester-1", "varmemester-9"]'),
        r"assignments\[0\]\.targets\[1\]",
        "'varmemester-9' is not defined",
        "[[targets]]",
    ),
    (
        "bad-language",
        _replace("zones = [1, 2]", 'zones = [1, 2]\nlanguage = "de"'),
        r"people\[1\]\.language",
        "Input should be",
        "use one of: 'da' or 'en'",
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "message", "hint"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_directory_names_file_key_and_hint(
    tmp_path: Path, text: str, key: str, message: str, hint: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ContactsError) as caught:
        load_directory(path)
    problems = caught.value.problems
    matching = [p for p in problems if re.fullmatch(key, p.key) and p.severity == "error"]
    assert matching, f"no error at {key!r}; got {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.file == str(path)
    assert message in problem.message
    assert hint in problem.hint
    assert str(problem).startswith(f"{path}: {problem.key}: ")


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    text = BASE.replace('phone = "+45 2010 0002"', 'phone = "+45 20 00 00 01"').replace(
        'deputy = "bo"', 'deputy = "carl"'
    )
    with pytest.raises(ContactsError) as caught:
        load_directory(_write(tmp_path, text))
    assert {p.key for p in caught.value.problems} >= {"people[1].phone", "people[0].deputy"}
    assert str(caught.value).startswith("2 problem(s)")


def test_warnings_for_single_channel_person_and_single_person_role(tmp_path: Path) -> None:
    anna_roles = 'roles = ["projektchef", "sekretariat"]\nphone = "20'
    text = BASE.replace('email = "bo@example.org"\n', "").replace(
        anna_roles, 'roles = ["sekretariat"]\nphone = "20'
    )
    directory = load_directory(_write(tmp_path, text))
    got = {(p.key, p.severity) for p in directory.warnings}
    assert got == {("people[1].email", "warning"), ("roles[0]", "warning")}
    by_key: dict[str, Problem] = {p.key: p for p in directory.warnings}
    assert "one channel" in by_key["people[1].email"].message
    assert "only one person holds role 'projektchef'" in by_key["roles[0]"].message


def test_unreadable_file_is_a_contacts_error(tmp_path: Path) -> None:
    with pytest.raises(ContactsError, match="cannot be read"):
        load_directory(tmp_path / "findes-ikke.toml")


def test_people_written_alike_share_their_set_of_given_fields() -> None:
    people = load_directory(None).people
    sets: dict[frozenset[str], set[int]] = {}
    for person in people:
        sets.setdefault(frozenset(person.model_fields_set), set()).add(id(person.model_fields_set))
    assert len(sets) < len(people)  # the example has people written alike
    assert all(len(ids) == 1 for ids in sets.values())  # and they share one set
    first, second = [p for p in people if p.model_fields_set is people[0].model_fields_set][:2]
    unset = next(name for name in type(first).model_fields if name not in first.model_fields_set)
    copied = first.model_copy(update={unset: first.model_dump()[unset]})
    assert unset in copied.model_fields_set
    assert unset not in first.model_fields_set and unset not in second.model_fields_set
    assert set(first.model_dump(exclude_unset=True)) == first.model_fields_set
