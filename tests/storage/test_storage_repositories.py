"""Storage: migrations, SQLite settings, scoping by platform and space, claims, idempotent grading."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from typer.testing import CliRunner

from bot.core.grade import Grade, Verdict
from bot.core.quiz.model import GradeToSave, NewQuiz, Period
from bot.core.types import Place, User
from storage.db import Database, normalize_url
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base, UtcDateTime, score_totals
from storage.repositories import Repositories

NOW = datetime(2025, 1, 13, 9, 0, tzinfo=UTC)
PLACE = Place("discord", "guild-1", "chan")


def new_quiz(quiz_id: str, place: Place = PLACE, **slot) -> NewQuiz:
    return NewQuiz(quiz_id, place, "test", "1.1", NOW, NOW + timedelta(hours=24), scheduled=bool(slot), **slot)


def grade_of(answer_id: int, points: int, keys: dict[Period, str]) -> GradeToSave:
    verdict = Verdict.CORRECT if points else Verdict.INCORRECT
    return GradeToSave(answer_id, Grade(verdict, 100 if points else 0, (), (), "ok"), points, 0, 0, keys)


KEYS = {Period.WEEK: "2025-01-13", Period.MONTH: "2025-01", Period.ALL: "all"}


def test_migrations_create_exactly_the_models(database):
    with database.read() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"quizzes", "quiz_answers", "score_totals", "quiz_schedules", "spaces", "practice_cards"} <= tables
    assert current_revision(database) == head_revision()
    assert upgrade(database) == head_revision()  # a second upgrade is a no-op


def test_db_upgrade_command(tmp_path, monkeypatch):
    from bot.cli.commands import app

    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"is at revision {head_revision()}" in result.output
    db = Database(url)
    try:
        assert current_revision(db) == head_revision()
    finally:
        db.close()


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path):
    from tests.support.quiz import settings

    assert (
        settings(STUDYBOT_DATA_DIR=tmp_path).resolved_database_url
        == f"sqlite:///{tmp_path.as_posix()}/studybot.db"
    )


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    db = Database(f"sqlite:///{(tmp_path / 'sub' / 'x.db').as_posix()}")  # the folder is created
    try:
        with db.read() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        db.close()


def test_postgres_urls_mean_psycopg3():
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"


def test_datetimes_are_aware_utc_and_naive_ones_are_refused(database):
    column = UtcDateTime()
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2025, 1, 1), database.engine.dialect)
    berlin_noon = datetime.fromisoformat("2025-01-13T12:00:00+01:00")
    with database.write() as conn:
        conn.execute(
            text("CREATE TABLE t_dt (v TIMESTAMP WITH TIME ZONE)")
            if database.dialect == "postgresql"
            else text("CREATE TABLE t_dt (v DATETIME)")
        )
    from sqlalchemy import Column, MetaData, Table

    table = Table("t_dt", MetaData(), Column("v", UtcDateTime()))
    with database.write() as conn:
        conn.execute(table.insert().values(v=berlin_noon))
    with database.read() as conn:
        stored = conn.execute(select(table.c.v)).scalar_one()
    assert stored == berlin_noon and stored.tzinfo is UTC


async def test_a_scheduled_slot_is_claimed_once(database):
    repos = Repositories.build(database)
    slot = {"slot_date": date(2025, 1, 13), "slot": "09:00"}
    assert await repos.quizzes.claim(new_quiz("qa", **slot)) is not None
    assert await repos.quizzes.claim(new_quiz("qb", **slot)) is None
    assert await repos.quizzes.claim(new_quiz("qc", Place("discord", "guild-2", "chan"), **slot)) is not None
    assert await repos.quizzes.claim(new_quiz("qd")) is not None  # posts by hand have no slot
    assert await repos.quizzes.claim(new_quiz("qe")) is not None
    assert await repos.quizzes.slot_taken(PLACE, date(2025, 1, 13), "09:00")
    assert await repos.quizzes.close("qa", NOW) is True
    assert await repos.quizzes.close("qa", NOW) is False  # only one closer reveals


async def test_rows_are_scoped_by_platform_and_space(database):
    repos = Repositories.build(database)
    other_space = Place("discord", "guild-2", "chan")
    await repos.quizzes.claim(new_quiz("q1"))
    await repos.quizzes.claim(new_quiz("q2", other_space))
    same_id_discord = User("discord", "42", "Ada")
    a = await repos.answers.record("q1", same_id_discord, PLACE, "right", NOW)
    b = await repos.answers.record("q2", same_id_discord, other_space, "right", NOW)
    cross = await repos.answers.record(
        "q1", User("slack", "42", "Bob"), Place("slack", "guild-1", "chan"), "x", NOW
    )
    assert cross.outcome.value == "not_found"
    await repos.answers.save_grades([grade_of(a.answer.id, 10, KEYS), grade_of(b.answer.id, 10, KEYS)])
    one = await repos.scores.leaderboard("discord", "guild-1", "test", Period.ALL, "all", "42")
    two = await repos.scores.leaderboard("discord", "guild-2", "test", Period.ALL, "all", "42")
    assert one.players == 1 and two.players == 1 and one.rows[0].points == 10 and two.rows[0].points == 10
    assert (await repos.scores.totals("slack", "guild-1", "test", "42")).points == 0


async def test_saving_a_grade_twice_counts_its_points_once(database):
    repos = Repositories.build(database)
    await repos.quizzes.claim(new_quiz("q1"))
    recorded = await repos.answers.record("q1", User("discord", "7", "Cy"), PLACE, "right", NOW)
    first = await repos.answers.save_grades([grade_of(recorded.answer.id, 10, KEYS)])
    again = await repos.answers.save_grades([grade_of(recorded.answer.id, 99, KEYS)])  # another worker
    assert first[0].result.points == 10 and again[0].result.points == 10
    with database.read() as conn:
        points = conn.execute(
            select(score_totals.c.points).where(score_totals.c.period == "all")
        ).scalar_one()
    assert points == 10


async def test_leaderboard_ranks_ties_together(database):
    repos = Repositories.build(database)
    await repos.quizzes.claim(new_quiz("q1"))
    grades = []
    for n, points in enumerate([10, 10, 5, 0]):
        recorded = await repos.answers.record("q1", User("discord", f"u{n}", f"U{n}"), PLACE, "x", NOW)
        grades.append(grade_of(recorded.answer.id, points, KEYS))
    await repos.answers.save_grades(grades)
    board = await repos.scores.leaderboard("discord", "guild-1", "test", Period.WEEK, "2025-01-13", "u3", limit=3)
    assert [(r.rank, r.points) for r in board.rows] == [(1, 10), (1, 10), (3, 5)]
    assert board.me is not None and board.me.rank == 4 and board.players == 4
