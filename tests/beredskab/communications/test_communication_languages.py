"""A crisis communication in several languages: variants composed from the plan, older once
the Danish text is edited, each recipient's text in their language or Danish (logged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from beredskab import communications
from beredskab.communications.languages import State, for_composer, text_for
from beredskab.errors import InvalidStateError
from beredskab.incident import activation
from beredskab.plan import Plan
from beredskab.storage import Database
from beredskab.storage.repositories.communications import Communication
from notifier.types import ChannelKind
from playbooks.gsm import segments
from playbooks.schema import TemplateKind
from tests.beredskab.helpers import CHIEF, STAFF, deliveries
from tests.beredskab.language_plan import READERS, plan_with_languages

RESIDENT = TemplateKind.RESIDENT_INFORMATION
VARIANTS = ["ar", "en", "so", "tr", "uk", "ur"]


@pytest.fixture
def lplan(tmp_path: Path) -> Plan:
    return plan_with_languages(tmp_path)


async def _incident(db: Database, plan: Plan, *, drill: bool = False) -> int:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="1",
        actor_id=CHIEF,
        channel="cli",
        description="Brand i opgang 3",
        zone=1,
        drill=drill,
    )
    return result.incident.id


async def _draft(db: Database, plan: Plan, nr: int) -> Communication:
    return await communications.draft(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=STAFF,
        channel="web",
        audience="partners",
        template=RESIDENT,
    )


async def _edit(db: Database, plan: Plan, nr: int, item: Communication, text: str) -> None:
    await communications.edit(
        db=db,
        plan=plan,
        incident_id=nr,
        communication_id=item.id,
        actor_id=STAFF,
        channel="web",
        subject=item.subject,
        text=text,
    )


async def _variant(
    db: Database, plan: Plan, nr: int, cid: int, language: str, subject: str, text: str
) -> Communication:
    return await communications.edit_variant(
        db=db,
        plan=plan,
        incident_id=nr,
        communication_id=cid,
        actor_id=STAFF,
        channel="web",
        language=language,
        subject=subject,
        text=text,
    )


async def _approve_and_send(db: Database, plan: Plan, nr: int, cid: int) -> None:
    for step in (communications.approve, communications.send):
        await step(
            db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=CHIEF, channel="web"
        )


async def _views(db: Database, plan: Plan, nr: int, cid: int) -> dict[str, State]:
    async with db.transaction() as tx:
        item = await tx.communications.get(cid)
        incident = await tx.incidents.get(nr)
    assert item is not None and incident is not None
    shown = for_composer(
        plan=plan, incident=incident, playbook=plan.playbook("1"), item=item, max_segments=8
    )
    return {v.language: v.state for v in shown}


async def _log(db: Database, nr: int) -> list[str]:
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(nr)]


async def test_a_resident_draft_carries_every_language_of_the_plan(
    db: Database, lplan: Plan
) -> None:
    nr = await _incident(db, lplan)
    item = await _draft(db, lplan, nr)
    assert [v.language for v in item.variants] == VARIANTS
    arabic = text_for(item, "ar")
    assert not arabic.fell_back and arabic.subject == "معلومات للسكان: Brand i opgang 3"
    assert "وقع حادث في zone 1: Brand i opgang 3" in arabic.text
    assert "{" not in arabic.text
    somali = text_for(item, "so")
    assert somali.language == "so" and "Dhacdo ayaa ka dhacday zone 1" in somali.text
    assert await _views(db, lplan, nr, item.id) == {
        "da": State.ORIGINAL,
        **dict.fromkeys(["en", "ar", "so", "tr", "ur", "uk", "ti"], State.CURRENT),
    } | {"ti": State.MISSING}
    assert "også på engelsk, arabisk, somali, tyrkisk, urdu, ukrainsk" in (await _log(db, nr))[-1]
    # the same items come back from the list the incident page reads
    async with db.transaction() as tx:
        [listed] = await tx.communications.list(nr)
    assert listed == item


async def test_editing_the_danish_text_makes_every_variant_older(db: Database, lplan: Plan) -> None:
    nr = await _incident(db, lplan)
    item = await _draft(db, lplan, nr)
    await _edit(db, lplan, nr, item, item.text + "\n\nMødested: Infohuset.")
    views = await _views(db, lplan, nr, item.id)
    assert {views[c] for c in VARIANTS} == {State.OLDER}
    async with db.transaction() as tx:
        edited = await tx.communications.get(item.id)
    assert edited is not None
    chosen = text_for(edited, "ar")
    assert (chosen.language, chosen.fell_back, chosen.text) == ("da", True, edited.text)
    # saving the Arabic variant again (checked against the new Danish text) makes it current
    arabic = next(v for v in edited.variants if v.language == "ar")
    saved = await _variant(
        db, lplan, nr, item.id, "ar", arabic.subject, arabic.text + "\n\nمكان اللقاء: Infohuset."
    )
    assert text_for(saved, "ar").text.endswith("مكان اللقاء: Infohuset.")
    views = await _views(db, lplan, nr, item.id)
    assert views["ar"] is State.CURRENT and views["so"] is State.OLDER
    assert "arabisk udgave rettet" in (await _log(db, nr))[-1]
    # an empty variant is removed: its readers get Danish
    removed = await _variant(db, lplan, nr, item.id, "so", "", "")
    assert "so" not in {v.language for v in removed.variants}
    assert (await _views(db, lplan, nr, item.id))["so"] is State.MISSING
    assert text_for(removed, "so").fell_back


async def test_each_recipient_gets_their_language_and_the_log_names_who_got_danish(
    db: Database, lplan: Plan
) -> None:
    nr = await _incident(db, lplan)
    item = await _draft(db, lplan, nr)
    await _approve_and_send(db, lplan, nr, item.id)
    rows = {d.person_id: d for d in await deliveries(db, nr) if d.template == RESIDENT.value}
    assert set(rows) == set(READERS)
    assert all(d.channel is ChannelKind.SMS for d in rows.values())
    assert rows["partner-zone-1"].text == text_for(item, "ar").text
    assert rows["partner-boligorganisationer"].text == text_for(item, "so").text
    assert rows["partner-kommune"].text == item.text  # Tigrinya: no variant, Danish
    assert segments(rows["partner-zone-1"].text).encoding == "UCS-2"
    assert segments(rows["partner-boligorganisationer"].text).encoding == "GSM-7"
    log = (await _log(db, nr))[-1]
    assert "Sprog: arabisk 1, somali 1, dansk 1." in log
    assert (
        "1 modtager fik dansk i stedet for tigrinya (ingen opdateret udgave): "
        "Kommunale fremskudte medarbejdere (fiktiv)." in log
    )


async def test_an_older_variant_is_not_sent_and_the_log_says_so(db: Database, lplan: Plan) -> None:
    nr = await _incident(db, lplan)
    item = await _draft(db, lplan, nr)
    await _edit(db, lplan, nr, item, "Kære samarbejdspartner\n\nMere følger i aften.")
    await _approve_and_send(db, lplan, nr, item.id)
    rows = [d for d in await deliveries(db, nr) if d.template == RESIDENT.value]
    assert {d.text for d in rows} == {"Kære samarbejdspartner\n\nMere følger i aften."}
    [approval] = [t for t in await _log(db, nr) if " godkendt af " in t]
    assert approval.endswith(
        "(godkendt uden opdateret udgave: mangler på tigrinya; ældre end dansk på engelsk, "
        "arabisk, somali, tyrkisk, urdu, ukrainsk)"
    )
    log = (await _log(db, nr))[-1]
    assert "fik dansk i stedet for arabisk" in log and "Samarbejdspartner, klub og skole" in log
    assert "fik dansk i stedet for somali" in log and "fik dansk i stedet for tigrinya" in log


async def test_drill_variants_are_marked_once_in_their_language(db: Database, lplan: Plan) -> None:
    nr = await _incident(db, lplan, drill=True)
    item = await _draft(db, lplan, nr)
    english = next(v for v in item.variants if v.language == "en")
    arabic = next(v for v in item.variants if v.language == "ar")
    assert english.text.startswith("DRILL: ") and arabic.text.startswith("ØVELSE: ")
    await _approve_and_send(db, lplan, nr, item.id)
    rows = {d.person_id: d for d in await deliveries(db, nr) if d.template == RESIDENT.value}
    sent = rows["partner-zone-1"].text
    assert sent.startswith("ØVELSE: ") and not sent.startswith("ØVELSE: ØVELSE")


async def test_a_variant_needs_a_known_language_and_a_draft(db: Database, lplan: Plan) -> None:
    nr = await _incident(db, lplan)
    item = await _draft(db, lplan, nr)
    for language in ("xx", "da"):
        with pytest.raises(InvalidStateError, match="not a language for a variant"):
            await _variant(db, lplan, nr, item.id, language, "Emne", "Tekst")
    await communications.approve(
        db=db, plan=lplan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    with pytest.raises(InvalidStateError, match="not a draft"):
        await _variant(db, lplan, nr, item.id, "ar", "Emne", "Tekst")
