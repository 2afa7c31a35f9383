"""The bundled fictional directory: loads, covers every role of the plan, holds no real data."""

from __future__ import annotations

import re

import pytest

from contacts.directory import Directory
from contacts.loader import load_directory
from contacts.models import Person, Target
from playbooks.loader import load_playbooks
from playbooks.schema import ConveneAction, NotifyAction, Playbook

GROUPS = (
    "varmemestre-driftschefer",
    "beboernetvaerk",
    "frivillige",
    "beboere-i-aktiviteter",
    "samarbejdspartnere",
)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def _roles_used(pb: Playbook) -> set[str]:
    roles = {pb.leader_role, *pb.participants, *pb.activation.roles}
    roles |= {d.role for d in pb.duties} | {s.owner_role for s in pb.steps}
    roles |= {c.responsible_role for c in pb.communication}
    roles |= {c.consult_role for c in pb.communication if c.consult_role}
    for step in pb.steps:
        roles |= {a.role for a in step.actions if isinstance(a, NotifyAction | ConveneAction)}
    return roles


def test_example_is_marked_and_named(directory: Directory) -> None:
    assert directory.example
    assert directory.source == "fredericia.toml"
    assert "FIKTIV" in directory.text and "FICTIONAL" in directory.text


def test_every_role_used_by_the_playbooks_is_declared_and_held(directory: Directory) -> None:
    used = set().union(*(_roles_used(pb) for pb in load_playbooks().playbooks))
    assert used >= {
        "politi",
        "ssp",
        "chef-beskaeftigelse",
        "chef-unge-uddannelse",
        "direktoer-boligorganisation",
        "projektchef",
        "sekretariatsleder",
        "sekretariat",
        "bestyrelse",
    }
    for role in used:
        assert directory.role(role) is not None, role
        assert directory.with_role(role), role


def test_board_has_the_five_members_of_the_organisation(directory: Directory) -> None:
    board = directory.with_role("bestyrelse")
    assert len(board) == 5
    titles = " | ".join(f"{p.title} {p.organisation}" for p in board)
    for member in (
        "Boligkontoret Fredericia",
        "Boli.nu",
        "Erhvervsdirektør",
        "direktionen",
        "Beskæftigelse",
    ):
        assert member in titles
    assert {p.id for p in directory.with_role("direktoer-boligorganisation")} <= {
        p.id for p in board
    }


def test_staff_deputies_and_languages(directory: Directory) -> None:
    assert len(directory.with_role("sekretariat")) >= 4
    assert directory.with_role("sekretariatsleder")
    chief = directory.with_role("projektchef")[0]
    assert chief.deputy is not None and directory.person(chief.deputy) is not None
    assert any(p.language == "en" for p in directory.people)
    for role in ("politi", "ssp", "chef-beskaeftigelse", "direktoer-boligorganisation"):
        assert len(directory.with_role(role)) >= 2, role


def test_targets_per_zone_and_group_are_all_assigned(directory: Directory) -> None:
    targets = directory.targets_in_zone(None)
    for group in GROUPS:
        assert {t.zone for t in targets if t.group == group} >= {1, 2, 3, 4}, group
    assigned = {t for a in directory.assignments for t in a.targets}
    assert assigned == {t.id for t in targets}
    for assignment in directory.assignments:
        staff = directory.person(assignment.staff)
        assert staff is not None and "sekretariat" in staff.roles


def test_warnings_are_visible_in_the_example(directory: Directory) -> None:
    messages = [p.message for p in directory.warnings]
    assert all(p.severity == "warning" for p in directory.warnings)
    assert any("only be reached on one channel" in m for m in messages)
    assert any("only one person holds role" in m for m in messages)


def test_contact_data_is_fictional(directory: Directory) -> None:
    entries: list[Person | Target] = [*directory.people, *directory.targets_in_zone(None)]
    for entry in entries:
        if entry.phone:
            assert re.fullmatch(r"\+452010\d{4}", entry.phone), entry.id
        if entry.email:
            assert entry.email.endswith("@example.org"), entry.id
    phones = [line for line in directory.text.splitlines() if line.startswith("phone")]
    assert phones and all("fiktiv" in line for line in phones)
