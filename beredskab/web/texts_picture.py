"""Words of the situation picture on the incident page, Danish (default) and English."""

from __future__ import annotations

from beredskab.i18n import Language

TEXTS: dict[str, dict[Language, str]] = {
    "picture_version": {
        "da": "Version {version}, senest skrevet af {name} {time}.",
        "en": "Version {version}, last written by {name} {time}.",
    },
    "picture_empty": {
        "da": "Situationsbilledet er ikke skrevet endnu.",
        "en": "The situation picture has not been written yet.",
    },
    "picture_withheld": {
        "da": "Følsomt – vises kun for dem, der må læse følsomme oplysninger.",
        "en": "Sensitive – shown only to those who may read sensitive information.",
    },
    "picture_written_by": {"da": "Skrevet af {name} {time}", "en": "Written by {name} {time}"},
    "picture_edit": {"da": "Skriv i situationsbilledet", "en": "Write in the situation picture"},
    "picture_always_sensitive": {
        "da": "Altid følsom: vises kun i beredskabsstaben for dem, der må læse følsomt, og "
        "sendes aldrig ud.",
        "en": "Always sensitive: shown only to those who may read sensitive information, "
        "never sent out.",
    },
    "picture_mark_sensitive": {"da": "Følsom", "en": "Sensitive"},
    "picture_edit_hint": {
        "da": "Kun de afsnit, du ændrer, gemmes som en ny version. Har en anden gemt imens, "
        "gemmes intet, og du ser begge tekster.",
        "en": "Only the sections you change are saved as a new version. If someone else saved "
        "meanwhile, nothing is saved and you see both texts.",
    },
    "picture_save": {"da": "Gem ny version", "en": "Save a new version"},
    "picture_brief": {"da": "Send som orientering", "en": "Send as a briefing"},
    "picture_brief_hint": {
        "da": "Laver et udkast af de ikke-følsomme afsnit; projektchefen godkender og sender "
        "det under Krisekommunikation.",
        "en": "Makes a draft from the non-sensitive sections; the chief approves and sends it "
        "under Crisis communication.",
    },
    "picture_conflict_title": {
        "da": "Situationsbilledet er ændret imens",
        "en": "The situation picture changed meanwhile",
    },
    "picture_conflict_intro": {
        "da": "{name} gemte version {version} {time}, efter du begyndte. Din tekst er ikke "
        "gemt. Sammenlign og gem igen oven på version {version}.",
        "en": "{name} saved version {version} {time} after you started. Your text was not "
        "saved. Compare and save again on top of version {version}.",
    },
    "picture_saved_now": {"da": "Gemt nu (af {name}):", "en": "Saved now (by {name}):"},
    "picture_yours": {"da": "Din tekst", "en": "Your text"},
    "picture_save_on_top": {
        "da": "Gem min tekst som version {version} + 1",
        "en": "Save my text on top of version {version}",
    },
    "picture_discard_mine": {
        "da": "Drop min tekst og se situationsbilledet",
        "en": "Drop my text and see the situation picture",
    },
    "done_picture_saved": {
        "da": "Situationsbilledet er gemt som en ny version.",
        "en": "The situation picture was saved as a new version.",
    },
    "problem_picture_unchanged": {
        "da": "Intet er ændret i situationsbilledet, så der er ikke gemt en ny version.",
        "en": "Nothing changed in the situation picture, so no new version was saved.",
    },
    "kind_picture": {"da": "Situationsbillede", "en": "Situation picture"},
}
