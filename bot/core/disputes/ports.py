"""What disputes need from storage."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal, Protocol

from bot.core.disputes.model import (
    AnswerKind,
    Correction,
    Decision,
    Dispute,
    DisputeCounts,
    GradedAnswer,
    Grading,
    StreakEntry,
)
from bot.core.grade import Verdict

DecideOutcome = Literal["decided", "taken", "stale"]


class DisputeRepository(Protocol):
    async def graded_answer(self, kind: AnswerKind, answer_id: int) -> GradedAnswer | None: ...

    async def awaiting_grade(self, kind: AnswerKind, answer_id: int) -> bool:
        """The answer exists but is not graded yet (so there is nothing to dispute yet)."""

    async def latest_graded(self, platform: str, space_id: str, user_id: str) -> GradedAnswer | None:
        """The student's most recently graded quiz or practice answer in the space."""

    async def open(self, answer: GradedAnswer, reason: str, opened_by: str, now: datetime) -> Dispute | None:
        """``None`` when the answer has a dispute already (one per answer)."""

    async def get(self, dispute_id: int) -> Dispute | None: ...

    async def queue(self, platform: str, space_id: str, limit: int) -> tuple[list[Dispute], int]:
        """The oldest open disputes of the space, and how many are open in all."""

    async def counts(self, platform: str, space_id: str, user_id: str) -> DisputeCounts: ...

    async def streak_chain(self, answer_id: int) -> list[StreakEntry]:
        """The scheduled quizzes of the answer's channel and course, oldest first, each with the
        student's answer; empty when the answer's quiz was not scheduled."""

    async def decide(
        self,
        decision: Decision,
        corrections: list[Correction],
        practice_verdict: Verdict | None = None,
        read: Mapping[int, Grading] | None = None,
    ) -> DecideOutcome:
        """Record the decision and apply the corrections in one transaction. Nothing is done when the
        dispute was decided already (``"taken"``) or an answer of ``read`` (answer id -> the grade the
        corrections were worked out from) no longer has that grade (``"stale"``: work them out again)."""
