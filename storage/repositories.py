"""SQLAlchemy implementations of the core's repository Protocols (``bot.core.quiz.ports``).

Each public method is a coroutine that runs one short transaction in the database's thread pool.
Concurrency is settled by the database, not by the process: a unique constraint with
``ON CONFLICT DO NOTHING`` records one answer per user per quiz and claims one post per slot; grades and
leaderboard totals are written in the same transaction, with rows locked in a fixed order.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.grade import Verdict
from bot.core.quiz.model import (
    AnswerRecord,
    GradedResult,
    GradeToSave,
    Leaderboard,
    LeaderboardRow,
    NewQuiz,
    Period,
    PracticeCard,
    PracticeReview,
    Quiz,
    QuizSummary,
    RecordOutcome,
    RecordResult,
    Schedule,
    Totals,
)
from bot.core.quiz.schedule import DAY_NAMES, ScheduleRule
from bot.core.types import Place, User
from storage.db import Database, GroupCommit
from storage.models import (
    UtcDateTime,
    answers,
    practice_cards,
    practice_reviews,
    quizzes,
    schedules,
    score_totals,
    spaces,
)


def _insert(db: Database, table: Table) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT``."""
    return (postgresql.insert if db.dialect == "postgresql" else sqlite.insert)(table)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _quiz(row: Row) -> Quiz:
    return Quiz(
        id=row.id,
        place=Place(row.platform, row.space_id, row.channel_id),
        question_id=row.question_id,
        posted_at=row.posted_at,
        closes_at=row.closes_at,
        scheduled=bool(row.scheduled),
        slot_date=row.slot_date,
        slot=row.slot,
        closed_at=row.closed_at,
        message_id=row.message_id,
    )


def _answer(row: Row) -> AnswerRecord:
    result = None
    if row.graded_at is not None:
        result = GradedResult(
            verdict=Verdict(row.verdict),
            score=int(row.score),
            covered=tuple(json.loads(row.covered or "[]")),
            missed=tuple(json.loads(row.missed or "[]")),
            feedback=row.feedback or "",
            points=int(row.points or 0),
            bonus=int(row.bonus or 0),
            streak=int(row.streak or 0),
        )
    return AnswerRecord(
        id=int(row.id),
        quiz_id=row.quiz_id,
        platform=row.platform,
        space_id=row.space_id,
        user_id=row.user_id,
        display_name=row.display_name,
        text=row.answer,
        submitted_at=row.submitted_at,
        result=result,
    )


def _at(table: Any, place: Place) -> Any:
    """Rows of ``table`` in ``place``'s channel (every table keys channels the same way)."""
    return and_(
        table.c.platform == place.platform,
        table.c.space_id == place.space_id,
        table.c.channel_id == place.channel_id,
    )


def _channel(place: Place) -> Any:
    return _at(quizzes, place)


class SqlQuizRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, quiz: NewQuiz) -> Quiz | None:
        return await self.db.run(self._claim, quiz)

    def _claim(self, quiz: NewQuiz) -> Quiz | None:
        values = {
            "id": quiz.id,
            "platform": quiz.place.platform,
            "space_id": quiz.place.space_id,
            "channel_id": quiz.place.channel_id,
            "question_id": quiz.question_id,
            "scheduled": quiz.scheduled,
            "slot_date": quiz.slot_date,
            "slot": quiz.slot,
            "posted_at": quiz.posted_at,
            "closes_at": quiz.closes_at,
        }
        stmt = _insert(self.db, quizzes).values(**values).on_conflict_do_nothing().returning(quizzes.c.id)
        with self.db.write() as conn:
            if conn.execute(stmt).first() is None:
                return None
        return Quiz(
            id=quiz.id,
            place=quiz.place,
            question_id=quiz.question_id,
            posted_at=quiz.posted_at,
            closes_at=quiz.closes_at,
            scheduled=quiz.scheduled,
            slot_date=quiz.slot_date,
            slot=quiz.slot,
        )

    async def set_message_id(self, quiz_id: str, message_id: str) -> None:
        def run() -> None:
            with self.db.write() as conn:
                conn.execute(update(quizzes).where(quizzes.c.id == quiz_id).values(message_id=message_id))

        await self.db.run(run)

    async def get(self, quiz_id: str) -> Quiz | None:
        def run() -> Quiz | None:
            with self.db.read() as conn:
                row = conn.execute(select(quizzes).where(quizzes.c.id == quiz_id)).first()
            return _quiz(row) if row else None

        return await self.db.run(run)

    async def latest_in_channel(self, place: Place) -> Quiz | None:
        def run() -> Quiz | None:
            stmt = select(quizzes).where(_channel(place)).order_by(quizzes.c.posted_at.desc()).limit(1)
            with self.db.read() as conn:
                row = conn.execute(stmt).first()
            return _quiz(row) if row else None

        return await self.db.run(run)

    async def open_in_channel(self, place: Place) -> list[Quiz]:
        def run() -> list[Quiz]:
            stmt = (
                select(quizzes)
                .where(_channel(place), quizzes.c.closed_at.is_(None))
                .order_by(quizzes.c.posted_at.desc())
            )
            with self.db.read() as conn:
                return [_quiz(row) for row in conn.execute(stmt)]

        return await self.db.run(run)

    async def due_to_close(self, now: datetime, platforms: Collection[str]) -> list[Quiz]:
        def run() -> list[Quiz]:
            stmt = (
                select(quizzes)
                .where(
                    quizzes.c.closed_at.is_(None),
                    quizzes.c.closes_at <= now,
                    quizzes.c.platform.in_(list(platforms)),
                )
                .order_by(quizzes.c.closes_at)
            )
            with self.db.read() as conn:
                return [_quiz(row) for row in conn.execute(stmt)]

        return await self.db.run(run) if platforms else []

    async def close(self, quiz_id: str, now: datetime) -> bool:
        def run() -> bool:
            stmt = (
                update(quizzes)
                .where(quizzes.c.id == quiz_id, quizzes.c.closed_at.is_(None))
                .values(closed_at=now)
            )
            with self.db.write() as conn:
                return conn.execute(stmt).rowcount == 1

        return await self.db.run(run)

    async def times_asked(self, place: Place) -> dict[str, int]:
        def run() -> dict[str, int]:
            stmt = (
                select(quizzes.c.question_id, func.count())
                .where(_channel(place))
                .group_by(quizzes.c.question_id)
            )
            with self.db.read() as conn:
                return {question: int(count) for question, count in conn.execute(stmt)}

        return await self.db.run(run)

    async def slot_taken(self, place: Place, slot_date: date, slot: str) -> bool:
        def run() -> bool:
            stmt = select(quizzes.c.id).where(
                _channel(place), quizzes.c.slot_date == slot_date, quizzes.c.slot == slot
            )
            with self.db.read() as conn:
                return conn.execute(stmt).first() is not None

        return await self.db.run(run)

    async def latest_scheduled(self, place: Place, limit: int = 2) -> list[Quiz]:
        def run() -> list[Quiz]:
            stmt = (
                select(quizzes)
                .where(_channel(place), quizzes.c.scheduled.is_(True))
                .order_by(quizzes.c.posted_at.desc())
                .limit(limit)
            )
            with self.db.read() as conn:
                return [_quiz(row) for row in conn.execute(stmt)]

        return await self.db.run(run)


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
                stmt = (
                    _insert(self.db, answers)
                    .values([items[n].values() for n in first_of.values()])
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
        def run() -> AnswerRecord | None:
            with self.db.read() as conn:
                row = conn.execute(select(answers).where(answers.c.id == answer_id)).first()
            return _answer(row) if row else None

        return await self.db.run(run)

    async def find(self, quiz_id: str, platform: str, user_id: str) -> AnswerRecord | None:
        def run() -> AnswerRecord | None:
            with self.db.read() as conn:
                return self._find(conn, quiz_id, platform, user_id)

        return await self.db.run(run)

    async def ungraded(self, quiz_id: str | None = None, limit: int = 1000) -> list[AnswerRecord]:
        def run() -> list[AnswerRecord]:
            stmt = select(answers).where(answers.c.graded_at.is_(None))
            if quiz_id is not None:
                stmt = stmt.where(answers.c.quiz_id == quiz_id)
            with self.db.read() as conn:
                return [_answer(row) for row in conn.execute(stmt.order_by(answers.c.id).limit(limit))]

        return await self.db.run(run)

    async def previous_streaks(self, quiz: Quiz) -> dict[str, int]:
        def run() -> dict[str, int]:
            previous = (
                select(quizzes.c.id)
                .where(
                    _channel(quiz.place), quizzes.c.scheduled.is_(True), quizzes.c.posted_at < quiz.posted_at
                )
                .order_by(quizzes.c.posted_at.desc())
                .limit(1)
                .scalar_subquery()
            )
            stmt = select(answers.c.user_id, answers.c.streak).where(
                answers.c.quiz_id == previous, answers.c.verdict == Verdict.CORRECT.value
            )
            with self.db.read() as conn:
                return {user: int(streak) for user, streak in conn.execute(stmt)}

        return await self.db.run(run)

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
                        answers.c.user_id,
                        answers.c.display_name,
                    )
                    .where(answers.c.id.in_(ids), answers.c.graded_at.is_(None))
                    .order_by(answers.c.id)
                    .with_for_update()
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
                        "b_graded_at": now,
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
                self._add_to_totals(conn, [g for g in todo if g.answer_id in seen], fresh)
            rows = conn.execute(select(answers).where(answers.c.id.in_(ids))).all()
        return [_answer(row) for row in rows]

    def _add_to_totals(self, conn: Connection, grades: list[GradeToSave], fresh: dict[int, Row]) -> None:
        totals: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
        for g in grades:
            row = fresh[g.answer_id]
            for period, key in g.period_keys.items():
                pk = (row.platform, row.space_id, period.value, key, row.user_id)
                entry = totals.setdefault(
                    pk,
                    {
                        "platform": row.platform,
                        "space_id": row.space_id,
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
            index_elements=["platform", "space_id", "period", "period_key", "user_id"],
            set_={
                "points": score_totals.c.points + ins.excluded.points,
                "answers": score_totals.c.answers + ins.excluded.answers,
                "correct": score_totals.c.correct + ins.excluded.correct,
                "display_name": ins.excluded.display_name,
            },
        )
        conn.execute(stmt, [totals[pk] for pk in sorted(totals)])  # fixed order: no deadlocks

    async def summary(self, quiz_id: str) -> QuizSummary:
        def run() -> QuizSummary:
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

        return await self.db.run(run)

    async def user_streaks(
        self, platform: str, space_id: str, user_id: str, now: datetime
    ) -> tuple[int, int]:
        def run() -> tuple[int, int]:
            mine = and_(
                answers.c.platform == platform, answers.c.space_id == space_id, answers.c.user_id == user_id
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
                    current = max(
                        current, self._current(conn, Place(platform, space_id, channel), user_id, now)
                    )
            return current, int(best)

        return await self.db.run(run)

    @staticmethod
    def _current(conn: Connection, place: Place, user_id: str, now: datetime) -> int:
        latest = conn.execute(
            select(quizzes)
            .where(_channel(place), quizzes.c.scheduled.is_(True))
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


class SqlScoreRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def leaderboard(
        self, platform: str, space_id: str, period: Period, key: str, user_id: str, limit: int = 10
    ) -> Leaderboard:
        return await self.db.run(self._leaderboard, platform, space_id, period, key, user_id, limit)

    def _leaderboard(
        self, platform: str, space_id: str, period: Period, key: str, user_id: str, limit: int
    ) -> Leaderboard:
        t = score_totals.c
        bucket = and_(
            t.platform == platform, t.space_id == space_id, t.period == period.value, t.period_key == key
        )
        mine = select(t.points).where(bucket, t.user_id == user_id).scalar_subquery()
        figures = select(  # one round trip: players, my points and name, and how many are ahead of me
            select(func.count()).where(bucket).scalar_subquery().label("players"),
            mine.label("points"),
            select(t.display_name).where(bucket, t.user_id == user_id).scalar_subquery().label("name"),
            select(func.count()).where(bucket, t.points > mine).scalar_subquery().label("ahead"),
        )
        with self.db.read() as conn:
            top = conn.execute(
                select(t.user_id, t.display_name, t.points)
                .where(bucket)
                .order_by(t.points.desc(), t.user_id)
                .limit(limit)
            ).all()
            players, my_points, my_name, ahead = conn.execute(figures).one()
        rows: list[LeaderboardRow] = []
        for index, row in enumerate(top):
            rank = rows[-1].rank if rows and rows[-1].points == row.points else index + 1
            rows.append(LeaderboardRow(rank, row.user_id, row.display_name, int(row.points)))
        me = None
        if my_points is not None:
            me = LeaderboardRow(1 + int(ahead), user_id, my_name, int(my_points))
        return Leaderboard(period, key, tuple(rows), me, int(players))

    async def totals(self, platform: str, space_id: str, user_id: str) -> Totals:
        def run() -> Totals:
            t = score_totals.c
            bucket = and_(
                t.platform == platform,
                t.space_id == space_id,
                t.period == Period.ALL.value,
                t.period_key == "all",
            )
            with self.db.read() as conn:
                mine = conn.execute(
                    select(t.points, t.answers, t.correct).where(bucket, t.user_id == user_id)
                ).first()
                players = conn.execute(select(func.count()).where(bucket)).scalar_one()
                if mine is None:
                    return Totals(players=int(players))
                above = conn.execute(select(func.count()).where(bucket, t.points > mine.points)).scalar_one()
            return Totals(
                int(mine.points), int(mine.answers), int(mine.correct), 1 + int(above), int(players)
            )

        return await self.db.run(run)


def _days_text(days: frozenset[int]) -> str:
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def _schedule(row: Row) -> Schedule:
    rule = ScheduleRule(
        at=time.fromisoformat(row.time_of_day),
        days=frozenset(DAY_NAMES.index(d) for d in row.days.split(",") if d),
        timezone=row.timezone,
    )
    return Schedule(
        place=Place(row.platform, row.space_id, row.channel_id),
        rule=rule,
        answer_window=timedelta(minutes=row.answer_window_minutes),
        paused=bool(row.paused),
        updated_at=row.updated_at,
    )


def _schedule_key(place: Place) -> Any:
    return _at(schedules, place)


class SqlScheduleRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, schedule: Schedule, now: datetime) -> Schedule:
        def run() -> Schedule:
            values = {
                "platform": schedule.place.platform,
                "space_id": schedule.place.space_id,
                "channel_id": schedule.place.channel_id,
                "time_of_day": schedule.rule.slot,
                "days": _days_text(schedule.rule.days),
                "timezone": schedule.rule.timezone,
                "answer_window_minutes": max(1, int(schedule.answer_window.total_seconds() // 60)),
                "paused": schedule.paused,
                "created_at": now,
                "updated_at": now,
            }
            ins = _insert(self.db, schedules).values(**values)
            stmt = ins.on_conflict_do_update(
                index_elements=["platform", "space_id", "channel_id"],
                set_={
                    k: ins.excluded[k]
                    for k in values
                    if k not in ("platform", "space_id", "channel_id", "created_at")
                },
            )
            with self.db.write() as conn:
                conn.execute(stmt)
                return _schedule(conn.execute(select(schedules).where(_schedule_key(schedule.place))).one())

        return await self.db.run(run)

    async def get(self, place: Place) -> Schedule | None:
        def run() -> Schedule | None:
            with self.db.read() as conn:
                row = conn.execute(select(schedules).where(_schedule_key(place))).first()
            return _schedule(row) if row else None

        return await self.db.run(run)

    async def set_paused(self, place: Place, paused: bool, now: datetime) -> Schedule | None:
        def run() -> Schedule | None:
            with self.db.write() as conn:
                conn.execute(
                    update(schedules).where(_schedule_key(place)).values(paused=paused, updated_at=now)
                )
                row = conn.execute(select(schedules).where(_schedule_key(place))).first()
            return _schedule(row) if row else None

        return await self.db.run(run)

    async def delete(self, place: Place) -> bool:
        def run() -> bool:
            with self.db.write() as conn:
                return conn.execute(delete(schedules).where(_schedule_key(place))).rowcount > 0

        return await self.db.run(run)

    async def in_space(self, platform: str, space_id: str) -> list[Schedule]:
        def run() -> list[Schedule]:
            stmt = select(schedules).where(schedules.c.platform == platform, schedules.c.space_id == space_id)
            with self.db.read() as conn:
                return [_schedule(row) for row in conn.execute(stmt.order_by(schedules.c.channel_id))]

        return await self.db.run(run)

    async def for_platforms(self, platforms: Collection[str]) -> list[Schedule]:
        def run() -> list[Schedule]:
            stmt = select(schedules).where(schedules.c.platform.in_(list(platforms)))
            with self.db.read() as conn:
                return [_schedule(row) for row in conn.execute(stmt)]

        return await self.db.run(run) if platforms else []


class SqlSpaceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def timezone(self, platform: str, space_id: str) -> str | None:
        def run() -> str | None:
            stmt = select(spaces.c.timezone).where(
                spaces.c.platform == platform, spaces.c.space_id == space_id
            )
            with self.db.read() as conn:
                return conn.execute(stmt).scalar_one_or_none()

        return await self.db.run(run)

    async def set_timezone(self, platform: str, space_id: str, timezone: str, now: datetime) -> None:
        def run() -> None:
            ins = _insert(self.db, spaces).values(
                platform=platform, space_id=space_id, timezone=timezone, updated_at=now
            )
            stmt = ins.on_conflict_do_update(
                index_elements=["platform", "space_id"],
                set_={"timezone": ins.excluded.timezone, "updated_at": ins.excluded.updated_at},
            )
            with self.db.write() as conn:
                conn.execute(stmt)

        await self.db.run(run)


class SqlPracticeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def cards(self, platform: str, space_id: str, user_id: str) -> list[PracticeCard]:
        def run() -> list[PracticeCard]:
            c = practice_cards.c
            stmt = select(practice_cards).where(
                c.platform == platform, c.space_id == space_id, c.user_id == user_id
            )
            with self.db.read() as conn:
                return [
                    PracticeCard(
                        r.platform, r.space_id, r.user_id, r.question_id, r.due, r.state, int(r.reviews)
                    )
                    for r in conn.execute(stmt)
                ]

        return await self.db.run(run)

    async def save_review(self, card: PracticeCard, review: PracticeReview) -> None:
        def run() -> None:
            values = {
                "platform": card.platform,
                "space_id": card.space_id,
                "user_id": card.user_id,
                "question_id": card.question_id,
                "due": card.due,
                "state": card.state,
                "reviews": card.reviews,
            }
            ins = _insert(self.db, practice_cards).values(**values)
            upsert = ins.on_conflict_do_update(
                index_elements=["platform", "space_id", "user_id", "question_id"],
                set_={"due": ins.excluded.due, "state": ins.excluded.state, "reviews": ins.excluded.reviews},
            )
            log = practice_reviews.insert().values(
                platform=review.platform,
                space_id=review.space_id,
                user_id=review.user_id,
                question_id=review.question_id,
                rating=review.rating,
                verdict=review.verdict.value,
                score=review.score,
                reviewed_at=review.reviewed_at,
                log=review.log,
            )
            with self.db.write() as conn:
                conn.execute(upsert)
                conn.execute(log)

        await self.db.run(run)


@dataclass(frozen=True)
class Repositories:
    quizzes: SqlQuizRepository
    answers: SqlAnswerRepository
    scores: SqlScoreRepository
    schedules: SqlScheduleRepository
    spaces: SqlSpaceRepository
    practice: SqlPracticeRepository

    async def aclose(self) -> None:
        """Stop the background writer (answers are group-committed)."""
        await self.answers.recorder.aclose()

    @classmethod
    def build(cls, db: Database) -> Repositories:
        return cls(
            quizzes=SqlQuizRepository(db),
            answers=SqlAnswerRepository(db),
            scores=SqlScoreRepository(db),
            schedules=SqlScheduleRepository(db),
            spaces=SqlSpaceRepository(db),
            practice=SqlPracticeRepository(db),
        )
