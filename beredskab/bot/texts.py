"""What the Telegram bot itself says, in Danish (default) and English.

The same shape as ``beredskab.i18n`` (key → language → text with ``{placeholders}``); texts
the bot shares with SMS, web and CLI (``logged``, ``closed``, ``activated`` …) stay there.
"""

from __future__ import annotations

from beredskab.i18n import Language

_TEXTS: dict[str, dict[Language, str]] = {
    # Binding and refusals every module may give.
    "unbound": {
        "da": "Du er ikke tilknyttet beredskabet endnu. Skriv /start og del dit telefonnummer.",
        "en": "You are not linked to the crisis team yet. Send /start and share your phone number.",
    },
    "trouble": {
        "da": "Der skete en fejl, så det er ikke sikkert, at noget blev registreret. "
        "Prøv igen om lidt, eller brug SMS til servicenummeret.",
        "en": "Something went wrong, so it is not certain that anything was recorded. "
        "Try again shortly, or text the service number.",
    },
    "not_authorised": {
        "da": "Det må du ikke efter beredskabsplanen. Forsøget er registreret. "
        "Kontakt projektchefen, hvis det er en fejl.",
        "en": "The preparedness plan does not allow you to do that. The attempt has been "
        "recorded. Contact the project manager if this is a mistake.",
    },
    "not_found": {
        "da": "Det kunne jeg ikke finde. Tjek nummeret med /status.",
        "en": "I could not find that. Check the number with /status.",
    },
    "invalid_state": {
        "da": "Det kan ikke lade sig gøre nu: hændelsen er måske afsluttet, eller det er "
        "allerede gjort. Se /status.",
        "en": "That is not possible now: the incident may be closed, or it has already been "
        "done. See /status.",
    },
    "failed": {
        "da": "Det lykkedes ikke. Prøv igen, eller brug SMS til servicenummeret.",
        "en": "That did not work. Try again, or text the service number.",
    },
    "no_such_incident": {
        "da": "Der er ingen hændelse nummer {nr}. Se /status.",
        "en": "There is no incident number {nr}. See /status.",
    },
    "none_open": {"da": "Der er ingen åbne hændelser.", "en": "There are no open incidents."},
    "several_open": {
        "da": "Der er flere åbne hændelser ({numbers}). Skriv nummeret med, fx /status {first}.",
        "en": "Several incidents are open ({numbers}). Add the number, e.g. /status {first}.",
    },
    "foreign_button": {
        "da": "Denne knap hører til en anden person. Intet er ændret.",
        "en": "This button belongs to someone else. Nothing was changed.",
    },
    "invalid_button": {
        "da": "Knappen er ugyldig eller udløbet. Intet er ændret.",
        "en": "The button is invalid or has expired. Nothing was changed.",
    },
    # /start
    "start_bound": {
        "da": "Du er tilknyttet beredskabet som {name}. "
        "Del dit nummer igen, hvis du vil flytte tilknytningen til denne chat.",
        "en": "You are linked to the crisis team as {name}. "
        "Share your number again to move the link to this chat.",
    },
    "start_unbound": {
        "da": "Velkommen til beredskabet. For at få alarmer og svare her skal jeg finde dig "
        "i kontaktlisten: tryk på knappen og del dit telefonnummer.",
        "en": "Welcome to the crisis team. To get alerts and answer here I need to find you "
        "in the contact list: press the button and share your phone number.",
    },
    "share_button": {"da": "Del mit telefonnummer", "en": "Share my phone number"},
    "share_own": {
        "da": "Del dit eget telefonnummer med knappen nedenfor – ikke en andens kontakt.",
        "en": "Share your own phone number with the button below – not someone else's contact.",
    },
    "not_in_directory": {
        "da": "Dit telefonnummer står ikke i beredskabets kontaktliste, så jeg kan ikke "
        "tilknytte dig. Kontakt sekretariatet, hvis du skal være med.",
        "en": "Your phone number is not in the crisis team's contact list, so I cannot link "
        "you. Contact the secretariat if you should be included.",
    },
    "linked": {
        "da": "Tak, {name}. Du er nu tilknyttet beredskabet og får alarmer her. "
        "Skriv /hjaelp for at se, hvad du kan gøre.",
        "en": "Thank you, {name}. You are now linked to the crisis team and will get alerts "
        "here. Send /hjaelp to see what you can do.",
    },
    # /hjaelp and anything not understood
    "help": {
        "da": "Beredskabet på Telegram – kommandoer:\n"
        "/aktiver – aktivér en beredskabsgruppe (du bekræfter med en knap til sidst)\n"
        "/ovelse – det samme som øvelse: ØVELSE står på alle beskeder\n"
        "/status [nr] – åbne hændelser, eller én hændelse: bekræftelser, aktuelt trin, opgaver\n"
        "/log [nr] tekst – skriv i situationsloggen (eller svar direkte på en alarmbesked)\n"
        "/opgaver – dine åbne opgaver med knapper: Jeg tager den, Udført, Kan ikke\n"
        "/opgave [nr] – giv en opgave (projektchef)\n"
        "/indkald [nr] – indkald TOT eller Lokalråd (projektchef)\n"
        "/billede [nr] – situationsbilledet: læs det, skriv én overskrift ad gangen\n"
        "/pligter [nr] – lederens pligter (§3); /pligt nr n afkrydser én (projektchef)\n"
        "/afslut [nr] – afblæs en hændelse (projektchef og de, der må aktivere; "
        "med bekræftelse)\n"
        "/journal nr journalnr – politiets journalnr.; /zone nr 1-4 og /beskrivelse nr tekst "
        "retter zone og beskrivelse\n"
        "/annuller – afbryd en igangværende dialog\n"
        "/start – tilknyt denne chat ved at dele dit telefonnummer\n"
        "/hjaelp – denne hjælp\n"
        "Tryk Modtaget eller Kan ikke under en alarm for at svare.",
        "en": "The crisis team on Telegram – commands:\n"
        "/aktiver – activate a crisis group (you confirm with a button at the end)\n"
        "/ovelse – the same, as a drill: DRILL is on every message\n"
        "/status [no] – open incidents, or one incident: confirmations, current step, tasks\n"
        "/log [no] text – write in the situation log (or reply directly to an alert)\n"
        "/opgaver – your open tasks with buttons: I'll take it, Done, Cannot\n"
        "/opgave [no] – give a task (project manager)\n"
        "/indkald [no] – call TOT or Lokalråd (project manager)\n"
        "/billede [no] – the situation picture: read it, write one heading at a time\n"
        "/pligter [no] – the leader's duties (§3); /pligt no n ticks one (project manager)\n"
        "/afslut [no] – stand an incident down (project manager and those who may activate; "
        "with confirmation)\n"
        "/journal no case-no – the police journal number; /zone no 1-4 and /beskrivelse no "
        "text correct the zone and the description\n"
        "/annuller – cancel a dialogue in progress\n"
        "/start – link this chat by sharing your phone number\n"
        "/hjaelp (or /help) – this help\n"
        "Press Received or Cannot come under an alert to answer.",
    },
    "unknown": {
        "da": "Det forstod jeg ikke. Skriv /hjaelp for at se, hvad du kan.",
        "en": "I did not understand that. Send /hjaelp to see what you can do.",
    },
    # /status
    "status_usage": {
        "da": "Skriv /status eller /status <nr>, fx /status 3.",
        "en": "Send /status or /status <no>, e.g. /status 3.",
    },
    "status_list": {
        "da": "Åbne hændelser:\n{lines}\nSkriv /status <nr> for detaljer.",
        "en": "Open incidents:\n{lines}\nSend /status <no> for details.",
    },
    "status_none": {"da": "Ingen åbne hændelser.", "en": "No open incidents."},
    "status_head": {
        "da": "Hændelse {nr}: {name}{drill} – {status}",
        "en": "Incident {nr}: {name}{drill} – {status}",
    },
    "status_drill": {"da": " (ØVELSE)", "en": " (DRILL)"},
    "status_zone": {"da": "Zone: {zone}", "en": "Zone: {zone}"},
    "whole_area": {"da": "hele området", "en": "the whole area"},
    "status_confirmed": {"da": "Bekræftet: {done}/{total}", "en": "Confirmed: {done}/{total}"},
    "status_declined": {"da": " ({count} kan ikke)", "en": " ({count} cannot come)"},
    "status_step": {
        "da": "Aktuelt trin: {position}. {title} (ansvarlig: {owner}, frist {due})",
        "en": "Current step: {position}. {title} (responsible: {owner}, due {due})",
    },
    "status_tasks": {
        "da": "Åbne opgaver: {open} af {total}",
        "en": "Open tasks: {open} of {total}",
    },
    "status_more": {"da": "  … og {count} flere", "en": "  … and {count} more"},
    # /log and replies
    "log_usage": {
        "da": "Skriv teksten efter /log, fx /log Politiet er på stedet.",
        "en": "Write the text after /log, e.g. /log The police are on site.",
    },
    "log_several": {
        "da": "Flere hændelser er åbne ({numbers}). Skriv /log <nr> tekst.",
        "en": "Several incidents are open ({numbers}). Send /log <no> text.",
    },
    "log_none": {
        "da": "Der er ingen åben hændelse at skrive i.",
        "en": "There is no open incident to write in.",
    },
    "reply_unknown": {
        "da": "Jeg kan ikke se, hvilken hændelse beskeden hører til. Svar på en alarmbesked, "
        "eller skriv /log <nr> tekst.",
        "en": "I cannot tell which incident the message belongs to. Reply to an alert, "
        "or send /log <no> text.",
    },
    # /opgaver
    "tasks_none": {"da": "Du har ingen åbne opgaver.", "en": "You have no open tasks."},
    "tasks_count": {"da": "Du har {count} åbne opgaver:", "en": "You have {count} open tasks:"},
    "task_line": {
        "da": "Hændelse {nr}, opgave {number}: kontakt {target}{zone}. Status: {status}.",
        "en": "Incident {nr}, task {number}: contact {target}{zone}. Status: {status}.",
    },
    "task_zone": {"da": ", zone {zone}", "en": ", zone {zone}"},
    "task_line_chief": {
        "da": "Hændelse {nr}, opgave {number} fra {by}: {text}{due}. Status: {status}.",
        "en": "Incident {nr}, task {number} from {by}: {text}{due}. Status: {status}.",
    },
    # /afslut
    "close_usage": {
        "da": "Skriv /afslut eller /afslut <nr>.",
        "en": "Send /afslut or /afslut <no>.",
    },
    "close_already": {
        "da": "Hændelse {nr} er allerede afsluttet.",
        "en": "Incident {nr} is already closed.",
    },
    "close_refused": {
        "da": "Kun projektchefen og de, der må aktivere gruppen, kan afslutte en hændelse. "
        "Forsøget er registreret.",
        "en": "Only the project manager and those who may activate the group can stand an "
        "incident down. The attempt has been recorded.",
    },
    "close_ask": {
        "da": "Afslut hændelse {nr} ({name}: {title})? "
        "Alle, der er underrettet, får besked om afblæsningen.",
        "en": "Stand down incident {nr} ({name}: {title})? "
        "Everyone who was notified will be told of the stand-down.",
    },
    # Labels of token buttons (the stored token keeps the label it was shown with).
    "btn_task_accept": {"da": "Jeg tager den", "en": "I'll take it"},
    "btn_task_done": {"da": "Udført", "en": "Done"},
    "btn_task_decline": {"da": "Kan ikke", "en": "Cannot"},
    "btn_step_done": {"da": "Udført", "en": "Done"},
    "btn_close": {"da": "Bekræft afslutning", "en": "Confirm stand-down"},
    "btn_comm_approve": {"da": "Godkend", "en": "Approve"},
    "btn_comm_send": {"da": "Send", "en": "Send"},
    "btn_keep": {"da": "Annuller", "en": "Cancel"},
    # Button presses
    "keep_answer": {"da": "Hændelsen er ikke afsluttet.", "en": "The incident is not closed."},
    "keep_mark": {
        "da": "Afslutning annulleret. Hændelsen kører videre.",
        "en": "Stand-down cancelled. The incident continues.",
    },
    "ack_mark": {"da": "✅ Modtaget", "en": "✅ Received"},
    "ack_thanks": {"da": "Tak – registreret.", "en": "Thank you – recorded."},
    "ack_again": {"da": "Du havde allerede bekræftet.", "en": "You had already confirmed."},
    "decline_mark": {"da": "❌ Kan ikke", "en": "❌ Cannot come"},
    "decline_deputy": {
        "da": "Registreret. Din stedfortræder {name} er bedt om at træde til.",
        "en": "Recorded. Your deputy {name} has been asked to step in.",
    },
    "decline_no_deputy": {
        "da": "Registreret. Ingen stedfortræder kunne spørges (ingen angivet eller allerede "
        "spurgt); projektchefen kan se dit svar.",
        "en": "Recorded. No deputy could be asked (none named or already asked); "
        "the project manager can see your answer.",
    },
    "answer_again": {
        "da": "Dit svar var allerede registreret.",
        "en": "Your answer was already recorded.",
    },
    "unknown_status": {"da": "ukendt", "en": "unknown"},
    "task_closed": {
        "da": "Opgave {number} er {status}; intet at registrere.",
        "en": "Task {number} is {status}; nothing to record.",
    },
    "task_ask_outcome": {
        "da": "Skriv resultatet af opgave {number} ({target}) som din næste besked, "
        "fx 'Talt med varmemesteren, alt roligt', eller – hvis der intet er at sige. "
        "/annuller fortryder.",
        "en": "Write the outcome of task {number} ({target}) as your next message, "
        "e.g. 'Spoke to the caretaker, all calm', or – if there is nothing to say. "
        "/annuller undoes.",
    },
    "task_outcome_logged": {
        "da": " Resultatet er skrevet i loggen.",
        "en": " The outcome is written in the log.",
    },
    "task_yours": {"da": "Opgave {number} er din.", "en": "Task {number} is yours."},
    "task_already": {"da": "Allerede {status}.", "en": "Already {status}."},
    "task_declined": {
        "da": "Registreret: du kan ikke tage opgave {number}. Det står i loggen, så "
        "projektchefen kan give den videre.",
        "en": "Recorded: you cannot take task {number}. It is in the log, so the project "
        "manager can pass it on.",
    },
    "task_declined_offered": {
        "da": "Registreret: du kan ikke tage opgave {number}. Den er tilbudt {name}, og "
        "projektchefen har fået besked.",
        "en": "Recorded: you cannot take task {number}. It has been offered to {name}, and the "
        "project manager has been told.",
    },
    "task_declined_mark": {
        "da": "❌ Opgave {number}: {status}",
        "en": "❌ Task {number}: {status}",
    },
    "step_done": {
        "da": "Trin {position} ({title}) er udført.",
        "en": "Step {position} ({title}) is done.",
    },
    "step_next": {
        "da": " Næste trin: {position}. {title}.",
        "en": " Next step: {position}. {title}.",
    },
    "recorded": {"da": "Registreret.", "en": "Recorded."},
    "step_done_mark": {"da": "✅ Trin {position} udført", "en": "✅ Step {position} done"},
    "closed_answer": {"da": "Afsluttet.", "en": "Closed."},
    "closed_mark": {"da": "✅ Afsluttet", "en": "✅ Closed"},
    # /aktiver and /ovelse
    "activate_none": {
        "da": "Du kan ikke aktivere nogen beredskabsgruppe efter planen. "
        "Kontakt projektchefen eller politiet.",
        "en": "The plan does not let you activate any crisis group. "
        "Contact the project manager or the police.",
    },
    "activate_which": {
        "da": "Hvilken beredskabsgruppe vil du aktivere?",
        "en": "Which crisis group do you want to activate?",
    },
    "drill_which": {
        "da": "Hvilken beredskabsgruppe vil du øve?",
        "en": "Which crisis group do you want to drill?",
    },
    "cancel_label": {"da": "Annuller", "en": "Cancel"},
    "cancelled_dialogue": {
        "da": "Annulleret. Intet er sendt eller ændret.",
        "en": "Cancelled. Nothing was sent or changed.",
    },
    "cancelled_short": {"da": "Annulleret", "en": "Cancelled"},
    "activation_cancelled": {
        "da": "Aktiveringen er annulleret. Intet er sendt.",
        "en": "The activation is cancelled. Nothing was sent.",
    },
    "group_refused": {
        "da": "Den gruppe kan du ikke aktivere.",
        "en": "You cannot activate that group.",
    },
    "describe": {
        "da": "{name}. Beskriv kort, hvad der er sket (én besked).",
        "en": "{name}. Briefly describe what has happened (one message).",
    },
    "which_zone": {"da": "Hvilken zone?", "en": "Which zone?"},
    "zone_label": {"da": "Zone {zone}", "en": "Zone {zone}"},
    "whole_area_label": {"da": "Hele området", "en": "The whole area"},
    "police_ask": {
        "da": "Politiets journalnummer? Skriv det. Kender du det ikke endnu, så tryk "
        "«Kommer senere»: du bliver mindet om det, til det er registreret.",
        "en": "The police case number? Write it. If you do not know it yet, press "
        '"Comes later": you are reminded until it is recorded.',
    },
    "no_case_label": {"da": "Kommer senere", "en": "Comes later"},
    "drill_refused": {
        "da": "Hændelse {nr} ({group}) er i gang; en øvelse kan ikke startes nu. Intet er sendt.",
        "en": "Incident {nr} ({group}) is running; a drill cannot be started now. "
        "Nothing was sent.",
    },
    "case_later": {
        "da": "kommer senere (du bliver mindet om det)",
        "en": "comes later (you will be reminded)",
    },
    "summary_drill": {"da": "ØVELSE: ", "en": "DRILL: "},
    "summary_head": {
        "da": "{drill}Du er ved at aktivere {name}{as_drill}.",
        "en": "{drill}You are about to activate {name}{as_drill}.",
    },
    "summary_as_drill": {"da": " som øvelse", "en": " as a drill"},
    "summary_description": {"da": "Beskrivelse: {text}", "en": "Description: {text}"},
    "summary_zone": {"da": "Zone: {zone}", "en": "Zone: {zone}"},
    "summary_police": {"da": "Politiets journalnr.: {case}", "en": "Police case no.: {case}"},
    "summary_foot": {
        "da": "Alle deltagere bliver underrettet med det samme.",
        "en": "All participants will be notified at once.",
    },
    "confirm_label": {"da": "Bekræft aktivering", "en": "Confirm activation"},
    "activating": {"da": "Aktiverer …", "en": "Activating …"},
    "activation_stale": {
        "da": "Denne aktivering er allerede afsluttet eller annulleret. Start forfra med /aktiver.",
        "en": "This activation is already finished or cancelled. Start again with /aktiver.",
    },
    # Preparedness buttons and /beredskab
    "prep_stale": {
        "da": "Forespørgslen er forældet (planen er ændret eller kontrollen afsluttet).",
        "en": "The request is out of date (the plan has changed or the check has ended).",
    },
    "prep_confirmed_mark": {"da": "✅ Bekræftet", "en": "✅ Confirmed"},
    "readiness_refused": {
        "da": "Beredskabsstatus er kun for projektchefen og sekretariatslederen.",
        "en": "The readiness report is only for the project manager and the head of the "
        "secretariat.",
    },
}


def t(key: str, language: Language = "da", **values: object) -> str:
    """The bot's text for ``key`` in the language, with values filled in."""
    return _TEXTS[key][language].format(**values)
