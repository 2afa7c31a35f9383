"""Words on the mobile pages, Danish (default) and English. One table per page family."""

from __future__ import annotations

from beredskab.i18n import Language, fill
from beredskab.web import texts_comms, texts_facts, texts_incident, texts_info, texts_picture

Table = dict[str, dict[Language, str]]

COMMON: Table = {
    "app": {"da": "Beredskab", "en": "Beredskab"},
    "skip": {"da": "Spring til indhold", "en": "Skip to content"},
    "nav_incidents": {"da": "Hændelser", "en": "Incidents"},
    "nav_activate": {"da": "Aktivér", "en": "Activate"},
    "nav_readiness": {"da": "Parathed", "en": "Readiness"},
    "nav_plan": {"da": "Plan", "en": "Plan"},
    "sign_out": {"da": "Log ud", "en": "Sign out"},
    "other_language": {"da": "English", "en": "Dansk"},
    "signed_in_as": {"da": "Logget ind som {name}", "en": "Signed in as {name}"},
    "drill": {"da": "ØVELSE", "en": "DRILL"},
    "open": {"da": "Åben", "en": "Open"},
    "closed": {"da": "Afsluttet", "en": "Closed"},
    "zone": {"da": "Zone {zone}", "en": "Zone {zone}"},
    "whole_area": {"da": "Hele området", "en": "The whole area"},
    "back": {"da": "Tilbage", "en": "Back"},
    "refused": {"da": "Det må du ikke", "en": "Not allowed"},
    "not_found": {"da": "Findes ikke", "en": "Not found"},
    "error_title": {"da": "Det lykkedes ikke", "en": "That did not work"},
}

SIGNIN: Table = {
    "signin_title": {"da": "Log ind", "en": "Sign in"},
    "signin_intro": {
        "da": "Skriv dit mobilnummer eller din e-mail. Vi sender en engangskode til din "
        "Telegram, din e-mail eller som SMS.",
        "en": "Enter your mobile number or email. We send a one-time code to your Telegram, "
        "your email or by SMS.",
    },
    "identifier": {"da": "Mobilnummer eller e-mail", "en": "Mobile number or email"},
    "send_code": {"da": "Send kode", "en": "Send code"},
    "code_title": {"da": "Skriv koden", "en": "Enter the code"},
    "code_sent": {
        "da": "Hvis vi kender dig, har vi sendt en kode med {digits} cifre. Den virker i "
        "{minutes} minutter. Kommer der ingen kode, så kontakt områdesekretariatet.",
        "en": "If we know you, we have sent a {digits}-digit code. It works for {minutes} minutes. "
        "If no code comes, contact the area secretariat.",
    },
    "code": {"da": "Kode", "en": "Code"},
    "sign_in": {"da": "Log ind", "en": "Sign in"},
    "new_code": {"da": "Få en ny kode", "en": "Get a new code"},
    "signin_wrong": {
        "da": "Koden passer ikke. Prøv igen.",
        "en": "The code is not right. Try again.",
    },
    "signin_expired": {
        "da": "Koden er udløbet. Bed om en ny kode.",
        "en": "The code has expired. Ask for a new code.",
    },
    "signin_used": {
        "da": "Koden er allerede brugt. Bed om en ny kode.",
        "en": "The code has already been used. Ask for a new code.",
    },
    "signin_too-many": {
        "da": "For mange forkerte forsøg. Bed om en ny kode.",
        "en": "Too many wrong attempts. Ask for a new code.",
    },
    "signin_throttled": {
        "da": "Du har bedt om mange koder. Vent lidt, og prøv igen.",
        "en": "You have asked for many codes. Wait a while and try again.",
    },
    "signin_slow_down": {
        "da": "For mange forsøg fra denne forbindelse. Vent et minut.",
        "en": "Too many attempts from this connection. Wait a minute.",
    },
    "signin_again": {
        "da": "Log ind igen for at fortsætte.",
        "en": "Sign in again to continue.",
    },
    "signed_out": {"da": "Du er logget ud.", "en": "You are signed out."},
}

