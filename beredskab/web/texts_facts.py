"""Words of the incident page's facts form (journal number, zone, description), Danish
(default) and English."""

from __future__ import annotations

from beredskab.i18n import Language

TEXTS: dict[str, dict[Language, str]] = {
    "done_facts_changed": {
        "da": "Oplysningerne er rettet. Rettelsen står i loggen.",
        "en": "The facts are corrected. The correction is in the log.",
    },
    "done_facts_unchanged": {
        "da": "Intet ændret: oplysningerne var allerede sådan.",
        "en": "Nothing changed: the facts were already so.",
    },
    "problem_bad_zone": {"da": "Zonen skal være 1-4.", "en": "The zone must be 1-4."},
    "problem_bad_facts": {
        "da": "Oplysningerne kan ikke gemmes (tom, for lang eller ugyldig tekst).",
        "en": "The facts cannot be saved (empty, too long or invalid text).",
    },
    "problem_no_police_case": {
        "da": "Denne gruppe har ingen politisag. Opgradér til gruppe 2 med journalnummeret.",
        "en": "This group has no police case. Upgrade to group 2 with the journal number.",
    },
    "facts_title": {"da": "Ret oplysninger", "en": "Correct the facts"},
    "facts_hint": {
        "da": "Ret det, der er forkert eller mangler. Hver ændring skrives i loggen.",
        "en": "Correct what is wrong or missing. Every change is written in the log.",
    },
    "facts_police_case": {"da": "Politiets journalnr.", "en": "Police journal number"},
    "facts_zone": {"da": "Zone", "en": "Zone"},
    "facts_description": {"da": "Beskrivelse", "en": "Description"},
    "facts_save": {"da": "Gem rettelser", "en": "Save corrections"},
}
