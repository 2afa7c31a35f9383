"""What a directory revision changed, per entry: the media list and the communication groups
count as entries too, and the TOML export carries them back."""

from __future__ import annotations

import tomllib

from beredskab.directory import changes
from beredskab.directory.export import export
from contacts.loader import load_directory


def test_an_addressee_change_is_recorded_and_exported() -> None:
    data = load_directory(None).data  # the fictional example, with its [[addressees]]
    assert data.addressees, "the example has a media list and groups"
    first = data.addressees[0]
    renamed = first.model_copy(update={"name": first.name + " (ny redaktion)"})
    new = data.model_copy(update={"addressees": (renamed, *data.addressees[1:])})

    [change] = changes.diff(data, new)
    assert (change.subject, change.subject_id, change.action) == ("addressee", first.id, "changed")
    assert change.before is not None and change.after is not None
    assert change.after["name"] == renamed.name

    exported = tomllib.loads(export(new, "toml"))
    assert [a["id"] for a in exported["addressees"]] == [a.id for a in data.addressees]
    assert exported["addressees"][0]["name"] == renamed.name
