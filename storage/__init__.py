"""Storage: SQLAlchemy models, repositories and Alembic migrations (SQLite by default, PostgreSQL).

It imports SQLAlchemy and the core's value types, never adapters or ML libraries.
"""

from storage.db import Database, normalize_url, redacted
from storage.migrate import upgrade
from storage.repositories import Repositories

__all__ = ["Database", "Repositories", "normalize_url", "redacted", "upgrade"]
