"""Texts the service says to people, in Danish (default) and English, and the one clock:
every time shown to a person is Danish local time (see ``clock``)."""

from __future__ import annotations

import string
from datetime import datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from beredskab.plan import Plan

Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")
LOCAL_TZ = ZoneInfo("Europe/Copenhagen")
"""Every time shown to a person is in this zone (stored times are UTC)."""

_TEXTS: dict[str, dict[Language, str]] = {
    "activated": {
        "da": "Hændelse {nr} oprettet: {gruppe} (rigtig hændelse, ikke øvelse). "
        "{participants} deltagere underrettet, {messages} beskeder i kø.",
        "en": "Incident {nr} opened: {gruppe} (real incident, not a drill). "
        "{participants} participants notified, {messages} messages queued.",
    },
    "activated_drill": {
        "da": "ØVELSE {nr} startet: {gruppe}. {participants} deltagere underrettet, "
        "{messages} beskeder i kø, alle mærket ØVELSE.",
        "en": "DRILL {nr} started: {gruppe}. {participants} participants notified, "
        "{messages} messages queued, all marked DRILL.",
    },
    "activated_streaming": {
        "da": "Hændelse {nr} oprettet: {gruppe} (rigtig hændelse, ikke øvelse). "
        "{participants} deltagere underrettes: {messages} beskeder i kø nu til de første "
        "{first}, de øvrige {pending} sættes i kø i de næste sekunder.",
        "en": "Incident {nr} opened: {gruppe} (real incident, not a drill). "
        "{participants} participants are being notified: {messages} messages queued now for "
        "the first {first}, the other {pending} are queued in the next few seconds.",
    },
    "activated_drill_streaming": {
        "da": "ØVELSE {nr} startet: {gruppe}. {participants} deltagere underrettes: "
        "{messages} beskeder i kø nu til de første {first}, de øvrige {pending} sættes i kø i "
        "de næste sekunder; alle mærket ØVELSE.",
        "en": "DRILL {nr} started: {gruppe}. {participants} participants are being notified: "
        "{messages} messages queued now for the first {first}, the other {pending} are queued "
        "in the next few seconds; all marked DRILL.",
    },
    "joined": {
        "da": "{gruppe} er allerede aktiv som hændelse {nr} (rigtig hændelse); du er tilsluttet "
        "den og registreret som bekræftet.",
        "en": "{gruppe} is already active as incident {nr} (real incident); you joined it and "
        "are recorded as confirmed.",
    },
    "joined_drill": {
        "da": "{gruppe} kører allerede som ØVELSE {nr}; du er tilsluttet øvelsen.",
        "en": "{gruppe} is already running as DRILL {nr}; you joined the drill.",
    },
    "drill_halted": {
        "da": "Den åbne øvelse {drill} er afbrudt; dens deltagere har fået "
        "«ØVELSE AFBRUDT – der er en rigtig hændelse».",
        "en": "The open drill {drill} is halted; its participants were told "
        '"DRILL HALTED – there is a real incident".',
    },
    "police_case_pending": {
        "da": "Politiets journalnummer mangler: du og projektchefen mindes om det, til det er "
        "registreret (SMS: JOURNAL {nr} <journalnr>).",
        "en": "The police case number is missing: you and the project manager are reminded "
        "until it is recorded (SMS: JOURNAL {nr} <number>).",
    },
    "upgraded": {
        "da": "Hændelse {nr} er nu {gruppe}. {participants} bedt om at bekræfte {gruppe}; "
        "alle andre, der havde fået besked, er orienteret om opgraderingen.",
        "en": "Incident {nr} is now {gruppe}. {participants} asked to confirm {gruppe}; "
        "everyone else already notified was told of the upgrade.",
    },
    "acked": {
        "da": "{navn} har bekræftet hændelse {nr}.",
        "en": "{navn} confirmed incident {nr}.",
    },
    "ack_again": {
        "da": "{navn} havde allerede bekræftet hændelse {nr}; intet ændret.",
        "en": "{navn} had already confirmed incident {nr}; nothing changed.",
    },
    "declined": {
        "da": "{navn} kan ikke deltage i hændelse {nr}.",
        "en": "{navn} cannot take part in incident {nr}.",
    },
    "deputy": {
        "da": "Stedfortræder {deputy} er underrettet.",
        "en": "Deputy {deputy} has been notified.",
    },
    "step": {
        "da": "Trin {position} ({titel}) er {status}.",
        "en": "Step {position} ({titel}) is {status}.",
    },
    "task": {
        "da": "Opgave {number} ({target}) er {status}.",
        "en": "Task {number} ({target}) is {status}.",
    },
    "task_same": {
        "da": "Opgave {number} var allerede {status}; intet ændret.",
        "en": "Task {number} was already {status}; nothing changed.",
    },
    "task_reassigned": {
        "da": "Opgave {number} ({target}) er givet videre til {name}.",
        "en": "Task {number} ({target}) has been handed to {name}.",
    },
    "task_added": {
        "da": "Opgave {number} er givet til {name}{due}.",
        "en": "Task {number} has been given to {name}{due}.",
    },
    "task_due": {"da": " (frist {when})", "en": " (due {when})"},
    "task_outcome_prompt": {
        "da": "Resultat (skriv – hvis der intet er at sige)",
        "en": "Outcome (write – if there is nothing to say)",
    },
    "convened": {
        "da": "{meeting} er indkaldt ({place}, {when}). Bedt om at bekræfte: {names}.",
        "en": "{meeting} has been called ({place}, {when}). Asked to confirm: {names}.",
    },
    "logged": {
        "da": "Post {seq} tilføjet til loggen for hændelse {nr}.",
        "en": "Entry {seq} added to the log of incident {nr}.",
    },
    "closed": {
        "da": "Hændelse {nr} er afblæst. {messages:afblæsningsbesked|afblæsningsbeskeder} i kø.",
        "en": "Incident {nr} stood down. {messages:stand-down message|stand-down messages} queued.",
    },
    "delivered": {
        "da": "{count:besked|beskeder} afsendt.",
        "en": "{count:message|messages} sent.",
    },
    "facts_changed": {
        "da": "Hændelse {nr} rettet: {facts}. Rettelsen står i loggen.",
        "en": "Incident {nr} corrected: {facts}. The correction is in the log.",
    },
    "facts_unchanged": {
        "da": "Hændelse {nr}: intet ændret (oplysningerne var allerede sådan).",
        "en": "Incident {nr}: nothing changed (the facts were already so).",
    },
    "facts_usage": {
        "da": "angiv mindst én af --police-case, --zone og --description",
        "en": "give at least one of --police-case, --zone and --description",
    },
    "fact_police_case": {"da": "politiets journalnummer", "en": "police journal number"},
    "fact_zone": {"da": "zone", "en": "zone"},
    "fact_description": {"da": "beskrivelse", "en": "description"},
    "status_zone": {"da": "Zone: {zone}", "en": "Zone: {zone}"},
    "status_whole_area": {"da": "hele området", "en": "the whole area"},
    "status_police_case": {"da": "Journalnr.: {case}", "en": "Journal no.: {case}"},
    "status_police_case_missing": {
        "da": "journalnr. mangler",
        "en": "journal no. missing",
    },
    "no_incidents": {
        "da": "Ingen hændelser.",
        "en": "No incidents.",
    },
    # Preparedness between incidents: sign-off and contact verification requests.
    "prep_signoff_subject": {
        "da": "Beredskabsplanen (version {version}): bekræft at du har læst den",
        "en": "The preparedness plan (version {version}): confirm that you have read it",
    },
    "prep_signoff_body": {
        "da": "Hej {navn}. Beredskabsplanen er ny eller ændret (version {version}). "
        "Læs planen, og bekræft at du har læst den og deltager i beredskabet som beskrevet.",
        "en": "Hello {navn}. The preparedness plan is new or has changed (version {version}). "
        "Please read it and confirm that you have read it and will take part as described.",
    },
    "prep_signoff_sms": {
        "da": "Beredskabsplanen er ændret (version {version}). Svar JA, når du har læst den "
        "og deltager i beredskabet som beskrevet.",
        "en": "The preparedness plan has changed (version {version}). Reply YES once you have "
        "read it and will take part as described.",
    },
    "prep_plan_link": {
        "da": "Læs hele planen her: {link}",
        "en": "Read the whole plan here: {link}",
    },
    "prep_plan_link_sms": {"da": "Planen: {link}", "en": "The plan: {link}"},
    "prep_verify_subject": {
        "da": "Beredskabet: er dine kontaktoplysninger rigtige?",
        "en": "Preparedness: are your contact details right?",
    },
    "prep_verify_body": {
        "da": "Hej {navn}. Beredskabet skal kunne nå dig. Vi har disse oplysninger:\n"
        "Telefon: {phone}\nE-mail: {email}\nTelegram tilknyttet: {telegram}\n"
        "Er noget forkert eller mangler, så kontakt sekretariatet.",
        "en": "Hello {navn}. The crisis team must be able to reach you. We hold these details:\n"
        "Phone: {phone}\nEmail: {email}\nTelegram linked: {telegram}\n"
        "If anything is wrong or missing, please contact the secretariat.",
    },
    "prep_verify_sms": {
        "da": "Beredskabet har: tlf. {phone}, e-mail {email}, Telegram {telegram}. "
        "Rigtigt? Svar JA. Fejl? Kontakt sekretariatet.",
        "en": "The crisis team has: phone {phone}, email {email}, Telegram {telegram}. "
        "Correct? Reply YES. Wrong? Contact the secretariat.",
    },
    "prep_none": {"da": "ingen", "en": "none"},
    "prep_yes": {"da": "ja", "en": "yes"},
    "prep_no": {"da": "nej", "en": "no"},
    "prep_reminder": {"da": "Påmindelse: {text}", "en": "Reminder: {text}"},
    "prep_button": {"da": "Bekræft", "en": "Confirm"},
    "prep_hint_telegram": {"da": "Tryk Bekræft herunder.", "en": "Press Confirm below."},
    "prep_hint_email": {
        "da": "Bekræft her: {link}\n\nDu kan også svare JA på SMS'en.",
        "en": "Confirm here: {link}\n\nYou can also reply YES to the text message.",
    },
    "prep_thanks_signoff": {
        "da": "Tak, {navn}. Din bekræftelse af beredskabsplanen (version {round}) er registreret.",
        "en": "Thank you, {navn}. Your confirmation of the preparedness plan (version {round}) "
        "is recorded.",
    },
    "prep_thanks_verify": {
        "da": "Tak, {navn}. Dine kontaktoplysninger er bekræftet.",
        "en": "Thank you, {navn}. Your contact details are confirmed.",
    },
    "prep_already": {
        "da": "Dit svar var allerede registreret. Tak.",
        "en": "Your answer was already recorded. Thank you.",
    },
    "prep_nothing_open": {
        "da": "Der er ikke noget at bekræfte med JA lige nu.",
        "en": "There is nothing to confirm with YES right now.",
    },
    "prep_report_subject": {
        "da": "Resultat: kontrol af kontaktoplysninger nr. {nr}",
        "en": "Result: contact details check no. {nr}",
    },
    "prep_report_summary": {
        "da": "Kontrol af kontaktoplysninger nr. {nr} (startet {started}, {state}): "
        "{confirmed} har bekræftet, {missing} mangler.",
        "en": "Contact details check no. {nr} (started {started}, {state}): "
        "{confirmed} confirmed, {missing} missing.",
    },
    "prep_report_ended": {"da": "afsluttet", "en": "ended"},
    "prep_report_running": {"da": "i gang", "en": "running"},
    "prep_report_missing": {"da": "Mangler: {names}.", "en": "Missing: {names}."},
    "prep_report_confirmed": {"da": "Bekræftet: {names}.", "en": "Confirmed: {names}."},
    "error": {"da": "Fejl: {message}", "en": "Error: {message}"},
    "refused": {"da": "Afvist: {message}", "en": "Refused: {message}"},
}


