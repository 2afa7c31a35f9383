"""The message catalogs: complete in Danish and English, used by the code, compiled, and
what the check says when one of those breaks."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from beredskab.catalog import tools
from beredskab.catalog.texts import Texts
from beredskab.i18n import t


def test_the_shipped_catalogs_have_no_problems() -> None:
    assert tools.problems() == []


def test_a_text_is_filled_in_the_language_asked() -> None:
    assert t("acked", "da", navn="Ada", nr=3) == "Ada har bekræftet hændelse 3."
    assert t("acked", "en", navn="Ada", nr=3) == "Ada confirmed incident 3."


def test_an_unknown_key_is_an_error_not_the_key_itself() -> None:
    with pytest.raises(KeyError, match="no text 'no-such-key'"):
        t("no-such-key", "en")


def _package(tmp_path: Path, code: str) -> tuple[Path, Path]:
    """A tiny package using a ``demo`` domain, and a locale directory for it."""
    root = tmp_path / "demo_pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "texts.py").write_text(textwrap.dedent(code))
    return tmp_path / "locale", root


def _catalog(locale: Path, texts: dict[str, dict[str, str]]) -> None:
    """Write a ``demo`` domain's ``.po`` and ``.mo`` in Danish, English and Arabic."""
    for language in ("da", "en", "ar"):
        catalog = Catalog(locale=language, domain="demo")
        for key, by_language in texts.items():
            if language in by_language:
                catalog.add(key, by_language[language])
        tools.write(locale / language / "LC_MESSAGES" / "demo.po", catalog)


_CODE = """
    from beredskab.catalog.texts import Texts

    t = Texts("demo")

    def hello(language: str, name: str) -> str:
        return t("hello", language, name=name)
    """


def test_the_check_finds_each_kind_of_problem(tmp_path: Path) -> None:
    locale, root = _package(
        tmp_path,
        _CODE
        + """
    def missing() -> str:
        return t("typo")
    """,
    )
    _catalog(
        locale,
        {
            "hello": {"da": "Hej {name}", "en": "Hello {navn}", "ar": "مرحبا {name}"},
            "dead": {"da": "ingen bruger mig", "en": "nobody uses me"},
            "half": {"da": "kun dansk"},
        },
    )
    (locale / "da" / "LC_MESSAGES" / "demo.mo").write_bytes(b"stale")

    found = tools.problems(locale, root)

    assert any("da/LC_MESSAGES/demo.mo is stale" in p for p in found)
    assert "demo/en: 'hello' has placeholders ['navn'], Danish has ['name']" in found
    assert "demo/en: 'half' has no text" in found
    assert "demo: 'dead' is used nowhere (or mark it: Texts.mark)" in found
    assert any(p.endswith("no text 'typo' in the 'demo' catalog") for p in found)
    assert len(found) == 6  # and "half" is used nowhere either


def test_a_marked_or_chosen_key_counts_as_used(tmp_path: Path) -> None:
    locale, root = _package(
        tmp_path,
        _CODE
        + """
    def status(value: str) -> str:
        t.mark("state.on", "state.off")
        return t(f"state.{value}")

    def either(flag: bool) -> str:
        return t("yes" if flag else "no")
    """,
    )
    both = {"da": "x", "en": "x"}
    _catalog(
        locale,
        {
            "hello": {"da": "Hej {name}", "en": "Hello {name}"},
            **{key: both for key in ("state.on", "state.off", "yes", "no")},
        },
    )
    assert tools.problems(locale, root) == []


def test_another_language_falls_back_to_danish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import beredskab.catalog.texts as texts_module

    locale = tmp_path / "locale"
    _catalog(
        locale,
        {
            "hello": {"da": "Hej {name}", "en": "Hello {name}", "ar": "مرحبا {name}"},
            "bye": {"da": "Farvel", "en": "Bye"},
        },
    )
    monkeypatch.setattr(texts_module, "LOCALE_DIR", locale)
    texts_module._entries.cache_clear()
    try:
        demo = Texts("demo")
        assert demo("hello", "ar", name="Ada") == "مرحبا Ada"
        assert demo("bye", "ar") == "Farvel"
        assert demo.has("hello", "ar") and not demo.has("bye", "ar")
    finally:
        texts_module._entries.cache_clear()


def test_compile_rewrites_a_stale_mo(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(tools.LOCALE_DIR, locale)
    (locale / "da" / "LC_MESSAGES" / "service.mo").write_bytes(b"stale")
    assert any("service.mo is stale" in p for p in tools.problems(locale))
    tools.compile_all(locale)
    assert tools.problems(locale) == []


def test_the_templates_keys_are_uses_of_the_web_domain(tmp_path: Path) -> None:
    root = tmp_path / "demo_pkg"
    (root / "web" / "templates").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "web" / "__init__.py").write_text("")
    (root / "web" / "texts.py").write_text(
        "from beredskab.catalog.texts import Texts\n\ntext = Texts('web')\n"
        "BUILT = text.mark('state_on', 'state_off')\n"
    )
    (root / "web" / "templates" / "page.html").write_text(
        textwrap.dedent(
            """\
            <h1>{{ tr("title") }}</h1>
            <p>{{ tr('hello', name=viewer.name) }} {{ str("not a use") }}</p>
            <p>{{ tr("yes" if flag else 'no') }} {{ tr("state_" ~ state) }} {{ tr(chosen) }}</p>
            <p>{{ tr("typo") }}</p>
            """
        )
    )
    locale = tmp_path / "locale"
    keys = ("title", "hello", "yes", "no", "state_on", "state_off", "unused")
    for language in ("da", "en"):
        catalog = Catalog(locale=language, domain="web")
        for key in keys:
            catalog.add(key, f"{key} {{name}}" if key == "hello" else key)
        tools.write(locale / language / "LC_MESSAGES" / "web.po", catalog)

    assert tools.problems(locale, root) == [
        "demo_pkg/web/templates/page.html:4: no text 'typo' in the 'web' catalog",
        "web: 'unused' is used nowhere (or mark it: Texts.mark)",
    ]


def test_set_texts_replaces_a_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing a text with ``set_texts`` changes it (Babel's ``add`` alone keeps the old)."""
    monkeypatch.setattr(tools, "LOCALE_DIR", tmp_path)
    tools.set_texts("demo", {"greeting": {"da": "Hej", "en": "Hello"}})
    tools.set_texts("demo", {"greeting": {"da": "Goddag"}})
    assert tools.read(tools.po_path("demo", "da"))["greeting"].string == "Goddag"
    assert tools.read(tools.po_path("demo", "en"))["greeting"].string == "Hello"
