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
        await self.db.run(self._set_message_id, quiz_id, message_id)

    def _set_message_id(self, quiz_id: str, message_id: str) -> None:
        with self.db.write() as conn:
            conn.execute(update(quizzes).where(quizzes.c.id == quiz_id).values(message_id=message_id))

    async def get(self, quiz_id: str) -> Quiz | None:
        return await self.db.run(self._get, quiz_id)

    def _get(self, quiz_id: str) -> Quiz | None:
        with self.db.read() as conn:
            row = conn.execute(select(quizzes).where(quizzes.c.id == quiz_id)).first()
        return _quiz(row) if row else None

    async def latest_in_channel(self, place: Place) -> Quiz | None:
        return await self.db.run(self._latest_in_channel, place)

    def _latest_in_channel(self, place: Place) -> Quiz | None:
        stmt = select(quizzes).where(_channel(place)).order_by(quizzes.c.posted_at.desc()).limit(1)
        with self.db.read() as conn:
            row = conn.execute(stmt).first()
        return _quiz(row) if row else None

    async def open_in_channel(self, place: Place) -> list[Quiz]:
        return await self.db.run(self._open_in_channel, place)

    def _open_in_channel(self, place: Place) -> list[Quiz]:
        stmt = (
            select(quizzes)
            .where(_channel(place), quizzes.c.closed_at.is_(None))
            .order_by(quizzes.c.posted_at.desc())
        )
        with self.db.read() as conn:
            return [_quiz(row) for row in conn.execute(stmt)]

    async def due_to_close(self, now: datetime, platforms: Collection[str]) -> list[Quiz]:
        return await self.db.run(self._due_to_close, now, platforms) if platforms else []

    def _due_to_close(self, now: datetime, platforms: Collection[str]) -> list[Quiz]:
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

    async def close(self, quiz_id: str, now: datetime) -> bool:
        return await self.db.run(self._close, quiz_id, now)

    def _close(self, quiz_id: str, now: datetime) -> bool:
        stmt = (
            update(quizzes)
            .where(quizzes.c.id == quiz_id, quizzes.c.closed_at.is_(None))
            .values(closed_at=now)
        )
        with self.db.write() as conn:
            return conn.execute(stmt).rowcount == 1

    async def times_asked(self, place: Place) -> dict[str, int]:
        return await self.db.run(self._times_asked, place)

    def _times_asked(self, place: Place) -> dict[str, int]:
        stmt = (
            select(quizzes.c.question_id, func.count())
            .where(_channel(place))
            .group_by(quizzes.c.question_id)
        )
        with self.db.read() as conn:
            return {question: int(count) for question, count in conn.execute(stmt)}

    async def slot_taken(self, place: Place, slot_date: date, slot: str) -> bool:
        return await self.db.run(self._slot_taken, place, slot_date, slot)

    def _slot_taken(self, place: Place, slot_date: date, slot: str) -> bool:
        stmt = select(quizzes.c.id).where(
            _channel(place), quizzes.c.slot_date == slot_date, quizzes.c.slot == slot
        )
        with self.db.read() as conn:
            return conn.execute(stmt).first() is not None

    async def latest_scheduled(self, place: Place, limit: int = 2) -> list[Quiz]:
        return await self.db.run(self._latest_scheduled, place, limit)

    def _latest_scheduled(self, place: Place, limit: int = 2) -> list[Quiz]:
        stmt = (
            select(quizzes)
            .where(_channel(place), quizzes.c.scheduled.is_(True))
            .order_by(quizzes.c.posted_at.desc())
            .limit(limit)
        )
        with self.db.read() as conn:
            return [_quiz(row) for row in conn.execute(stmt)]
