"""Pydantic schema of the contact directory file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(_Frozen):
    """A named function in the plan, e.g. ``projektchef`` or ``politi``."""

    id: Slug
    name: str = Field(min_length=1)
    description: str = ""
    deputies: tuple[Slug, ...] = ()
    """People who stand in for a holder of this role whose own deputy cannot (in this order),
    e.g. when the holder's deputy is called by the same playbook."""


class Person(_Frozen):
    """A directory entry: someone who can be notified. Phone is E.164 after loading."""

    id: Slug
    name: str = Field(min_length=1)
    title: str = ""
    organisation: str = ""
    roles: tuple[Slug, ...] = ()
    phone: str | None = None
    email: str | None = None
    language: Literal["da", "en"] = "da"
    deputy: Slug | None = None
    zones: tuple[int, ...] = ()


class Target(_Frozen):
    """An outreach target: a caretaker, a resident network, a volunteer, a partner …

    ``zone`` is 1-4, or absent for targets that serve the whole area.
    """

    id: Slug
    name: str = Field(min_length=1)
    group: Slug
    zone: int | None = Field(default=None, ge=1, le=4)
    organisation: str = ""
    phone: str | None = None
    email: str | None = None
    note: str = ""
    language: str = Field(default="da", pattern=r"^[a-z]{2,3}$")
    """The language the target reads (a crisis communication goes in it when it has one)."""


AddresseeGroup = Literal["presse", "institutioner", "virksomheder", "foreninger"]
"""The directory groups a crisis communication can go to besides people and targets: the
media list, and the area's institutions, businesses and associations."""


class Addressee(_Frozen):
    """An entry of a communication group: a newsroom, a school, a shop, an association.

    ``zone`` is 1-4, or absent for an addressee that serves (or covers) the whole area. The
    press is written to by email, so a ``presse`` entry needs an email address.
    """

    id: Slug
    name: str = Field(min_length=1)
    group: AddresseeGroup
    zone: int | None = Field(default=None, ge=1, le=4)
    organisation: str = ""
    phone: str | None = None
    email: str | None = None
    note: str = ""
    language: str = Field(default="da", pattern=r"^[a-z]{2,3}$")


class Assignment(_Frozen):
    """A standing assignment: which staff member contacts which targets."""

    staff: Slug
    targets: tuple[Slug, ...] = Field(min_length=1)


class DirectoryFile(_Frozen):
    """The whole directory file as written."""

    name: str = Field(min_length=1)
    example: bool = False
    roles: tuple[Role, ...] = Field(min_length=1)
    people: tuple[Person, ...] = Field(min_length=1)
    targets: tuple[Target, ...] = ()
    addressees: tuple[Addressee, ...] = ()
    """The media list and the institution, business and association groups (``[[addressees]]``)."""
    assignments: tuple[Assignment, ...] = ()
