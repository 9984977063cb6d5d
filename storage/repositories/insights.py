"""Insight: the ask log (no user ids) and the figures of a report, each counted by the database in one
aggregate query (``ix_quiz_answers_course_time`` and ``ix_ask_log_course`` keep them index-bound)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, insert, select, true, update

from bot.core.grade import Verdict
from bot.core.insights.ports import Figures, QuestionFigures, Scope
from storage.db import Database
from storage.models import answers, ask_log, disputes, quizzes


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

    async def record_ask(
        self,
        platform: str,
        space_id: str,
        course_id: str,
        asked_at: datetime,
        declined: bool,
        query: str | None,
        vector: bytes | None,
    ) -> None:
        await self.db.change(
            insert(ask_log).values(
                platform=platform,
                space_id=space_id,
                course_id=course_id,
                asked_at=asked_at,
                declined=declined,
                query=query,
                vector=vector,
            )
        )

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
        a = answers.c
        graded = and_(_in(answers, scope, a.submitted_at), a.graded_at.is_not(None))
        correct = func.sum(cast(a.verdict == Verdict.CORRECT.value, Integer))
        partial = func.sum(cast(a.verdict == Verdict.PARTIAL.value, Integer))
        per_question = (
            select(quizzes.c.question_id, func.count(), correct, partial, func.count(a.user_id.distinct()))
            .select_from(answers.join(quizzes, quizzes.c.id == a.quiz_id))
            .where(graded)
            .group_by(quizzes.c.question_id)
        )
        day = func.date(a.submitted_at)
        per_day = select(day, func.count()).where(graded).group_by(day).order_by(day)
        totals = select(func.count(), func.count(a.user_id.distinct())).where(graded)
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
            questions = [
                QuestionFigures(qid, int(n), int(c or 0), int(p or 0), int(s))
                for qid, n, c, p, s in conn.execute(per_question)
            ]
            days = [(_day(value), int(n)) for value, n in conn.execute(per_day) if value is not None]
            answered, students = conn.execute(totals).one()
            opened_n, accepted, rejected = conn.execute(opened).one()
            asked, declined = conn.execute(asks).one()
        return Figures(
            students=int(students),
            answers=int(answered),
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
            .where(_in(ask_log, scope, c.asked_at), c.declined.is_(True), c.query.is_not(None), c.vector.is_not(None))
            .order_by(c.asked_at.desc(), c.id.desc())
            .limit(limit)
        )
        return await self.db.query(stmt, lambda result: [(q, bytes(v)) for q, v in result])
