"""Insight: the ask log (no user ids) and the figures of a report, read from the rollups the grading
transaction keeps (``storage/repositories/rollups.py``): a report over a million answers reads a few
thousand rows. Days are UTC days; "the last 7 days" starts at the start of the UTC day 7 days ago."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, insert, select, true, update

from bot.core.insights.ports import AskRecord, Figures, QuestionFigures, Scope
from storage.db import Database
from storage.models import answer_daily, answer_students, ask_log, disputes


def _in(table: Any, scope: Scope, time_column: Any) -> Any:
    """Rows of ``table`` in the scope (platform, space and course, from ``since``)."""
    c = table.c
    where = [c.course_id == scope.course_id]
    if scope.platform is not None:
        where.append(c.platform == scope.platform)
    if scope.space_id is not None:
        where.append(c.space_id == scope.space_id)
    if scope.since is not None:
        where.append(time_column >= scope.since)
    return and_(true(), *where)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class SqlInsightsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_asks(self, records: Sequence[AskRecord]) -> None:
        if not records:
            return
        rows = [
            {
                "platform": r.platform,
                "space_id": r.space_id,
                "course_id": r.course_id,
                "asked_at": r.asked_at,
                "declined": r.declined,
                "query": r.query,
                "vector": r.vector,
            }
            for r in records
        ]
        await self.db.run(self._insert_asks, rows)

    def _insert_asks(self, rows: list[dict[str, Any]]) -> None:
        with self.db.write() as conn:
            conn.execute(insert(ask_log), rows)

    async def forget_asks(self, before: datetime) -> int:
        stmt = (
            update(ask_log)
            .where(ask_log.c.asked_at < before, ask_log.c.query.is_not(None))
            .values(query=None, vector=None)
        )
        return await self.db.change(stmt, lambda result: int(result.rowcount or 0))

    async def figures(self, scope: Scope) -> Figures:
        return await self.db.run(self._figures, scope)

    def _figures(self, scope: Scope) -> Figures:
        daily, students = answer_daily.c, answer_students.c
        day_from = scope.since.astimezone(UTC).date() if scope.since is not None else None
        in_days = _in(answer_daily, replace(scope, since=None), daily.day)
        if day_from is not None:
            in_days = and_(in_days, daily.day >= day_from)
        recent = _in(answer_students, scope, students.last_at)
        per_question = (
            select(
                daily.question_id, func.sum(daily.answers), func.sum(daily.correct), func.sum(daily.partial)
            )
            .where(in_days)
            .group_by(daily.question_id)
        )
        per_student = select(students.question_id, func.count()).where(recent).group_by(students.question_id)
        per_day = (
            select(daily.day, func.sum(daily.answers)).where(in_days).group_by(daily.day).order_by(daily.day)
        )
        everyone = select(func.count(students.user_id.distinct())).where(recent)
        d = disputes.c
        opened = select(
            func.count(),
            func.coalesce(func.sum(case((d.status == "accepted", 1), else_=0)), 0),
            func.coalesce(func.sum(case((d.status == "rejected", 1), else_=0)), 0),
        ).where(_in(disputes, scope, d.opened_at), d.opened_by == "student")
        asks = select(func.count(), func.coalesce(func.sum(cast(ask_log.c.declined, Integer)), 0)).where(
            _in(ask_log, scope, ask_log.c.asked_at)
        )
        with self.db.read() as conn:
            who = dict(conn.execute(per_student).all())
            questions = [
                QuestionFigures(qid, int(n), int(c or 0), int(p or 0), int(who.get(qid, 0)))
                for qid, n, c, p in conn.execute(per_question)
            ]
            days = [(_day(value), int(n)) for value, n in conn.execute(per_day) if value is not None]
            students_n = conn.execute(everyone).scalar_one()
            opened_n, accepted, rejected = conn.execute(opened).one()
            asked, declined = conn.execute(asks).one()
        return Figures(
            students=int(students_n),
            answers=sum(q.answers for q in questions),
            per_question=questions,
            per_day=days,
            disputes_opened=int(opened_n),
            disputes_accepted=int(accepted),
            disputes_rejected=int(rejected),
            asks=int(asked),
            declined_asks=int(declined),
        )

    async def declined(self, scope: Scope, limit: int) -> list[tuple[str, bytes]]:
        c = ask_log.c
        stmt = (
            select(c.query, c.vector)
            .where(
                _in(ask_log, scope, c.asked_at),
                c.declined.is_(True),
                c.query.is_not(None),
                c.vector.is_not(None),
            )
            .order_by(c.asked_at.desc(), c.id.desc())
            .limit(limit)
        )
        return await self.db.query(stmt, lambda result: [(q, bytes(v)) for q, v in result])
