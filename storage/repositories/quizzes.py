"""Quizzes: one row per posted question; a post is claimed (one per channel and slot) before it is sent."""


from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import func, select, update

from bot.core.quiz.model import (
    NewQuiz,
    Quiz,
)
from bot.core.types import Place
from storage.db import Database
from storage.models import (
    quizzes,
)
from storage.repositories._common import (
    _channel,
    _insert,
    _quiz,
    each,
    first,
)


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
            "course_id": quiz.course_id,
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
            course_id=quiz.course_id,
            question_id=quiz.question_id,
            posted_at=quiz.posted_at,
            closes_at=quiz.closes_at,
            scheduled=quiz.scheduled,
            slot_date=quiz.slot_date,
            slot=quiz.slot,
        )

    async def set_message_id(self, quiz_id: str, message_id: str) -> None:
        await self.db.change(update(quizzes).where(quizzes.c.id == quiz_id).values(message_id=message_id))

    async def get(self, quiz_id: str) -> Quiz | None:
        return await self.db.query(select(quizzes).where(quizzes.c.id == quiz_id), first(_quiz))

    async def latest_in_channel(self, place: Place, course_id: str) -> Quiz | None:
        stmt = select(quizzes).where(_channel(place, course_id)).order_by(quizzes.c.posted_at.desc()).limit(1)
        return await self.db.query(stmt, first(_quiz))

    async def open_in_channel(self, place: Place) -> list[Quiz]:
        stmt = (
            select(quizzes)
            .where(_channel(place), quizzes.c.closed_at.is_(None))
            .order_by(quizzes.c.posted_at.desc())
        )
        return await self.db.query(stmt, each(_quiz))

    async def due_to_close(self, now: datetime, platforms: Collection[str]) -> list[Quiz]:
        if not platforms:
            return []
        stmt = (
            select(quizzes)
            .where(
                quizzes.c.closed_at.is_(None),
                quizzes.c.closes_at <= now,
                quizzes.c.platform.in_(list(platforms)),
            )
            .order_by(quizzes.c.closes_at)
        )
        return await self.db.query(stmt, each(_quiz))

    async def close(self, quiz_id: str, now: datetime) -> bool:
        stmt = (
            update(quizzes)
            .where(quizzes.c.id == quiz_id, quizzes.c.closed_at.is_(None))
            .values(closed_at=now)
        )
        return await self.db.change(stmt, lambda result: result.rowcount == 1)

    async def times_asked(self, place: Place, course_id: str) -> dict[str, int]:
        stmt = (
            select(quizzes.c.question_id, func.count())
            .where(_channel(place, course_id))
            .group_by(quizzes.c.question_id)
        )
        return await self.db.query(stmt, lambda result: {question: int(n) for question, n in result})

    async def slot_taken(self, place: Place, slot_date: date, slot: str) -> bool:
        stmt = select(quizzes.c.id).where(
            _channel(place), quizzes.c.slot_date == slot_date, quizzes.c.slot == slot
        )
        return await self.db.query(stmt, lambda result: result.first() is not None)

    async def latest_scheduled(self, place: Place, course_id: str, limit: int = 2) -> list[Quiz]:
        stmt = (
            select(quizzes)
            .where(_channel(place, course_id), quizzes.c.scheduled.is_(True))
            .order_by(quizzes.c.posted_at.desc())
            .limit(limit)
        )
        return await self.db.query(stmt, each(_quiz))
