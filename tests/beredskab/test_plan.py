"""Plan loading: cross-references between playbooks and directory, version hash."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest

from beredskab.errors import PlanInvalidError
from beredskab.plan import load_plan


def _copy_plan(tmp_path: Path) -> tuple[Path, Path]:
    plans = tmp_path / "plans"
    plans.mkdir()
    for name in ("gruppe-1.toml", "gruppe-2.toml"):
        (plans / name).write_bytes((files("playbooks") / "plans" / name).read_bytes())
    directory = tmp_path / "kontakter.toml"
    directory.write_bytes((files("contacts") / "examples" / "fredericia.toml").read_bytes())
    return plans, directory


def test_bundled_plan_is_valid_and_versioned(tmp_path: Path) -> None:
    plans, directory = _copy_plan(tmp_path)
    bundled = load_plan(playbooks_dir=None, directory_file=None)
    copied = load_plan(playbooks_dir=plans, directory_file=directory)
    assert bundled.version == copied.version and len(bundled.version) == 12
    text = (plans / "gruppe-2.toml").read_text(encoding="utf-8")
    (plans / "gruppe-2.toml").write_text(
        text.replace('name = "Beredskabsgruppe 2"', 'name = "Gruppe 2"', 1)
    )
    assert load_plan(playbooks_dir=plans, directory_file=directory).version != bundled.version


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("gruppe-2.toml", 'role = "sekretariatsleder"', 'role = "sekretariatsleeder"'),
            "gruppe-2.toml: duties[8].role: role 'sekretariatsleeder' is not declared",
        ),
        (
            ("kontakter.toml", 'roles = ["politi"]', 'roles = ["ssp"]'),
            "nobody in kontakter.toml holds role 'politi'",
        ),
        (
            ("kontakter.toml", 'group = "frivillige"', 'group = "frivilige"'),
            "'frivilige' is no playbook's outreach group",
        ),
    ],
)
def test_cross_reference_problems_name_file_key_and_hint(
    tmp_path: Path, edit: tuple[str, str, str], expected: str
) -> None:
    plans, directory = _copy_plan(tmp_path)
    name, old, new = edit
    target = directory if name == "kontakter.toml" else plans / name
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(PlanInvalidError) as caught:
        load_plan(playbooks_dir=plans, directory_file=directory)
    assert any(expected in p and "hint:" in p for p in caught.value.problems), caught.value.problems


def test_problems_from_both_files_are_reported_together(tmp_path: Path) -> None:
    plans, directory = _copy_plan(tmp_path)
    (plans / "gruppe-1.toml").write_text("id = \n", encoding="utf-8")
    directory.write_text('name = "x"\nroles = []\n', encoding="utf-8")
    with pytest.raises(PlanInvalidError) as caught:
        load_plan(playbooks_dir=plans, directory_file=directory)
    files_named = {p.split(":")[0] for p in caught.value.problems}
    assert str(plans / "gruppe-1.toml") in files_named and str(directory) in files_named


def test_version_is_the_parsed_content_not_the_file_text(tmp_path: Path) -> None:
    plans, directory = _copy_plan(tmp_path)
    bundled = load_plan(playbooks_dir=None, directory_file=None).version
    path = plans / "gruppe-2.toml"
    original = path.read_text(encoding="utf-8")
    # A comment, blank lines and another layout of the same values: same plan, same version.
    reformatted = "# En kommentar, der ikke ændrer planen.\n\n" + original.replace(
        "number = 2\n", "number   =   2   # gruppens nummer\n\n", 1
    )
    path.write_text(reformatted, encoding="utf-8")
    assert load_plan(playbooks_dir=plans, directory_file=directory).version == bundled
    # One step deadline moved by a minute: a new version.
    moved, n = re.subn(r"due_after_minutes = (\d+)", _plus_one, original, count=1)
    assert n == 1
    path.write_text(moved, encoding="utf-8")
    assert load_plan(playbooks_dir=plans, directory_file=directory).version != bundled


def test_directory_changes_keep_the_version(tmp_path: Path) -> None:
    plans, directory = _copy_plan(tmp_path)
    bundled = load_plan(playbooks_dir=None, directory_file=None).version
    text = directory.read_text(encoding="utf-8")
    directory.write_text(text.replace("Kim Holm", "Kim Holm-Jensen"), encoding="utf-8")
    changed = load_plan(playbooks_dir=plans, directory_file=directory)
    assert changed.directory.person("kim-holm") is not None
    assert changed.directory.person("kim-holm").name == "Kim Holm-Jensen"  # type: ignore[union-attr]
    assert changed.version == bundled


def _plus_one(match: re.Match[str]) -> str:
    return f"due_after_minutes = {int(match.group(1)) + 1}"
