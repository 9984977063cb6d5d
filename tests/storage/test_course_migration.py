"""Migration 0002: rows made when the bot served one course belong to that course afterwards, and the
leaderboard and practice keys include the course (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
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
        assert upgrade(db, "0002", legacy_course="my-course") == "0002"
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


def test_migration_0003_rolls_up_the_answers_graded_before_it(db_url):
    from bot.core.insights.ports import Scope
    from storage.repositories import Repositories

    db = Database(db_url)
    try:
        upgrade(db, "0002")
        with db.write() as conn:
            conn.execute(
                text(
                    "INSERT INTO quizzes (id, platform, space_id, channel_id, course_id, question_id, scheduled, "
                    "posted_at, closes_at) VALUES ('q1', 'discord', 'g', 'c', 'course', '1.1', :f, :t, :t)"
                ),
                {"f": False, "t": NOW},
            )
            for user, verdict in (("u1", "correct"), ("u2", "partial"), ("u3", "incorrect"), ("u4", "review")):
                conn.execute(
                    text(
                        "INSERT INTO quiz_answers (quiz_id, platform, space_id, course_id, user_id, display_name, "
                        "answer, submitted_at, graded_at, verdict, score, bonus, streak) VALUES ('q1', 'discord', "
                        "'g', 'course', :u, 'U', 'a', :t, :t, :v, 50, 0, 0)"
                    ),
                    {"u": user, "t": NOW, "v": verdict},
                )
        upgrade(db)
        figures = asyncio.run(Repositories.build(db).insights.figures(Scope("discord", "g", "course", None)))
        (question,) = figures.per_question
        assert (question.question_id, question.answers, question.correct, question.partial) == ("1.1", 4, 1, 1)
        assert (question.students, figures.students, figures.answers) == (4, 4, 4)
        assert figures.per_day == [(NOW.date(), 4)]
        with db.read() as conn:  # the answer the grader had left undecided now waits in the review queue
            queued = conn.execute(text("SELECT user_id, opened_by, status FROM disputes")).all()
        assert [tuple(row) for row in queued] == [("u4", "grader", "open")]
    finally:
        db.close()
