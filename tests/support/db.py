"""Database helpers of the tests: what a test reads straight from the tables."""

from __future__ import annotations

from sqlalchemy import MetaData, func, select

from storage.db import Database


def row_counts(db: Database) -> dict[str, int]:
    """Rows per table (Alembic's own aside): equal before and after means nothing was stored."""
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in meta.tables.items()
            if name != "alembic_version"
        }
