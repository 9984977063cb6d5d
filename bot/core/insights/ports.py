"""What insight needs from storage (figures computed by the database) and from a chart renderer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.core.insights.report import InsightsReport

ChartRenderer = Callable[[InsightsReport], bytes]  # blocking: run in a worker thread


@dataclass(frozen=True)
class Scope:
    """Whose figures: one space's course (``space_id`` None: every space of the platform, or of every
    platform when ``platform`` is None too: the command line's view); ``since`` None: all time."""

    platform: str | None
    space_id: str | None
    course_id: str
    since: datetime | None


@dataclass(frozen=True)
class QuestionFigures:
    question_id: str
    answers: int
    correct: int
    partial: int
    students: int


@dataclass(frozen=True)
class Figures:
    """What the database counts for a report."""

    students: int
    answers: int
    per_question: list[QuestionFigures]
    per_day: list[tuple[date, int]]  # UTC days
    disputes_opened: int
    disputes_accepted: int
    disputes_rejected: int
    asks: int
    declined_asks: int


@dataclass(frozen=True)
class AskRecord:
    """One ``/ask``: never who asked; ``query``/``vector`` only for declined asks, and only if kept."""

    platform: str
    space_id: str
    course_id: str
    asked_at: datetime
    declined: bool
    query: str | None
    vector: bytes | None


class InsightsRepository(Protocol):
    async def record_asks(self, records: Sequence[AskRecord]) -> None:
        """Store many asks in one transaction."""

    async def forget_asks(self, before: datetime) -> int:
        """Drop the text and vector of declined asks older than ``before`` (the counts stay)."""

    async def figures(self, scope: Scope) -> Figures: ...

    async def declined(self, scope: Scope, limit: int) -> list[tuple[str, bytes]]:
        """The most recent declined asks with their vectors (float16), newest first."""
