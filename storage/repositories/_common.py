"""Helpers every repository module shares: the dialect's INSERT, row -> model, the channel filter."""


from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Result, Row, Table, and_
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.grade import Verdict
from bot.core.quiz.model import (
    AnswerRecord,
    GradedResult,
    Quiz,
)
from bot.core.types import Place
from storage.db import Database
from storage.models import (
    quizzes,
)

T = TypeVar("T")

def _insert(db: Database, table: Table) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT``."""
    return (postgresql.insert if db.dialect == "postgresql" else sqlite.insert)(table)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _quiz(row: Row) -> Quiz:
    return Quiz(
        id=row.id,
        place=Place(row.platform, row.space_id, row.channel_id),
        course_id=row.course_id,
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
        graded_at=row.graded_at,
    )


def _at(table: Any, place: Place) -> Any:
    """Rows of ``table`` in ``place``'s channel (every table keys channels the same way)."""
    return and_(
        table.c.platform == place.platform,
        table.c.space_id == place.space_id,
        table.c.channel_id == place.channel_id,
    )


def _channel(place: Place, course_id: str | None = None) -> Any:
    """The channel's quizzes (of one course, when given)."""
    where = _at(quizzes, place)
    return where if course_id is None else and_(where, quizzes.c.course_id == course_id)


def first(convert: Callable[[Row], T]) -> Callable[[Result], T | None]:
    """For ``Database.query``: the first row converted, or None."""

    def read(result: Result) -> T | None:
        row = result.first()
        return convert(row) if row is not None else None

    return read


def each(convert: Callable[[Row], T]) -> Callable[[Result], list[T]]:
    """For ``Database.query``: every row converted."""
    return lambda result: [convert(row) for row in result]