PAGES: Table = {
    "incidents_title": {"da": "Hændelser", "en": "Incidents"},
    "incidents_open": {"da": "Åbne hændelser", "en": "Open incidents"},
    "incidents_recent": {"da": "Seneste afsluttede", "en": "Recently closed"},
    "incidents_none_open": {"da": "Ingen åbne hændelser.", "en": "No open incidents."},
    "incidents_none_recent": {"da": "Ingen afsluttede hændelser.", "en": "No closed incidents."},
    "incident_line": {"da": "Hændelse {nr}", "en": "Incident {nr}"},
    "activated_at": {"da": "Aktiveret {time}", "en": "Activated {time}"},
    "confirmed_count": {
        "da": "{confirmed} af {total} har bekræftet",
        "en": "{confirmed} of {total} confirmed",
    },
    "activate_title": {"da": "Aktivér beredskabet", "en": "Activate the plan"},
    "activate_none": {
        "da": "Du kan ikke aktivere nogen beredskabsgruppe.",
        "en": "You cannot activate any group.",
    },
    "group": {"da": "Beredskabsgruppe", "en": "Group"},
    "description": {"da": "Hvad er sket?", "en": "What happened?"},
    "description_hint": {
        "da": "Kort og nøgternt. Teksten sendes til deltagerne.",
        "en": "Short and factual. The text is sent to the participants.",
    },
    "zone_label": {"da": "Zone", "en": "Zone"},
    "police_case": {"da": "Politiets journalnummer", "en": "Police journal number"},
    "police_case_hint": {
        "da": "Kræves for beredskabsgruppe 2, ellers sæt kryds i «kommer senere». "
        "Gruppe 1 har ingen politisag.",
        "en": 'Required for group 2, otherwise tick "comes later". Group 1 has no police case.',
    },
    "police_case_pending_check": {
        "da": "Journalnummeret kommer senere (du mindes om det, til det er registreret)",
        "en": "The journal number comes later (you are reminded until it is recorded)",
    },
    "police_case_later": {
        "da": "kommer senere – du mindes om det",
        "en": "comes later – you will be reminded",
    },
    "police_case_group1": {
        "da": "Gruppe 1 har ingen politisag; opgrader til gruppe 2, når der er en politisag.",
        "en": "Group 1 has no police case; upgrade to group 2 when there is one.",
    },
    "drill_refused": {
        "da": "Hændelse {nr} ({group}) er i gang; en øvelse kan ikke startes nu.",
        "en": "Incident {nr} ({group}) is running; a drill cannot be started now.",
    },
    "halts_drill": {
        "da": "Øvelse {nr} af samme gruppe er åben. Den afbrydes, og dens deltagere får "
        "«ØVELSE AFBRUDT – der er en rigtig hændelse».",
        "en": "Drill {nr} of the same group is open. It is halted and its participants are "
        'told "DRILL HALTED – there is a real incident".',
    },
    "drill_check": {
        "da": "Øvelse (alle beskeder starter med ØVELSE)",
        "en": "Drill (every message starts with DRILL)",
    },
    "continue": {"da": "Fortsæt", "en": "Continue"},
    "confirm_title": {"da": "Bekræft aktivering", "en": "Confirm activation"},
    "confirm_intro": {
        "da": "Når du trykker Aktivér nu, får alle deltagere besked med det samme.",
        "en": "When you press Activate now, every participant is told at once.",
    },
    "confirm_drill_intro": {
        "da": "Dette er en ØVELSE. Deltagerne får besked, mærket ØVELSE.",
        "en": "This is a DRILL. Participants are told, marked DRILL.",
    },
    "participants_count": {"da": "Deltagere: {n}", "en": "Participants: {n}"},
    "activate_now": {"da": "Aktivér nu", "en": "Activate now"},
    "drill_now": {"da": "Start øvelsen", "en": "Start the drill"},
    "change": {"da": "Ret", "en": "Change"},
    "missing_description": {"da": "Skriv hvad der er sket.", "en": "Describe what happened."},
    "missing_police_case": {
        "da": "Skriv politiets journalnummer, eller sæt kryds i «kommer senere».",
        "en": 'Enter the police journal number, or tick "comes later".',
    },
    "bad_zone": {"da": "Vælg en zone fra listen.", "en": "Choose a zone from the list."},
    "bad_group": {"da": "Vælg en gruppe fra listen.", "en": "Choose a group from the list."},
    "joined_existing": {
        "da": "Gruppen er allerede aktiv af samme slags; du tilsluttes den åbne hændelse og "
        "registreres som bekræftet.",
        "en": "The group is already active of the same kind; you join the open incident and "
        "are recorded as confirmed.",
    },
}


