"""Many courses: what students do is keyed by course; course choices and uploaded courses.

Existing rows get the course they were made with: the one the bot served before this migration, passed
in by ``storage.migrate.upgrade(legacy_course=...)`` (the first course of the catalog), else the shipped
course. Leaderboard totals and practice cards get ``course_id`` in their primary key.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SHIPPED_COURSE = "ose-intro-deep-learning"


def legacy_course() -> str:
    return str(context.config.attributes.get("legacy_course") or SHIPPED_COURSE)


def course_column() -> sa.Column:
    return sa.Column("course_id", sa.String(64), nullable=False, server_default=legacy_course())


def _rekey(table: str, key: list[str]) -> None:
    """Add ``course_id`` to the table and to its primary key (SQLite copies the table to do it)."""
    with op.batch_alter_table(table, recreate="auto") as batch:
        batch.add_column(course_column())
        batch.drop_constraint(f"pk_{table}", type_="primary")
        batch.create_primary_key(f"pk_{table}", key)


def _reindex(name: str, table: str, columns: list[str]) -> None:
    op.drop_index(name, table_name=table)
    op.create_index(name, table, columns)


def upgrade() -> None:
    op.add_column("quizzes", course_column())
    op.add_column("quiz_answers", course_column())
    op.add_column("practice_reviews", course_column())
    _reindex("ix_quiz_answers_user", "quiz_answers", ["platform", "space_id", "course_id", "user_id"])
    _reindex(
        "ix_practice_reviews_user",
        "practice_reviews",
        ["platform", "space_id", "course_id", "user_id", "reviewed_at"],
    )
    op.drop_index("ix_score_totals_rank", table_name="score_totals")
    _rekey("score_totals", ["platform", "space_id", "course_id", "period", "period_key", "user_id"])
    op.create_index(
        "ix_score_totals_rank",
        "score_totals",
        ["platform", "space_id", "course_id", "period", "period_key", "points"],
    )
    _rekey("practice_cards", ["platform", "space_id", "course_id", "user_id", "question_id"])
    op.create_table(
        "course_choices",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("space_id", sa.String(128), nullable=False),
        sa.Column("channel_id", sa.String(128), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "space_id", "channel_id", name=op.f("pk_course_choices")),
    )
    op.create_table(
        "course_uploads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("space_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_uploads")),
        sa.UniqueConstraint("course_id", "version", name="uq_course_uploads_version"),
    )


def downgrade() -> None:
    op.drop_table("course_uploads")
    op.drop_table("course_choices")
    op.drop_index("ix_score_totals_rank", table_name="score_totals")
    with op.batch_alter_table("practice_cards", recreate="auto") as batch:
        batch.drop_constraint("pk_practice_cards", type_="primary")
        batch.create_primary_key("pk_practice_cards", ["platform", "space_id", "user_id", "question_id"])
        batch.drop_column("course_id")
    with op.batch_alter_table("score_totals", recreate="auto") as batch:
        batch.drop_constraint("pk_score_totals", type_="primary")
        batch.create_primary_key(
            "pk_score_totals", ["platform", "space_id", "period", "period_key", "user_id"]
        )
        batch.drop_column("course_id")
    op.create_index(
        "ix_score_totals_rank", "score_totals", ["platform", "space_id", "period", "period_key", "points"]
    )
    _reindex("ix_practice_reviews_user", "practice_reviews", ["platform", "space_id", "user_id", "reviewed_at"])
    _reindex("ix_quiz_answers_user", "quiz_answers", ["platform", "space_id", "user_id"])
    with op.batch_alter_table("practice_reviews") as batch:
        batch.drop_column("course_id")
    with op.batch_alter_table("quiz_answers") as batch:
        batch.drop_column("course_id")
    with op.batch_alter_table("quizzes") as batch:
        batch.drop_column("course_id")