_STATUS: dict[str, dict[Language, str]] = {
    "pending": {"da": "afventer", "en": "pending"},
    "active": {"da": "aktiv", "en": "active"},
    "done": {"da": "udført", "en": "done"},
    "skipped": {"da": "sprunget over", "en": "skipped"},
    "assigned": {"da": "tildelt", "en": "assigned"},
    "accepted": {"da": "påtaget", "en": "accepted"},
    "declined": {"da": "afvist", "en": "declined"},
    "cancelled": {"da": "annulleret", "en": "cancelled"},
    "confirmed": {"da": "bekræftet", "en": "confirmed"},
    "closed": {"da": "afsluttet", "en": "closed"},
}


def status(value: str, language: Language = "da") -> str:
    """A status value (step, task, confirmation, incident) in words."""
    return _STATUS.get(value, {}).get(language, value)


def plural(count: int, one: str, other: str) -> str:
    """``count`` with the singular or the plural noun: "1 modtager", "3 modtagere"."""
    return f"{count} {one if count == 1 else other}"


class _Formatter(string.Formatter):
    """``str.format`` plus plurals: ``{n:modtager|modtagere}`` gives "1 modtager" or
    "3 modtagere" (the count and the noun that fits it)."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" in format_spec and isinstance(value, int) and not isinstance(value, bool):
            one, _, other = format_spec.partition("|")
            return plural(value, one, other)
        return str(super().format_field(value, format_spec))


_FORMATTER = _Formatter()


def fill(template: str, /, **values: object) -> str:
    """Fill ``{placeholders}`` in a text; ``{n:one|other}`` counts with the fitting noun."""
    return _FORMATTER.format(template, **values)


def t(key: str, language: Language = "da", **values: object) -> str:
    """The text for ``key`` in the language, with values filled in."""
    return fill(_TEXTS[key][language], **values)


def language(value: object, default: Language = "da") -> Language:
    """``value`` if it names a language we speak, else ``default``."""
    return "en" if value == "en" else "da" if value == "da" else default


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clock(
    value: datetime, *, now: datetime | None, language: Language = "da", seconds: bool = False
) -> str:
    """A moment as people read it: Danish local time, with the date when it is not today.

    Today (in Copenhagen, as of ``now``) it is "14:05"; another day of the same year
    "30.11. 23:58" (Danish) or "30 Nov 23:58" (English); another year adds the year
    ("30.11.2025 23:58", "30 Nov 2025 23:58"). ``now=None`` always shows the full date, for
    texts read later (a stand-down message, a stored log line). ``seconds`` adds ":SS".
    """
    local = value.astimezone(LOCAL_TZ)
    time = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    today = now.astimezone(LOCAL_TZ).date() if now is not None else None
    if today == local.date():
        return time
    year = today is None or today.year != local.year
    if language == "en":
        day = f"{local.day} {_MONTHS_EN[local.month - 1]}" + (f" {local.year}" if year else "")
    else:
        day = f"{local.day:02}.{local.month:02}." + (f"{local.year}" if year else "")
    return f"{day} {time}"


def with_default_language(plan: Plan, default: Language) -> Plan:
    """The plan with ``default`` as the language of every person whose directory entry names
    none (``[service] language``); entries that name one keep it."""
    from dataclasses import replace

    from contacts.directory import Directory

    if default == "da":  # the directory's own default
        return plan
    directory = plan.directory
    people = tuple(
        p if "language" in p.model_fields_set else p.model_copy(update={"language": default})
        for p in directory.people
    )
    data = directory.data.model_copy(update={"people": people})
    rebuilt = Directory(
        data, source=directory.source, text=directory.text, warnings=directory.warnings
    )
    return replace(plan, directory=rebuilt)
