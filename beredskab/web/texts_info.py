"""Words about the public notice page on the incident page, Danish (default) and English."""

from __future__ import annotations

from beredskab.i18n import Language

TEXTS: dict[str, dict[Language, str]] = {
    "info_on_page": {"da": "Offentliggjort på /info", "en": "Published on /info"},
    "info_withdrawn_badge": {"da": "Trukket tilbage fra /info", "en": "Withdrawn from /info"},
    "info_approve_publish": {
        "da": "Godkend og offentliggør på /info",
        "en": "Approve and publish on /info",
    },
    "info_publish": {"da": "Offentliggør på /info", "en": "Publish on /info"},
    "info_publish_hint": {
        "da": "Den offentlige side for beboerne og dens nyhedsfeed; ingen navne, numre eller "
        "journalnumre.",
        "en": "The residents' public page and its feed; no names, numbers or journal numbers.",
    },
    "info_never_drill": {
        "da": "Øvelser offentliggøres aldrig på /info.",
        "en": "Drills are never published on /info.",
    },
    "info_withdraw": {"da": "Træk tilbage fra /info", "en": "Withdraw from /info"},
    "info_withdraw_note": {
        "da": "Begrundelse (vises offentligt)",
        "en": "Reason (shown publicly)",
    },
    "info_withdraw_hint": {
        "da": "Titel og tidspunkt bliver stående, markeret som trukket tilbage; teksten fjernes. "
        "Ret en fejl ved at offentliggøre en ny meddelelse.",
        "en": "The title and time stay, marked withdrawn; the text is removed. Correct a "
        "mistake by publishing a new notice.",
    },
    "done_info_published": {
        "da": "Meddelelsen er offentliggjort på /info.",
        "en": "The notice is published on /info.",
    },
    "done_info_withdrawn": {
        "da": "Meddelelsen er trukket tilbage fra /info.",
        "en": "The notice is withdrawn from /info.",
    },
    "problem_info_personal_data": {
        "da": "Teksten indeholder personoplysninger (et navn, et telefonnummer, en e-mail, et "
        "journalnummer eller tekst fra en fortrolig logpost) og kan ikke offentliggøres. "
        "Skriv et nyt udkast uden dem.",
        "en": "The text contains personal data (a name, a phone number, an email, a journal "
        "number or text from a sensitive log entry) and cannot be published. Write a new "
        "draft without it.",
    },
}
