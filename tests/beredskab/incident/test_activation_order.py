"""Who the activation asks first: the playbook's leader, then the scarcest participant roles,
so the first chunk (committed with the incident, sent at once) reaches those who lead the
response however large the directory and wherever they stand in it."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest

from beredskab.incident import activation, asking
from beredskab.plan import Plan, load_plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, SSP

LEADER = CHIEF
"""Gruppe 1's leader role (projektchef) has one holder in the example directory."""
CHIEF_YOUTH = "henrik-moeller"
"""The only holder of chef-unge-uddannelse."""
CHIEFS_EMPLOYMENT = ["birgit-dahl", "jonas-berg"]
"""The holders of chef-beskaeftigelse."""


def _ssp_first(people: int, folder: Path) -> Path:
    """The example directory with ``people`` SSP members listed before everyone else."""
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    text = re.sub(r"^example = true", "example = false", text, flags=re.MULTILINE)
    head, sep, tail = text.partition("\n[[people]]")
    extra = "".join(
        f'\n[[people]]\nid = "ssp-{i}"\nname = "SSP {i}"\nroles = ["ssp"]\n'
        f'phone = "+45204{i:05d}"\nemail = "ssp-{i}@example.org"\n'
        for i in range(people)
    )
    path = folder / "ssp-first.toml"
    path.write_text(head + extra + sep + tail, encoding="utf-8")
    return path


async def _first_chunk(db: Database, plan: Plan, *, actor: str, first_chunk: int) -> list[str]:
    """Activate gruppe 1; the participants its own transaction asked (not the activator,
    not whom the first step called out)."""
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="gruppe-1",
        actor_id=actor,
        channel="cli",
        description="Brand",
        first_chunk=first_chunk,
    )
    async with db.read() as tx:
        rows = await tx.incidents.confirmations(result.incident.id)
    return sorted(c.person_id for c in rows if c.person_id != actor and c.reason == "participant")


async def test_the_leader_and_the_chiefs_are_asked_before_a_large_group(
    db_url: str, tmp_path: Path
) -> None:
    plan = load_plan(playbooks_dir=None, directory_file=_ssp_first(60, tmp_path))
    playbook = plan.playbook("gruppe-1")
    assert playbook is not None
    in_file = [p.id for p in plan.directory.with_any_role(playbook.participants)]
    assert in_file[:3] == ["ssp-0", "ssp-1", "ssp-2"]  # file order would ask these first
    db = Database(db_url)
    await db.upgrade()
    try:
        asked = await _first_chunk(db, plan, actor=SSP, first_chunk=4)
    finally:
        await db.dispose()
    assert asked == sorted([LEADER, CHIEF_YOUTH, *CHIEFS_EMPLOYMENT])


@pytest.mark.parametrize(
    ("actor", "first"),
    [  # ssp and chef-beskaeftigelse have two holders each: file order between them
        (SSP, [LEADER, CHIEF_YOUTH, "omar-nielsen", *CHIEFS_EMPLOYMENT]),
        (CHIEF, [CHIEF_YOUTH, SSP, "omar-nielsen", *CHIEFS_EMPLOYMENT]),
    ],
)
def test_the_order_is_leader_then_scarcest_role_then_file_order(
    plan: Plan, actor: str, first: list[str]
) -> None:
    playbook = plan.playbook("gruppe-1")
    assert playbook is not None
    people = [p for p in plan.directory.with_any_role(playbook.participants) if p.id != actor]
    assert [p.id for p in asking.first_asked(plan, playbook, people)] == first


def test_the_order_is_ranked_once_per_loaded_directory(plan: Plan, tmp_path: Path) -> None:
    """An activation does not rank the whole directory again (about 10 ms at 5,000 people,
    inside the transaction the first messages wait for); a reloaded directory is ranked anew."""
    playbook = plan.playbook("gruppe-1")
    assert playbook is not None
    order = asking.ranked(plan, playbook).people
    candidates = plan.directory.with_any_role(playbook.participants)
    assert list(order) == asking.first_asked(plan, playbook, candidates)
    assert asking.ranked(plan, playbook).people is order
    reloaded = load_plan(playbooks_dir=None, directory_file=_ssp_first(3, tmp_path))
    again = asking.ranked(reloaded, playbook).people
    assert {"ssp-0", "ssp-1", "ssp-2"} <= {p.id for p in again}  # the new directory's people
    assert asking.ranked(reloaded, playbook).people is again
