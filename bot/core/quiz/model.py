"""Value types of quizzes, answers, scores, schedules and practice cards (frozen dataclasses).

Every datetime here is timezone-aware UTC; local times exist only inside schedule rules and replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.core.grade import Grade, Verdict
from bot.core.quiz.schedule import ScheduleRule
from bot.core.types import Place


class Period(StrEnum):
    """Leaderboard periods; week and month boundaries are in the space's timezone (weeks start Monday)."""

    WEEK = "week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True)
class NewQuiz:
    """A quiz about to be claimed. ``slot_date``/``slot`` are set for scheduled posts only: the unique
    row (channel, local date, slot) is the claim that makes a scheduled post happen once."""

    id: str
    place: Place
    course_id: str
    question_id: str
    posted_at: datetime
    closes_at: datetime
    scheduled: bool = False
    slot_date: date | None = None
    slot: str | None = None


@dataclass(frozen=True)
class Quiz:
    id: str
    place: Place
    course_id: str
    question_id: str
    posted_at: datetime
    closes_at: datetime
    scheduled: bool
    slot_date: date | None
    slot: str | None
    closed_at: datetime | None = None
    message_id: str | None = None

    def is_open(self, now: datetime) -> bool:
        return self.closed_at is None and now < self.closes_at


@dataclass(frozen=True)
class GradedResult:
    """A grade as stored with the answer, plus what it earned."""

    verdict: Verdict
    score: int
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    feedback: str
    points: int  # base points + bonus
    bonus: int  # streak bonus included in ``points``
    streak: int  # consecutive correct scheduled quizzes in the channel, this one included (0 if not)


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    quiz_id: str
    platform: str
    space_id: str
    user_id: str
    display_name: str
    text: str
    submitted_at: datetime
    result: GradedResult | None = None  # None until graded
    graded_at: datetime | None = None


class RecordOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY_ANSWERED = "already_answered"
    CLOSED = "closed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class RecordResult:
    outcome: RecordOutcome
    quiz: Quiz | None = None
    answer: AnswerRecord | None = None  # the new answer, or the first one when already answered


@dataclass(frozen=True)
class GradeToSave:
    """What the grading worker writes for one answer; ``period_keys`` name the leaderboard buckets."""

    answer_id: int
    grade: Grade
    points: int
    bonus: int
    streak: int
    period_keys: dict[Period, str]
    graded_at: datetime | None = None  # the worker's clock; None: the store's


@dataclass(frozen=True)
class QuizSummary:
    answered: int
    graded: int
    correct: int
    first_correct: tuple[str, ...]  # display names, earliest first (at most three)


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_id: str
    display_name: str
    points: int


@dataclass(frozen=True)
class Leaderboard:
    period: Period
    period_key: str
    rows: tuple[LeaderboardRow, ...]
    me: LeaderboardRow | None
    players: int


@dataclass(frozen=True)
class Totals:
    """A user's all-time totals in a space and course."""

    points: int = 0
    answers: int = 0
    correct: int = 0
    rank: int | None = None
    players: int = 0


@dataclass(frozen=True)
class Schedule:
    place: Place
    rule: ScheduleRule
    answer_window: timedelta
    paused: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class PracticeCard:
    """One student's spaced-repetition card for one question; ``state`` is the algorithm's own data."""

    platform: str
    space_id: str
    course_id: str
    user_id: str
    question_id: str
    due: datetime
    state: str
    reviews: int = 0


@dataclass(frozen=True)
class PracticeReview:
    platform: str
    space_id: str
    course_id: str
    user_id: str
    question_id: str
    rating: int
    verdict: Verdict
    score: int
    reviewed_at: datetime
    log: str  # the algorithm's review log, serialised
    answer: str = ""  # the student's answer, kept so the grade can be disputed
    feedback: str = ""
