"""Migration 0002: rows made when the bot served one course belong to that course afterwards, and the
leaderboard and practice keys include the course (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from storage.db import Database
from storage.migrate import upgrade

NOW = datetime(2025, 1, 13, 9, 0, tzinfo=UTC)


def test_existing_rows_get_the_course_they_were_made_with(db_url):
    db = Database(db_url)
    try:
        assert upgrade(db, "0001") == "0001"
        with db.write() as conn:
            conn.execute(
                text(
                    "INSERT INTO quizzes (id, platform, space_id, channel_id, question_id, scheduled, "
                    "posted_at, closes_at) VALUES ('q1', 'discord', 'g', 'c', '1.1', :f, :t, :t)"
                ),
                {"f": False, "t": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO quiz_answers (quiz_id, platform, space_id, user_id, display_name, answer, "
                    "submitted_at, bonus, streak) VALUES ('q1', 'discord', 'g', 'u', 'U', 'a', :t, 0, 0)"
                ),
                {"t": NOW},
            )
            conn.execute(
                text("INSERT INTO score_totals VALUES ('discord', 'g', 'all', 'all', 'u', 'U', 5, 1, 1)")
            )
            conn.execute(
                text("INSERT INTO practice_cards VALUES ('discord', 'g', 'u', '1.1', :t, '{}', 1)"), {"t": NOW}
            )
        assert upgrade(db, legacy_course="my-course") == "0002"
        with db.read() as conn:
            for table in ("quizzes", "quiz_answers", "score_totals", "practice_cards"):
                assert conn.execute(text(f"SELECT course_id FROM {table}")).scalars().all() == ["my-course"]
        with db.write() as conn:  # the same user and period in another course is another row now
            conn.execute(
                text("INSERT INTO score_totals VALUES ('discord', 'g', 'all', 'all', 'u', 'U', 7, 1, 1, 'other')")
            )
        with db.read() as conn:
            rows = conn.execute(text("SELECT course_id, points FROM score_totals ORDER BY course_id")).all()
        assert [tuple(r) for r in rows] == [("my-course", 5), ("other", 7)]
    finally:
        db.close()


def test_without_a_legacy_course_rows_go_to_the_shipped_one(db_url):
    db = Database(db_url)
    try:
        upgrade(db, "0001")
        with db.write() as conn:
            conn.execute(text("INSERT INTO score_totals VALUES ('slack', 'T', 'all', 'all', 'u', 'U', 1, 1, 1)"))
        upgrade(db)
        with db.read() as conn:
            assert conn.execute(text("SELECT course_id FROM score_totals")).scalar_one() == "ose-intro-deep-learning"
    finally:
        db.close()
