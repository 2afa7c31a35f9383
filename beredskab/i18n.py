"""Texts the service says to people, in Danish (default) and English."""

from __future__ import annotations

import string
from typing import Literal

Language = Literal["da", "en"]

_TEXTS: dict[str, dict[Language, str]] = {
    "activated": {
        "da": "Hændelse {nr} oprettet: {gruppe}. {participants} deltagere underrettet, "
        "{messages} beskeder i kø.",
        "en": "Incident {nr} opened: {gruppe}. {participants} participants notified, "
        "{messages} messages queued.",
    },
    "joined": {
        "da": "{gruppe} er allerede aktiv som hændelse {nr}; din aktivering er tilføjet den.",
        "en": "{gruppe} is already active as incident {nr}; your activation joined it.",
    },
    "upgraded": {
        "da": "Hændelse {nr} er nu {gruppe}. {participants} nye deltagere underrettet.",
        "en": "Incident {nr} is now {gruppe}. {participants} new participants notified.",
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
    "fact_police_case": {"da": "politiets journalnr.", "en": "police journal number"},
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
