"""The bundled plan files load cleanly and encode the source plan (§1, §3, §4, §5)."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from playbooks.loader import PlaybookSet, load_playbooks
from playbooks.schema import (
    DRILL_PREFIX,
    PLACEHOLDERS,
    ConveneAction,
    NotifyAction,
    OutreachAction,
    Playbook,
    TemplateKind,
)

OUTREACH_GROUPS = (
    "varmemestre-driftschefer",
    "beboernetvaerk",
    "frivillige",
    "beboere-i-aktiviteter",
    "samarbejdspartnere",
)
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("\f^{}\\[~]|€")


@pytest.fixture(scope="module")
def plan() -> PlaybookSet:
    return load_playbooks()


@pytest.fixture(scope="module")
def g1(plan: PlaybookSet) -> Playbook:
    pb = plan.get("gruppe-1")
    assert pb is not None
    return pb


@pytest.fixture(scope="module")
def g2(plan: PlaybookSet) -> Playbook:
    pb = plan.get("gruppe-2")
    assert pb is not None
    return pb


def test_bundled_plan_loads_without_warnings(plan: PlaybookSet) -> None:
    assert [pb.id for pb in plan.playbooks] == ["gruppe-1", "gruppe-2"]
    assert plan.warnings == ()


def test_sources_are_the_raw_files_sorted_by_name(plan: PlaybookSet) -> None:
    names = [name for name, _ in plan.sources]
    assert names == ["gruppe-1.toml", "gruppe-2.toml"]
    for name, raw in plan.sources:
        assert raw == resources.files("playbooks").joinpath("plans", name).read_bytes()


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("gruppe-2", "gruppe-2"),
        ("2", "gruppe-2"),
        ("1", "gruppe-1"),
        ("beredskabsgruppe 1", "gruppe-1"),
        ("BEREDSKABSGRUPPE 2", "gruppe-2"),
        (" Gruppe-1 ", "gruppe-1"),
        ("3", None),
        ("gruppe", None),
    ],
)
def test_get_by_id_number_or_name(plan: PlaybookSet, ref: str, expected: str | None) -> None:
    found = plan.get(ref)
    assert (found.id if found else None) == expected


def test_group_2_is_the_police_case_group(g2: Playbook) -> None:
    assert g2.number == 2
    assert g2.police_case and g2.activation.police_case_required
    assert set(g2.activation.roles) == {"politi", "projektchef"}
    assert g2.participants == (
        "politi",
        "ssp",
        "chef-beskaeftigelse",
        "chef-unge-uddannelse",
        "direktoer-boligorganisation",
        "projektchef",
    )
    assert "journalnummer" in g2.activation.condition
    assert any("Politiets anvisninger" in p for p in g2.principles)


def test_group_1_is_activated_without_police_case(g1: Playbook) -> None:
    assert g1.number == 1
    assert not g1.police_case and not g1.activation.police_case_required
    assert set(g1.activation.roles) == {
        "chef-beskaeftigelse",
        "chef-unge-uddannelse",
        "ssp",
        "direktoer-boligorganisation",
        "projektchef",
        "sekretariatsleder",
    }
    assert set(g1.participants) == {
        "ssp",
        "chef-unge-uddannelse",
        "chef-beskaeftigelse",
        "projektchef",
    }
    assert any("ad hoc" in p and "telefon" in p for p in g1.principles)
    assert "journalnr" not in "".join(t.sms + t.text for t in g1.templates.values())


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
def test_purpose_and_crisis_definition(plan: PlaybookSet, pid: str) -> None:
    pb = plan.get(pid)
    assert pb is not None and pb.leader_role == "projektchef"
    assert len(pb.purpose) >= 5
    assert any("omdømme" in p for p in pb.purpose)
    for word in ("skyderi", "ildspåsættelse", "hærværk", "overfald", "slåskampe"):
        assert word in pb.crisis_definition


def test_chief_duties_of_section_3(g1: Playbook, g2: Playbook) -> None:
    for pb, network_kind in ((g2, "assess"), (g1, "must")):
        duties = {d.id: d for d in pb.duties}
        assert duties["indkald-tot-lokalraad"].kind == "as_needed"
        assert "TOT" in duties["indkald-tot-lokalraad"].text
        assert "Lokalråd" in duties["indkald-tot-lokalraad"].text
        assert duties["civile-netvaerk"].kind == network_kind
        assert "afdelingsbestyrelser" in duties["civile-netvaerk"].text
        assert "bestyrelse" in duties["informer-bestyrelsen"].text
        for audience in (
            "driftsafdelingerne",
            "beboerne",
            "institutioner",
            "virksomheder",
            "foreninger",
            "presse",
        ):
            assert audience in duties["informer-omverdenen"].text
        assert duties["ansvar-beredskabsstab"].role == "projektchef"
        assert "nøgtern" in duties["noegtern-kommunikation"].text
        assert duties["opdateret-kontaktliste"].role == "sekretariatsleder"
        assert all(
            d.role == "projektchef"
            for d in pb.duties
            if d.source == "§3" and d.id != "foelg-politiets-anvisninger"
        )


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
def test_steps_follow_sections_4_and_5_in_order(plan: PlaybookSet, pid: str) -> None:
    pb = plan.get(pid)
    assert pb is not None
    assert [s.source for s in pb.steps[:3]] == ["§4.1", "§4.2", "§4.3"]
    assert all(s.source == "§5" for s in pb.steps[3:])
    assert [s.id for s in pb.steps] == [
        "orienter-bestyrelsen",
        "situationsbillede",
        "aktiver-elementer",
        "kommunale-ledere",
        "briefing",
        "opsoegende-kontakt",
        "krisekommunikation",
    ]
    dues = [s.due_after_minutes for s in pb.steps]
    assert dues == sorted(dues)
    (board,) = pb.steps[0].actions
    assert isinstance(board, NotifyAction)
    assert (board.role, board.template) == ("bestyrelse", TemplateKind.BOARD_ORIENTATION)
    (staff,) = pb.steps[1].actions
    assert isinstance(staff, ConveneAction)
    assert staff.role == "sekretariat"
    assert staff.place == "Områdesekretariatet eller hjemmefra"
    for element in (
        "information til beboere",
        "lokale ressourcepersoner",
        "myndigheder",
        "boligorganisation og afdeling",
    ):
        assert element in pb.steps[2].description
    (outreach,) = pb.steps[5].actions
    assert isinstance(outreach, OutreachAction)
    assert outreach.groups == OUTREACH_GROUPS
    assert "hvem der kontakter hvem" in pb.steps[5].description.lower()


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
def test_outreach_communication_picture_and_follow_up(plan: PlaybookSet, pid: str) -> None:
    pb = plan.get(pid)
    assert pb is not None
    assert tuple(g.id for g in pb.outreach_groups) == OUTREACH_GROUPS
    comms = {c.id: c for c in pb.communication}
    assert (
        comms["medier"].responsible_role,
        comms["medier"].consult_role,
        comms["medier"].template,
    ) == ("projektchef", "bestyrelse", TemplateKind.MEDIA_HOLDING_LINE)
    assert comms["beboere"].template == TemplateKind.RESIDENT_INFORMATION
    assert comms["samarbejdspartnere"].template == TemplateKind.PARTNER_INFORMATION
    headings = " ".join(pb.situation_picture.headings).lower()
    for word in (
        "hvad er sket",
        "hvor",
        "hvem er berørt",
        "rygter",
        "sociale medier",
        "behov",
        "næste opdatering",
        "følsomme",
    ):
        assert word in headings
    assert any("evaluering" in f.text.lower() and f.after_days <= 14 for f in pb.follow_up)
    esc = pb.escalation
    assert (
        esc.renotify_after_minutes,
        esc.deputy_after_minutes,
        esc.report_missing_after_minutes,
    ) == (10, 20, 30)
    assert set(esc.channels) == {"sms", "telegram", "email", "voice"}


def _septets(text: str) -> int:
    return sum(2 if ch in GSM_EXTENSION else 1 for ch in text)


@pytest.mark.parametrize("pid", ["gruppe-1", "gruppe-2"])
@pytest.mark.parametrize("kind", list(TemplateKind))
def test_every_template_with_sms_in_one_segment(
    plan: PlaybookSet, pid: str, kind: TemplateKind
) -> None:
    pb = plan.get(pid)
    assert pb is not None
    template = pb.templates[kind]
    assert template.subject and template.text
    worst = DRILL_PREFIX + template.sms.format(**{k: "x" * n for k, n in PLACEHOLDERS.items()})
    assert set(worst) <= GSM_BASIC | GSM_EXTENSION
    assert _septets(worst) <= 160


def test_plan_files_hold_no_contact_data(plan: PlaybookSet) -> None:
    for name, raw in plan.sources:
        text = raw.decode()
        assert not re.search(r"\+?\d[\d ]{7,}\d", text), name
        assert "@" not in text, name
