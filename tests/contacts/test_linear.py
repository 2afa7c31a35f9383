"""Loading a directory does work linear in its size: counted, not timed.

The counters: how often the list of people is walked, and how many string comparisons the
id checks make. A directory ten times larger must not cost a hundred times as much, and a
lookup by role must not walk the people again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from contacts.directory import Directory
from contacts.models import DirectoryFile, Person, Role
from contacts.validation import validate_directory


class CountedStr(str):
    """A string that counts the equality comparisons made on it."""

    comparisons: ClassVar[int] = 0

    def __eq__(self, other: object) -> bool:
        CountedStr.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


class Walked(tuple[Any, ...]):
    """A tuple that counts how often it is iterated."""

    walks = 0

    def __iter__(self) -> Iterator[Any]:
        Walked.walks += 1
        return super().__iter__()


ROLES = ("projektchef", "ssp", "sekretariat")


def _data(size: int, *, duplicate_every: int = 0) -> DirectoryFile:
    """``size`` people built without validation, with ids that count their comparisons."""
    people = []
    for i in range(size):
        n = i - 1 if duplicate_every and i % duplicate_every == 0 and i else i
        people.append(
            Person.model_construct(
                id=CountedStr(f"p-{n}"),
                name=f"P {i}",
                roles=(ROLES[i % 3],) if i % 7 else ROLES,
                phone=f"+452{i:07d}",
                email=f"p-{i}@example.org",
                deputy=f"p-{i + 1}" if i + 1 < size else None,
                zones=(),
                language="da",
            )
        )
    return DirectoryFile.model_construct(
        name="x",
        example=False,
        roles=tuple(Role.model_construct(id=r, name=r, description="") for r in ROLES),
        people=Walked(people),
        targets=(),
        assignments=(),
    )


def _validation_work(size: int) -> tuple[int, int]:
    data = _data(size)
    CountedStr.comparisons = Walked.walks = 0
    assert [p for p in validate_directory(data, "f") if p.severity == "error"] == []
    return CountedStr.comparisons, Walked.walks


def test_validation_work_grows_linearly() -> None:
    small_compares, small_walks = _validation_work(500)
    large_compares, large_walks = _validation_work(5000)
    assert large_compares <= 12 * max(small_compares, 1)  # quadratic would be ~100x
    assert large_walks == small_walks  # a fixed number of passes, whatever the size


def test_duplicate_ids_found_at_every_place_in_a_large_directory() -> None:
    data = _data(20_000, duplicate_every=1000)
    CountedStr.comparisons = 0
    problems = [p for p in validate_directory(data, "f") if "more than once" in p.message]
    assert [p.key for p in problems] == [f"people[{i}].id" for i in range(1000, 20_000, 1000)]
    assert problems[0].message == "id 'p-999' is used more than once in people"
    assert CountedStr.comparisons < 5 * 20_000  # list.index per entry made ~200 million


def test_lookups_by_role_do_not_walk_the_people_again() -> None:
    data = _data(3000)
    Walked.walks = 0
    directory = Directory(data)
    built = Walked.walks
    for _ in range(1000):
        for role in ROLES:
            directory.with_role(role)
        directory.with_any_role(ROLES[:2])
    assert Walked.walks == built


def test_role_lookups_keep_file_order_and_list_each_person_once() -> None:
    data = _data(300)
    directory = Directory(data)
    people = list(data.people)
    for role in ROLES:
        assert directory.with_role(role) == tuple(p for p in people if role in p.roles)
    for wanted in (ROLES[:2], ROLES, ("ssp", "ssp"), ("nobody",), ()):
        expected = tuple(p for p in people if set(wanted).intersection(p.roles))
        assert directory.with_any_role(wanted) == expected
    assert directory.with_role("nobody") == ()
