"""What the quiz, leaderboard, schedule and practice features need from the outside (Protocols).

``storage`` implements the repositories with SQLAlchemy; ``bot.infra.practice_fsrs`` the review algorithm;
``bot.infra.scheduler`` the schedule listener. Every method of a repository is a coroutine: implementations
keep blocking database calls off the event loop.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.quiz.model import (
    AnswerRecord,
    GradeToSave,
    Leaderboard,
    NewQuiz,
    Period,
    PracticeCard,
    PracticeReview,
    Quiz,
    QuizSummary,
    RecordResult,
    Schedule,
    Totals,
)
from bot.core.types import Place, User


class QuizRepository(Protocol):
    async def claim(self, quiz: NewQuiz) -> Quiz | None:
        """Insert the quiz row before it is posted. ``None`` when its (channel, slot date, slot) is taken:
        another replica, or this one before a restart, already claimed that scheduled post."""

    async def set_message_id(self, quiz_id: str, message_id: str) -> None: ...

    async def get(self, quiz_id: str) -> Quiz | None: ...

    async def latest_in_channel(self, place: Place, course_id: str) -> Quiz | None:
        """The channel's most recently posted quiz of the course, open or closed."""

    async def open_in_channel(self, place: Place) -> list[Quiz]:
        """Quizzes of the channel not closed yet (of any course), newest first."""

    async def due_to_close(self, now: datetime, platforms: Collection[str]) -> list[Quiz]:
        """Open quizzes of these platforms whose answer window has ended."""

    async def close(self, quiz_id: str, now: datetime) -> bool:
        """Mark the quiz closed; ``True`` only for the one call that closed it (it reveals)."""

    async def times_asked(self, place: Place, course_id: str) -> dict[str, int]:
        """How often each question id of the course was posted in the channel."""

    async def slot_taken(self, place: Place, slot_date: date, slot: str) -> bool: ...

    async def latest_scheduled(self, place: Place, course_id: str, limit: int = 2) -> list[Quiz]:
        """The channel's most recent scheduled quizzes of the course, newest first."""


class AnswerRepository(Protocol):
    async def record(self, quiz_id: str, user: User, place: Place, text: str, now: datetime) -> RecordResult:
        """Record a first answer to an open quiz of the same platform and space (fast; no grading).
        Unique per (quiz, platform, user): a second answer returns the first as ``ALREADY_ANSWERED``."""

    async def get(self, answer_id: int) -> AnswerRecord | None: ...

    async def find(self, quiz_id: str, platform: str, user_id: str) -> AnswerRecord | None: ...

    async def ungraded(self, quiz_id: str | None = None, limit: int = 1000) -> list[AnswerRecord]:
        """Recorded answers without a grade (after a crash, or not yet reached), oldest first."""

    async def previous_streaks(self, quiz: Quiz) -> dict[str, int]:
        """user id -> streak stored with their correct answer to the channel's scheduled quiz of the same
        course before ``quiz`` (users who did not answer it correctly are absent)."""

    async def save_grades(self, grades: Sequence[GradeToSave]) -> list[AnswerRecord]:
        """Store grades and add their points to the leaderboard totals, in one transaction. Answers
        graded already (by another worker) keep their first grade; every answer is returned as stored."""

    async def summary(self, quiz_id: str) -> QuizSummary: ...

    async def user_streaks(
        self, platform: str, space_id: str, course_id: str, user_id: str, now: datetime
    ) -> tuple[int, int]:
        """(current, best) streak of the user in the space's course (current: the best over its channels)."""


class ScoreRepository(Protocol):
    async def leaderboard(
        self,
        platform: str,
        space_id: str,
        course_id: str,
        period: Period,
        key: str,
        user_id: str,
        limit: int = 10,
    ) -> Leaderboard: ...

    async def totals(self, platform: str, space_id: str, course_id: str, user_id: str) -> Totals:
        """All-time points, answers, correct answers and rank of the user in the space's course."""


class ScheduleRepository(Protocol):
    async def save(self, schedule: Schedule, now: datetime) -> Schedule: ...

    async def get(self, place: Place) -> Schedule | None: ...

    async def set_paused(self, place: Place, paused: bool, now: datetime) -> Schedule | None: ...

    async def delete(self, place: Place) -> bool: ...

    async def in_space(self, platform: str, space_id: str) -> list[Schedule]: ...

    async def for_platforms(self, platforms: Collection[str]) -> list[Schedule]: ...


class SpaceRepository(Protocol):
    async def timezone(self, platform: str, space_id: str) -> str | None: ...

    async def set_timezone(self, platform: str, space_id: str, timezone: str, now: datetime) -> None: ...


class PracticeRepository(Protocol):
    async def cards(self, platform: str, space_id: str, course_id: str, user_id: str) -> list[PracticeCard]: ...

    async def save_review(self, card: PracticeCard, review: PracticeReview) -> int:
        """Upsert the card and append the review log, in one transaction; returns the review's id."""


class ReviewAlgorithm(Protocol):
    """A spaced-repetition scheduler (FSRS in production). Card state is opaque to the core."""

    def new_card(self, now: datetime) -> tuple[str, datetime]:
        """(state, due) of a card never reviewed."""

    def review(self, state: str, rating: int, now: datetime) -> tuple[str, datetime, str]:
        """(new state, next due, review log) after a review rated 1 Again, 2 Hard, 3 Good, 4 Easy."""


class UndecidedListener(Protocol):
    """Told of answers the grader left to the course staff (verdict ``review``): they join the queue
    of disputes (``bot.core.disputes``)."""

    async def quiz_answer_undecided(self, answer: AnswerRecord, quiz: Quiz) -> None: ...

    async def practice_answer_undecided(
        self, review_id: int, review: PracticeReview, channel_id: str, display_name: str
    ) -> None: ...


class ScheduleListener(Protocol):
    """Told when an admin changes a channel's schedule, so the job scheduler follows at once."""

    async def schedule_changed(self, place: Place) -> None: ...
