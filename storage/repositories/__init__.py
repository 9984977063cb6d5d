"""SQLAlchemy implementations of the core's repository Protocols (``bot.core.quiz.ports``).

One module per aggregate (quizzes, answers, scores, schedules and spaces, practice, courses). Each public method
is a coroutine that runs one short transaction in the database's thread pool: a single statement through
``Database.query`` / ``Database.change`` (the statement, and how to read its result), a transaction of
several statements as a plain method named after it with a leading underscore, through ``Database.run``.
Concurrency is settled by the database, not by the process: a unique constraint with
``ON CONFLICT DO NOTHING`` records one answer per user per quiz and claims one post per slot; grades and
leaderboard totals are written in the same transaction, with rows locked in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database
from storage.repositories.answers import SqlAnswerRepository
from storage.repositories.courses import SqlCourseChoiceRepository, SqlCourseUploadRepository
from storage.repositories.disputes import SqlDisputeRepository
from storage.repositories.insights import SqlInsightsRepository
from storage.repositories.practice import SqlPracticeRepository
from storage.repositories.quizzes import SqlQuizRepository
from storage.repositories.schedules import SqlScheduleRepository, SqlSpaceRepository
from storage.repositories.scores import SqlScoreRepository

__all__ = [
    "Repositories",
    "SqlAnswerRepository",
    "SqlCourseChoiceRepository",
    "SqlCourseUploadRepository",
    "SqlDisputeRepository",
    "SqlInsightsRepository",
    "SqlPracticeRepository",
    "SqlQuizRepository",
    "SqlScheduleRepository",
    "SqlScoreRepository",
    "SqlSpaceRepository",
]


@dataclass(frozen=True)
class Repositories:
    quizzes: SqlQuizRepository
    answers: SqlAnswerRepository
    scores: SqlScoreRepository
    schedules: SqlScheduleRepository
    spaces: SqlSpaceRepository
    practice: SqlPracticeRepository
    course_choices: SqlCourseChoiceRepository
    course_uploads: SqlCourseUploadRepository
    disputes: SqlDisputeRepository
    insights: SqlInsightsRepository

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
            course_choices=SqlCourseChoiceRepository(db),
            course_uploads=SqlCourseUploadRepository(db),
            disputes=SqlDisputeRepository(db),
            insights=SqlInsightsRepository(db),
        )
