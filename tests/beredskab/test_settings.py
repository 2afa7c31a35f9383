"""Settings: file + environment, every setting documented in config.example.toml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from beredskab.errors import ConfigError
from beredskab.settings import Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_example_config_runs_as_is_and_documents_every_setting() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.plan.playbooks_dir is None and settings.plan.directory_file is None
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, field in Settings.model_fields.items():
        assert f"[{section}]" in text, section
        model = field.annotation
        for key in model.model_fields:  # type: ignore[union-attr]
            assert re.search(rf"^#? ?{key} =", text, re.MULTILINE), f"{section}.{key}"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[outbox]\nworkers = 3\nbatch_size = 7\n", encoding="utf-8")
    monkeypatch.setenv("BEREDSKAB_OUTBOX__WORKERS", "5")
    monkeypatch.setenv("BEREDSKAB_CONFIG", str(config))
    settings = load_settings()
    assert (settings.outbox.workers, settings.outbox.batch_size) == (5, 7)
    assert settings.service.data_dir == tmp_path / "var"  # relative to the file


@pytest.mark.parametrize(
    ("content", "env", "base"),
    [
        ("", {}, "http://127.0.0.1:8080"),
        ("", {"BEREDSKAB_WEB__PORT": "21080"}, "http://127.0.0.1:21080"),
        ('[web]\nhost = "0.0.0.0"\nport = 9000\n', {}, "http://127.0.0.1:9000"),
        ('[web]\nhost = "beredskab.lan"\n', {}, "http://beredskab.lan:8080"),
        ('[web]\nhost = "::1"\n', {}, "http://[::1]:8080"),
        (
            '[service]\npublic_base_url = "https://beredskab.example.org"\n',
            {"BEREDSKAB_WEB__PORT": "21080"},
            "https://beredskab.example.org",
        ),
    ],
)
def test_links_follow_the_web_port_unless_a_public_address_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, env: dict[str, str], base: str
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(content, encoding="utf-8")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert load_settings(config).service.public_base_url == base


def test_the_example_config_links_follow_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEREDSKAB_WEB__PORT", "21080")
    assert load_settings(EXAMPLE).service.public_base_url == "http://127.0.0.1:21080"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[outbox\n", "not valid TOML"),
        ("[outbox]\nworkers = 0\n", "[outbox] workers: Input should be greater than or equal"),
        ("[outbox]\nworkerz = 2\n", "[outbox] workerz: unknown setting"),
        ('[smtp]\nhost = "smtp.example.org"\n', "[smtp]: set both host and from_address"),
        ('[smtp]\nfrom_address = "b@example.org"\n', "[smtp]: set both host and from_address"),
        ('[smtp]\nhost = "h"\nfrom_address = "nobody"\n', "'nobody' is not an email address"),
        ('[smtp]\npassword = "p"\n', "username and password go together: set username too, or"),
        ('[twilio]\naccount_sid = "AC1"\n', "[twilio]: account_sid must be 'AC' followed by 32"),
        ('[twilio]\nfrom_number = "+4520000000"\n', "[twilio]: account_sid is missing"),
        (
            f'[twilio]\naccount_sid = "AC{"a" * 32}"\nauth_token = "t"\n',
            "[twilio]: set from_number or messaging_service_sid",
        ),
        (
            f'[twilio]\naccount_sid = "AC{"a" * 32}"\nauth_token = "t"\n'
            'messaging_service_sid = "MG1"\n',
            "[twilio]: messaging_service_sid must be 'MG' followed by 32 hex digits",
        ),
        (
            '[service]\npublic_base_url = "beredskab.example.org"\n',
            "[service] public_base_url: 'beredskab.example.org' is not an address; write it as "
            "https://host",
        ),
        ('[telegram]\nbot_token = "abc def"\n', "[telegram] bot_token: not a bot token"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(config)


def test_missing_config_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("copy config.example.toml")):
        load_settings(tmp_path / "nope.toml")


def test_links_in_messages_follow_the_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A new user moves the service to another port; the links in the emails it sends follow.
    from typer.testing import CliRunner

    from beredskab.cli import cli

    config = tmp_path / "c.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    monkeypatch.setenv("BEREDSKAB_WEB__PORT", "21080")
    done = CliRunner().invoke(
        cli, ["-c", str(config), "activate", "1", "--as", "maria-friis", "--drill"]
    )
    assert done.exit_code == 0, done.output
    sent = (tmp_path / "var" / "outbox.jsonl").read_text(encoding="utf-8")
    assert "http://127.0.0.1:21080/a/" in sent and ":8080" not in sent


def test_each_problem_is_a_line_naming_the_setting_and_its_variable_but_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[outbox]\nworkers = 0\n[web]\nport = "otte"\n', encoding="utf-8")
    monkeypatch.setenv("BEREDSKAB_WEB__PORT", "ni")
    monkeypatch.setenv("BEREDSKAB_SMTP__PASSWORD", "hemmelig")
    monkeypatch.setenv("BEREDSKAB_SMTP__USERNAME", "b")
    monkeypatch.setenv("BEREDSKAB_SMTP__TIMEOUT_SECONDS", "x")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    lines = str(raised.value).splitlines()
    assert lines == [
        f"{config}: [outbox] workers: Input should be greater than or equal to 1 (got 0)",
        f"{config}: [smtp] timeout_seconds (BEREDSKAB_SMTP__TIMEOUT_SECONDS): Input should be a "
        "valid number, unable to parse string as a number (got 'x')",
        f"{config}: [web] port (BEREDSKAB_WEB__PORT): Input should be a valid integer, unable to "
        "parse string as an integer (got 'ni')",
    ]
    assert "hemmelig" not in str(raised.value)
    for name in ("WEB__PORT", "SMTP__PASSWORD", "SMTP__USERNAME", "SMTP__TIMEOUT_SECONDS"):
        monkeypatch.delenv(f"BEREDSKAB_{name}")
    config.write_text("[smtp]\nusername = 'b'\npassword = 271828\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[smtp\] password: Input should be a valid string$"):
        load_settings(config)  # a secret's value is never repeated
