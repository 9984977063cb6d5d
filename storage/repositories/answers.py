"""Answers: one per user per quiz (``ON CONFLICT DO NOTHING``), group-committed; grades and the
leaderboard totals they earn are written in one transaction, rows locked in a fixed order."""


from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, case, func, select, update

from bot.core.grade import Verdict
from bot.core.quiz.model import (
    AnswerRecord,
    GradeToSave,
    Quiz,
    QuizSummary,
    RecordOutcome,
    RecordResult,
)
from bot.core.types import Place, User
from storage.db import Database, GroupCommit
from storage.models import (
    UtcDateTime,
    answers,
    quizzes,
    score_totals,
)
from storage.repositories._common import (
    _answer,
    _channel,
    _insert,
    _quiz,
    _utcnow,
    each,
    first,
)
from storage.repositories.rollups import add_to_rollups

_UPDATE_GRADE = (
    update(answers)
    .where(answers.c.id == bindparam("b_id"))
    .values(
        graded_at=bindparam("b_graded_at", type_=UtcDateTime()),
        verdict=bindparam("b_verdict"),
        score=bindparam("b_score"),
        covered=bindparam("b_covered"),
        missed=bindparam("b_missed"),
        feedback=bindparam("b_feedback"),
        points=bindparam("b_points"),
        bonus=bindparam("b_bonus"),
        streak=bindparam("b_streak"),
    )
)


@dataclass(frozen=True)
class _Submission:
    quiz_id: str
    user: User
    place: Place
    text: str
    now: datetime

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.quiz_id, self.user.platform, self.user.user_id)

    def values(self) -> dict[str, Any]:
        return {
            "quiz_id": self.quiz_id,
            "platform": self.user.platform,
            "space_id": self.place.space_id,
            "user_id": self.user.user_id,
            "display_name": self.user.display_name[:200],
            "answer": self.text,
            "submitted_at": self.now,
            "bonus": 0,
            "streak": 0,
        }

    def record(self, answer_id: int) -> AnswerRecord:
        return AnswerRecord(
            id=answer_id,
            quiz_id=self.quiz_id,
            platform=self.user.platform,
            space_id=self.place.space_id,
            user_id=self.user.user_id,
            display_name=self.user.display_name[:200],
            text=self.text,
            submitted_at=self.now,
        )


class SqlAnswerRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.recorder = GroupCommit(db, self._record_many)

    async def record(self, quiz_id: str, user: User, place: Place, text: str, now: datetime) -> RecordResult:
        """Group-committed: answers arriving together are written in one transaction."""
        return await self.recorder.submit(_Submission(quiz_id, user, place, text, now))

    def _record_many(self, items: list[_Submission]) -> list[RecordResult]:
        """One transaction for a batch: lock the quizzes (FOR SHARE on PostgreSQL: a concurrent close waits
        for these answers, and they see a close that came first; SQLite writers are serialised anyway),
        insert the first answer per (quiz, platform, user) with ON CONFLICT DO NOTHING, then read back the
        first answers of those who had answered already."""
        results: list[RecordResult | None] = [None] * len(items)
        with self.db.write() as conn:
            found = conn.execute(
                select(quizzes)
                .where(quizzes.c.id.in_(sorted({i.quiz_id for i in items})))
                .order_by(quizzes.c.id)
                .with_for_update(read=True)
            )
            by_id = {row.id: _quiz(row) for row in found}
            first_of: dict[tuple[str, str, str], int] = {}  # key -> index of its first item in the batch
            look_up: set[tuple[str, str, str]] = set()
            for n, item in enumerate(items):
                quiz = by_id.get(item.quiz_id)
                if (
                    quiz is None
                    or (quiz.place.platform, quiz.place.space_id)
                    != (
                        item.place.platform,
                        item.place.space_id,
                    )
                    or item.user.platform != quiz.place.platform
                ):
                    results[n] = RecordResult(RecordOutcome.NOT_FOUND)
                elif not quiz.is_open(item.now):
                    look_up.add(item.key)
                else:
                    first_of.setdefault(item.key, n)
            inserted: dict[tuple[str, str, str], int] = {}
            if first_of:
                rows = [  # an answer belongs to its quiz's course
                    {**items[n].values(), "course_id": by_id[items[n].quiz_id].course_id}
                    for n in first_of.values()
                ]
                stmt = (
                    _insert(self.db, answers)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=["quiz_id", "platform", "user_id"])
                    .returning(answers.c.id, answers.c.quiz_id, answers.c.platform, answers.c.user_id)
                )
                inserted = {(r.quiz_id, r.platform, r.user_id): int(r.id) for r in conn.execute(stmt)}
            look_up |= {key for key in first_of if key not in inserted}
            existing = self._find_many(conn, look_up)
        for n, item in enumerate(items):
            if results[n] is not None:
                continue
            quiz = by_id[item.quiz_id]
            if item.key in inserted:
                first = items[first_of[item.key]].record(inserted[item.key])
                outcome = (
                    RecordOutcome.RECORDED if first_of[item.key] == n else RecordOutcome.ALREADY_ANSWERED
                )
                results[n] = RecordResult(outcome, quiz, first)
            elif item.key in existing:
                results[n] = RecordResult(RecordOutcome.ALREADY_ANSWERED, quiz, existing[item.key])
            else:
                results[n] = RecordResult(RecordOutcome.CLOSED, quiz)
        return [r for r in results if r is not None]

    @staticmethod
    def _find_many(
        conn: Connection, keys: set[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], AnswerRecord]:
        if not keys:
            return {}
        rows = conn.execute(
            select(answers).where(
                answers.c.quiz_id.in_(sorted({k[0] for k in keys})),
                answers.c.user_id.in_(sorted({k[2] for k in keys})),
            )
        )
        found = {(row.quiz_id, row.platform, row.user_id): _answer(row) for row in rows}
        return {key: record for key, record in found.items() if key in keys}

    @staticmethod
    def _find(conn: Connection, quiz_id: str, platform: str, user_id: str) -> AnswerRecord | None:
        row = conn.execute(
            select(answers).where(
                answers.c.quiz_id == quiz_id, answers.c.platform == platform, answers.c.user_id == user_id
            )
        ).first()
        return _answer(row) if row else None

    async def get(self, answer_id: int) -> AnswerRecord | None:
        return await self.db.query(select(answers).where(answers.c.id == answer_id), first(_answer))

    async def find(self, quiz_id: str, platform: str, user_id: str) -> AnswerRecord | None:
        return await self.db.run(self._find_one, quiz_id, platform, user_id)

    def _find_one(self, quiz_id: str, platform: str, user_id: str) -> AnswerRecord | None:
        with self.db.read() as conn:
            return self._find(conn, quiz_id, platform, user_id)

    async def ungraded(self, quiz_id: str | None = None, limit: int = 1000) -> list[AnswerRecord]:
        stmt = select(answers).where(answers.c.graded_at.is_(None))
        if quiz_id is not None:
            stmt = stmt.where(answers.c.quiz_id == quiz_id)
        return await self.db.query(stmt.order_by(answers.c.id).limit(limit), each(_answer))

    async def previous_streaks(self, quiz: Quiz) -> dict[str, int]:
        previous = (
            select(quizzes.c.id)
            .where(
                _channel(quiz.place, quiz.course_id),
                quizzes.c.scheduled.is_(True),
                quizzes.c.posted_at < quiz.posted_at,
            )
            .order_by(quizzes.c.posted_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        stmt = select(answers.c.user_id, answers.c.streak).where(
            answers.c.quiz_id == previous, answers.c.verdict == Verdict.CORRECT.value
        )
        return await self.db.query(stmt, lambda result: {user: int(streak) for user, streak in result})

    async def save_grades(self, grades: Sequence[GradeToSave]) -> list[AnswerRecord]:
        return await self.db.run(self._save_grades, list(grades))

    def _save_grades(self, grades: list[GradeToSave]) -> list[AnswerRecord]:
        ids = sorted({g.answer_id for g in grades})
        now = _utcnow()
        with self.db.write() as conn:
            fresh = {
                row.id: row
                for row in conn.execute(
                    select(
                        answers.c.id,
                        answers.c.platform,
                        answers.c.space_id,
                        answers.c.course_id,
                        answers.c.user_id,
                        answers.c.display_name,
                        answers.c.submitted_at,
                        quizzes.c.question_id,
                    )
                    .join(quizzes, quizzes.c.id == answers.c.quiz_id)
                    .where(answers.c.id.in_(ids), answers.c.graded_at.is_(None))
                    .order_by(answers.c.id)
                    .with_for_update(of=answers)
                )
            }
            todo = sorted((g for g in grades if g.answer_id in fresh), key=lambda g: g.answer_id)
            seen: set[int] = set()
            params = []
            for g in todo:
                if g.answer_id in seen:
                    continue
                seen.add(g.answer_id)
                params.append(
                    {
                        "b_id": g.answer_id,
                        "b_graded_at": g.graded_at or now,
                        "b_verdict": g.grade.verdict.value,
                        "b_score": int(g.grade.score),
                        "b_covered": json.dumps(list(g.grade.covered), ensure_ascii=False),
                        "b_missed": json.dumps(list(g.grade.missed), ensure_ascii=False),
                        "b_feedback": g.grade.feedback,
                        "b_points": g.points,
                        "b_bonus": g.bonus,
                        "b_streak": g.streak,
                    }
                )
            if params:
                conn.execute(_UPDATE_GRADE, params)
                saved = [g for g in todo if g.answer_id in seen]
                self._add_to_totals(conn, saved, fresh)
                add_to_rollups(self.db, conn, [(fresh[g.answer_id], g.grade.verdict) for g in saved])
            rows = conn.execute(select(answers).where(answers.c.id.in_(ids))).all()
        return [_answer(row) for row in rows]

    def _add_to_totals(self, conn: Connection, grades: list[GradeToSave], fresh: dict[int, Row]) -> None:
        totals: dict[tuple[str, str, str, str, str, str], dict[str, Any]] = {}
        for g in grades:
            row = fresh[g.answer_id]
            for period, key in g.period_keys.items():
                pk = (row.platform, row.space_id, row.course_id, period.value, key, row.user_id)
                entry = totals.setdefault(
                    pk,
                    {
                        "platform": row.platform,
                        "space_id": row.space_id,
                        "course_id": row.course_id,
                        "period": period.value,
                        "period_key": key,
                        "user_id": row.user_id,
                        "display_name": row.display_name,
                        "points": 0,
                        "answers": 0,
                        "correct": 0,
                    },
                )
                entry["points"] += g.points
                entry["answers"] += 1
                entry["correct"] += int(g.grade.correct)
        ins = _insert(self.db, score_totals)
        stmt = ins.on_conflict_do_update(
            index_elements=["platform", "space_id", "course_id", "period", "period_key", "user_id"],
            set_={
                "points": score_totals.c.points + ins.excluded.points,
                "answers": score_totals.c.answers + ins.excluded.answers,
                "correct": score_totals.c.correct + ins.excluded.correct,
                "display_name": ins.excluded.display_name,
            },
        )
        conn.execute(stmt, [totals[pk] for pk in sorted(totals)])  # fixed order: no deadlocks

    async def summary(self, quiz_id: str) -> QuizSummary:
        return await self.db.run(self._summary, quiz_id)

    def _summary(self, quiz_id: str) -> QuizSummary:
        correct = answers.c.verdict == Verdict.CORRECT.value
        counts = select(
            func.count(),
            func.count(answers.c.graded_at),
            func.coalesce(func.sum(case((correct, 1), else_=0)), 0),
        ).where(answers.c.quiz_id == quiz_id)
        first = (
            select(answers.c.display_name)
            .where(answers.c.quiz_id == quiz_id, correct)
            .order_by(answers.c.submitted_at, answers.c.id)
            .limit(3)
        )
        with self.db.read() as conn:
            answered, graded, n_correct = conn.execute(counts).one()
            names = tuple(conn.execute(first).scalars())
        return QuizSummary(int(answered), int(graded), int(n_correct), names)

    async def user_streaks(
        self, platform: str, space_id: str, course_id: str, user_id: str, now: datetime
    ) -> tuple[int, int]:
        return await self.db.run(self._user_streaks, platform, space_id, course_id, user_id, now)

    def _user_streaks(
        self, platform: str, space_id: str, course_id: str, user_id: str, now: datetime
    ) -> tuple[int, int]:
        mine = and_(
            answers.c.platform == platform,
            answers.c.space_id == space_id,
            answers.c.course_id == course_id,
            answers.c.user_id == user_id,
        )
        with self.db.read() as conn:
            best = conn.execute(
                select(func.coalesce(func.max(answers.c.streak), 0)).where(mine)
            ).scalar_one()
            channels = (
                conn.execute(
                    select(quizzes.c.channel_id)
                    .join(answers, answers.c.quiz_id == quizzes.c.id)
                    .where(mine, answers.c.streak > 0)
                    .distinct()
                )
                .scalars()
                .all()
            )
            current = 0
            for channel in channels:
                place = Place(platform, space_id, channel)
                current = max(current, self._current(conn, place, course_id, user_id, now))
        return current, int(best)

    @staticmethod
    def _current(conn: Connection, place: Place, course_id: str, user_id: str, now: datetime) -> int:
        latest = conn.execute(
            select(quizzes)
            .where(_channel(place, course_id), quizzes.c.scheduled.is_(True))
            .order_by(quizzes.c.posted_at.desc())
            .limit(2)
        ).all()
        if not latest:
            return 0
        given = {
            row.quiz_id: row
            for row in conn.execute(
                select(answers.c.quiz_id, answers.c.streak, answers.c.graded_at).where(
                    answers.c.quiz_id.in_([q.id for q in latest]),
                    answers.c.platform == place.platform,
                    answers.c.user_id == user_id,
                )
            )
        }
        newest = _quiz(latest[0])
        mine = given.get(newest.id)
        if mine is not None and mine.graded_at is not None:
            return int(mine.streak)
        if newest.is_open(now) and len(latest) > 1:  # still time to answer: the streak is not broken yet
            before = given.get(latest[1].id)
            return int(before.streak) if before is not None else 0
        return 0
