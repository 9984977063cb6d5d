"""Disputes: one per graded answer (a unique (kind, answer id) with ``ON CONFLICT DO NOTHING``); a
decision is applied in one transaction that first claims the dispute (``status = 'open'`` in the
``WHERE``), so of two admins deciding at once exactly one changes anything."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, select, update

from bot.core.disputes.model import (
    AnswerKind,
    Correction,
    Decision,
    Dispute,
    DisputeCounts,
    DisputeStatus,
    GradedAnswer,
    Grading,
    StreakEntry,
)
from bot.core.disputes.ports import DecideOutcome
from bot.core.grade import Verdict
from storage.db import Database
from storage.models import answers, dispute_decisions, disputes, practice_reviews, quizzes, score_totals
from storage.repositories._common import _insert, first
from storage.repositories.rollups import move_verdict


def _graded(row: Row, kind: AnswerKind, answer_id: int, **differing: Any) -> GradedAnswer:
    """A ``GradedAnswer`` from a quiz answer, practice review or dispute row: the columns they share,
    and ``differing`` (channel, name, text, feedback, points, times) as each row holds them."""
    return GradedAnswer(
        kind=kind,
        answer_id=answer_id,
        platform=row.platform,
        space_id=row.space_id,
        course_id=row.course_id,
        user_id=row.user_id,
        question_id=row.question_id,
        verdict=Verdict(row.verdict),
        score=int(row.score),
        **differing,
    )


def _quiz_answer(row: Row) -> GradedAnswer:
    return _graded(
        row,
        AnswerKind.QUIZ,
        int(row.id),
        channel_id=row.channel_id,
        display_name=row.display_name,
        text=row.answer,
        feedback=row.feedback or "",
        points=int(row.points or 0),
        graded_at=row.graded_at,
        submitted_at=row.submitted_at,
    )


def _practice_answer(row: Row) -> GradedAnswer:
    return _graded(
        row,
        AnswerKind.PRACTICE,
        int(row.id),
        channel_id="",
        display_name="",  # practice keeps no name: the disputing student's is used
        text=row.answer or "",
        feedback=row.feedback or "",
        points=0,
        graded_at=row.reviewed_at,
        submitted_at=row.reviewed_at,
    )


def _dispute(row: Row) -> Dispute:
    answer = _graded(
        row,
        AnswerKind(row.kind),
        int(row.answer_id),
        channel_id=row.channel_id,
        display_name=row.display_name,
        text=row.answer,
        feedback=row.feedback,
        points=int(row.points),
        graded_at=row.opened_at,
        submitted_at=row.submitted_at,
    )
    return Dispute(
        id=int(row.id),
        answer=answer,
        reason=row.reason,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        status=DisputeStatus(row.status),
        decided_at=row.decided_at,
    )


_QUIZ_ANSWER = (
    select(answers, quizzes.c.channel_id, quizzes.c.question_id)
    .join(quizzes, quizzes.c.id == answers.c.quiz_id)
    .where(answers.c.graded_at.is_not(None))
)


# the points a dispute shows: the quiz answer's now, 0 for practice
def _of_quiz_answer(column: Any) -> Any:
    """``column`` of the quiz answer a dispute is about (NULL for a practice answer)."""
    return (
        select(column)
        .where(disputes.c.kind == AnswerKind.QUIZ.value, answers.c.id == disputes.c.answer_id)
        .scalar_subquery()
    )


# a dispute with its answer's points now (0 for practice) and when it was submitted (its leaderboard week)
_DISPUTE = select(
    disputes,
    func.coalesce(_of_quiz_answer(answers.c.points), 0).label("points"),
    _of_quiz_answer(answers.c.submitted_at).label("submitted_at"),
)


class _Stale(Exception):
    """An answer's grade moved since the corrections were worked out."""


class SqlDisputeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def graded_answer(self, kind: AnswerKind, answer_id: int) -> GradedAnswer | None:
        if kind is AnswerKind.QUIZ:
            return await self.db.query(_QUIZ_ANSWER.where(answers.c.id == answer_id), first(_quiz_answer))
        stmt = select(practice_reviews).where(practice_reviews.c.id == answer_id)
        return await self.db.query(stmt, first(_practice_answer))

    async def awaiting_grade(self, kind: AnswerKind, answer_id: int) -> bool:
        if kind is not AnswerKind.QUIZ:  # practice answers are graded before they are stored
            return False
        stmt = select(answers.c.id).where(answers.c.id == answer_id, answers.c.graded_at.is_(None))
        return await self.db.query(stmt, lambda result: result.first() is not None)

    async def latest_graded(self, platform: str, space_id: str, user_id: str) -> GradedAnswer | None:
        return await self.db.run(self._latest_graded, platform, space_id, user_id)

    def _latest_graded(self, platform: str, space_id: str, user_id: str) -> GradedAnswer | None:
        a, p = answers.c, practice_reviews.c
        with self.db.read() as conn:
            quiz = conn.execute(
                _QUIZ_ANSWER.where(a.platform == platform, a.space_id == space_id, a.user_id == user_id)
                .order_by(a.graded_at.desc())
                .limit(1)
            ).first()
            practice = conn.execute(
                select(practice_reviews)
                .where(p.platform == platform, p.space_id == space_id, p.user_id == user_id)
                .order_by(p.reviewed_at.desc())
                .limit(1)
            ).first()
        found = [x for x in (quiz and _quiz_answer(quiz), practice and _practice_answer(practice)) if x]
        return max(found, key=lambda x: x.graded_at, default=None)

    async def open(self, answer: GradedAnswer, reason: str, opened_by: str, now: datetime) -> Dispute | None:
        values = {
            "kind": answer.kind.value,
            "answer_id": answer.answer_id,
            "platform": answer.platform,
            "space_id": answer.space_id,
            "course_id": answer.course_id,
            "channel_id": answer.channel_id,
            "user_id": answer.user_id,
            "display_name": answer.display_name[:200],
            "question_id": answer.question_id,
            "answer": answer.text,
            "verdict": answer.verdict.value,
            "score": answer.score,
            "feedback": answer.feedback,
            "reason": reason,
            "opened_by": opened_by,
            "opened_at": now,
            "status": DisputeStatus.OPEN.value,
        }
        stmt = (
            _insert(self.db, disputes)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["kind", "answer_id"])
            .returning(disputes.c.id)
        )
        new_id = await self.db.change(stmt, lambda result: result.scalar())
        return None if new_id is None else await self.get(int(new_id))

    async def get(self, dispute_id: int) -> Dispute | None:
        return await self.db.query(_DISPUTE.where(disputes.c.id == dispute_id), first(_dispute))

    async def queue(self, platform: str, space_id: str, limit: int) -> tuple[list[Dispute], int]:
        return await self.db.run(self._queue, platform, space_id, limit)

    def _queue(self, platform: str, space_id: str, limit: int) -> tuple[list[Dispute], int]:
        d = disputes.c
        waiting = and_(d.platform == platform, d.space_id == space_id, d.status == DisputeStatus.OPEN.value)
        with self.db.read() as conn:
            rows = conn.execute(_DISPUTE.where(waiting).order_by(d.opened_at, d.id).limit(limit)).all()
            total = conn.execute(select(func.count()).where(waiting)).scalar_one()
        return [_dispute(row) for row in rows], int(total)

    async def counts(self, platform: str, space_id: str, user_id: str) -> DisputeCounts:
        d = disputes.c
        stmt = (
            select(d.status, func.count())
            .where(
                d.platform == platform, d.space_id == space_id, d.user_id == user_id, d.opened_by == "student"
            )
            .group_by(d.status)
        )
        found = await self.db.query(stmt, lambda result: {status: int(n) for status, n in result})
        return DisputeCounts(found.get("open", 0), found.get("accepted", 0), found.get("rejected", 0))

    async def labels(self, course_id: str | None = None) -> list[dict[str, str]]:
        """Decided disputes as labelled answers for the grader's fitting (``scripts/fit_grader.py
        --labels``): the last decision on each, oldest first."""
        d, e = disputes.c, dispute_decisions.c
        latest = select(e.dispute_id, func.max(e.id).label("decision")).group_by(e.dispute_id).subquery()
        stmt = (
            select(d.course_id, d.question_id, d.answer, e.verdict_after)
            .join(latest, latest.c.dispute_id == d.id)
            .join(dispute_decisions, e.id == latest.c.decision)
            .order_by(e.decided_at, e.id)
        )
        if course_id is not None:
            stmt = stmt.where(d.course_id == course_id)
        return await self.db.query(
            stmt,
            lambda result: [
                {"course": c, "question_id": q, "answer": a, "verdict": v} for c, q, a, v in result
            ],
        )

    async def streak_chain(self, answer_id: int) -> list[StreakEntry]:
        return await self.db.run(self._streak_chain, answer_id)

    def _streak_chain(self, answer_id: int) -> list[StreakEntry]:
        with self.db.read() as conn:
            mine = conn.execute(
                select(answers.c.user_id, quizzes)
                .join(quizzes, quizzes.c.id == answers.c.quiz_id)
                .where(answers.c.id == answer_id)
            ).first()
            if mine is None or not mine.scheduled:
                return []
            q, a = quizzes.c, answers.c
            theirs = (
                select(a.id, a.quiz_id, a.verdict, a.points, a.bonus, a.streak, a.submitted_at)
                .where(a.user_id == mine.user_id, a.platform == mine.platform)
                .subquery()
            )
            rows = conn.execute(
                select(theirs)
                .select_from(quizzes)
                .outerjoin(theirs, theirs.c.quiz_id == q.id)
                .where(
                    q.platform == mine.platform,
                    q.space_id == mine.space_id,
                    q.channel_id == mine.channel_id,
                    q.course_id == mine.course_id,
                    q.scheduled.is_(True),
                )
                .order_by(q.posted_at, q.id)
            ).all()
        return [
            StreakEntry(
                answer_id=int(r.id) if r.id is not None else None,
                verdict=Verdict(r.verdict) if r.verdict else None,
                points=int(r.points or 0),
                bonus=int(r.bonus or 0),
                streak=int(r.streak or 0),
                submitted_at=r.submitted_at,
            )
            for r in rows
        ]

    async def decide(
        self,
        decision: Decision,
        corrections: list[Correction],
        practice_verdict: Verdict | None = None,
        read: Mapping[int, Grading] | None = None,
    ) -> DecideOutcome:
        try:
            return await self.db.run(self._decide, decision, corrections, practice_verdict, dict(read or {}))
        except _Stale:
            return "stale"

    def _decide(
        self,
        decision: Decision,
        corrections: list[Correction],
        practice_verdict: Verdict | None,
        read: dict[int, Grading],
    ) -> DecideOutcome:
        with self.db.write() as conn:
            claimed = conn.execute(
                update(disputes)
                .where(disputes.c.id == decision.dispute_id, disputes.c.status == DisputeStatus.OPEN.value)
                .values(status=decision.status.value, decided_at=decision.decided_at)
            )
            if claimed.rowcount != 1:
                return "taken"  # decided by another admin first: nothing else changes
            self._check_unchanged(conn, read)  # raises _Stale: the transaction is rolled back
            self._apply(conn, corrections)
            if practice_verdict is not None:
                answer_id = conn.execute(
                    select(disputes.c.answer_id).where(disputes.c.id == decision.dispute_id)
                ).scalar_one()
                conn.execute(
                    update(practice_reviews)
                    .where(practice_reviews.c.id == answer_id)
                    .values(verdict=practice_verdict.value)
                )
            conn.execute(
                insert(dispute_decisions).values(
                    dispute_id=decision.dispute_id,
                    decided_by=decision.decided_by[:200],
                    decided_at=decision.decided_at,
                    verdict_before=decision.verdict_before.value,
                    verdict_after=decision.verdict_after.value,
                    points_before=decision.points_before,
                    points_after=decision.points_after,
                    note=decision.note,
                )
            )
        return "decided"

    @staticmethod
    def _check_unchanged(conn: Connection, read: dict[int, Grading]) -> None:
        """Lock the answers the corrections were worked out from and check they are as read."""
        if not read:
            return
        a = answers.c
        rows = conn.execute(
            select(a.id, a.verdict, a.points, a.streak)
            .where(a.id.in_(sorted(read)))
            .order_by(a.id)
            .with_for_update()
        ).all()
        now = {
            int(r.id): (Verdict(r.verdict), int(r.points or 0), int(r.streak or 0)) for r in rows if r.verdict
        }
        if now != read:
            raise _Stale()

    def _apply(self, conn: Connection, corrections: list[Correction]) -> None:
        """The answers, then the leaderboard totals, then the insight rollups, each in a fixed order:
        the order the grading transaction locks them in, so the two never deadlock."""
        ordered = sorted(corrections, key=lambda c: c.answer_id)
        rows = {
            int(row.id): row
            for row in conn.execute(
                select(
                    answers.c.id,
                    answers.c.platform,
                    answers.c.space_id,
                    answers.c.course_id,
                    answers.c.user_id,
                    answers.c.display_name,
                    answers.c.verdict,
                    answers.c.submitted_at,
                    quizzes.c.question_id,
                )
                .join(quizzes, quizzes.c.id == answers.c.quiz_id)
                .where(answers.c.id.in_([c.answer_id for c in ordered]))
            )
        }
        for c in ordered:
            values: dict[str, object] = {
                "verdict": c.verdict.value,
                "points": c.points,
                "bonus": c.bonus,
                "streak": c.streak,
            }
            if c.feedback is not None:
                values["feedback"] = c.feedback
            conn.execute(update(answers).where(answers.c.id == c.answer_id).values(**values))
        totals = sorted(
            (
                self._totals_delta(rows[c.answer_id], c, period.value, key)
                for c in ordered
                for period, key in c.period_keys.items()
                if c.points_delta or c.correct_delta
            ),
            key=lambda v: (
                v["platform"],
                v["space_id"],
                v["course_id"],
                v["period"],
                v["period_key"],
                v["user_id"],
            ),
        )
        t = score_totals.c
        for values in totals:
            # an upsert: if the space's timezone changed since the grading, the week or month bucket of the
            # answer's time may not exist yet under today's boundaries; the correction must not be lost
            ins = _insert(self.db, score_totals).values(**values)
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=["platform", "space_id", "course_id", "period", "period_key", "user_id"],
                    set_={
                        "points": t.points + ins.excluded.points,
                        "correct": t.correct + ins.excluded.correct,
                    },
                )
            )
        for c in sorted(
            ordered, key=lambda c: (rows[c.answer_id].question_id, rows[c.answer_id].submitted_at)
        ):
            row = rows[c.answer_id]
            move_verdict(conn, row, Verdict(row.verdict), c.verdict)

    @staticmethod
    def _totals_delta(row: Row, c: Correction, period: str, key: str) -> dict[str, object]:
        return {
            "platform": row.platform,
            "space_id": row.space_id,
            "course_id": row.course_id,
            "period": period,
            "period_key": key,
            "user_id": row.user_id,
            "display_name": row.display_name,
            "points": c.points_delta,
            "answers": 0,
            "correct": c.correct_delta,
        }
