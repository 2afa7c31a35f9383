"""Words of the crisis-communication composer's languages, Danish and English."""

from __future__ import annotations

from beredskab.i18n import Language

TEXTS: dict[str, dict[Language, str]] = {
    "lang_title": {"da": "Sprog", "en": "Languages"},
    "lang_original": {"da": "Original", "en": "Original"},
    "lang_current": {"da": "Opdateret", "en": "Up to date"},
    "lang_older": {"da": "Ældre end den danske tekst", "en": "Older than the Danish text"},
    "lang_missing": {"da": "Mangler", "en": "Missing"},
    "lang_warn_missing": {
        "da": "Mangler på {languages}: de modtagere får den danske tekst.",
        "en": "Missing in {languages}: those recipients get the Danish text.",
    },
    "lang_warn_older": {
        "da": "Ældre end den danske tekst på {languages} (dansk er rettet siden): de modtagere "
        "får den danske tekst, til udgaven er rettet og gemt igen.",
        "en": "Older than the Danish text in {languages} (Danish was edited since): those "
        "recipients get the Danish text until the variant is checked and saved again.",
    },
    "lang_warn_long": {
        "da": "Over {max} SMS-dele på {languages}: overvej en kortere tekst.",
        "en": "More than {max} SMS segments in {languages}: consider a shorter text.",
    },
    "lang_segments": {
        "da": "{n:SMS-del|SMS-dele} ({encoding}, {units} tegn)",
        "en": "{n:SMS segment|SMS segments} ({encoding}, {units} characters)",
    },
    "lang_edit": {"da": "Ret udgaven på {name}", "en": "Edit the {name} variant"},
    "lang_write": {"da": "Skriv udgaven på {name}", "en": "Write the {name} variant"},
    "lang_edit_hint": {
        "da": "Gem, når udgaven svarer til den danske tekst, som den står nu. Tøm emne og "
        "tekst for at fjerne udgaven (modtagerne får så dansk).",
        "en": "Save once the variant matches the Danish text as it stands now. Empty the "
        "subject and text to remove the variant (its readers then get Danish).",
    },
    "lang_save": {"da": "Gem udgaven", "en": "Save the variant"},
    "done_comm_variant_saved": {"da": "Udgaven er gemt.", "en": "The variant is saved."},
}
"""Composer texts (``lang_*``) and the notice after a variant is saved."""
