"""Alembic migrations, run from code: at start (``build_core``) and by ``studybot db upgrade``.

``script_location`` is set here, so migrations run from an installed package without an alembic.ini
in the working directory. On PostgreSQL an advisory lock makes replicas that start together migrate
one after the other; on SQLite the write transaction does the same.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 0x57_0D_B0_75  # "studybot" advisory lock for migrations


def alembic_config(db: Database | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if db is not None:
        config.set_main_option(
            "sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def upgrade(db: Database, revision: str = "head", *, legacy_course: str | None = None) -> str | None:
    """Migrate the database to ``revision``; returns the revision it is at afterwards.

    ``legacy_course``: the course rows made before there were several belong to (migration 0002).
    """
    config = alembic_config(db)
    config.attributes["legacy_course"] = legacy_course
    with db.write() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return current_revision(db)


def current_revision(db: Database) -> str | None:
    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
