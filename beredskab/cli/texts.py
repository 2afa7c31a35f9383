"""What the command line says, in Danish and English; texts shared with the other
interfaces come from ``beredskab.i18n``."""

from __future__ import annotations

from beredskab.i18n import Language, fill, t

_CLI: dict[str, dict[Language, str]] = {
    "task_offered": {
        "da": "Opgaven er tilbudt {name}, næste i kontaktlisten; projektchefen har fået besked.",
        "en": "The task was offered to {name}, next in the contact list; the chief was told.",
    },
    "drill_prefix": {"da": "ØVELSE: {text}", "en": "DRILL: {text}"},
    "drill_mark": {"da": "ØVELSE", "en": "DRILL"},
    # status NR
    "incident_head": {
        "da": "Hændelse {nr}: {gruppe}{drill} — {status}",
        "en": "Incident {nr}: {gruppe}{drill} — {status}",
    },
    "incident_drill": {"da": " (ØVELSE)", "en": " (DRILL)"},
    "incident_opened": {"da": "  Aktiveret {time} af {name}", "en": "  Activated {time} by {name}"},
    "incident_closed": {"da": "  Afblæst {time}", "en": "  Stood down {time}"},
    "confirmed_count": {"da": "  Bekræftet: {done}/{total}", "en": "  Confirmed: {done}/{total}"},
    "steps_head": {"da": "  Trin:", "en": "  Steps:"},
    "tasks_head": {"da": "  Opgaver: {count}", "en": "  Tasks: {count}"},
    "task_line": {"da": "{who} kontakter {target}", "en": "{who} contacts {target}"},
    "task_line_chief": {"da": "{who}: {text}", "en": "{who}: {text}"},
    "messages_line": {
        "da": "  Beskeder: {count} ({pending} i kø)",
        "en": "  Messages: {count} ({pending} queued)",
    },
    "withheld": {"da": "[fortrolig post udeladt]", "en": "[sensitive entry withheld]"},
    "pdf_tty": {
        "da": "En PDF skrives ikke til terminalen: brug --output FIL eller omdiriger (> fil.pdf).",
        "en": "A PDF is not written to the terminal: use --output FILE or redirect (> file.pdf).",
    },
    "report_written": {"da": "Rapporten er skrevet til {path}", "en": "Report written to {path}"},
    # work
    "note_needs_as": {"da": "--note kræver --as PERSON", "en": "--note needs --as PERSON"},
    "unknown_kind": {
        "da": "ukendt slags '{kind}'; brug note, decision, media eller correction",
        "en": "unknown kind '{kind}'; use note, decision, media or correction",
    },
    # pin
    "pin_prompt": {"da": "PIN (4-8 cifre)", "en": "PIN (4-8 digits)"},
    "pin_none": {"da": "Ingen PIN angivet.", "en": "No PIN given."},
    "pin_set": {"da": "PIN sat for {person}.", "en": "PIN set for {person}."},
    # token
    "token_created": {
        "da": "API-nøgle {id} '{name}' handler som {person}:",
        "en": "API token {id} '{name}' acts as {person}:",
    },
    "token_store": {
        "da": "Gem nøglen nu: den vises ikke igen og kan ikke findes frem senere.",
        "en": "Store the token now: it is not shown again and cannot be recovered.",
    },
    "token_none": {"da": "Ingen API-nøgler.", "en": "No API tokens."},
    "token_columns": {
        "da": "  id  præfiks      person               oprettet          brugt             navn",
        "en": "  id  prefix       person               created           last used         name",
    },
    "token_revoked_at": {"da": "  (tilbagekaldt {time})", "en": "  (revoked {time})"},
    "token_revoked": {
        "da": "API-nøgle {id} '{name}' er tilbagekaldt.",
        "en": "API token {id} '{name}' is revoked.",
    },
    # service
    "plan_problem": {"da": "FEJL {problem}", "en": "ERROR {problem}"},
    "plan_failed": {
        "da": "plan check fejlede: {count} fejl; intet er ændret",
        "en": "plan check failed: {count} problem(s); nothing was changed",
    },
    "plan_warning": {"da": "ADVARSEL {warning}", "en": "WARNING {warning}"},
    "plan_playbooks": {"da": "grupper: {names}", "en": "playbooks: {names}"},
    "plan_example": {"da": " [OPDIGTET EKSEMPEL]", "en": " [FICTIONAL EXAMPLE]"},
    "plan_directory": {
        "da": "kontaktliste: {source}{example}, {count} personer",
        "en": "directory: {source}{example}, {count} people",
    },
    "plan_ok": {
        "da": "planen er OK, version {version}, {count} advarsel(er)",
        "en": "plan OK, version {version}, {count} warning(s)",
    },
    "db_ok": {
        "da": "databaseskemaet er opdateret ({dialect})",
        "en": "database schema is up to date ({dialect})",
    },
    "unexpected": {"da": "{kind}: {detail}", "en": "{kind}: {detail}"},
    # stats
    "since_bad": {
        "da": "--since skal være en dato som 2026-01-31, ikke {value!r}",
        "en": "--since must be a date like 2026-01-31, not {value!r}",
    },
    # signoff / verify
    "signed_on": {"da": "underskrevet {time} ({via})", "en": "signed {time} ({via})"},
    "awaiting": {"da": "afventer svar", "en": "awaiting an answer"},
    "not_asked": {"da": "ikke spurgt", "en": "not asked"},
    "signoff_requested": {
        "da": "Planversion {version}: {asked} spurgt nu ({messages:besked|beskeder}), "
        "{already} var allerede spurgt ({pending} afventer svar, {signed} har underskrevet).",
        "en": "Plan version {version}: {asked} asked now ({messages:message|messages}), "
        "{already} were asked before ({pending} awaiting an answer, {signed} signed).",
    },
    "signoff_summary": {
        "da": "Planversion {version}: {signed} af {total} har underskrevet.",
        "en": "Plan version {version}: {signed} of {total} signed.",
    },
    "sent_to": {"da": "Sendt til {names}.", "en": "Sent to {names}."},
    "verify_started": {
        "da": "Kontrol nr. {nr} startet: {messages:besked|beskeder} sendt.",
        "en": "Check no. {nr} started: {messages:message|messages} sent.",
    },
    "reminded": {"da": "{count} påmindet.", "en": "{count} reminded."},
    # plan show, duty, picture set
    "plan_pdf_tty": {
        "da": "En PDF er ikke tekst: brug --output FIL.",
        "en": "A PDF is not text: use --output FILE.",
    },
    "cannot_write": {
        "da": "kan ikke skrive {path}: {reason}",
        "en": "cannot write {path}: {reason}",
    },
    "plan_written": {
        "da": "Planversion {version} er skrevet til {path} ({fmt}).",
        "en": "Plan version {version} written to {path} ({fmt}).",
    },
    "duty_ticked": {
        "da": "Hændelse {nr}: pligten {duty} er afkrydset.",
        "en": "Incident {nr}: duty {duty} is ticked.",
    },
    "duty_ticked_same": {
        "da": "Hændelse {nr}: pligten {duty} var allerede afkrydset; intet ændret.",
        "en": "Incident {nr}: duty {duty} was already ticked; nothing changed.",
    },
    "duty_unticked": {
        "da": "Hændelse {nr}: afkrydsningen af pligten {duty} er fjernet.",
        "en": "Incident {nr}: duty {duty} is no longer ticked.",
    },
    "duty_unticked_same": {
        "da": "Hændelse {nr}: pligten {duty} var ikke afkrydset; intet ændret.",
        "en": "Incident {nr}: duty {duty} was not ticked; nothing changed.",
    },
    "picture_saved": {
        "da": "Situationsbilledet for hændelse {nr} er gemt som version {version}.",
        "en": "The situation picture of incident {nr} is saved as version {version}.",
    },
    # keys (beredskab.cli.keys)
    "keys_configured": {
        "da": "{name}: sat i konfigurationen ({setting})",
        "en": "{name}: configured ({setting})",
    },
    "keys_generated": {
        "da": "{name}: genereret, i {where} (tag backup af filen; sæt {setting} ved flere værter)",
        "en": "{name}: generated, in {where} (back the file up; set {setting} with several hosts)",
    },
    "keys_missing": {
        "da": "{name}: ikke lavet endnu; første proces laver {where}",
        "en": "{name}: not made yet; the first process makes {where}",
    },
    "keys_invalid": {"da": "{name}: kan ikke bruges ({where})", "en": "{name}: unusable ({where})"},
    "keys_fingerprint": {"da": ", fingeraftryk {fingerprint}", "en": ", fingerprint {fingerprint}"},
    "keys_previous": {
        "da": "  forrige nøgle godtages til {until}",
        "en": "  previous key accepted until {until}",
    },
    "keys_unknown": {
        "da": "Ukendt nøgle '{name}': kun link kan skiftes.",
        "en": "Unknown key '{name}': only link can be rotated.",
    },
    "keys_log_not_rotated": {
        "da": "Lognøglen skiftes ikke: hver post i loggen er kædet med den, og en ny nøgle ville "
        "få alle kæder til at fejle. Behold den (og dens backup); se README: Rotating secrets.",
        "en": "The log key is not rotated: every log entry is chained with it, and a new key "
        "would make every chain fail. Keep it (and its backup); see README: Rotating secrets.",
    },
    "keys_rotate_configured": {
        "da": "[security] link_secret er sat i konfigurationen. Sæt på hver instans:\n"
        "  link_secret_previous = den nuværende link_secret\n"
        '  link_secret_previous_until = "{until}"\n'
        '  link_secret = "{secret}"\n'
        "og genstart hver instans. Fjern link_secret_previous efter {until}.",
        "en": "[security] link_secret is configured. On every instance set:\n"
        "  link_secret_previous = the current link_secret\n"
        '  link_secret_previous_until = "{until}"\n'
        '  link_secret = "{secret}"\n'
        "and restart every instance. Remove link_secret_previous after {until}.",
    },
    "keys_rotate_failed": {
        "da": "Kunne ikke skifte nøglen i {path}: {reason}",
        "en": "Could not rotate the key in {path}: {reason}",
    },
    "keys_rotated": {
        "da": "Ny linknøgle i {path} (fingeraftryk {fingerprint}). En kørende serve bruger den "
        "inden for et sekund; kopier filen til andre værter med samme database.",
        "en": "New link key in {path} (fingerprint {fingerprint}). A running serve uses it "
        "within a second; copy the file to other hosts on the same database.",
    },
    # backup (beredskab.cli.backup)
    "backup_postgres": {
        "da": "Databasen er PostgreSQL: tag backup med pg_dump -Fc (se README: Backups).",
        "en": "The database is PostgreSQL: back it up with pg_dump -Fc (see README: Backups).",
    },
    "backup_done": {
        "da": "Backup skrevet til {path} ({size} bytes), kontrolleret med integrity_check.",
        "en": "Backup written to {path} ({size} bytes), checked with integrity_check.",
    },
    "backup_keys": {
        "da": "Tag også backup af {path}: uden den kan loggens kæde ikke kontrolleres.",
        "en": "Also back up {path}: without it the log chain cannot be checked.",
    },
    # the config file (cli.common.settings)
    "config_found": {"da": "konfiguration: {path}", "en": "config: {path}"},
    "config_ok": {"da": "konfigurationen er OK: {path}", "en": "config OK: {path}"},
    "config_none": {
        "da": "ingen konfigurationsfil fundet: standardindstillinger (den medfølgende plan og "
        "den opdigtede kontaktliste); --config FIL vælger en",
        "en": "no config file found: default settings (the bundled plan and the fictional "
        "directory); --config FILE chooses one",
    },
}


def text(key: str, language: Language, **values: object) -> str:
    """The command-line text ``key`` (or the shared ``i18n`` text) in ``language``."""
    table = _CLI.get(key)
    if table is None:
        return t(key, language, **values)
    return fill(table[language], **values)
