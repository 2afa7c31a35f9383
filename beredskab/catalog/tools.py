"""Keep the catalogs: ``python -m beredskab.catalog.tools check|compile|keys DOMAIN``.

Needs Babel (a development and test dependency; the running service reads ``.mo`` files with
the standard library). ``check`` is what CI runs through ``tests/catalog``: the keys the code
uses (``extract``) are exactly the keys of each domain, Danish and English are complete with
the same placeholders, other languages carry only known keys with the same placeholders, and
every ``.mo`` is the compiled form of its ``.po``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from beredskab.catalog.extract import PACKAGE_DIR, extract
from beredskab.catalog.fill import placeholders
from beredskab.catalog.texts import HOUSE_LANGUAGE, LOCALE_DIR

REQUIRED = ("da", "en")
_EPOCH = datetime(2026, 12, 2, tzinfo=UTC)
_HEADER = (
    "# The {domain} texts of beredskab, language {language}.\n"
    "# msgid is the key the code looks up (beredskab/catalog); keep every {{placeholder}}.\n"
    "# Edit here, then: python -m beredskab.catalog.tools compile"
)


def po_path(domain: str, language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def po_files(locale_dir: Path = LOCALE_DIR) -> Iterator[tuple[str, str, Path]]:
    """(language, domain, path) of every ``.po`` file."""
    for path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        yield path.parent.parent.name, path.stem, path


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def entries(catalog: Catalog) -> dict[str, str]:
    """Translated entries (key → text) of a catalog."""
    return {
        str(message.id): str(message.string) for message in catalog if message.id and message.string
    }


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, sort_output=True, omit_header=False)
    path.write_bytes(buffer.getvalue())
    path.with_suffix(".mo").write_bytes(compiled(catalog))


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def set_texts(domain: str, texts: Mapping[str, Mapping[str, str]]) -> None:
    """Add or replace ``key → language → text`` in a domain's ``.po`` (and ``.mo``) files."""
    languages = sorted({language for by_language in texts.values() for language in by_language})
    for language in languages:
        path = po_path(domain, language)
        catalog = (
            read(path)
            if path.exists()
            else Catalog(
                locale=language,
                domain=domain,
                project="beredskab",
                version="1",
                header_comment=_HEADER.format(domain=domain, language=language),
                copyright_holder="beredskab",
                msgid_bugs_address="-",
                last_translator="beredskab",
                language_team=language,
                creation_date=_EPOCH,
                revision_date=_EPOCH,
                fuzzy=False,
            )
        )
        for key, by_language in texts.items():
            if language in by_language:
                if key in catalog:  # Babel's add keeps an existing message's text
                    del catalog[key]
                catalog.add(key, by_language[language])
        write(path, catalog)


def remove_texts(domain: str, keys: set[str]) -> None:
    """Take keys out of every language of a domain."""
    for _, file_domain, path in po_files():
        if file_domain != domain:
            continue
        catalog = read(path)
        for key in keys:
            if key in catalog:
                catalog.delete(key)
        write(path, catalog)


def compile_all(locale_dir: Path = LOCALE_DIR) -> None:
    """Write every ``.mo`` from its ``.po``."""
    for _, _, path in po_files(locale_dir):
        path.with_suffix(".mo").write_bytes(compiled(read(path)))


def problems(locale_dir: Path = LOCALE_DIR, root: Path = PACKAGE_DIR) -> list[str]:
    """Everything wrong with the catalogs and their use in the code; empty when all is well."""
    found: list[str] = []
    by_domain: dict[str, dict[str, dict[str, str]]] = {}
    for language, domain, path in po_files(locale_dir):
        catalog = read(path)
        by_domain.setdefault(domain, {})[language] = entries(catalog)
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(catalog):
            found.append(f"{mo.relative_to(locale_dir.parent)} is stale: run compile")
    for domain, languages in sorted(by_domain.items()):
        found.extend(_language_problems(domain, languages))
    extraction = extract(root)
    used: dict[str, set[str]] = {domain: set() for domain in by_domain}
    for domain, keys in sorted(extraction.keys.items()):
        for key, places in sorted(keys.items()):
            owner = _owner(domain, key, by_domain, extraction.also)
            if owner is None:
                found.append(f"{places[0]}: no text {key!r} in the {domain!r} catalog")
            else:
                used.setdefault(owner, set()).add(key)
    for domain, languages in sorted(by_domain.items()):
        unused = set(languages.get(HOUSE_LANGUAGE, {})) - used.get(domain, set())
        for key in sorted(unused - extraction.constants):
            found.append(f"{domain}: {key!r} is used nowhere (or mark it: Texts.mark)")
    return found


def _owner(
    domain: str,
    key: str,
    by_domain: dict[str, dict[str, dict[str, str]]],
    also: dict[str, str],
) -> str | None:
    current: str | None = domain
    while current is not None:
        if key in by_domain.get(current, {}).get(HOUSE_LANGUAGE, {}):
            return current
        current = also.get(current)
    return None


def _language_problems(domain: str, languages: dict[str, dict[str, str]]) -> Iterator[str]:
    house = languages.get(HOUSE_LANGUAGE, {})
    for language in REQUIRED:
        for key in sorted(set(house) - set(languages.get(language, {}))):
            yield f"{domain}/{language}: {key!r} has no text"
    for language, texts in sorted(languages.items()):
        for key, text in sorted(texts.items()):
            if key not in house:
                yield f"{domain}/{language}: {key!r} is not in the Danish catalog"
            elif placeholders(text) != placeholders(house[key]):
                yield (
                    f"{domain}/{language}: {key!r} has placeholders "
                    f"{sorted(placeholders(text))}, Danish has {sorted(placeholders(house[key]))}"
                )


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "compile":
        compile_all()
        return 0
    if command == "keys" and len(argv) == 2:
        for key, places in sorted(extract().keys.get(argv[1], {}).items()):
            print(key, " ".join(places))
        return 0
    if command == "check":
        found = problems()
        for problem in found:
            print(problem)
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:  # the reader stopped (``… | head``): nothing is wrong
        sys.stderr.close()
        sys.exit(0)
