"""`beredskab doctor`: is this deployment ready? One check per concern, each bounded in time.

The checks: the configuration (it loads, every channel can be built from it), the secrets the
configured channels need, the service's keys (configured, or generated under the data folder),
the database (it answers, its migrations are at head; nothing is created or migrated), the plan
and directory (what `plan check` checks), each configured provider's credentials
(``providers``) and that ``public_base_url`` reaches this very service (its ``/healthz``
carries the ``identity.service_id`` of this database's log key). Each gives pass, warn or
fail with the fix; a check that does not answer within its time fails and the rest go on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from beredskab.errors import BeredskabError, ConfigError, PlanInvalidError, render
from beredskab.operations import providers, startup_line
from beredskab.operations.checks import Check, Context, Status
from beredskab.operations.identity import service_id
from beredskab.operations.texts import say
from notifier.errors import NotifierError

if TYPE_CHECKING:
    from beredskab.i18n import Language
    from beredskab.settings import Settings

CHECK_SECONDS = 10.0
"""The longest any one check may take (a hanging provider fails its row, nothing more)."""
HEALTH_PATH = "/healthz"


@dataclass(frozen=True)
class Report:
    """Every check, in order."""

    checks: tuple[Check, ...]

    @property
    def failed(self) -> bool:
        """True when any check failed."""
        return any(c.status == "fail" for c in self.checks)

    def count(self, status: Status) -> int:
        """How many checks ended with ``status``."""
        return sum(1 for c in self.checks if c.status == status)

    def as_json(self) -> str:
        """The report for machines: ``{"ok": bool, "checks": [{name, status, detail, fix}]}``."""
        return json.dumps(
            {"ok": not self.failed, "checks": [asdict(c) for c in self.checks]},
            ensure_ascii=False,
            indent=2,
        )


NAMES = (
    "config",
    "secrets",
    "keys",
    "database",
    "plan",
    "twilio",
    "smtp",
    "telegram",
    "public_url",
)


async def run(
    load: Callable[[], Settings],
    *,
    source: str | None,
    language: Language,
    seconds: float = CHECK_SECONDS,
) -> Report:
    """Run every check; ``load`` reads the settings (a ``ConfigError`` fails the config row
    and skips the rest). ``source`` names the config file (None: defaults and environment)."""
    try:
        settings = load()
    except ConfigError as exc:
        failed = Check("config", "fail", render(exc, language), say("fix_config", language))
        skipped = [Check(n, "fail", say("skipped", language)) for n in NAMES[1:]]
        return Report((failed, *skipped))
    ctx = Context(settings, language, seconds, source or say("config_env", language))
    steps: list[Callable[[Context], Awaitable[Check]]] = [
        config,
        secrets,
        keys,
        database,
        plan,
        providers.twilio,
        providers.smtp,
        providers.telegram,
        public_url,
    ]
    checks = await asyncio.gather(
        *(_bounded(name, step, ctx) for name, step in zip(NAMES, steps, strict=True))
    )
    return Report(tuple(checks))


async def _bounded(name: str, step: Callable[[Context], Awaitable[Check]], ctx: Context) -> Check:
    """One check, cut off after the time limit (plus a second for its own timeouts to fire).
    An error no check expected fails its row with the error, never the whole report."""
    try:
        async with asyncio.timeout(ctx.seconds + 1.0):
            return await step(ctx)
    except TimeoutError:
        return Check(name, "fail", ctx.say("timed_out", seconds=ctx.seconds))
    except Exception as exc:  # shown in the row: a doctor must not end in a traceback
        return Check(name, "fail", f"{type(exc).__name__}: {exc}")


async def config(ctx: Context) -> Check:
    """The settings load, and every configured channel can be built from them."""
    from beredskab.runtime.channels import build_channels

    try:
        channels = build_channels(ctx.settings)
    except NotifierError as exc:
        return Check(
            "config", "fail", ctx.say("config_channel", reason=exc), ctx.say("fix_channel")
        )
    for channel in {id(c): c for c in channels.values()}.values():
        await channel.aclose()
    return Check("config", "pass", ctx.say("config_ok", source=ctx.source))


async def secrets(ctx: Context) -> Check:
    """The secrets each configured (or half-configured) channel needs are set."""
    s = ctx.settings
    problems: list[tuple[str, str]] = []
    twilio = s.twilio
    if (twilio.account_sid or twilio.auth_token or twilio.from_number) and not twilio.enabled:
        missing = [
            name
            for name, value in (
                ("account_sid", twilio.account_sid),
                ("auth_token", twilio.auth_token),
                ("from_number", twilio.from_number or twilio.messaging_service_sid),
            )
            if not value
        ]
        problems.append(_partly(ctx, "[twilio]", missing, "what_twilio", "TWILIO"))
    smtp = s.smtp
    if (smtp.host or smtp.from_address) and not smtp.enabled:
        missing = [
            n for n, v in (("host", smtp.host), ("from_address", smtp.from_address)) if not v
        ]
        problems.append(_partly(ctx, "[smtp]", missing, "what_smtp", "SMTP"))
    if smtp.enabled and bool(smtp.username) != bool(smtp.password):
        problems.append(
            (ctx.say("smtp_login_half"), ctx.say("fix_secret", settings="BEREDSKAB_SMTP__PASSWORD"))
        )
    telegram = s.telegram
    if telegram.enabled and telegram.mode == "webhook" and not telegram.webhook_secret:
        setting = "BEREDSKAB_TELEGRAM__WEBHOOK_SECRET"
        problems.append((ctx.say("webhook_secret"), ctx.say("fix_secret", settings=setting)))
    if problems:
        return Check(
            "secrets", "fail", "; ".join(p for p, _ in problems), "; ".join(f for _, f in problems)
        )
    if s.database.url and _url_has_password(s.database.url):
        return Check("secrets", "warn", ctx.say("url_password"), ctx.say("fix_url_password"))
    live = [
        n
        for n, on in (
            ("twilio", twilio.enabled),
            ("smtp", smtp.enabled),
            ("telegram", telegram.enabled),
        )
        if on
    ]
    return Check(
        "secrets", "pass", ctx.say("secrets_ok", which=f" ({', '.join(live)})" if live else "")
    )


def _partly(ctx: Context, section: str, missing: list[str], what: str, env: str) -> tuple[str, str]:
    detail = ctx.say(
        "secret_missing", section=section, missing=", ".join(missing), what=ctx.say(what)
    )
    settings = ", ".join(f"BEREDSKAB_{env}__{name.upper()}" for name in missing)
    return detail, ctx.say("fix_secret", settings=settings)


def _url_has_password(url: str) -> bool:
    from beredskab.storage.schema_state import has_password

    try:
        return has_password(url)
    except Exception:  # an unparsable URL is the database check's to report
        return False


async def keys(ctx: Context) -> Check:
    """Each key is configured, or generated in a private file that is readable and whole; on
    PostgreSQL, a generated key is one another host would not have (a warning)."""
    from beredskab.boundary.keys import describe_keys, unshared_keys

    found = describe_keys(ctx.settings)
    parts: list[str] = []
    for key in found:
        if key.state == "invalid":
            problem = key.problem or key.state
            return Check("keys", "fail", f"{key.name}: {problem}", problem)
        if key.state == "configured":
            parts.append(ctx.say("key_configured", name=key.name))
        elif key.state == "missing":
            parts.append(ctx.say("key_missing", name=key.name))
        else:
            parts.append(ctx.say("key_generated", name=key.name, path=key.path))
    generated = [k for k in found if k.state in ("generated", "missing")]
    if not generated:
        return Check("keys", "pass", "; ".join(parts))
    folder = ctx.settings.service.data_dir / startup_line.KEY_FOLDER
    settings = ", ".join(k.setting for k in generated)
    fix = ctx.say("fix_keys_backup", folder=folder, settings=settings)
    if unshared_keys(ctx.settings):  # another host on the same database would lack them
        fix = ctx.say("fix_keys_shared", folder=folder, settings=settings)
        return Check("keys", "warn", "; ".join(parts), fix)
    status: Status = "warn" if any(k.state == "missing" for k in generated) else "pass"
    return Check("keys", status, "; ".join(parts), fix)


async def database(ctx: Context) -> Check:
    """The database answers and its migrations are at head (nothing is created or changed)."""
    from beredskab.storage import Database
    from beredskab.storage.schema_head import heads
    from beredskab.storage.schema_state import dialect, revisions, sqlite_file

    url = ctx.settings.database_url
    try:
        kind = dialect(url)
        file = sqlite_file(url)
    except Exception as exc:  # sqlalchemy's ArgumentError: the URL cannot be read
        return Check("database", "fail", str(exc), ctx.say("fix_db_connect"))
    if kind == "sqlite" and file is not None and not file.exists():
        return Check(
            "database", "fail", ctx.say("db_missing", path=file), ctx.say("fix_db_upgrade")
        )
    password = ctx.settings.database.password
    try:
        db = Database(url, password=password.get_secret_value() if password else None)
    except ImportError as exc:  # asyncpg not installed
        return Check("database", "fail", str(exc), ctx.say("fix_db_driver"))
    try:
        async with asyncio.timeout(ctx.seconds):
            found = await revisions(db.engine)
    except TimeoutError:
        reason = ctx.say("timed_out", seconds=ctx.seconds)
        return Check(
            "database",
            "fail",
            ctx.say("db_unreachable", kind=kind, reason=reason),
            ctx.say("fix_db_connect"),
        )
    except Exception as exc:  # the driver's own errors: shown as they are
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check(
            "database",
            "fail",
            ctx.say("db_unreachable", kind=kind, reason=reason),
            ctx.say("fix_db_connect"),
        )
    finally:
        await db.dispose()
    head = ", ".join(sorted(heads()))
    if found != heads():
        current = ", ".join(sorted(found)) or "-"
        return Check(
            "database",
            "fail",
            ctx.say("db_behind", kind=kind, found=current, head=head),
            ctx.say("fix_db_upgrade"),
        )
    return Check("database", "pass", ctx.say("db_ok", kind=kind, head=head))


async def plan(ctx: Context) -> Check:
    """What `plan check` checks, and that live providers never meet the example directory."""
    from beredskab.plan import load_plan
    from beredskab.runtime.channels import live_providers

    paths = ctx.settings.plan
    try:
        loaded = await asyncio.to_thread(
            load_plan, playbooks_dir=paths.playbooks_dir, directory_file=paths.directory_file
        )
    except PlanInvalidError as exc:
        detail = ctx.say("plan_invalid", count=len(exc.problems), first=exc.problems[0])
        return Check("plan", "fail", detail, ctx.say("fix_plan"))
    except BeredskabError as exc:
        return Check("plan", "fail", render(exc, ctx.language), ctx.say("fix_plan"))
    if loaded.directory.example and live_providers(ctx.settings):
        return Check("plan", "fail", ctx.say("plan_example_live"), ctx.say("fix_plan_example"))
    detail = ctx.say(
        "plan_ok",
        version=loaded.version,
        playbooks=len(loaded.playbooks.playbooks),
        people=len(loaded.directory.people),
        example=ctx.say("plan_example_note") if loaded.directory.example else "",
    )
    if loaded.warnings:
        more = ctx.say("plan_warnings", count=len(loaded.warnings), first=loaded.warnings[0])
        return Check("plan", "warn", f"{detail}; {more}", ctx.say("fix_plan"))
    return Check("plan", "pass", detail)


def expected_id(settings: Settings) -> str | None:
    """The service id `serve` reports for these settings; None while no log key exists."""
    configured = settings.security.log_key
    if configured is not None and configured.get_secret_value():
        return service_id(configured.get_secret_value().encode())
    from beredskab.boundary.keys import KeyStore

    try:
        stored = KeyStore(settings.service.data_dir / startup_line.KEY_FOLDER).load("log")
    except FileNotFoundError:
        return None
    return service_id(stored.secret)


async def public_url(ctx: Context) -> Check:
    """``public_base_url`` answers ``/healthz`` with this service's id."""
    base = ctx.settings.service.public_base_url.rstrip("/")
    shown = startup_line.without_credentials(base)
    try:
        expected = expected_id(ctx.settings)
    except ConfigError as exc:
        return Check("public_url", "fail", render(exc, ctx.language), render(exc, ctx.language))
    timeout = aiohttp.ClientTimeout(total=ctx.seconds)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(base + HEALTH_PATH, allow_redirects=False) as response,
        ):
            status = response.status
            try:
                body: Any = await response.json(content_type=None)
            except ValueError:
                body = None
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        return Check(
            "public_url",
            "fail",
            ctx.say("public_down", url=shown, reason=reason),
            ctx.say("fix_public"),
        )
    answered = body.get("service_id") if isinstance(body, dict) else None
    if not isinstance(answered, str):
        what = ctx.say("public_not_beredskab", status=status)
        return Check(
            "public_url",
            "fail",
            ctx.say("public_other", url=shown, what=what),
            ctx.say("fix_public_other"),
        )
    if expected is None:
        return Check("public_url", "warn", ctx.say("public_no_key"), ctx.say("fix_public"))
    if answered != expected:
        what = ctx.say("public_other_beredskab")
        return Check(
            "public_url",
            "fail",
            ctx.say("public_other", url=shown, what=what),
            ctx.say("fix_public_other"),
        )
    state = str(body.get("status", "?"))
    return Check(
        "public_url",
        "pass" if state == "ok" else "warn",
        ctx.say("public_ok", url=shown, state=state),
    )