READINESS: Table = {
    "readiness_title": {"da": "Parathed", "en": "Readiness"},
    "readiness_refused": {
        "da": "Parathedsrapporten er kun for projektchefen og sekretariatslederen.",
        "en": "The readiness report is only for the project chief and the secretariat leader.",
    },
    "plan_version": {"da": "Planversion {version}", "en": "Plan version {version}"},
    "weak_spots": {"da": "Svage punkter", "en": "Weak spots"},
    "single_holder_roles": {"da": "Roller med kun én person", "en": "Roles with one person"},
    "one_channel": {"da": "Kun én kanal (eller ingen)", "en": "Only one channel (or none)"},
    "called_deputies": {
        "da": "Stedfortræder kaldes selv af samme gruppe",
        "en": "Deputy is called by the same group",
    },
    "called_deputy": {
        "da": "{person} → {deputy} (gruppe {group}): {instead}",
        "en": "{person} → {deputy} (group {group}): {instead}",
    },
    "stands_in": {"da": "{name} træder til i stedet", "en": "{name} stands in instead"},
    "nobody_stands_in": {"da": "ingen kan træde til", "en": "nobody can stand in"},
    "all_deputies_roles": {
        "da": "Roller hvor alle er en andens stedfortræder",
        "en": "Roles whose every holder is someone else's deputy",
    },
    "no_pin": {"da": "Kan aktivere, men har ingen PIN", "en": "May activate but has no PIN"},
    "stale": {
        "da": "Ikke kontrolleret i {days} dage",
        "en": "Not verified for {days} days",
    },
    "not_signed": {"da": "Har ikke underskrevet planen", "en": "Has not signed the plan"},
    "roles": {"da": "Roller", "en": "Roles"},
    "deputies": {"da": "Stedfortrædere", "en": "Deputies"},
    "people": {"da": "Personer", "en": "People"},
    "phone": {"da": "Telefon", "en": "Phone"},
    "email": {"da": "E-mail", "en": "Email"},
    "verified": {"da": "Kontrolleret", "en": "Verified"},
    "never": {"da": "aldrig", "en": "never"},
    "signed_off": {"da": "Planen underskrevet", "en": "Plan signed"},
    "yes": {"da": "ja", "en": "yes"},
    "no": {"da": "nej", "en": "no"},
    "nobody": {"da": "ingen", "en": "none"},
    "plan_title": {"da": "Beredskabsplanen", "en": "The plan"},
    "participants": {"da": "Deltagere", "en": "Participants"},
    "signoff_title": {"da": "Underskrift af planen", "en": "Plan sign-off"},
    "signoff_count": {
        "da": "{signed} af {total} har underskrevet denne version.",
        "en": "{signed} of {total} have signed this version.",
    },
    "signed_at": {"da": "Underskrevet {time}", "en": "Signed {time}"},
    "asked": {"da": "Spurgt, ikke svaret", "en": "Asked, no answer"},
    "not_asked": {"da": "Ikke spurgt", "en": "Not asked"},
}


def text(key: str, language: Language, **values: object) -> str:
    """The page text for ``key`` in ``language``, with ``values`` filled in."""
    tables = (
        texts_incident.TEXTS,
        texts_picture.TEXTS,
        texts_facts.TEXTS,
        texts_info.TEXTS,
        texts_comms.TEXTS,
    )
    for table in (COMMON, SIGNIN, PAGES, READINESS, *tables):
        if key in table:
            return fill(table[key][language], **values)
    raise KeyError(f"no page text {key!r}")
