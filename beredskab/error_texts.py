"""The Danish text of every error template, keyed by the English template.

A plain mapping so that a command starts at once (``errors.render`` imports it only when a
Danish error is shown); issue 13 turns it into a gettext catalog (``msgid`` = the key,
``msgstr`` = the value). Keep the ``{placeholders}`` of the key in the translation; a test
checks that every template raised in ``beredskab`` is here.
"""

from __future__ import annotations

DA: dict[str, str] = {
    # errors.py
    "the plan has {count} problem(s):\n{problems}": "planen har {count} fejl:\n{problems}",
    # incidents.py
    "there is no incident number {nr}; see `beredskab status`": (
        "der er ingen hændelse nummer {nr}; se `beredskab status`"
    ),
    "incident {nr} is closed; nothing can be changed": (
        "hændelse {nr} er afsluttet; intet kan ændres"
    ),
    # access.py
    "'{person}' is not in the contact directory; use a person id from `beredskab contacts`": (
        "'{person}' er ikke i kontaktlisten; brug et person-id fra `beredskab contacts`"
    ),
    "{name} ({person}) may not {what}; allowed roles: {roles}": (
        "{name} ({person}) må ikke {what}; roller der må: {roles}"
    ),
    "read sensitive log entries": "læse fortrolige logposter",
    # steps.py
    "playbook {playbook} is no longer in the plan": "gruppen {playbook} er ikke længere i planen",
    "incident {nr} has no step '{step}'; steps are 1-{last}": (
        "hændelse {nr} har intet trin '{step}'; trinene er 1-{last}"
    ),
    "finish step {position}": "afslutte trin {position}",
    "step {position} is already {status}": "trin {position} er allerede {status}",
    # communications
    "no audience '{audience}'; choose one of: {choices}": (
        "ingen modtagergruppe '{audience}'; vælg en af: {choices}"
    ),
    "a communication needs a subject and a text": (
        "en meddelelse skal have en emnelinje og en tekst"
    ),
    "the subject may have {subject} and the text {text} characters "
    "(it is also sent by SMS); shorten it": (
        "emnelinjen må have {subject} og teksten {text} tegn (den sendes også som SMS); forkort den"
    ),
    "draft crisis communication": "skrive udkast til kriseinformation",
    "edit crisis communication": "rette kriseinformation",
    "approve crisis communication": "godkende kriseinformation",
    "send crisis communication": "sende kriseinformation",
    "discard crisis communication": "kassere kriseinformation",
    "incident {nr} has no communication {communication}": (
        "hændelse {nr} har ingen meddelelse {communication}"
    ),
    "'{template}' is not a crisis-communication template": (
        "'{template}' er ikke en skabelon til kriseinformation"
    ),
    "communication {communication} is {status}, not a draft": (
        "meddelelse {communication} er {status}, ikke et udkast"
    ),
    "communication {communication} is {status}; only an approved one is sent": (
        "meddelelse {communication} er {status}; kun en godkendt meddelelse sendes"
    ),
    "communication {communication} is already {status}": (
        "meddelelse {communication} er allerede {status}"
    ),
    "communication {communication} changed meanwhile; look again": (
        "meddelelse {communication} er ændret i mellemtiden; se den igen"
    ),
    # api_tokens.py
    "a token needs a name of 1-{max} characters, e.g. the integration's name": (
        "en API-nøgle skal have et navn på 1-{max} tegn, fx integrationens navn"
    ),
    "there is no API token {token}; see `beredskab token list`": (
        "der er ingen API-nøgle {token}; se `beredskab token list`"
    ),
    "API token {token} is already revoked": "API-nøgle {token} er allerede tilbagekaldt",
    "unknown API token": "ukendt API-nøgle",
    "API token {token} was revoked; ask for a new one": (
        "API-nøgle {token} er tilbagekaldt; bed om en ny"
    ),
    "API token {token} acts as '{person}', who is no longer in the contact directory; "
    "revoke it and create a new one": (
        "API-nøgle {token} handler som '{person}', som ikke længere er i kontaktlisten; "
        "tilbagekald den og opret en ny"
    ),
    # pins.py
    "a PIN is 4 to 8 digits (0-9), nothing else; choose another": (
        "en PIN-kode er 4 til 8 cifre (0-9), intet andet; vælg en anden"
    ),
    # settings.py, app.py, links.py, bot, runtime
    "config file {path} not found; copy config.example.toml": (
        "konfigurationsfilen {path} findes ikke; kopiér config.example.toml"
    ),
    "{path}: not valid TOML: {reason}": "{path}: ikke gyldig TOML: {reason}",
    "{path}: {problems}": "{path}: {problems}",
    "{source} is the fictional example directory; it cannot be used with live SMS, email or "
    "Telegram providers. Set [plan] directory_file to the real contact list (kept outside git).": (
        "{source} er den opdigtede eksempel-kontaktliste; den kan ikke bruges med rigtige "
        "SMS-, e-mail- eller Telegram-udbydere. Sæt [plan] directory_file til den rigtige "
        "kontaktliste (holdes uden for git)."
    ),
    "cannot listen on {where}: {reason}": "kan ikke lytte på {where}: {reason}",
    "the database schema cannot be brought up to date: {reason}": (
        "databasens skema kan ikke opdateres: {reason}"
    ),
    "another beredskab serve (pid {pid}) is already running on {database}; SQLite allows one "
    "instance (use PostgreSQL to run several)": (
        "en anden beredskab serve (pid {pid}) kører allerede på {database}; SQLite tillader én "
        "instans (brug PostgreSQL for at køre flere)"
    ),
    "the link secret must be at least {min} bytes; "
    "set security.link_secret to a long random value": (
        "link-hemmeligheden skal være mindst {min} bytes; "
        "sæt security.link_secret til en lang tilfældig værdi"
    ),
    '[telegram] mode = "webhook" needs webhook_secret (Telegram sends it back in '
    'X-Telegram-Bot-Api-Secret-Token); set it or use mode = "polling"': (
        '[telegram] mode = "webhook" kræver webhook_secret (Telegram sender den tilbage i '
        'X-Telegram-Bot-Api-Secret-Token); sæt den, eller brug mode = "polling"'
    ),
    "acknowledgement link refused: {problem}": "bekræftelseslinket kan ikke bruges: {problem}",
    "sign-in refused: {problem}": "login afvist: {problem}",
    "request token refused: {refusal}": "svarlinket kan ikke bruges: {refusal}",
    # preparedness
    "verification campaign {campaign} is still running; end it first (beredskab verify end)": (
        "kontrol nr. {campaign} er stadig i gang; afslut den først (beredskab verify end)"
    ),
    "{person} was not asked in verification campaign {campaign}": (
        "{person} blev ikke spurgt i kontrol nr. {campaign}"
    ),
    "no verification campaign yet (start one: beredskab verify start)": (
        "ingen kontrol af kontaktoplysninger endnu (start en: beredskab verify start)"
    ),
    "no person '{person}' in the directory": "ingen person '{person}' i kontaktlisten",
    # security/bounds.py
    "{field} is longer than {max_chars} characters": "{field} er længere end {max_chars} tegn",
    "{field} contains a NUL character or invalid Unicode": (
        "{field} indeholder et NUL-tegn eller ugyldig Unicode"
    ),
    # the fields use cases bound (bounds.text(..., field=...))
    "the entry": "posten",
    "the note": "bemærkningen",
    "the description": "beskrivelsen",
    "the police case": "journalnummeret",
    "the outcome": "resultatet",
    # issue 10: chief's tasks, convening, duties, the situation picture
    "task {number} is done with its outcome: say what came of it, or '–' if nothing": (
        "opgave {number} udføres med et resultat: skriv, hvad det blev til, eller '–' hvis intet"
    ),
    "incident {nr} has no task {number}": "hændelse {nr} har ingen opgave {number}",
    "a task cannot be set to '{status}' directly": (
        "en opgave kan ikke sættes direkte til '{status}'"
    ),
    "task {number} is {status}; it cannot become {wanted}": (
        "opgave {number} er {status}; den kan ikke blive {wanted}"
    ),
    "task {number} is already {status}": "opgave {number} er allerede {status}",
    "task {number} was declined and has gone on to {person}": (
        "opgave {number} er afvist og givet videre til {person}"
    ),
    "the due time must be 1 to {most} minutes ahead": (
        "fristen skal ligge 1 til {most} minutter fremme"
    ),
    "the due time is minutes from now (30) or a clock time (14:30), not '{value}'": (
        "fristen skrives som minutter fra nu (30) eller et klokkeslæt (14:30), ikke '{value}'"
    ),
    "a task needs a text: what should be done": "en opgave skal have en tekst: hvad skal gøres",
    "nobody holds the role {role} of {meeting}; add people to it in the directory": (
        "ingen har rollen {role} til {meeting}; tilføj personer i kontaktlisten"
    ),
    "{playbook} has no meeting '{meeting}' to convene; choose one of: {choices}": (
        "{playbook} har intet møde '{meeting}' at indkalde; vælg et af: {choices}"
    ),
    "lead this incident": "lede denne hændelse",
    "give tasks": "give opgaver",
    "convene meetings": "indkalde til møder",
    "incident {nr} has no duty '{duty}'; its duties are: {duties}": (
        "hændelse {nr} har ingen pligt '{duty}'; dens pligter er: {duties}"
    ),
    "tick the duties of incident {nr}": "afkrydse pligterne i hændelse {nr}",
    (
        "the situation picture has no single heading '{ref}'; give its number 1-{n} "
        "or the start of its text"
    ): (
        "situationsbilledet har ikke én overskrift '{ref}'; angiv dens nummer "
        "1-{n} eller begyndelsen af dens tekst"
    ),
    "a revision of the situation picture changes at least one heading": (
        "en ny version af situationsbilledet skal ændre mindst én overskrift"
    ),
    "the heading '{heading}' is given twice": "overskriften '{heading}' er angivet to gange",
    "the picture version {version} is not valid": (
        "situationsbilledets version {version} er ugyldig"
    ),
    (
        "the situation picture was changed by {name} (version {version}) after you "
        "read version {base}; nothing was saved. Read it again and make your change "
        "on top of version {version}"
    ): (
        "situationsbilledet blev ændret af {name} (version {version}), efter du "
        "læste version {base}; intet er gemt. Læs det igen, og lav din ændring "
        "oven på version {version}"
    ),
    (
        "nothing changed in the situation picture (version {version}); write a new "
        "text or change a heading's sensitive mark"
    ): (
        "intet er ændret i situationsbilledet (version {version}); skriv en ny "
        "tekst eller ændr en overskrifts følsom-markering"
    ),
    "the situation picture has no text outside its sensitive headings; write the picture first": (
        "situationsbilledet har ingen tekst uden for de følsomme overskrifter; "
        "skriv situationsbilledet først"
    ),
    (
        "the briefing would have {n} characters and a communication may have {max} "
        "(it is also sent by SMS); shorten the picture's texts"
    ): (
        "orienteringen ville få {n} tegn, og en meddelelse må højst have {max} "
        "(den sendes også som SMS); forkort situationsbilledets tekster"
    ),
    "draft a briefing from the situation picture": "lave en orientering ud fra situationsbilledet",
    (
        "{name} ({person}) may not write the situation picture of incident {nr}: only"
        " its participants and the leader"
    ): (
        "{name} ({person}) må ikke skrive i situationsbilledet for hændelse {nr}:"
        " kun hændelsens deltagere og lederen"
    ),
    (
        "{name} ({person}) may not change the sensitive heading '{heading}': only "
        "those who may read sensitive entries can"
    ): (
        "{name} ({person}) må ikke ændre den følsomme overskrift '{heading}': det"
        " kan kun de, der må læse følsomme oplysninger"
    ),
    # issue 10: activation, drills, the police case, upgrades
    "{group} has no police case; to record a journal number, upgrade to group 2 with `upgrade`": (
        "{group} har ingen politisag; opgrader til gruppe 2 med `upgrade` for at "
        "registrere et journalnummer"
    ),
    (
        "{group} needs the police journal number: give it (CLI --police-case NR, API "
        "police_case, SMS AKTIVER {number} <PIN> JOURNAL <nr> <text>) or mark it as "
        "coming later (CLI --police-case-pending, API police_case_pending: true, SMS "
        "AKTIVER {number} <PIN> AFVENTER <text>)"
    ): (
        "{group} kræver Politiets journalnummer: angiv det (CLI --police-case NR,"
        " API police_case, SMS AKTIVER {number} <PIN> JOURNAL <nr> <tekst>) eller"
        " marker, at det kommer senere (CLI --police-case-pending, API "
        "police_case_pending: true, SMS AKTIVER {number} <PIN> AFVENTER <tekst>)"
    ),
    "incident {nr} ({group}) is running; a drill cannot be started now": (
        "hændelse {nr} ({group}) er i gang; en øvelse kan ikke startes nu"
    ),
    "zone must be 1-4, not {zone}": "zonen skal være 1-4, ikke {zone}",
    "no playbook '{ref}'; choose one of: {choices}": (
        "ingen beredskabsgruppe '{ref}'; vælg en af: {choices}"
    ),
    "incident {nr} already runs {playbook}": "hændelse {nr} kører allerede {playbook}",
    "{playbook} already has open incident {nr}; close one of them first": (
        "{playbook} har allerede den åbne hændelse {nr}; afslut en af dem først"
    ),
    "activate {playbook}": "aktivere {playbook}",
    "upgrade to {playbook}": "opgradere til {playbook}",
    "change task {number} (assigned to {person})": "ændre opgave {number} (givet til {person})",
    "reassign tasks": "give opgaver videre",
    # issue 10: the keyed log chain
    "key file {path} can be read by other users; run: chmod 600 {path}": (
        "nøglefilen {path} kan læses af andre brugere; kør: chmod 600 {path}"
    ),
    (
        "key file {path} does not hold a key ({size} hex digits expected); restore it"
        " from the backup"
    ): (
        "nøglefilen {path} indeholder ikke en nøgle ({size} hex-cifre ventet); "
        "hent den fra sikkerhedskopien"
    ),
    "{setting} is too short: use at least {size} random characters": (
        "{setting} er for kort: brug mindst {size} tilfældige tegn"
    ),
    (
        "the chain head must look like COUNT:HASH, e.g. 42:0123456789abcdef (the hash"
        " with at least {digits} hex digits)"
    ): (
        "kædehovedet skal se ud som ANTAL:HASH, fx 42:0123456789abcdef (hashen "
        "med mindst {digits} hex-cifre)"
    ),
    "log entry {entry} does not exist in incident {nr}": (
        "post {entry} findes ikke i loggen for hændelse {nr}"
    ),
    "incident {nr} has no entry {entry} to correct": (
        "hændelse {nr} har ingen post {entry} at rette"
    ),
    "people add {kinds} entries": "man kan kun tilføje poster af typen {kinds}",
    "the entry is empty; write what happened": "posten er tom; skriv, hvad der skete",
    "write in the log of incident {nr}": "skrive i loggen for hændelse {nr}",
    "{name} was not asked to confirm incident {nr}; nothing recorded": (
        "{name} blev ikke bedt om at bekræfte hændelse {nr}; intet registreret"
    ),
    "stand down incident {nr}": "afblæse hændelse {nr}",
    # issue 10: correcting an incident's facts
    "the police journal number is empty; write the number": (
        "politiets journalnummer er tomt; skriv nummeret"
    ),
    "the description is empty; write what happened": "beskrivelsen er tom; skriv, hvad der er sket",
    (
        "incident {nr} runs {playbook}, which has no police case; to record a police "
        "journal number, upgrade the incident to {target} with the number"
    ): (
        "hændelse {nr} kører efter {playbook}, som ikke har en politisag; "
        "opgradér hændelsen til {target} med journalnummeret for at registrere "
        "det"
    ),
    "correct the facts of incident {nr}": "rette oplysningerne i hændelse {nr}",
    (
        "the situation picture has not been written yet (version 0); you gave version"
        " {base}. Write it on top of version 0"
    ): (
        "situationsbilledet er ikke skrevet endnu (version 0); du angav version "
        "{base}. Skriv det oven på version 0"
    ),
    # communications.notices (README: Public notice page and feed)
    "a drill is never published on the public page; approve without publishing": (
        "en øvelse offentliggøres aldrig på den offentlige side; godkend uden at offentliggøre"
    ),
    "only a communication for residents ({templates}) goes on the public page": (
        "kun kommunikation til beboerne ({templates}) kommer på den offentlige side"
    ),
    "communication {communication} is {status}; only an approved one is published": (
        "kommunikation {communication} er {status}; kun en godkendt offentliggøres"
    ),
    "communication {communication} is already on the public page": (
        "kommunikation {communication} er allerede på den offentlige side"
    ),
    "the communication contains {what}; the public page carries no personal data, "
    "so edit a new draft without it": (
        "kommunikationen indeholder {what}; den offentlige side viser ingen "
        "personoplysninger, så skriv et nyt udkast uden"
    ),
    "incident {nr} is closed; its all-clear is on the public page": (
        "hændelse {nr} er afsluttet; dens afblæsning står på den offentlige side"
    ),
    "the note may have {limit} characters": "begrundelsen må have {limit} tegn",
    "incident {nr} has no public notice {notice}": (
        "hændelse {nr} har ingen offentlig meddelelse {notice}"
    ),
    "the note contains {what}; the public page carries no personal data": (
        "begrundelsen indeholder {what}; den offentlige side viser ingen personoplysninger"
    ),
    "public notice {notice} is already withdrawn": (
        "den offentlige meddelelse {notice} er allerede trukket tilbage"
    ),
    "a police journal number": "et journalnummer fra Politiet",
    "an email address": "en e-mailadresse",
    "a phone number": "et telefonnummer",
    "a name from the contact directory": "et navn fra kontaktlisten",
    "text from a sensitive log entry": "tekst fra en fortrolig logpost",
    "publish on the public page": "offentliggøre på den offentlige side",
    "withdraw a public notice": "trække en offentlig meddelelse tilbage",
    "edit a language variant of a crisis communication": (
        "rette en sproglig udgave af kriseinformation"
    ),
    "'{language}' is not a language for a variant; choose one of: {choices}": (
        "'{language}' er ikke et sprog til en udgave; vælg et af: {choices}"
    ),
    # issue 12: residents (beredskab.residents)
    "see the numbers of subscribed residents": "se numrene på tilmeldte beboere",
    # issue 14 item 5: a correction names the entry it corrects
    "a correction names the entry it corrects: give that entry's number (the log shows "
    "each entry's number)": (
        "en rettelse skal angive den post, den retter: skriv postens nummer (loggen viser "
        "hver posts nummer)"
    ),
    # operations.test_message
    "{person} has no address for {channel} (a phone for sms and voice, an email, "
    "a linked Telegram chat)": (
        "{person} har ingen adresse til {channel} (telefon til sms og opkald, e-mail, "
        "en forbundet Telegram-chat)"
    ),
    "{person} has no phone, email or linked Telegram chat to test": (
        "{person} har hverken telefon, e-mail eller en forbundet Telegram-chat at teste"
    ),
    # beredskab.directory (the directory kept by the secretariat)
    "the directory change was refused, {count} problem(s):\n{problems}": (
        "ændringen af kontaktlisten er afvist, {count} problem(er):\n{problems}"
    ),
    "the directory was changed by someone else meanwhile (now revision {revision}); "
    "reload it and make your change again": (
        "kontaktlisten er ændret af en anden imens (nu revision {revision}); hent den igen og "
        "lav din ændring igen"
    ),
    "import {nr} does not exist; upload the file again": (
        "import {nr} findes ikke; upload filen igen"
    ),
    "import {nr} was already applied (revision {revision})": (
        "import {nr} er allerede gemt (revision {revision})"
    ),
    "edit the contact directory": "rette kontaktlisten",
    # issue 14: keys and rotation (beredskab.security.keys)
    "{setting} is set but {current} is not: set both, or neither": (
        "{setting} er sat, men {current} er ikke: sæt begge eller ingen"
    ),
    "{setting} is set without {until}: say until when the previous key is accepted "
    "(the rotation time plus link_hours)": (
        "{setting} er sat uden {until}: angiv hvor længe den forrige nøgle godtages "
        "(tidspunktet for skiftet plus link_hours)"
    ),
    # issue 13: backups (beredskab.storage.backup)
    "an in-memory SQLite database cannot be backed up": (
        "en SQLite-database i hukommelsen kan ikke tages backup af"
    ),
    "there is no database at {path}; check [service] data_dir and --config": (
        "der er ingen database i {path}; tjek [service] data_dir og --config"
    ),
    "{path} exists already; choose a new file name (a backup never overwrites)": (
        "{path} findes allerede; vælg et nyt filnavn (en backup overskriver aldrig)"
    ),
    "the folder {path} does not exist": "mappen {path} findes ikke",
    "the copy of {path} failed SQLite's integrity check: {verdict}": (
        "kopien af {path} bestod ikke SQLites integritetstjek: {verdict}"
    ),
    "the backup of {path} failed: {reason}": "backup af {path} mislykkedes: {reason}",
    # runtime.config_discovery
    "no config file found (looked for {searched}); pass --config FILE or create "
    "./config.toml (copy config.example.toml)": (
        "ingen konfigurationsfil fundet (ledte efter {searched}); angiv --config FIL eller "
        "opret ./config.toml (kopiér config.example.toml)"
    ),
    "[database] url: {dialect} is not supported; use postgresql+asyncpg://… "
    "or leave url empty for SQLite": (
        "[database] url: {dialect} understøttes ikke; brug postgresql+asyncpg://… "
        "eller lad url være tom for SQLite"
    ),
    "[database] url must start with {prefix}:// (the driver beredskab uses), not {scheme}://": (
        "[database] url skal begynde med {prefix}:// (den driver beredskab bruger), "
        "ikke {scheme}://"
    ),
    "[database] url needs the {driver} driver, which is not installed; "
    "install it with: {python} -m pip install '{requirement}'": (
        "[database] url kræver driveren {driver}, som ikke er installeret; "
        "installér den med: {python} -m pip install '{requirement}'"
    ),
    "channel settings: {problem}": "kanalindstillinger: {problem}",
    # issue 12: audiences and the press (beredskab.communications)
    "choose at least one audience: {choices}": "vælg mindst én modtagergruppe: {choices}",
    "the press gets the holding line only after the board has been consulted: send "
    "the media holding line to the board first (communication {communication})": (
        "pressen får den foreløbige pressemeddelelse først, når bestyrelsen er hørt: send "
        "pressemeddelelsen til bestyrelsen først (meddelelse {communication})"
    ),
    # privacy (issue 13.5): situation_log.check, privacy.erase
    "incident {nr} was deleted with its log on {date} (closed {closed}, [privacy] "
    "retention_days); the other incidents' logs are chained apart": (
        "hændelse {nr} blev slettet med sin log {date} (afsluttet {closed}, [privacy] "
        "retention_days); de andre hændelsers logge er kædet hver for sig"
    ),
    "'{person}' is still in the contact directory: remove them there first (or add --force "
    "to pseudonymise their history anyway)": (
        "'{person}' står stadig i kontaktlisten: fjern personen der først (eller tilføj --force "
        "for at pseudonymisere historikken alligevel)"
    ),
    "give the id of the person to erase": "angiv id'et på personen, der skal slettes",
}

