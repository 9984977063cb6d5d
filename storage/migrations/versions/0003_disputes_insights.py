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


def upgrade() -> None:
    op.add_column("practice_reviews", text("answer", nullable=True))
    op.add_column("practice_reviews", text("feedback", nullable=True))
    op.create_index(
        "ix_quiz_answers_course_time", "quiz_answers", ["platform", "space_id", "course_id", "submitted_at"]
    )
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


def downgrade() -> None:
    op.drop_table("ask_log")
    op.drop_table("dispute_decisions")
    op.drop_table("disputes")
    op.drop_index("ix_quiz_answers_course_time", table_name="quiz_answers")
    with op.batch_alter_table("practice_reviews") as batch:
        batch.drop_column("feedback")
        batch.drop_column("answer")
