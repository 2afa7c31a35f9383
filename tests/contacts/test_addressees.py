"""The directory's communication groups (``[[addressees]]``): the media list and the area's
institutions, businesses and associations, validated like the rest of the directory."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from contacts.errors import ContactsError
from contacts.loader import load_directory

EXAMPLE = resources.files("contacts").joinpath("examples", "fredericia.toml").read_text("utf-8")


def test_the_example_has_a_media_list_and_groups_by_zone() -> None:
    directory = load_directory()
    press = directory.addressees("presse", 2)
    assert [a.id for a in press] == [
        "presse-lokalavis",
        "presse-regionalradio",
        "presse-tv-syd",
    ]
    assert all(a.email and a.email.endswith("example.org") for a in press)
    assert [a.id for a in directory.addressees("institutioner", 2)] == [
        "institution-skole-zone-2",
        "institution-sundhedshus",
    ]
    assert [a.id for a in directory.addressees("virksomheder", None)] == [
        "virksomhed-butikscenter-zone-2",
        "virksomhed-kiosk-zone-3",
    ]
    kiosk = directory.addressees("virksomheder", 3)[0]
    assert kiosk.phone == "+4520100222"  # normalised to E.164 like people and targets


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ('email = "vagt@regionalradio.example.org"\n', ""),
            "'presse-regionalradio' is on the media list without an email address",
        ),
        (
            ('id = "forening-idraet"', 'id = "presse-lokalavis"'),
            "id 'presse-lokalavis' is used more than once in addressees",
        ),
        (
            ('email = "sundhedshus@example.org"\n', ""),
            "'institution-sundhedshus' has neither phone nor email",
        ),
        (('group = "foreninger"', 'group = "klubber"'), "addressees[8].group"),
        (('zone = 3\nphone = "+45 20 10 02 22"', 'zone = 7\nphone = "+45 20 10 02 22"'), "zone"),
    ],
)
def test_bad_entries_are_reported_with_their_key(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    old, new = change
    assert old in EXAMPLE
    path = tmp_path / "contacts.toml"
    path.write_text(EXAMPLE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContactsError) as failed:
        load_directory(path)
    assert problem in str(failed.value)