WORDS_DA: dict[str, str] = {
    # Enum values shown inside an error: ``Class.value`` first, then the bare value.
    # statuses
    "pending": "afventer",
    "active": "aktiv",
    "done": "udført",
    "skipped": "sprunget over",
    "assigned": "tildelt",
    "accepted": "påtaget",
    "declined": "afvist",
    "cancelled": "annulleret",
    "confirmed": "bekræftet",
    "closed": "afsluttet",
    "draft": "et udkast",
    "approved": "godkendt",
    "sent": "sendt",
    "discarded": "kasseret",
    # links.Problem
    "Problem.invalid": "linket er ugyldigt (ændret eller afkortet)",
    "Problem.unknown": "linket er ukendt",
    "Problem.used": "linket er allerede brugt",
    "Problem.expired": "linket er udløbet",
    "Problem.closed": "hændelsen er afblæst",
    # signin.SignInProblem
    "SignInProblem.wrong": "forkert kode",
    "SignInProblem.expired": "koden er udløbet",
    "SignInProblem.used": "koden er allerede brugt",
    "SignInProblem.too-many": "for mange forsøg",
    "SignInProblem.throttled": "for mange forsøg lige nu; vent lidt",
    # preparedness.answers.Refusal
    "Refusal.invalid": "linket er ugyldigt",
    "Refusal.unknown": "linket er ukendt",
    "Refusal.foreign": "linket er sendt til en anden",
    "Refusal.used": "linket er allerede brugt",
    "Refusal.stale": "spørgsmålet er ikke længere aktuelt",
    "Problem.retired": "linket er lavet med en nøgle, der er skiftet ud",
}
