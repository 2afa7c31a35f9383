"""Words on the incident page, Danish (default) and English."""

from __future__ import annotations

from beredskab.i18n import Language

TEXTS: dict[str, dict[Language, str]] = {
    # The page and its live updates
    "refresh": {"da": "Opdater", "en": "Refresh"},
    "live_on": {"da": "Opdateres automatisk", "en": "Updates automatically"},
    "live_lost": {
        "da": "Automatisk opdatering er afbrudt. Tryk Opdater.",
        "en": "Automatic updates stopped. Press Refresh.",
    },
    "live_off": {
        "da": "Siden opdaterer ikke af sig selv uden JavaScript. Tryk Opdater for at se nyt.",
        "en": "Without JavaScript the page does not update itself. Press Refresh to see news.",
    },
    "announce_confirmed": {"da": "{name} har bekræftet.", "en": "{name} confirmed."},
    "incident_missing": {
        "da": "Der er ingen hændelse med det nummer.",
        "en": "There is no incident with that number.",
    },
    "police_case_short": {"da": "Journalnr. {nr}", "en": "Journal no. {nr}"},
    "activated_by_at": {"da": "Aktiveret af {name}, {time}", "en": "Activated by {name}, {time}"},
    "closed_by_at": {"da": "Afblæst af {name}, {time}", "en": "Stood down by {name}, {time}"},
    "open_tasks_count": {
        "da": "{open} af {total} opgaver åbne",
        "en": "{open} of {total} tasks open",
    },
    "ack_yes": {"da": "Jeg er med", "en": "I am in"},
    "ack_no": {"da": "Jeg kan ikke", "en": "I cannot"},
    "upgrade_to": {"da": "Opgradér til {group}", "en": "Upgrade to {group}"},
    "stand_down": {"da": "Afblæs beredskabet", "en": "Stand down"},
    "report_title": {"da": "Situationsrapport", "en": "Situation report"},
    "report_html": {"da": "Rapport (HTML)", "en": "Report (HTML)"},
    "report_pdf": {"da": "Rapport (PDF)", "en": "Report (PDF)"},
    "cancel": {"da": "Fortryd", "en": "Cancel"},
    "system": {"da": "System", "en": "System"},
    # Confirmations
    "confirmations_title": {"da": "Bekræftelser", "en": "Confirmations"},
    "state_confirmed": {"da": "Bekræftet", "en": "Confirmed"},
    "state_pending": {"da": "Ikke endnu", "en": "Not yet"},
    "state_declined": {"da": "Kan ikke", "en": "Cannot"},
    "state_unreachable": {"da": "Ikke nået", "en": "Unreachable"},
    "answered_via": {"da": "Svarede via {via} kl. {time}", "en": "Answered via {via} at {time}"},
    "via_web": {"da": "siden", "en": "the web page"},
    "via_api": {"da": "API", "en": "the API"},
    "via_email": {"da": "e-mail", "en": "email"},
    "via_sms": {"da": "SMS", "en": "SMS"},
    "via_voice": {"da": "opkald", "en": "a call"},
    "via_telegram": {"da": "Telegram", "en": "Telegram"},
    "via_cli": {"da": "kommandolinjen", "en": "the command line"},
    "via_other": {"da": "anden vej", "en": "another way"},
    "reason_step": {
        "da": "Bedt om at bekræfte i trinnet: {about}",
        "en": "Asked to confirm in the step: {about}",
    },
    "reason_deputy": {"da": "Stedfortræder for {about}", "en": "Deputy for {about}"},
    "reason_convene": {"da": "Indkaldt til {about}", "en": "Called to {about}"},
    "channels_of": {"da": "Beskeder til {name}", "en": "Messages to {name}"},
    "channel_sms": {"da": "SMS", "en": "SMS"},
    "channel_email": {"da": "E-mail", "en": "Email"},
    "channel_telegram": {"da": "Telegram", "en": "Telegram"},
    "channel_voice": {"da": "Opkald", "en": "Call"},
    "delivery_queued": {"da": "i kø", "en": "queued"},
    "delivery_sending": {"da": "sendes", "en": "sending"},
    "delivery_sent": {"da": "sendt", "en": "sent"},
    "delivery_delivered": {"da": "leveret", "en": "delivered"},
    "delivery_failed": {"da": "fejlet", "en": "failed"},
    "delivery_expired": {"da": "udløbet", "en": "expired"},
    "no_messages": {"da": "Ingen beskeder sendt", "en": "No messages sent"},
    "nobody_asked": {"da": "Ingen er bedt om at bekræfte.", "en": "Nobody was asked to confirm."},
    # Steps
    "steps_title": {"da": "Trin", "en": "Steps"},
    "step_pending": {"da": "Venter", "en": "Waiting"},
    "step_active": {"da": "Aktuelt", "en": "Current"},
    "step_done": {"da": "Udført", "en": "Done"},
    "step_skipped": {"da": "Sprunget over", "en": "Skipped"},
    "owner_due": {"da": "Ansvarlig: {owner} · frist {time}", "en": "Owner: {owner} · due {time}"},
    "finished_by_at": {"da": "Af {name} kl. {time}", "en": "By {name} at {time}"},
    "note_label": {"da": "Note", "en": "Note"},
    "note_optional": {"da": "Note (frivillig)", "en": "Note (optional)"},
    "step_finish": {"da": "Markér trinnet", "en": "Mark this step"},
    "step_done_button": {"da": "Markér udført", "en": "Mark done"},
    "step_skip_button": {"da": "Spring over", "en": "Skip"},
    # Outreach tasks
    "tasks_title": {"da": "Opgaver", "en": "Tasks"},
    "task_assigned": {"da": "Tildelt", "en": "Assigned"},
    "task_accepted": {"da": "I gang", "en": "In progress"},
    "task_done": {"da": "Udført", "en": "Done"},
    "task_declined": {"da": "Afvist", "en": "Declined"},
    "task_cancelled": {"da": "Annulleret", "en": "Cancelled"},
    "outcome_label": {"da": "Resultat", "en": "Outcome"},
    "outcome_optional": {
        "da": "Resultat (skal skrives ved Udført; skriv – hvis der intet er)",
        "en": "Outcome (needed for Done; write – if there is nothing to say)",
    },
    "task_from_chief": {"da": "Fra {name}", "en": "From {name}"},
    "task_due_at": {"da": "frist {time}", "en": "due {time}"},
    "task_give_title": {"da": "Giv en opgave", "en": "Give a task"},
    "task_give_to": {"da": "Til", "en": "To"},
    "task_give_text": {"da": "Hvad skal gøres?", "en": "What should be done?"},
    "task_give_due": {
        "da": "Frist (minutter, fx 30, eller klokkeslæt, fx 14:30; frivillig)",
        "en": "Due (minutes, e.g. 30, or a clock time, e.g. 14:30; optional)",
    },
    "task_give_button": {"da": "Giv opgaven", "en": "Give the task"},
    "convene_title": {"da": "Indkald efter behov", "en": "Convene when needed"},
    "convene_meeting": {"da": "Møde", "en": "Meeting"},
    "convene_at": {
        "da": "Tidspunkt (klokkeslæt, fx 19:30, eller minutter; tomt = hurtigst muligt)",
        "en": "Time (clock time, e.g. 19:30, or minutes; empty = as soon as possible)",
    },
    "convene_button": {"da": "Indkald", "en": "Convene"},
    "task_change": {"da": "Opdatér opgaven", "en": "Update the task"},
    "task_accept_button": {"da": "Jeg tager den", "en": "I will do it"},
    "task_done_button": {"da": "Udført", "en": "Done"},
    "task_decline_button": {"da": "Kan ikke", "en": "Cannot"},
    "reassign_to": {"da": "Giv opgaven videre til", "en": "Hand the task to"},
    "reassign_button": {"da": "Giv videre", "en": "Hand over"},
    "no_tasks": {"da": "Ingen opgaver endnu.", "en": "No tasks yet."},
    # Situation log
    "log_title": {"da": "Situationslog", "en": "Situation log"},
    "log_chain_ok": {
        "da": "Kæden er ubrudt. Kædehoved: {head}",
        "en": "The chain is intact. Chain head: {head}",
    },
    "log_chain_broken": {
        "da": "Kæden er brudt – se rapportens kontrol. Kædehoved: {head}",
        "en": "The chain is broken – see the report's check. Chain head: {head}",
    },
    "log_withheld": {
        "da": "{n:fortrolig post|fortrolige poster} vises kun for beredskabets leder.",
        "en": "{n:sensitive entry|sensitive entries} are shown only to the incident leader.",
    },
    "sensitive": {"da": "Fortrolig", "en": "Sensitive"},
    "log_add_title": {"da": "Skriv i loggen", "en": "Add to the log"},
    "log_text": {"da": "Tekst", "en": "Text"},
    "log_kind": {"da": "Slags", "en": "Kind"},
    "log_sensitive": {"da": "Fortrolig", "en": "Sensitive"},
    "log_sensitive_hint": {
        "da": "Fortrolige poster vises kun for beredskabets leder, og hver læsning logges. "
        "De sendes aldrig i SMS, e-mail eller Telegram.",
        "en": "Sensitive entries are shown only to the incident leader, and every read is "
        "recorded. They are never sent by SMS, email or Telegram.",
    },
    "log_add": {"da": "Tilføj til loggen", "en": "Add to the log"},
    "kind_activated": {"da": "Aktivering", "en": "Activation"},
    "kind_joined": {"da": "Aktiveret igen", "en": "Activated again"},
    "kind_upgraded": {"da": "Opgradering", "en": "Upgrade"},
    "kind_notified": {"da": "Underretning", "en": "Notification"},
    "kind_delivery": {"da": "Levering", "en": "Delivery"},
    "kind_confirmed": {"da": "Bekræftelse", "en": "Confirmation"},
    "kind_declined": {"da": "Afbud", "en": "Declined"},
    "kind_step": {"da": "Trin", "en": "Step"},
    "kind_task": {"da": "Opgave", "en": "Task"},
    "kind_note": {"da": "Note", "en": "Note"},
    "kind_decision": {"da": "Beslutning", "en": "Decision"},
    "kind_media": {"da": "Medier", "en": "Media"},
    "kind_correction": {"da": "Rettelse", "en": "Correction"},
    "kind_duty": {"da": "Pligt", "en": "Duty"},
    "kind_closed": {"da": "Afblæsning", "en": "Stand-down"},
    # Crisis communication
    "comm_title": {"da": "Krisekommunikation", "en": "Crisis communication"},
    "comm_none": {"da": "Ingen udkast endnu.", "en": "No drafts yet."},
    "comm_new": {"da": "Nyt udkast", "en": "New draft"},
    "comm_audience": {"da": "Til", "en": "To"},
    "comm_template": {"da": "Skabelon", "en": "Template"},
    "comm_start": {"da": "Skriv udkast", "en": "Write the draft"},
    "comm_reach": {"da": "{n:modtager|modtagere}", "en": "{n:recipient|recipients}"},
    "audience_board": {"da": "Bestyrelsen", "en": "The board"},
    "audience_operations": {"da": "Driftsafdelingerne", "en": "Operations departments"},
    "audience_partners": {"da": "Samarbejdspartnere", "en": "Partners"},
    "audience_residents": {"da": "Tilmeldte beboere", "en": "Subscribed residents"},
    "audience_press": {"da": "Pressen", "en": "The press"},
    "audience_institutions": {"da": "Institutioner", "en": "Institutions"},
    "audience_businesses": {"da": "Virksomheder", "en": "Businesses"},
    "audience_associations": {"da": "Foreninger", "en": "Associations"},
    "template_board_orientation": {"da": "Orientering til bestyrelsen", "en": "Board briefing"},
    "template_partner_information": {
        "da": "Orientering til samarbejdspartnere",
        "en": "Partner information",
    },
    "template_resident_information": {
        "da": "Information til beboerne",
        "en": "Resident information",
    },
    "template_media_holding_line": {"da": "Mediesvar (holdningslinje)", "en": "Media holding line"},
    "comm_draft": {"da": "Udkast", "en": "Draft"},
    "comm_approved": {"da": "Godkendt", "en": "Approved"},
    "comm_sent": {"da": "Sendt", "en": "Sent"},
    "comm_discarded": {"da": "Lagt til side", "en": "Set aside"},
    "comm_drafted_by": {"da": "Skrevet af {name} kl. {time}", "en": "Drafted by {name} at {time}"},
    "comm_approved_by": {
        "da": "godkendt af {name} kl. {time}",
        "en": "approved by {name} at {time}",
    },
    "comm_sent_to": {
        "da": "Sendt kl. {time} til {n:modtager|modtagere}",
        "en": "Sent at {time} to {n:recipient|recipients}",
    },
    "comm_waits": {
        "da": "Venter på projektchefens godkendelse.",
        "en": "Waiting for the chief's approval.",
    },
    "comm_edit": {"da": "Ret udkastet", "en": "Edit the draft"},
    "comm_subject": {"da": "Emne", "en": "Subject"},
    "comm_text": {"da": "Tekst", "en": "Text"},
    "comm_text_hint": {
        "da": "Teksten sendes som den står, på e-mail og som SMS til dem uden e-mail "
        "(højst 1600 tegn).",
        "en": "The text is sent as it stands, by email and by SMS to those without email "
        "(at most 1600 characters).",
    },
    "comm_save": {"da": "Gem udkastet", "en": "Save the draft"},
    "comm_approve": {"da": "Godkend", "en": "Approve"},
    "comm_send": {"da": "Send til {audience} ({n})", "en": "Send to {audience} ({n})"},
    "comm_discard": {"da": "Læg til side", "en": "Set aside"},
    # Upgrade and stand-down
    "upgrade_title": {"da": "Opgradér beredskabet", "en": "Upgrade the incident"},
    "upgrade_intro": {
        "da": "Hændelsen flyttes til den nye gruppe. Alle gruppens deltagere, der ikke er bedt "
        "om at bekræfte den, får aktiveringen med det samme; alle andre, der har fået besked, "
        "får besked om opgraderingen. Gruppens ekstra trin tilføjes.",
        "en": "The incident moves to the new group. Every participant of the group not yet "
        "asked to confirm it gets the activation at once; everyone else already told hears of "
        "the upgrade. The group's extra steps are added.",
    },
    "upgrade_now": {"da": "Opgradér nu", "en": "Upgrade now"},
    "upgrade_not_allowed": {
        "da": "Du kan ikke opgradere denne hændelse.",
        "en": "You cannot upgrade this incident.",
    },
    "close_title": {"da": "Afblæs beredskabet", "en": "Stand down"},
    "close_sure": {"da": "Er du sikker?", "en": "Are you sure?"},
    "close_intro": {
        "da": "Alle, der har fået besked, får en afblæsning. Åbne opgaver annulleres, og "
        "beskeder, der ikke er sendt endnu, udløber.",
        "en": "Everyone who was told gets a stand-down message. Open tasks are cancelled and "
        "messages not sent yet expire.",
    },
    "close_open_tasks": {"da": "Åbne opgaver: {n}", "en": "Open tasks: {n}"},
    "close_now": {"da": "Ja, afblæs nu", "en": "Yes, stand down now"},
    "close_not_allowed": {
        "da": "Du kan ikke afblæse denne hændelse.",
        "en": "You cannot stand this incident down.",
    },
    # Notices after an action
    "done_acked": {"da": "Tak, du har bekræftet.", "en": "Thank you, you confirmed."},
    "done_declined_ack": {
        "da": "Registreret: du kan ikke deltage. Din stedfortræder får besked.",
        "en": "Recorded: you cannot take part. Your deputy is told.",
    },
    "done_step_done": {"da": "Trinnet er markeret udført.", "en": "The step is marked done."},
    "done_step_skipped": {"da": "Trinnet er sprunget over.", "en": "The step was skipped."},
    "done_task_accepted": {"da": "Du har taget opgaven.", "en": "You took the task."},
    "done_task_done": {"da": "Opgaven er udført.", "en": "The task is done."},
    "done_task_declined": {
        "da": "Opgaven er afvist; projektchefen giver den videre.",
        "en": "The task is declined; the chief hands it on.",
    },
    "done_task_declined_offered": {
        "da": "Opgaven er afvist og tilbudt den næste i kontaktlisten; projektchefen har fået "
        "besked.",
        "en": "The task is declined and offered to the next one in the contact list; the chief "
        "has been told.",
    },
    "done_task_reassigned": {"da": "Opgaven er givet videre.", "en": "The task was handed on."},
    "done_task_given": {
        "da": "Opgaven er givet og sendt til modtageren.",
        "en": "The task is given and sent to the assignee.",
    },
    "done_convened": {
        "da": "Indkaldelsen er sendt; de indkaldte er bedt om at bekræfte.",
        "en": "The meeting is called; those called are asked to confirm.",
    },
    "done_note_added": {"da": "Posten er tilføjet loggen.", "en": "The entry was added."},
    "done_opened": {
        "da": "Du har oprettet en rigtig hændelse (ikke øvelse). Alle deltagere får besked nu.",
        "en": "You opened a real incident (not a drill). Every participant is told now.",
    },
    "done_opened_drill": {
        "da": "Du har startet en ØVELSE. Deltagerne får besked, mærket ØVELSE.",
        "en": "You started a DRILL. Participants are told, marked DRILL.",
    },
    "done_opened_halted": {
        "da": "Du har oprettet en rigtig hændelse. Den åbne øvelse er afbrudt, og dens deltagere "
        "har fået «ØVELSE AFBRUDT – der er en rigtig hændelse».",
        "en": "You opened a real incident. The open drill is halted and its participants were "
        'told "DRILL HALTED – there is a real incident".',
    },
    "done_opened_pending": {
        "da": "Du har oprettet en rigtig hændelse. Politiets journalnummer mangler: du mindes "
        "om det, til det er registreret.",
        "en": "You opened a real incident. The police case number is missing: you are "
        "reminded until it is recorded.",
    },
    "done_joined": {
        "da": "Gruppen var allerede aktiv: du er tilsluttet den åbne hændelse og registreret "
        "som bekræftet.",
        "en": "The group was already active: you joined the open incident and are recorded "
        "as confirmed.",
    },
    "done_joined_drill": {
        "da": "Øvelsen kørte allerede: du er tilsluttet den (ØVELSE).",
        "en": "The drill was already running: you joined it (DRILL).",
    },
    "done_joined_pending": {
        "da": "Gruppen var allerede aktiv: du er tilsluttet. Politiets journalnummer mangler "
        "stadig.",
        "en": "The group was already active: you joined it. The police case number is still "
        "missing.",
    },
    "police_case_missing": {"da": "journalnr. mangler", "en": "journal no. missing"},
    "upgrade_pending_check": {
        "da": "Journalnummeret kommer senere (du mindes om det)",
        "en": "The journal number comes later (you are reminded)",
    },
    "done_upgraded_to": {
        "da": "Hændelsen er opgraderet. Gruppens deltagere er bedt om at bekræfte, og alle "
        "andre, der havde fået besked, er orienteret; loggen nævner dem.",
        "en": "The incident is upgraded. The group's participants are asked to confirm and "
        "everyone else already told is informed; the log names them.",
    },
    "done_stood_down": {
        "da": "Beredskabet er afblæst. Alle, der fik besked, bliver orienteret.",
        "en": "Stood down. Everyone who was told is informed.",
    },
    "done_comm_drafted": {
        "da": "Udkastet er skrevet. Ret det, og få projektchefen til at godkende det.",
        "en": "The draft is written. Edit it and have the chief approve it.",
    },
    "done_comm_saved": {"da": "Udkastet er gemt.", "en": "The draft is saved."},
    "done_comm_approved": {"da": "Kommunikationen er godkendt.", "en": "Approved."},
    "done_comm_sent": {
        "da": "Kommunikationen er sendt. Modtagerne står i loggen.",
        "en": "Sent. The recipients are listed in the log.",
    },
    "done_comm_discarded": {"da": "Udkastet er lagt til side.", "en": "The draft is set aside."},
    "problem_refused_action": {
        "da": "Det må du ikke med dine roller. Forsøget er registreret.",
        "en": "Your roles do not allow that. The attempt was recorded.",
    },
    "problem_not_possible": {
        "da": "Det kan ikke lade sig gøre nu (måske har en anden lige gjort det, eller "
        "hændelsen er afblæst). Se siden, som den er nu.",
        "en": "That is not possible now (someone may just have done it, or the incident is "
        "stood down). See the page as it is now.",
    },
    # The leader's duty checklist (the playbook's §3 duties).
    "duties_title": {"da": "Pligter (§3)", "en": "Duties (§3)"},
    "duties_count": {"da": "{done} af {total} klaret.", "en": "{done} of {total} taken care of."},
    "duties_hint": {
        "da": "Afkryds en pligt, når den er klaret. Hver afkrydsning skrives i loggen.",
        "en": "Tick a duty when it is taken care of. Every tick is written in the log.",
    },
    "duty_kind_must": {"da": "skal", "en": "must"},
    "duty_kind_assess": {"da": "vurderer", "en": "assess"},
    "duty_kind_as_needed": {"da": "efter behov", "en": "as needed"},
    "duty_done_by": {"da": "Klaret {time} af {name}", "en": "Taken care of {time} by {name}"},
    "duty_open": {"da": "Ikke klaret", "en": "Not yet"},
    "duty_tick": {"da": "Afkryds: klaret", "en": "Tick: taken care of"},
    "duty_untick": {"da": "Fjern afkrydsning", "en": "Untick"},
    "done_duty_ticked": {"da": "Pligten er afkrydset.", "en": "The duty is ticked."},
    "done_duty_unticked": {
        "da": "Afkrydsningen er fjernet.",
        "en": "The tick is removed.",
    },
    "problem_missing_item": {
        "da": "Det, du ville ændre, findes ikke.",
        "en": "What you wanted to change does not exist.",
    },
    "problem_empty_text": {"da": "Skriv en tekst først.", "en": "Write a text first."},
    "problem_missing_choice": {
        "da": "Vælg en af mulighederne.",
        "en": "Choose one of the options.",
    },
    "problem_outcome_needed": {
        "da": "En udført opgave skal have et resultat. Skriv det, eller skriv – hvis der "
        "intet er at sige.",
        "en": "A finished task needs an outcome. Write it, or write – if there is nothing to say.",
    },
    "problem_refused_input": {
        "da": "Det kunne ikke bruges: en frist skrives som minutter (30) eller klokkeslæt "
        "(14:30), og teksten må ikke være tom eller for lang.",
        "en": "That could not be used: a due time is minutes (30) or a clock time (14:30), "
        "and the text must be neither empty nor too long.",
    },
    "problem_missing_police_case": {
        "da": "Skriv politiets journalnummer, eller sæt kryds i «kommer senere».",
        "en": 'Enter the police journal number, or tick "comes later".',
    },
    "problem_uncited_correction": {
        "da": "En rettelse skal sige, hvilken post den retter: skriv postens nummer "
        "(loggen viser nummeret foran hver post).",
        "en": "A correction says which entry it corrects: enter that entry's number "
        "(the log shows the number before each entry).",
    },
    "problem_bad_entry_number": {
        "da": "Postens nummer skrives med tal, fx 7.",
        "en": "Write the entry's number in digits, e.g. 7.",
    },
    "log_corrects": {
        "da": "Retter post nr. (kun ved en rettelse)",
        "en": "Corrects entry no. (only for a correction)",
    },
    "corrects_entry": {"da": "retter post {n}", "en": "corrects entry {n}"},
    "problem_police_case_group1": {
        "da": "Gruppe 1 har ingen politisag; vælg gruppe 2 for at registrere journalnummeret.",
        "en": "Group 1 has no police case; choose group 2 to record the journal number.",
    },
}
