"""The bundled plan with a directory whose zone-1 partners read Arabic, Somali and Tigrinya
(a language the plan has no variant in), all three reached by SMS only."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from beredskab.plan import Plan, load_plan

ARABIC_NUMBER = "+4520100117"
SOMALI_NUMBER = "+4520100130"
TIGRINYA_NUMBER = "+4520100121"
READERS = {
    "partner-zone-1": "ar",
    "partner-boligorganisationer": "so",
    "partner-kommune": "ti",
}


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new, 1)


def plan_with_languages(tmp_path: Path) -> Plan:
    """Load the bundled playbooks with the edited example directory."""
    text = resources.files("contacts").joinpath("examples", "fredericia.toml").read_text("utf-8")
    text = _edit(
        text,
        'email = "partner-zone-1@example.org"\n',
        'language = "ar"\n',
    )
    text = _edit(
        text,
        'email = "drift@example.org"\n',
        'phone = "+45 20 10 01 30"  # fiktivt\nlanguage = "so"\n',
    )
    text = _edit(
        text,
        'phone = "+45 20 10 01 21"  # fiktivt\nnote = "Hele området, ingen zone."\n',
        'phone = "+45 20 10 01 21"  # fiktivt\nnote = "Hele området, ingen zone."\n'
        'language = "ti"\n',
    )
    path = tmp_path / "directory.toml"
    path.write_text(text, encoding="utf-8")
    return load_plan(playbooks_dir=None, directory_file=path)
