"""SQLAlchemy 2.x models. Every row is scoped by platform and space (Discord guild / Slack workspace),
so one database serves many servers, and what students do is keyed by course as well, so one space can
switch courses without mixing them. Times are stored in UTC.

The schema is created by the Alembic migrations in ``storage/migrations``; a test checks that the
migrations and these models agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite only autoincrements INTEGER PRIMARY KEY


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SpaceSettings(Base):
    """Per-space settings: the timezone of leaderboard weeks and months."""

    __tablename__ = "spaces"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class QuizRow(Base):
    """A posted (or being posted) quiz. Scheduled posts carry (slot_date, slot): the unique constraint
    on (platform, space, channel, slot_date, slot) is the claim that makes a scheduled post happen once.
    Quizzes posted by hand have no slot (NULLs never collide)."""

    __tablename__ = "quizzes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    space_id: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    course_id: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    slot_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    slot: Mapped[str | None] = mapped_column(String(5), nullable=True)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)

    __table_args__ = (
        UniqueConstraint("platform", "space_id", "channel_id", "slot_date", "slot", name="uq_quizzes_slot"),
        Index("ix_quizzes_channel_posted", "platform", "space_id", "channel_id", "posted_at"),
        Index(
            "ix_quizzes_open_closes_at",
            "closes_at",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
    )


class AnswerRow(Base):
    """One student's answer to one quiz: recorded first (graded_at NULL), graded by the worker."""

    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    quiz_id: Mapped[str] = mapped_column(String(32), ForeignKey("quizzes.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    space_id: Mapped[str] = mapped_column(String(128))
    course_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    graded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(16), nullable=True)
    score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    covered: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list
    missed: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bonus: Mapped[int] = mapped_column(Integer, default=0)
    streak: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("quiz_id", "platform", "user_id", name="uq_quiz_answers_one_per_user"),
        Index("ix_quiz_answers_user", "platform", "space_id", "course_id", "user_id"),
        Index(
            "ix_quiz_answers_ungraded",
            "id",
            postgresql_where=text("graded_at IS NULL"),
            sqlite_where=text("graded_at IS NULL"),
        ),
    )


class ScoreTotal(Base):
    """Leaderboard totals per (space, course, user, period bucket), kept by the grading transaction, so
    a leaderboard reads a few index rows however many answers there are."""

    __tablename__ = "score_totals"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)  # week | month | all
    period_key: Mapped[str] = mapped_column(String(10), primary_key=True)  # 2025-01-13 | 2025-01 | all
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_score_totals_rank", "platform", "space_id", "course_id", "period", "period_key", "points"),
    )


class ScheduleRow(Base):
    """A channel's quiz schedule. APScheduler only fires it; this table is the truth every replica reads."""

    __tablename__ = "quiz_schedules"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    time_of_day: Mapped[str] = mapped_column(String(5))  # HH:MM, local
    days: Mapped[str] = mapped_column(String(32))  # mon,tue,... (0=mon)
    timezone: Mapped[str] = mapped_column(String(64))
    answer_window_minutes: Mapped[int] = mapped_column(Integer)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PracticeCardRow(Base):
    __tablename__ = "practice_cards"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    due: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(Text)  # the algorithm's card, as JSON
    reviews: Mapped[int] = mapped_column(Integer, default=0)


class PracticeReviewRow(Base):
    __tablename__ = "practice_reviews"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    space_id: Mapped[str] = mapped_column(String(128))
    course_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    question_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int] = mapped_column(SmallInteger)
    verdict: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(SmallInteger)
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log: Mapped[str] = mapped_column(Text)  # the algorithm's review log, as JSON
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)  # kept so a grade can be disputed
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_practice_reviews_user", "platform", "space_id", "course_id", "user_id", "reviewed_at"),
    )


