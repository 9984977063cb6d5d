"""Contested grades and insight: disputes and their decisions, the ask log, answers kept with practice.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text(name: str, length: int | None = None, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length) if length else sa.Text(), nullable=nullable)


def question_key() -> list[sa.Column]:
    return [text("platform", 32), text("space_id", 128), text("course_id", 64), text("question_id", 64)]


def upgrade() -> None:
    op.add_column("practice_reviews", text("answer", nullable=True))
    op.add_column("practice_reviews", text("feedback", nullable=True))
    op.create_table(
        "disputes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        text("kind", 16),
        sa.Column("answer_id", ID, nullable=False),
        text("platform", 32),
        text("space_id", 128),
        text("course_id", 64),
        text("channel_id", 128),
        text("user_id", 128),
        text("display_name", 200),
        text("question_id", 64),
        text("answer"),
        text("verdict", 16),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        text("feedback"),
        text("reason"),
        text("opened_by", 16),
        utc("opened_at"),
        text("status", 16),
        utc("decided_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("kind", "answer_id", name="uq_disputes_answer"),
    )
    op.create_index("ix_disputes_queue", "disputes", ["platform", "space_id", "status", "opened_at"])
    op.create_index("ix_disputes_user", "disputes", ["platform", "space_id", "user_id"])
    op.create_table(
        "dispute_decisions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("dispute_id", ID, nullable=False),
        text("decided_by", 200),
        utc("decided_at"),
        text("verdict_before", 16),
        text("verdict_after", 16),
        sa.Column("points_before", sa.Integer(), nullable=False),
        sa.Column("points_after", sa.Integer(), nullable=False),
        text("note"),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_decisions_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_decisions")),
    )
    op.create_table(
        "ask_log",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        text("platform", 32),
        text("space_id", 128),
        text("course_id", 64),
        utc("asked_at"),
        sa.Column("declined", sa.Boolean(), nullable=False),
        text("query", nullable=True),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_log")),
    )
    op.create_index("ix_ask_log_course", "ask_log", ["platform", "space_id", "course_id", "asked_at"])
    op.create_table(
        "answer_daily",
        *question_key(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("partial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform", "space_id", "course_id", "question_id", "day", name=op.f("pk_answer_daily")
        ),
    )
    op.create_table(
        "answer_students",
        *question_key(),
        text("user_id", 128),
        utc("last_at"),
        sa.PrimaryKeyConstraint(
            "platform", "space_id", "course_id", "question_id", "user_id", name=op.f("pk_answer_students")
        ),
    )
    op.create_index(
        "ix_answer_students_recent", "answer_students", ["platform", "space_id", "course_id", "last_at"]
    )
    _backfill()


def _backfill() -> None:
    """The rollups of the answers graded before this migration (UTC days, as the code keeps them), and
    the queue entries of the answers the grader had left undecided."""
    graded = (
        "FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id WHERE a.graded_at IS NOT NULL"
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    day = "date(timezone('UTC', a.submitted_at))" if postgres else "date(a.submitted_at)"
    op.execute(
        "INSERT INTO answer_daily (platform, space_id, course_id, question_id, day, answers, correct, partial) "
        f"SELECT a.platform, a.space_id, a.course_id, q.question_id, {day}, count(*), "
        "sum(CASE WHEN a.verdict = 'correct' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN a.verdict = 'partial' THEN 1 ELSE 0 END) {graded} "
        f"GROUP BY a.platform, a.space_id, a.course_id, q.question_id, {day}"
    )
    op.execute(
        "INSERT INTO answer_students (platform, space_id, course_id, question_id, user_id, last_at) "
        f"SELECT a.platform, a.space_id, a.course_id, q.question_id, a.user_id, max(a.submitted_at) {graded} "
        "GROUP BY a.platform, a.space_id, a.course_id, q.question_id, a.user_id"
    )
    op.execute(
        "INSERT INTO disputes (kind, answer_id, platform, space_id, course_id, channel_id, user_id, "
        "display_name, question_id, answer, verdict, score, feedback, reason, opened_by, opened_at, status) "
        "SELECT 'quiz', a.id, a.platform, a.space_id, a.course_id, q.channel_id, a.user_id, a.display_name, "
        "q.question_id, a.answer, a.verdict, coalesce(a.score, 0), coalesce(a.feedback, ''), '', 'grader', "
        f"a.graded_at, 'open' {graded} AND a.verdict = 'review'"
    )


def downgrade() -> None:
    op.drop_table("answer_students")
    op.drop_table("answer_daily")
    op.drop_table("ask_log")
    op.drop_table("dispute_decisions")
    op.drop_table("disputes")
    with op.batch_alter_table("practice_reviews") as batch:
        batch.drop_column("feedback")
        batch.drop_column("answer")
