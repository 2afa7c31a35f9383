"""The directory editor's texts in Danish and English."""

from __future__ import annotations

from collections.abc import Callable

from beredskab.i18n import Language

_TEXTS: dict[str, dict[Language, str]] = {
    "title": {"da": "Kontaktliste", "en": "Contact directory"},
    "unreadable": {
        "da": "Kontaktlisten kan ikke læses: {problems}. Tjenesten bruger fortsat den sidste "
        "gyldige kontaktliste. Ret filen ([plan] directory_file), eller gem en gyldig liste med "
        "beredskab directory import FIL --apply.",
        "en": "The contact directory cannot be read: {problems}. The service keeps using the "
        "last valid directory. Correct the file ([plan] directory_file), or store a valid one "
        "with beredskab directory import FILE --apply.",
    },
    "refused": {
        "da": "Kun sekretariatslederen kan se og rette kontaktlisten.",
        "en": "Only the secretariat leader can see and edit the contact directory.",
    },
    "missing": {
        "da": "{what} findes ikke i kontaktlisten.",
        "en": "{what} is not in the directory.",
    },
    "in_use_db": {
        "da": "I brug: databasens revision {n}.",
        "en": "In use: database revision {n}.",
    },
    "in_use_file": {
        "da": "I brug: filen {file}. Den første ændring her gemmer kontaktlisten i databasen; "
        "derefter bruges filen ikke.",
        "en": "In use: the file {file}. The first change here stores the directory in the "
        "database; the file is not used after that.",
    },
    "example": {
        "da": "Dette er det fiktive eksempel: personerne findes ikke.",
        "en": "This is the fictional example: these people do not exist.",
    },
    "saved": {"da": "Ændringen er gemt og i brug.", "en": "The change is saved and in use."},
    "removed": {"da": "Personen er fjernet.", "en": "The person was removed."},
    "imported": {"da": "Importen er gemt og i brug.", "en": "The import is saved and in use."},
    "unchanged": {"da": "Intet at ændre.", "en": "Nothing to change."},
    "add": {"da": "Tilføj person", "en": "Add a person"},
    "import": {"da": "Importér (TOML, CSV, XLSX)", "en": "Import (TOML, CSV, XLSX)"},
    "export_toml": {"da": "Eksportér TOML", "en": "Export TOML"},
    "export_csv": {"da": "Eksportér CSV", "en": "Export CSV"},
    "people": {"da": "Personer ({n})", "en": "People ({n})"},
    "no_roles": {"da": "ingen roller", "en": "no roles"},
    "edit_title": {"da": "Ret {name}", "en": "Edit {name}"},
    "new_title": {"da": "Ny person", "en": "New person"},
    "id": {
        "da": "Id (små bogstaver, tal og bindestreg; kan ikke ændres)",
        "en": "Id (lowercase letters, digits and hyphens; cannot change)",
    },
    "name": {"da": "Navn", "en": "Name"},
    "title_field": {"da": "Titel", "en": "Title"},
    "organisation": {"da": "Organisation", "en": "Organisation"},
    "phone": {"da": "Telefon", "en": "Phone"},
    "phone_hint": {"da": "8 cifre, eller + og landekode", "en": "8 digits, or + and country code"},
    "email": {"da": "E-mail", "en": "Email"},
    "language": {"da": "Sprog", "en": "Language"},
    "language_default": {
        "da": "Standard (tjenestens sprog)",
        "en": "Default (the service's language)",
    },
    "deputy": {"da": "Stedfortræder", "en": "Deputy"},
    "nobody": {"da": "Ingen", "en": "Nobody"},
    "zones": {"da": "Zoner (1-4, adskilt med komma)", "en": "Zones (1-4, separated by commas)"},
    "roles": {"da": "Roller", "en": "Roles"},
    "contacts": {
        "da": "Kontakter (hvem personen kontakter)",
        "en": "Contacts (whom this person contacts)",
    },
    "zone": {"da": "zone {n}", "en": "zone {n}"},
    "whole_area": {"da": "hele området", "en": "whole area"},
    "save": {"da": "Gem", "en": "Save"},
    "problems": {
        "da": "Ændringen er ikke gemt. Ret dette:",
        "en": "The change was not saved. Fix this:",
    },
    "history": {"da": "Historik", "en": "History"},
    "remove": {"da": "Fjern personen", "en": "Remove the person"},
    "remove_sure": {
        "da": "Ja, fjern personen fra kontaktlisten",
        "en": "Yes, remove the person from the directory",
    },
    "remove_confirm_missing": {
        "da": "Sæt flueben for at bekræfte, at personen skal fjernes.",
        "en": "Tick the box to confirm that the person is to be removed.",
    },
    "back": {"da": "Tilbage til kontaktlisten", "en": "Back to the directory"},
    "history_title": {"da": "Historik for {person}", "en": "History of {person}"},
    "no_history": {
        "da": "Ingen ændringer i databasen endnu.",
        "en": "No changes in the database yet.",
    },
    "change_head": {
        "da": "Revision {n} · {time} · {actor} ({channel})",
        "en": "Revision {n} · {time} · {actor} ({channel})",
    },
    "added": {"da": "tilføjet", "en": "added"},
    "changed": {"da": "ændret", "en": "changed"},
    "removed_action": {"da": "fjernet", "en": "removed"},
    "field": {"da": "Felt", "en": "Field"},
    "before": {"da": "Før", "en": "Before"},
    "after": {"da": "Efter", "en": "After"},
    "import_title": {"da": "Importér kontaktliste", "en": "Import the directory"},
    "import_intro": {
        "da": "En TOML-fil erstatter hele kontaktlisten. Et regneark (CSV eller XLSX) er "
        "listen over personer, én pr. række, med kolonnerne id, name, title, organisation, "
        "phone, email, language, deputy, roles, zones og contacts (kun id og name skal "
        "være der; en kolonne, der mangler, beholder de nuværende værdier); personer, der ikke "
        "står i arket, fjernes. Du ser ændringerne, før noget gemmes.",
        "en": "A TOML file replaces the whole directory. A spreadsheet (CSV or XLSX) is the "
        "list of people, one per row, with the columns id, name, title, organisation, phone, "
        "email, language, deputy, roles, zones and contacts (only id and name are required; "
        "a missing column keeps the current values); people missing from the sheet are "
        "removed. You see the changes before anything is stored.",
    },
    "file": {"da": "Fil", "en": "File"},
    "read": {"da": "Vis ændringerne", "en": "Show the changes"},
    "missing_file": {"da": "Vælg en fil.", "en": "Choose a file."},
    "preview_title": {"da": "Ændringer fra {file}", "en": "Changes from {file}"},
    "counts": {
        "da": "{a} tilføjet, {c} ændret, {r} fjernet",
        "en": "{a} added, {c} changed, {r} removed",
    },
    "other_changes": {"da": "Roller, målgrupper og navn", "en": "Roles, targets and name"},
    "no_changes": {"da": "Filen ændrer intet.", "en": "The file changes nothing."},
    "errors": {
        "da": "Importen kan ikke gemmes: {n} problem(er). Ret filen og prøv igen.",
        "en": "The import cannot be stored: {n} problem(s). Fix the file and try again.",
    },
    "warnings": {"da": "Advarsler", "en": "Warnings"},
    "apply": {"da": "Gem ændringerne", "en": "Store the changes"},
    "failed": {"da": "Importen blev ikke gemt: {why}", "en": "The import was not stored: {why}"},
}


def dt(language: Language) -> Callable[..., str]:
    """The directory editor's text lookup for one language."""

    def text(key: str, **values: object) -> str:
        return _TEXTS[key][language].format(**values)

    return text
