"""Steps and outreach tasks of an incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import Step, StepStatus, Task, TaskStatus
from beredskab.storage.tables import steps, tasks


class StepRepo:
    """Queries on incident steps."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, items: Sequence[Step]) -> None:
        """Insert instantiated steps (one statement)."""
        if items:
            await self._conn.execute(insert(steps), [step.model_dump() for step in items])

    async def list(self, incident_id: int) -> list[Step]:
        """The incident's steps in plan order."""
        stmt = select(steps).where(steps.c.incident_id == incident_id).order_by(steps.c.position)
        return [Step.model_validate(r) for r in await self._conn.execute(stmt)]

    async def update(self, incident_id: int, position: int, **values: object) -> None:
        """Change fields of one step (enums are stored by value)."""
        stored = {k: (v.value if isinstance(v, StepStatus) else v) for k, v in values.items()}
        await self._conn.execute(
            update(steps)
            .where(steps.c.incident_id == incident_id, steps.c.position == position)
            .values(**stored)
        )


class TaskRepo:
    """Queries on outreach tasks."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def next_number(self, incident_id: int) -> int:
        """The number the next task of this incident gets."""
        stmt = select(func.coalesce(func.max(tasks.c.number), 0)).where(
            tasks.c.incident_id == incident_id
        )
        return int((await self._conn.execute(stmt)).scalar_one()) + 1

    async def add(self, task: Task) -> None:
        """Insert one task."""
        values = task.model_dump()
        values["status"] = task.status.value
        await self._conn.execute(insert(tasks).values(**values))

    async def list(self, incident_id: int, *, assignee: str | None = None) -> list[Task]:
        """The incident's tasks by number, optionally for one assignee."""
        stmt = select(tasks).where(tasks.c.incident_id == incident_id).order_by(tasks.c.number)
        if assignee is not None:
            stmt = stmt.where(tasks.c.assignee == assignee)
        return [Task.model_validate(r) for r in await self._conn.execute(stmt)]

    async def get(self, incident_id: int, number: int) -> Task | None:
        """One task."""
        stmt = select(tasks).where(tasks.c.incident_id == incident_id, tasks.c.number == number)
        row = (await self._conn.execute(stmt)).first()
        return Task.model_validate(row) if row else None

    async def update(
        self,
        incident_id: int,
        number: int,
        *,
        now: datetime,
        status: TaskStatus | None = None,
        outcome: str | None = None,
        assignee: str | None = None,
        declined_by: tuple[str, ...] | None = None,
    ) -> None:
        """Change a task's status, outcome, assignee or who has declined it."""
        values: dict[str, object] = {"updated_at": now}
        if declined_by is not None:
            values["declined_by"] = " ".join(declined_by)
        if status is not None:
            values["status"] = status.value
        if outcome is not None:
            values["outcome"] = outcome
        if assignee is not None:
            values["assignee"] = assignee
        await self._conn.execute(
            update(tasks)
            .where(tasks.c.incident_id == incident_id, tasks.c.number == number)
            .values(**values)
        )
