"""Find every catalog key the code uses, by reading the source (no imports, no Babel).

A domain's texts are a module-level ``NAME = Texts("domain")`` (or an alias of one). A use
is a call with a literal key (or ``"a" if c else "b"``): ``NAME("key", …)``,
``NAME.raw("key", …)``, ``NAME.has("key", …)``, or ``NAME.mark("key", "other", …)`` where the
key is computed at run time. Imports are
followed by name (``from beredskab.i18n import t``, ``from beredskab import i18n``, relative
imports), so a text used anywhere in ``beredskab/`` is found. A key used through such a call
must exist; a catalog key must be used: called, marked, or at least a string in the code.

Jinja templates are read too: in ``web/templates/*.html`` a ``tr("key", …)`` (either quote,
or ``tr("a" if c else "b")``) is a use of the ``web`` domain (``TEMPLATE_CALLS`` names the
template functions and their domains), as strict as a call in code. A key built in the
template (``tr("dir_" ~ ok)``) is marked in the code that renders it.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_KEY_METHODS = frozenset({"raw", "has"})
_MARK = "mark"
TEMPLATE_DIRS = ("web/templates",)
"""Folders (under the package) of Jinja templates whose text calls are read."""
TEMPLATE_CALLS: dict[str, str] = {"tr": "web", "rt": "residents", "rp": "report"}
"""A template function → the domain it looks keys up in (``session.page`` binds ``tr``)."""
_QUOTED = r"""(?P<{name}q>["'])(?P<{name}>[^"'\n]*)(?P={name}q)"""
_TEMPLATE_CALL = re.compile(
    r"\b(?P<call>"
    + "|".join(map(re.escape, TEMPLATE_CALLS))
    + r")\(\s*"
    + _QUOTED.format(name="key")
    + r"(?:\s*[,)]|\s+if\s+[^()]*?\s+else\s+"
    + _QUOTED.format(name="other")
    + r"\s*[,)])"
)


@dataclass
class Extraction:
    """Keys by domain, each with the places (``path:line``) that use it."""

    keys: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    domains: dict[str, str] = field(default_factory=dict)
    """Qualified name of each ``Texts`` object → its domain."""
    also: dict[str, str] = field(default_factory=dict)
    """Domain → the domain it falls back to (``Texts("cli", also=…)``)."""
    constants: set[str] = field(default_factory=set)
    """Every string constant in the code: a key chosen before the call (``key = "a" if x else
    "b"``) or passed through a helper (``say("a")``) counts as used when it appears here."""

    def add(self, domain: str, key: str, where: str) -> None:
        self.keys[domain].setdefault(key, []).append(where)


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _aliases(tree: ast.Module, module: str, is_package: bool) -> dict[str, str]:
    """Local name → qualified name, for every import anywhere in the module."""
    aliases: dict[str, str] = {}
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
    return aliases


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _resolve(name: str, aliases: dict[str, str], module: str) -> str:
    head, _, rest = name.partition(".")
    base = aliases.get(head, f"{module}.{head}")
    return f"{base}.{rest}" if rest else base


@dataclass
class _Source:
    path: Path
    module: str
    tree: ast.Module
    aliases: dict[str, str]


def _sources(root: Path) -> list[_Source]:
    sources = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        sources.append(_Source(path, module, tree, _aliases(tree, module, path.stem == "__init__")))
    return sources


def _texts_objects(sources: list[_Source]) -> dict[str, str]:
    """``Texts("domain")`` objects and their module-level aliases, to a fixed point."""
    domains: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for source in sources:
            for node in source.tree.body:
                if not (isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None):
                    continue
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                domain = _domain_of(node.value, source, domains)
                for target in targets:
                    if isinstance(target, ast.Name) and domain is not None:
                        qualified = f"{source.module}.{target.id}"
                        if domains.get(qualified) != domain:
                            domains[qualified] = domain
                            changed = True
    # An imported name is the object it names: ``from x import t`` resolves through aliases.
    return domains


def _domain_of(value: ast.expr, source: _Source, domains: dict[str, str]) -> str | None:
    if isinstance(value, ast.Call):
        called = _dotted(value.func)
        if called is not None and _resolve(called, source.aliases, source.module).endswith(
            "catalog.texts.Texts"
        ):
            first = value.args[0] if value.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
        return None
    name = _dotted(value)
    if name is None:
        return None
    return domains.get(_resolve(name, source.aliases, source.module))


def _fallbacks(sources: list[_Source], domains: dict[str, str]) -> dict[str, str]:
    also: dict[str, str] = {}
    for source in sources:
        for node in source.tree.body:
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            if not isinstance(value, ast.Call):
                continue
            domain = _domain_of(value, source, domains)
            for keyword in value.keywords:
                if domain is not None and keyword.arg == "also":
                    other = _domain_of(keyword.value, source, domains)
                    if other is not None:
                        also[domain] = other
    return also


def extract(root: Path = PACKAGE_DIR) -> Extraction:
    """Every key used under ``root`` (the ``beredskab`` package), by domain."""
    sources = _sources(root)
    domains = _texts_objects(sources)
    extraction = Extraction(domains=domains, also=_fallbacks(sources, domains))
    for source in sources:
        where_prefix = source.path.relative_to(root.parent).as_posix()
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                extraction.constants.add(node.value)
            elif isinstance(node, ast.Call):
                _record(node, source, extraction, where_prefix)
    for folder in TEMPLATE_DIRS:
        for path in sorted((root / folder).glob("*.html")):
            _template_uses(path, extraction, path.relative_to(root.parent).as_posix())
    return extraction


def _template_uses(path: Path, extraction: Extraction, where_prefix: str) -> None:
    """The literal keys of a template's text calls (``tr("key", …)``)."""
    source = path.read_text(encoding="utf-8")
    for match in _TEMPLATE_CALL.finditer(source):
        where = f"{where_prefix}:{source.count(chr(10), 0, match.start()) + 1}"
        for key in (match.group("key"), match.group("other")):
            if key is not None:
                extraction.add(TEMPLATE_CALLS[match.group("call")], key, where)


def _record(call: ast.Call, source: _Source, extraction: Extraction, where_prefix: str) -> None:
    called = _dotted(call.func)
    if called is None:
        return
    qualified = _resolve(called, source.aliases, source.module)
    where = f"{where_prefix}:{call.lineno}"
    domain = extraction.domains.get(qualified)
    if domain is not None:
        _literal_first(call, domain, extraction, where)
        return
    owner, _, method = qualified.rpartition(".")
    domain = extraction.domains.get(owner)
    if domain is None:
        return
    if method in _KEY_METHODS:
        _literal_first(call, domain, extraction, where)
    elif method == _MARK:
        for arg in call.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                extraction.add(domain, arg.value, where)


def _literal_first(call: ast.Call, domain: str, extraction: Extraction, where: str) -> None:
    for key in _literals(call.args[0] if call.args else None):
        extraction.add(domain, key, where)


def _literals(node: ast.expr | None) -> list[str]:
    """The keys a key expression can be: a literal, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return [*_literals(node.body), *_literals(node.orelse)]
    return []
