"""Initial schema: quizzes, answers, leaderboard totals, schedules, spaces, practice cards and reviews.

Revision ID: 0001
Revises:
Create Date: 2025-01-13
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text(name: str, length: int | None = None, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length) if length else sa.Text(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "spaces",
        text("platform", 32),
        text("space_id", 128),
        text("timezone", 64),
        utc("updated_at"),
        sa.PrimaryKeyConstraint("platform", "space_id", name=op.f("pk_spaces")),
    )
    op.create_table(
        "quizzes",
        text("id", 32),
        text("platform", 32),
        text("space_id", 128),
        text("channel_id", 128),
        text("question_id", 64),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("slot_date", sa.Date(), nullable=True),
        text("slot", 5, nullable=True),
        utc("posted_at"),
        utc("closes_at"),
        utc("closed_at", nullable=True),
        text("message_id", 128, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
        sa.UniqueConstraint(
            "platform", "space_id", "channel_id", "slot_date", "slot", name="uq_quizzes_slot"
        ),
    )
    op.create_index(
        "ix_quizzes_channel_posted", "quizzes", ["platform", "space_id", "channel_id", "posted_at"]
    )
    op.create_index(
        "ix_quizzes_open_closes_at",
        "quizzes",
        ["closes_at"],
        postgresql_where=sa.text("closed_at IS NULL"),
        sqlite_where=sa.text("closed_at IS NULL"),
    )
    op.create_table(
        "quiz_answers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        text("quiz_id", 32),
        text("platform", 32),
        text("space_id", 128),
        text("user_id", 128),
        text("display_name", 200),
        text("answer"),
        utc("submitted_at"),
        utc("graded_at", nullable=True),
        text("verdict", 16, nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        text("covered", nullable=True),
        text("missed", nullable=True),
        text("feedback", nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("bonus", sa.Integer(), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_answers_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answers")),
        sa.UniqueConstraint("quiz_id", "platform", "user_id", name="uq_quiz_answers_one_per_user"),
    )
    op.create_index("ix_quiz_answers_user", "quiz_answers", ["platform", "space_id", "user_id"])
    op.create_index(
        "ix_quiz_answers_ungraded",
        "quiz_answers",
        ["id"],
        postgresql_where=sa.text("graded_at IS NULL"),
        sqlite_where=sa.text("graded_at IS NULL"),
    )
    op.create_table(
        "score_totals",
        text("platform", 32),
        text("space_id", 128),
        text("period", 8),
        text("period_key", 10),
        text("user_id", 128),
        text("display_name", 200),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform", "space_id", "period", "period_key", "user_id", name=op.f("pk_score_totals")
        ),
    )
    op.create_index(
        "ix_score_totals_rank", "score_totals", ["platform", "space_id", "period", "period_key", "points"]
    )
    op.create_table(
        "quiz_schedules",
        text("platform", 32),
        text("space_id", 128),
        text("channel_id", 128),
        text("time_of_day", 5),
        text("days", 32),
        text("timezone", 64),
        sa.Column("answer_window_minutes", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        utc("created_at"),
        utc("updated_at"),
        sa.PrimaryKeyConstraint("platform", "space_id", "channel_id", name=op.f("pk_quiz_schedules")),
    )
    op.create_table(
        "practice_cards",
        text("platform", 32),
        text("space_id", 128),
        text("user_id", 128),
        text("question_id", 64),
        utc("due"),
        text("state"),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform", "space_id", "user_id", "question_id", name=op.f("pk_practice_cards")
        ),
    )
    op.create_table(
        "practice_reviews",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        text("platform", 32),
        text("space_id", 128),
        text("user_id", 128),
        text("question_id", 64),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        text("verdict", 16),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        utc("reviewed_at"),
        text("log"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_reviews")),
    )
    op.create_index(
        "ix_practice_reviews_user", "practice_reviews", ["platform", "space_id", "user_id", "reviewed_at"]
    )


def downgrade() -> None:
    for table in (
        "practice_reviews",
        "practice_cards",
        "quiz_schedules",
        "score_totals",
        "quiz_answers",
        "quizzes",
        "spaces",
    ):
        op.drop_table(table)
