"""The SMS command replies, in Danish and English: one short SMS each (GSM-7, ≤ 160 chars)."""

from __future__ import annotations

from beredskab.i18n import Language, fill

_TEXTS: dict[str, dict[Language, str]] = {
    "activated": {
        "da": "Hændelse {nr} oprettet: {gruppe}. {participants} underrettet. "
        "Svar STATUS {nr} for overblik.",
        "en": "Incident {nr} opened: {gruppe}. {participants} notified. "
        "Reply STATUS {nr} for an overview.",
    },
    "activated_streaming": {
        "da": "Hændelse {nr} oprettet: {gruppe}. {participants} underrettes nu. "
        "Svar STATUS {nr} for overblik.",
        "en": "Incident {nr} opened: {gruppe}. {participants} being notified. "
        "Reply STATUS {nr} for an overview.",
    },
    "joined": {
        "da": "{gruppe} er allerede aktiv som hændelse {nr}; du er tilføjet og bekræftet.",
        "en": "{gruppe} is already active as incident {nr}; you are added and confirmed.",
    },
    "sms_drill_halted": {
        "da": "Øvelse {drill} er afbrudt.",
        "en": "Drill {drill} is halted.",
    },
    "sms_police_case_missing": {
        "da": "Journalnr. mangler: send JOURNAL {nr} <journalnr>.",
        "en": "Case number missing: send JOURNAL {nr} <number>.",
    },
    "police_case_needed": {
        "da": "Gruppe {nr} kræver journalnr.: AKTIVER {nr} <PIN> JOURNAL <nr> <tekst> eller "
        "AKTIVER {nr} <PIN> AFVENTER <tekst>. Intet aktiveret.",
        "en": "Group {nr} needs the case number: ACTIVATE {nr} <PIN> CASE <no> <text> or "
        "ACTIVATE {nr} <PIN> PENDING <text>. Nothing was done.",
    },
    "police_case_group1": {
        "da": "Gruppe 1 har ingen politisag. Aktiver gruppe 2 med JOURNAL, eller opgrader. "
        "Intet aktiveret.",
        "en": "Group 1 has no police case. Activate group 2 with CASE, or upgrade. "
        "Nothing was done.",
    },
    "acked": {"da": "Bekræftet: hændelse {nr}.", "en": "Confirmed: incident {nr}."},
    "ack_same": {
        "da": "Intet ændret: din status for hændelse {nr} er {status}.",
        "en": "Nothing changed: your status for incident {nr} is {status}.",
    },
    "declined": {
        "da": "Noteret: du kan ikke deltage i hændelse {nr}.",
        "en": "Noted: you cannot take part in incident {nr}.",
    },
    "declined_deputy": {
        "da": "Noteret: du kan ikke deltage i hændelse {nr}. Din stedfortræder {deputy} "
        "er bedt om at tage over.",
        "en": "Noted: you cannot take part in incident {nr}. Your deputy {deputy} "
        "has been asked to take over.",
    },
    "nothing_to_confirm": {
        "da": "Der er intet at bekræfte fra dette nummer lige nu.",
        "en": "There is nothing to confirm from this number right now.",
    },
    "not_asked": {
        "da": "Hændelse {nr} har ikke bedt dette nummer om svar. Intet registreret.",
        "en": "Incident {nr} did not ask this number for a reply. Nothing recorded.",
    },
    "status": {
        "da": "Hændelse {nr} ({gruppe}) {state}. {facts}. Bekræftet {confirmed}/{asked}, "
        "kan ikke {declined}. Trin {steps_done}/{steps}. Opgaver udført {tasks_done}/{tasks}.",
        "en": "Incident {nr} ({gruppe}) {state}. {facts}. Confirmed {confirmed}/{asked}, "
        "declined {declined}. Steps {steps_done}/{steps}. Tasks done {tasks_done}/{tasks}.",
    },
    "no_open": {"da": "Ingen aktive hændelser.", "en": "No active incidents."},
    "no_incident": {
        "da": "Hændelse {nr} findes ikke.",
        "en": "There is no incident {nr}.",
    },
    "already_closed": {
        "da": "Hændelse {nr} er allerede afblæst.",
        "en": "Incident {nr} has already been stood down.",
    },
    "logged": {
        "da": "Logført i hændelse {nr} (post {seq}).",
        "en": "Logged in incident {nr} (entry {seq}).",
    },
    "task": {
        "da": "Opgave {number} ({target}), hændelse {nr}: {status}.",
        "en": "Task {number} ({target}), incident {nr}: {status}.",
    },
    "task_same": {
        "da": "Opgave {number} var allerede {status}; intet ændret.",
        "en": "Task {number} was already {status}; nothing changed.",
    },
    "task_outcome": {
        "da": "Skriv resultatet: OPGAVE {number} UDFØRT <resultat>, eller OPGAVE {number} "
        "UDFØRT - hvis der intet er at sige.",
        "en": "Write the outcome: TASK {number} DONE <outcome>, or TASK {number} DONE - if "
        "there is nothing to say.",
    },
    "no_task": {
        "da": "Ingen opgave {number} i en aktiv hændelse.",
        "en": "No task {number} in an active incident.",
    },
    "closed": {
        "da": "Hændelse {nr} er afblæst. {messages:afblæsningsbesked|afblæsningsbeskeder} sendes.",
        "en": "Incident {nr} stood down. "
        "{messages:stand-down message|stand-down messages} being sent.",
    },
    "no_playbook": {
        "da": "Ukendt gruppe. Skriv AKTIVER {choices} <PIN> [beskrivelse].",
        "en": "Unknown group. Send ACTIVATE {choices} <PIN> [description].",
    },
    "no_pin": {
        "da": "Du har ingen PIN. Bed sekretariatet om at oprette en. Intet aktiveret.",
        "en": "You have no PIN. Ask the secretariat to set one. Nothing was done.",
    },
    "wrong_pin": {
        "da": "Forkert PIN. {remaining} forsøg tilbage.",
        "en": "Wrong PIN. {remaining:attempt|attempts} left.",
    },
    "locked": {
        "da": "SMS med PIN er låst til {until} efter for mange forkerte PIN. "
        "Brug Telegram eller ring til projektchefen.",
        "en": "PIN commands by SMS are locked until {until} after too many wrong PINs. "
        "Use Telegram or call the project chief.",
    },
    "refused": {
        "da": "Afvist: din rolle giver ikke adgang til det.",
        "en": "Refused: your role does not allow that.",
    },
    "refused_activate": {
        "da": "Afvist: din rolle må ikke aktivere {gruppe}. Intet aktiveret.",
        "en": "Refused: your role may not activate {gruppe}. Nothing was done.",
    },
    "refused_close": {
        "da": "Afvist: din rolle må ikke afblæse hændelse {nr}.",
        "en": "Refused: your role may not stand down incident {nr}.",
    },
    "refused_log": {
        "da": "Afvist: du deltager ikke i hændelse {nr} og kan ikke skrive i loggen.",
        "en": "Refused: you are not part of incident {nr} and cannot write in its log.",
    },
    "refused_task": {
        "da": "Afvist: opgave {number} er ikke din.",
        "en": "Refused: task {number} is not yours.",
    },
    "journal_set": {
        "da": "Hændelse {nr}: politiets journalnr. er nu {case}. Rettelsen står i loggen.",
        "en": "Incident {nr}: the police journal number is now {case}. It is in the log.",
    },
    "journal_same": {
        "da": "Hændelse {nr} har allerede journalnr. {case}; intet ændret.",
        "en": "Incident {nr} already has journal number {case}; nothing changed.",
    },
    "journal_no_case": {
        "da": "Hændelse {nr} er {gruppe} uden politisag. Opgradér til gruppe 2 med "
        "journalnr. (web, Telegram eller CLI).",
        "en": "Incident {nr} is {gruppe}, without a police case. Upgrade it to group 2 with "
        "the journal number (web, Telegram or CLI).",
    },
    "refused_journal": {
        "da": "Afvist: din rolle må ikke rette oplysningerne i hændelse {nr}.",
        "en": "Refused: your role may not correct the facts of incident {nr}.",
    },
    "failed": {"da": "Ikke udført: {detail}", "en": "Not done: {detail}"},
    "help": {
        "da": "AKTIVER <gruppe> <PIN> [tekst]; OK [nr]; NEJ [nr]; JA; STATUS [nr]; LOG <tekst>; "
        "OPGAVE <nr> OK|NEJ|UDFØRT <resultat>; JOURNAL <nr> <j.nr>; AFSLUT <nr> <PIN>",
        "en": "ACTIVATE <group> <PIN> [text]; OK [no]; NO [no]; YES; STATUS [no]; LOG <text>; "
        "TASK <no> OK|NO|DONE <outcome>; CASE <no> <journal no>; CLOSE <no> <PIN>",
    },
}


def text(key: str, language: Language = "da", **values: object) -> str:
    """The reply ``key`` in the language, with values filled in."""
    return fill(_TEXTS[key][language], **values)