class CourseChoiceRow(Base):
    """The course a space uses (``channel_id`` empty) or one channel of it uses instead."""

    __tablename__ = "course_choices"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(128), primary_key=True)  # "" = the whole space
    course_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CourseUploadRow(Base):
    """A course uploaded from chat, every version kept: the newest is served, older ones keep the
    questions it removed readable. Unique (course, version): of two uploads racing for the same next
    version, one is stored and the other told."""

    __tablename__ = "course_uploads"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    course_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)  # the pack as YAML (a Markdown upload is converted)
    questions: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(200))  # platform:user id of the admin
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    platform: Mapped[str] = mapped_column(String(32))  # the space that uploaded it: its owner
    space_id: Mapped[str] = mapped_column(String(128))

    __table_args__ = (UniqueConstraint("course_id", "version", name="uq_course_uploads_version"),)


quizzes = QuizRow.__table__
answers = AnswerRow.__table__
score_totals = ScoreTotal.__table__
schedules = ScheduleRow.__table__
spaces = SpaceSettings.__table__
practice_cards = PracticeCardRow.__table__
practice_reviews = PracticeReviewRow.__table__
class DisputeRow(Base):
    """A graded answer waiting for (or decided by) the course staff: disputed by its student, or left
    undecided by the grader (``opened_by`` empty). One per answer: a unique (kind, answer id)."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # quiz | practice
    answer_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    platform: Mapped[str] = mapped_column(String(32))
    space_id: Mapped[str] = mapped_column(String(128))
    course_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200))
    question_id: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(16))  # the grader's
    score: Mapped[int] = mapped_column(SmallInteger)
    feedback: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)  # the student's ("" when none, or opened by the grader)
    opened_by: Mapped[str] = mapped_column(String(16))  # student | grader
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))  # open | accepted | rejected
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (
        UniqueConstraint("kind", "answer_id", name="uq_disputes_answer"),
        Index("ix_disputes_queue", "platform", "space_id", "status", "opened_at"),
        Index("ix_disputes_user", "platform", "space_id", "user_id"),
    )


class DisputeDecisionRow(Base):
    """Append-only record of every decision on a dispute: who, when, verdict before and after, note."""

    __tablename__ = "dispute_decisions"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    decided_by: Mapped[str] = mapped_column(String(200))  # platform:user id of the admin
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    verdict_before: Mapped[str] = mapped_column(String(16))
    verdict_after: Mapped[str] = mapped_column(String(16))
    points_before: Mapped[int] = mapped_column(Integer)
    points_after: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)


class AnswerDailyRow(Base):
    """Graded quiz answers per (space, course, question, UTC day), kept by the grading transaction
    (and by dispute decisions), so ``/insights`` reads a few thousand rows however many answers."""

    __tablename__ = "answer_daily"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    partial: Mapped[int] = mapped_column(Integer, default=0)


class AnswerStudentRow(Base):
    """Who answered each question, and when last: students in "the last N days" are those whose
    ``last_at`` is in them (the period always ends now)."""

    __tablename__ = "answer_students"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_answer_students_recent", "platform", "space_id", "course_id", "last_at"),)


class AskLogRow(Base):
    """An ``/ask`` as the course staff's insight sees it: never who asked. Declined ones keep their
    text and the gap (group of similar declined questions) it joined, for ``STUDYBOT_ASK_LOG_DAYS``."""

    __tablename__ = "ask_log"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    space_id: Mapped[str] = mapped_column(String(128))
    course_id: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    declined: Mapped[bool] = mapped_column(Boolean)
    query: Mapped[str | None] = mapped_column(Text, nullable=True)  # declined asks only
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # float16, declined only

    __table_args__ = (Index("ix_ask_log_course", "platform", "space_id", "course_id", "asked_at"),)


course_choices = CourseChoiceRow.__table__
course_uploads = CourseUploadRow.__table__
disputes = DisputeRow.__table__
dispute_decisions = DisputeDecisionRow.__table__
ask_log = AskLogRow.__table__
answer_daily = AnswerDailyRow.__table__
answer_students = AnswerStudentRow.__table__
