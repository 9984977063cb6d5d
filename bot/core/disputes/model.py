"""Value types of disputes and their decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.grade import Verdict
from bot.core.quiz.model import Period


class AnswerKind(StrEnum):
    QUIZ = "quiz"
    PRACTICE = "practice"


class DisputeStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class GradedAnswer:
    """A graded quiz or practice answer, as a dispute sees it."""

    kind: AnswerKind
    answer_id: int
    platform: str
    space_id: str
    course_id: str
    channel_id: str
    user_id: str
    display_name: str
    question_id: str
    text: str
    verdict: Verdict
    score: int
    feedback: str
    points: int
    graded_at: datetime
    submitted_at: datetime | None = None



@dataclass(frozen=True)
class Dispute:
    id: int
    answer: GradedAnswer
    reason: str
    opened_by: str  # "student" | "grader"
    opened_at: datetime
    status: DisputeStatus
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Correction:
    """A quiz answer's grade after a decision (the disputed one, or a later one whose streak changed);
    the store applies the deltas to the leaderboard totals of ``period_keys``."""

    answer_id: int
    verdict: Verdict
    points: int
    bonus: int
    streak: int
    points_delta: int
    correct_delta: int
    period_keys: dict[Period, str]
    feedback: str | None = None  # the disputed answer's, with the staff's note


Grading = tuple[Verdict, int, int]  # an answer's (verdict, points, streak)


@dataclass(frozen=True)
class Decision:
    dispute_id: int
    decided_by: str
    decided_at: datetime
    status: DisputeStatus
    verdict_before: Verdict
    verdict_after: Verdict
    points_before: int
    points_after: int
    note: str


@dataclass(frozen=True)
class StreakEntry:
    """One scheduled quiz of the channel and course, with the student's answer to it (if any)."""

    answer_id: int | None
    verdict: Verdict | None
    points: int
    bonus: int
    streak: int
    submitted_at: datetime | None


@dataclass(frozen=True)
class DisputeCounts:
    open: int = 0
    accepted: int = 0
    rejected: int = 0
