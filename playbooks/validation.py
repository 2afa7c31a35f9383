"""Semantic checks of loaded playbooks: what the schema alone cannot express."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from playbooks.errors import Problem
from playbooks.gsm import SEGMENT_SEPTETS, non_gsm, septets
from playbooks.placeholders import placeholders, render_max
from playbooks.schema import (
    DRILL_PREFIX,
    DRILL_PREFIX_EN,
    PLACEHOLDERS,
    SMS_PLACEHOLDERS,
    OutreachAction,
    Playbook,
    Template,
    TemplateKind,
)
from playbooks.translations import check_translations

__all__ = [
    "placeholders",
    "render_max",
    "sms_septets",
    "validate_playbook",
    "validate_set",
]


def validate_set(loaded: Sequence[tuple[str, Playbook]]) -> list[Problem]:
    """Checks across files: ids and numbers are unique."""
    problems: list[Problem] = []
    for attr in ("id", "number"):
        seen: dict[object, str] = {}
        for file, pb in loaded:
            value = getattr(pb, attr)
            if value in seen:
                problems.append(
                    Problem(
                        file,
                        attr,
                        f"{attr} {value!r} is also used in {seen[value]}",
                        f"give every playbook its own {attr}",
                    )
                )
            else:
                seen[value] = file
    return problems


def validate_playbook(pb: Playbook, file: str) -> list[Problem]:
    """Every semantic problem of one playbook, with key paths into its file."""
    problems: list[Problem] = []
    problems += _duplicates(file, "steps", [s.id for s in pb.steps])
    problems += _duplicates(file, "duties", [d.id for d in pb.duties])
    problems += _duplicates(file, "outreach_groups", [g.id for g in pb.outreach_groups])
    problems += _duplicates(file, "communication", [c.id for c in pb.communication])
    problems += _duplicates(file, "participants", list(pb.participants), attr="")
    problems += _duplicates(file, "activation.roles", list(pb.activation.roles), attr="")
    if pb.leader_role not in pb.participants:
        problems.append(
            Problem(
                file,
                "leader_role",
                f"leader role {pb.leader_role!r} is not a participant",
                "add it to participants or choose a participant as leader_role",
            )
        )
    if pb.police_case != pb.activation.police_case_required:
        problems.append(
            Problem(
                file,
                "activation.police_case_required",
                f"is {str(pb.activation.police_case_required).lower()} but police_case is "
                f"{str(pb.police_case).lower()}",
                "set both to true for a police-case playbook, both to false otherwise",
            )
        )
    problems += _check_escalation(pb, file)
    problems += _check_steps(pb, file)
    problems += _check_templates(pb, file)
    return problems


def _duplicates(file: str, key: str, ids: list[str], attr: str = "id") -> list[Problem]:
    out = []
    for index, value in enumerate(ids):
        if ids.index(value) != index:
            where = f"{key}[{index}].{attr}" if attr else f"{key}[{index}]"
            out.append(
                Problem(
                    file,
                    where,
                    f"{value!r} appears more than once in {key}",
                    "every entry needs a unique id; rename or remove the duplicate",
                )
            )
    return out


def _check_escalation(pb: Playbook, file: str) -> list[Problem]:
    esc = pb.escalation
    order = [
        ("renotify_after_minutes", esc.renotify_after_minutes),
        ("deputy_after_minutes", esc.deputy_after_minutes),
        ("report_missing_after_minutes", esc.report_missing_after_minutes),
    ]
    out = []
    for (prev_name, prev), (name, value) in pairwise(order):
        if value <= prev:
            out.append(
                Problem(
                    file,
                    f"escalation.{name}",
                    f"{name} ({value}) must be greater than {prev_name} ({prev})",
                    "order the minutes renotify < deputy < report_missing, e.g. 10, 20, 30",
                )
            )
    if len(set(esc.channels)) != len(esc.channels):
        out.append(
            Problem(
                file, "escalation.channels", "a channel is listed twice", "list each channel once"
            )
        )
    return out


def _check_steps(pb: Playbook, file: str) -> list[Problem]:
    groups = {g.id for g in pb.outreach_groups}
    out: list[Problem] = []
    previous_due = 0
    for i, step in enumerate(pb.steps):
        if step.due_after_minutes < previous_due:
            out.append(
                Problem(
                    file,
                    f"steps[{i}].due_after_minutes",
                    f"step {step.id!r} is due before the step above it",
                    "steps are ordered; give later steps the same or a later due time",
                    severity="warning",
                )
            )
        previous_due = max(previous_due, step.due_after_minutes)
        for j, action in enumerate(step.actions):
            if not isinstance(action, OutreachAction):
                continue
            for k, group in enumerate(action.groups):
                if group not in groups:
                    known = ", ".join(sorted(groups)) or "(none defined)"
                    out.append(
                        Problem(
                            file,
                            f"steps[{i}].actions[{j}].groups[{k}]",
                            f"outreach group {group!r} is not defined in outreach_groups",
                            f"use one of: {known}, or add it under [[outreach_groups]]",
                        )
                    )
    return out


def _check_templates(pb: Playbook, file: str) -> list[Problem]:
    out: list[Problem] = []
    for kind in TemplateKind:
        if kind not in pb.templates:
            out.append(
                Problem(
                    file,
                    f"templates.{kind.value}",
                    "template is missing",
                    f"add a [templates.{kind.value}] table with subject, text and sms",
                )
            )
    for kind, template in pb.templates.items():
        out += _check_template(file, f"templates.{kind.value}", template, DRILL_PREFIX)
    if pb.templates_en:
        for kind in TemplateKind:
            if kind not in pb.templates_en:
                out.append(
                    Problem(
                        file,
                        f"templates_en.{kind.value}",
                        "English template is missing; English readers get the Danish one",
                        f"add a [templates_en.{kind.value}] table with subject, text and sms",
                        severity="warning",
                    )
                )
    for kind, template in pb.templates_en.items():
        out += _check_template(file, f"templates_en.{kind.value}", template, DRILL_PREFIX_EN)
    return out + check_translations(pb, file)


def _check_template(file: str, key: str, template: Template, prefix: str) -> list[Problem]:
    out: list[Problem] = []
    for attr in ("subject", "text", "sms"):
        allowed = SMS_PLACEHOLDERS if attr == "sms" else frozenset(PLACEHOLDERS)
        names, error = placeholders(getattr(template, attr))
        if error:
            out.append(
                Problem(
                    file,
                    f"{key}.{attr}",
                    f"bad placeholder syntax: {error}",
                    "write placeholders as {name}; a literal brace as {{ or }}",
                )
            )
            continue
        for name in names:
            if name not in allowed:
                out.append(
                    Problem(
                        file,
                        f"{key}.{attr}",
                        f"unknown placeholder {{{name}}}",
                        f"use only {', '.join('{' + n + '}' for n in sorted(allowed))}",
                    )
                )
    if out:
        return out
    bad = non_gsm(template.sms)
    if bad:
        shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in bad)
        out.append(
            Problem(
                file,
                f"{key}.sms",
                f"contains characters outside GSM-7: {shown}",
                f"replace {shown} with plain letters (æøå are fine); "
                "otherwise the SMS falls back to UCS-2 with 70 characters per segment",
            )
        )
        return out
    size = sms_septets(template.sms, prefix)
    if size > SEGMENT_SEPTETS:
        out.append(
            Problem(
                file,
                f"{key}.sms",
                f"needs {size} septets with {prefix.strip()!r} and placeholders at "
                f"full length; one SMS segment holds {SEGMENT_SEPTETS}",
                f"shorten it by {size - SEGMENT_SEPTETS} character(s); "
                "€ [ ] { } ^ ~ | \\ count double",
            )
        )
    return out


def sms_septets(sms: str, prefix: str = DRILL_PREFIX) -> int:
    """Worst-case septets of an SMS variant: drill prefix plus placeholders at full length.

    ``prefix`` is ``DRILL_PREFIX`` for Danish templates, ``DRILL_PREFIX_EN`` for English ones.
    """
    return septets(prefix + render_max(sms))
