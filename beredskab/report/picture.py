"""The report's situation-picture section: the latest version and its history.

A sensitive heading's text is shown only in the report that includes sensitive entries (the
leader's, audited by ``authorise_sensitive``); everyone else sees that it exists, not what it
says. Headings stand in the order they were first written. ``sections.build`` imports this
module when it runs (this one needs its types).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from beredskab.report.blocks import Paragraph, Row, Table, columns_of, local_time, texts
from beredskab.storage.repositories.picture import PictureRevision, PictureSection

__all__ = ["picture_blocks"]


def picture_blocks(
    history: Sequence[PictureRevision],
    name: Callable[[str | None], str],
    include_sensitive: bool,
) -> tuple[Table | Paragraph, ...]:
    """The latest text of every heading, then one row per revision."""
    if not history:
        return (Paragraph(texts("picture.none")),)
    latest: dict[str, tuple[PictureRevision, PictureSection]] = {}
    for revision in history:
        for section in revision.sections:
            latest[section.heading] = (revision, section)
    newest = history[-1]
    lead = Paragraph(
        texts(
            "picture.latest",
            version=newest.version,
            time=local_time(newest.created_at),
            name=name(newest.author),
        ),
        lead=texts("picture.latest_lead"),
    )
    rows = []
    for heading, (rev, sec) in latest.items():
        text = sec.text if include_sensitive or not sec.sensitive else texts("withheld")
        cells = (heading, text or "-", f"{name(rev.author)}, {local_time(rev.created_at)}")
        rows.append(Row(cells, sensitive=sec.sensitive))
    now = Table(columns_of("col.heading", "col.text", "col.written_by"), tuple(rows), "-")
    changes = tuple(
        Row(
            (
                str(r.version),
                local_time(r.created_at),
                name(r.author),
                r.via,
                "; ".join(s.heading for s in r.sections),
            )
        )
        for r in history
    )
    past = Table(
        columns_of("col.version", "col.time", "col.by", "col.via", "col.headings_changed"),
        changes,
        "-",
    )
    return (lead, now, Paragraph("", lead=texts("picture.history_lead")), past)
