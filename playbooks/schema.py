"""Pydantic schema of a playbook file (one TOML file per beredskabsgruppe).

Every model forbids unknown keys and is frozen, so a typo in a plan file is an error and a
loaded plan cannot be changed by accident.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateKind(StrEnum):
    """The message templates every playbook must define."""

    ACTIVATION = "activation"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    BOARD_ORIENTATION = "board_orientation"
    RESIDENT_INFORMATION = "resident_information"
    PARTNER_INFORMATION = "partner_information"
    MEDIA_HOLDING_LINE = "media_holding_line"
    STAND_DOWN = "stand_down"
    STAFF_CALLOUT = "staff_callout"
    OUTREACH_TASK = "outreach_task"
    CHIEF_TASK = "chief_task"
    CONVENE = "convene"


class Template(_Frozen):
    """A message with a long (email/chat) and an SMS variant (Danish, or English in
    ``Playbook.templates_en``).

    Placeholders use ``{name}`` syntax; the allowed names are ``PLACEHOLDERS``.
    """

    subject: str = Field(min_length=1)
    text: str = Field(min_length=1)
    sms: str = Field(min_length=1)
    translated_from: str | None = Field(default=None, max_length=64)
    """In a translation: the fingerprint (``playbooks.languages.fingerprint``) of the Danish
    template it was made from; ``plan check`` warns when the Danish text has changed since."""


class SituationPicture(_Frozen):
    """The headings of the situation picture (situationsbillede) the staff fills in."""

    title: str
    headings: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = Field(min_length=1)
    sensitive: tuple[str, ...] = ()
    """Headings whose text is always sensitive (shown only to those who may read sensitive
    entries, never sent); any other heading can be marked sensitive when it is written."""

    @model_validator(mode="after")
    def _known_and_unique(self) -> SituationPicture:
        if len(set(self.headings)) != len(self.headings):
            raise ValueError("situation_picture.headings: a heading is listed twice")
        unknown = [h for h in self.sensitive if h not in self.headings]
        if unknown:
            raise ValueError(f"situation_picture.sensitive names no heading: {unknown}")
        return self


class Activation(_Frozen):
    """Who may activate this playbook and under which condition."""

    roles: tuple[Slug, ...] = Field(min_length=1)
    condition: str = Field(min_length=1)
    police_case_required: bool = False
    notes: tuple[str, ...] = ()


class Escalation(_Frozen):
    """Acknowledgement and escalation policy, in minutes after notification."""

    renotify_after_minutes: int = Field(gt=0)
    deputy_after_minutes: int = Field(gt=0)
    report_missing_after_minutes: int = Field(gt=0)
    channels: tuple[Literal["sms", "email", "telegram", "voice"], ...] = Field(min_length=1)
    reminder_after_minutes: int = Field(default=15, gt=0)


class Duty(_Frozen):
    """A standing responsibility of a role during the incident (source plan §3-§5)."""

    id: Slug
    role: Slug
    text: str = Field(min_length=1)
    kind: Literal["must", "assess", "as_needed"] = "must"
    source: str = Field(min_length=1, description="Section of the source plan, e.g. '§3'.")


class NotifyAction(_Frozen):
    """Send a template to everyone holding a role."""

    kind: Literal["notify"]
    role: Slug
    template: TemplateKind
    confirm: bool = False


class OutreachAction(_Frozen):
    """Create outreach tasks from the standing assignments for the given target groups."""

    kind: Literal["create_outreach_tasks"]
    groups: tuple[Slug, ...] = Field(min_length=1)


class ConveneAction(_Frozen):
    """Call a meeting: notify the role with the staff call-out template, asking to confirm."""

    kind: Literal["convene"]
    meeting: str = Field(min_length=1)
    role: Slug
    place: str = Field(min_length=1)


class Conveneable(_Frozen):
    """A meeting the leader convenes when needed (source plan §3 "indkalder efter behov")."""

    id: Slug
    meeting: str = Field(min_length=1, max_length=80)
    role: Slug
    place: str = Field(min_length=1, max_length=80)


Action = Annotated[NotifyAction | OutreachAction | ConveneAction, Field(discriminator="kind")]


class Step(_Frozen):
    """One ordered step of the plan (source plan §4 and §5)."""

    id: Slug
    title: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1)
    owner_role: Slug
    due_after_minutes: int = Field(ge=0)
    source: str = Field(min_length=1)
    actions: tuple[Action, ...] = ()


class OutreachGroup(_Frozen):
    """A target group for outreach (source plan §5), e.g. caretakers and operations managers."""

    id: Slug
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    per_zone: bool = True


class Communication(_Frozen):
    """A crisis-communication audience: who informs it, with which template (source §5)."""

    id: Slug
    audience: str = Field(min_length=1)
    responsible_role: Slug
    consult_role: Slug | None = None
    template: TemplateKind
    purpose: str = Field(min_length=1)


class FollowUp(_Frozen):
    """Something to do after stand-down: who is reminded, and how many days after."""

    text: str = Field(min_length=1)
    role: Slug
    after_days: float = Field(ge=0, le=365)


class Playbook(_Frozen):
    """One beredskabsgruppe: who is called, in what order things happen, who contacts whom."""

    id: Slug
    number: int = Field(ge=1, le=9)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    purpose: tuple[str, ...] = Field(min_length=1)
    crisis_definition: str = Field(min_length=1)
    police_case: bool
    leader_role: Slug
    principles: tuple[str, ...] = ()
    activation: Activation
    participants: tuple[Slug, ...] = Field(min_length=1)
    escalation: Escalation
    duties: tuple[Duty, ...] = Field(min_length=1)
    steps: tuple[Step, ...] = Field(min_length=1)
    outreach_groups: tuple[OutreachGroup, ...] = ()
    communication: tuple[Communication, ...] = ()
    situation_picture: SituationPicture
    follow_up: tuple[FollowUp, ...] = ()
    conveneable: tuple[Conveneable, ...] = ()
    """Meetings the leader may convene from the incident page, Telegram, API or CLI."""
    declined_tasks: Literal["offer_next", "wait_for_leader"] = "offer_next"
    """A declined outreach task is offered to the next staff member in the directory's
    standing assignments (the leader is told), or waits for the leader to hand it on."""
    templates: dict[TemplateKind, Template]
    templates_en: dict[TemplateKind, Template] = {}
    """Optional English variants, for people whose directory language is ``"en"``."""
    languages: tuple[str, ...] = ()
    """The languages besides Danish that residents read (codes of ``playbooks.languages``);
    every translated template is expected in each of them."""
    translations: dict[str, dict[TemplateKind, Template]] = {}
    """Resident-facing templates in other languages, by language code then kind (English is
    ``templates_en``); each records the Danish text it was translated from."""

    def variant(self, kind: TemplateKind, language: str) -> Template | None:
        """The template of ``kind`` in ``language`` (not Danish), or None if not translated."""
        if language == "en":
            return self.templates_en.get(kind)
        return self.translations.get(language, {}).get(kind)

    def variant_languages(self, kind: TemplateKind) -> tuple[str, ...]:
        """The languages (not Danish) the template of ``kind`` is translated into."""
        found = ["en"] if kind in self.templates_en else []
        found += [lang for lang, kinds in self.translations.items() if kind in kinds]
        return tuple(found)

    def template(self, kind: TemplateKind, language: str) -> tuple[Template, str]:
        """The template of ``kind`` for a reader of ``language`` and the language it is in.

        Returns the English variant and ``"en"`` when ``language == "en"`` and the playbook has
        an English ``kind``; otherwise the Danish template and ``"da"``.
        """
        if language == "en":
            english = self.templates_en.get(kind)
            if english is not None:
                return english, "en"
        return self.templates[kind], "da"


PLACEHOLDERS: dict[str, int] = {
    "nr": 5,
    "gruppe": 24,
    "titel": 60,
    "beskrivelse": 400,
    "zone": 12,
    "journalnr": 20,
    "aktiveret_af": 40,
    "tid": 5,
    "kode": 4,
    "link": 80,
    "navn": 40,
    "opgave": 60,
    "trin": 80,
}
"""Placeholder names a template may use, with the longest value assumed for SMS sizing."""

SMS_PLACEHOLDERS = frozenset({"nr", "gruppe", "zone", "journalnr", "tid", "kode", "navn", "trin"})
"""Placeholders allowed in the SMS variant (free text would break the one-segment rule)."""

DRILL_PREFIX = "ØVELSE: "
"""Prefix of every drill message; SMS variants must fit one segment with it."""

DRILL_PREFIX_EN = "DRILL: "
"""Prefix of every drill message rendered from an English template (``templates_en``)."""
