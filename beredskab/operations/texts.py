"""What the startup line, `doctor` and `test-message` say, in Danish and English.

Provider answers and error reasons stay as the provider or the error gave them.
"""

from __future__ import annotations

from beredskab.i18n import Language, fill

_TEXTS: dict[str, dict[Language, str]] = {
    # the startup line
    "ready": {
        "da": "beredskab klar: lytter på {where} · offentlig adresse {public} · kanaler: "
        "{channels} · plan {version} · database {database} · genererede nøgler: {keys}",
        "en": "beredskab ready: listening on {where} · public URL {public} · channels: "
        "{channels} · plan {version} · database {database} · generated keys: {keys}",
    },
    "none": {"da": "ingen", "en": "none"},
    "console": {"da": "konsol", "en": "console"},
    "unavailable": {"da": "utilgængelig", "en": "unavailable"},
    # doctor: check names and the table
    "check_config": {"da": "konfiguration", "en": "config"},
    "check_secrets": {"da": "hemmeligheder", "en": "secrets"},
    "check_keys": {"da": "nøgler", "en": "keys"},
    "check_database": {"da": "database", "en": "database"},
    "check_plan": {"da": "plan", "en": "plan"},
    "check_twilio": {"da": "twilio", "en": "twilio"},
    "check_smtp": {"da": "smtp", "en": "smtp"},
    "check_telegram": {"da": "telegram", "en": "telegram"},
    "check_public_url": {"da": "offentlig adresse", "en": "public URL"},
    "status_pass": {"da": "OK", "en": "PASS"},
    "status_warn": {"da": "ADVARSEL", "en": "WARN"},
    "status_fail": {"da": "FEJL", "en": "FAIL"},
    "fix": {"da": "ret: {fix}", "en": "fix: {fix}"},
    "summary_ok": {
        "da": "{passed} OK, {warned} advarsler, ingen fejl.",
        "en": "{passed} passed, {warned} warnings, no failures.",
    },
    "summary_failed": {
        "da": "{failed} fejl, {warned} advarsler, {passed} OK.",
        "en": "{failed} failed, {warned} warnings, {passed} passed.",
    },
    "timed_out": {
        "da": "intet svar inden for {seconds:g} s",
        "en": "no answer within {seconds:g} s",
    },
    "skipped": {
        "da": "ikke tjekket: konfigurationen kan ikke læses",
        "en": "not checked: the configuration cannot be read",
    },
    # config
    "config_ok": {"da": "{source} er læst og gyldig", "en": "{source} read and valid"},
    "config_env": {
        "da": "standardværdier og BEREDSKAB_*-miljøvariabler",
        "en": "defaults and BEREDSKAB_* environment",
    },
    "fix_config": {
        "da": "ret filen som fejlen siger; config.example.toml viser hver indstilling",
        "en": "correct the file as the error says; config.example.toml shows every setting",
    },
    "config_channel": {
        "da": "en kanal kan ikke bygges: {reason}",
        "en": "a channel cannot be built: {reason}",
    },
    "fix_channel": {
        "da": "ret afsnittet [twilio] eller [smtp] som fejlen siger",
        "en": "correct the [twilio] or [smtp] section as the error says",
    },
    # secrets
    "secrets_ok": {
        "da": "de konfigurerede kanaler har de hemmeligheder, de skal bruge{which}",
        "en": "the configured channels have the secrets they need{which}",
    },
    "secret_missing": {
        "da": "{section} er delvist sat op; mangler {missing}, så {what} går til konsollen",
        "en": "{section} is partly set up; {missing} missing, so {what} goes to the console",
    },
    "fix_secret": {"da": "sæt {settings}", "en": "set {settings}"},
    "smtp_login_half": {
        "da": "[smtp] username og password skal sættes sammen",
        "en": "[smtp] username and password go together",
    },
    "webhook_secret": {
        "da": '[telegram] mode = "webhook" uden webhook_secret',
        "en": '[telegram] mode = "webhook" without webhook_secret',
    },
    "url_password": {
        "da": "databasens URL indeholder en adgangskode",
        "en": "the database URL holds a password",
    },
    "fix_url_password": {
        "da": "fjern den fra url og sæt BEREDSKAB_DATABASE__PASSWORD",
        "en": "remove it from url and set BEREDSKAB_DATABASE__PASSWORD",
    },
    # keys
    "key_configured": {"da": "{name}: konfigureret", "en": "{name}: configured"},
    "key_generated": {"da": "{name}: genereret i {path}", "en": "{name}: generated in {path}"},
    "key_missing": {
        "da": "{name}: ikke genereret endnu (serve laver den)",
        "en": "{name}: not generated yet (serve makes it)",
    },
    "fix_keys_shared": {
        "da": "på PostgreSQL kan en anden vært dele databasen, men ikke {folder}: sæt {settings} "
        "i hver værts hemmeligheder (se README, Keys), eller kopiér {folder} til den",
        "en": "on PostgreSQL another host can share the database but not {folder}: set "
        "{settings} in every host's secrets (see README, Keys), or copy {folder} to it",
    },
    "fix_keys_backup": {
        "da": "tag backup af {folder} sammen med databasen, eller sæt {settings}",
        "en": "back up {folder} with the database, or set {settings}",
    },
    # database
    "db_ok": {
        "da": "{kind}, migreringer på nyeste ({head})",
        "en": "{kind}, migrations at head ({head})",
    },
    "db_missing": {"da": "ingen database i {path}", "en": "no database at {path}"},
    "db_behind": {
        "da": "{kind} er på {found}; denne version forventer {head}",
        "en": "{kind} is at {found}; this version expects {head}",
    },
    "db_unreachable": {
        "da": "{kind} svarer ikke: {reason}",
        "en": "{kind} does not answer: {reason}",
    },
    "fix_db_upgrade": {
        "da": "kør `beredskab db upgrade` (serve migrerer også ved start)",
        "en": "run `beredskab db upgrade` (serve migrates at start too)",
    },
    "fix_db_connect": {
        "da": "tjek [database] url og BEREDSKAB_DATABASE__PASSWORD, og at serveren kører",
        "en": "check [database] url and BEREDSKAB_DATABASE__PASSWORD, and that the server runs",
    },
    "fix_db_driver": {
        "da": "installér PostgreSQL-driveren: pip install asyncpg",
        "en": "install the PostgreSQL driver: pip install asyncpg",
    },
    # plan
    "plan_ok": {
        "da": "version {version}: {playbooks} playbooks, {people} personer{example}",
        "en": "version {version}: {playbooks} playbooks, {people} people{example}",
    },
    "plan_example_note": {"da": " (det fiktive eksempel)", "en": " (the fictional example)"},
    "plan_warnings": {
        "da": "{count} advarsler, fx: {first}",
        "en": "{count} warnings, e.g. {first}",
    },
    "plan_invalid": {
        "da": "{count} problemer, fx: {first}",
        "en": "{count} problems, e.g. {first}",
    },
    "fix_plan": {
        "da": "kør `beredskab plan check` for hvert problem og dets rettelse",
        "en": "run `beredskab plan check` for every problem and its fix",
    },
    "plan_example_live": {
        "da": "det fiktive eksempel på kontaktlisten bruges med rigtige udbydere",
        "en": "the fictional example directory is used with live providers",
    },
    "fix_plan_example": {
        "da": "sæt [plan] directory_file til den rigtige kontaktliste",
        "en": "set [plan] directory_file to the real contact list",
    },
    # providers
    "provider_off": {
        "da": "ikke sat op: {what} går til konsolfilen",
        "en": "not configured: {what} goes to the console file",
    },
    "what_twilio": {"da": "SMS og opkald", "en": "SMS and calls"},
    "what_smtp": {"da": "e-mail", "en": "email"},
    "what_telegram": {"da": "Telegram", "en": "Telegram"},
    "fix_twilio_off": {
        "da": "sæt [twilio] account_sid, from_number og BEREDSKAB_TWILIO__AUTH_TOKEN",
        "en": "set [twilio] account_sid, from_number and BEREDSKAB_TWILIO__AUTH_TOKEN",
    },
    "fix_smtp_off": {
        "da": "sæt [smtp] host, from_address, username og BEREDSKAB_SMTP__PASSWORD",
        "en": "set [smtp] host, from_address, username and BEREDSKAB_SMTP__PASSWORD",
    },
    "fix_telegram_off": {
        "da": "sæt BEREDSKAB_TELEGRAM__BOT_TOKEN (fra @BotFather)",
        "en": "set BEREDSKAB_TELEGRAM__BOT_TOKEN (from @BotFather)",
    },
    "provider_ok": {"da": "{answer}", "en": "{answer}"},
    "fix_twilio": {
        "da": "tjek [twilio] account_sid og BEREDSKAB_TWILIO__AUTH_TOKEN i Twilio-konsollen",
        "en": "check [twilio] account_sid and BEREDSKAB_TWILIO__AUTH_TOKEN in the Twilio console",
    },
    "fix_smtp": {
        "da": "tjek [smtp] host, port, security, ca_file, username og BEREDSKAB_SMTP__PASSWORD",
        "en": "check [smtp] host, port, security, ca_file, username and BEREDSKAB_SMTP__PASSWORD",
    },
    "fix_telegram": {
        "da": "tjek BEREDSKAB_TELEGRAM__BOT_TOKEN (@BotFather: /token)",
        "en": "check BEREDSKAB_TELEGRAM__BOT_TOKEN (@BotFather: /token)",
    },
    "fix_unreachable": {
        "da": "tjek netværket og {setting}; prøv igen",
        "en": "check the network and {setting}; try again",
    },
    # public URL
    "public_ok": {
        "da": "{url} svarer som denne tjeneste (status {state})",
        "en": "{url} answers as this service (status {state})",
    },
    "public_down": {"da": "{url} svarer ikke: {reason}", "en": "{url} does not answer: {reason}"},
    "public_other": {
        "da": "{url} svarer, men er en anden tjeneste ({what})",
        "en": "{url} answers, but is another service ({what})",
    },
    "public_other_beredskab": {
        "da": "en anden beredskab-installation",
        "en": "another beredskab installation",
    },
    "public_not_beredskab": {
        "da": "HTTP {status}, ikke beredskab",
        "en": "HTTP {status}, not beredskab",
    },
    "public_no_key": {
        "da": "kan ikke afgøres: logkæden har ingen nøgle endnu (serve er ikke startet her)",
        "en": "cannot tell: the log chain has no key yet (serve has not run here)",
    },
    "fix_public": {
        "da": "start `beredskab serve`, eller sæt [service] public_base_url til den adresse, "
        "folk og udbydere når tjenesten på",
        "en": "start `beredskab serve`, or set [service] public_base_url to the address "
        "people and providers reach this service at",
    },
    "fix_public_other": {
        "da": "sæt [service] public_base_url til denne tjenestes adresse (eller ret proxyen)",
        "en": "set [service] public_base_url to this service's address (or fix the proxy)",
    },
    # test-message: the message itself (to a person)
    "test_subject": {
        "da": "TEST fra beredskab – ikke en hændelse",
        "en": "TEST from beredskab – not an incident",
    },
    "test_text": {
        "da": "TEST: Dette er en testbesked fra beredskabstjenesten til {name} via {channel}, "
        "sendt {time}. Der er ingen hændelse, og du skal ikke gøre noget.",
        "en": "TEST: This is a test message from the preparedness service to {name} via "
        "{channel}, sent {time}. There is no incident and you need not do anything.",
    },
    "test_short": {
        "da": "TEST fra beredskab til {name} ({channel}, {time}): kun en test, ingen hændelse. "
        "Du skal ikke gøre noget.",
        "en": "TEST from beredskab to {name} ({channel}, {time}): only a test, no incident. "
        "You need not do anything.",
    },
    # test-message: what the command says
    "test_queued": {
        "da": "Testbesked til {name} sat i kø på: {channels}. Venter op til {seconds:g} s …",
        "en": "Test message to {name} queued on: {channels}. Waiting up to {seconds:g} s …",
    },
    "test_queued_only": {
        "da": "Testbesked til {name} sat i kø på: {channels}; `serve` sender den.",
        "en": "Test message to {name} queued on: {channels}; `serve` sends it.",
    },
    "test_progress": {"da": "  {channel}: {status}{reason}", "en": "  {channel}: {status}{reason}"},
    "test_result_head": {"da": "Resultat:", "en": "Result:"},
    "test_result": {
        "da": "  {channel:<9} {status:<10} {address}{reason}",
        "en": "  {channel:<9} {status:<10} {address}{reason}",
    },
    "test_waiting": {
        "da": "Ikke alle er færdige endnu: `serve` registrerer udbydernes senere kvitteringer.",
        "en": "Not all are final yet: `serve` records the providers' later receipts.",
    },
    "test_failed": {
        "da": "{count} kanal(er) fejlede; se årsagen ovenfor.",
        "en": "{count} channel(s) failed; see the reason above.",
    },
    "delivery_queued": {"da": "i kø", "en": "queued"},
    "delivery_sending": {"da": "sendes", "en": "sending"},
    "delivery_sent": {"da": "sendt", "en": "sent"},
    "delivery_delivered": {"da": "leveret", "en": "delivered"},
    "delivery_failed": {"da": "fejlet", "en": "failed"},
    "delivery_expired": {"da": "udløbet", "en": "expired"},
    "test_ok": {"da": "Testen er gennemført.", "en": "The test is done."},
}


def say(key: str, language: Language, **values: object) -> str:
    """The text ``key`` in ``language``, with values filled in."""
    return fill(_TEXTS[key][language], **values)
