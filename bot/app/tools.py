"""What the maintenance commands need of storage and content (the CLI reaches those only through here).

``studybot db upgrade``, ``studybot content import`` and ``studybot content check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.settings import Settings, StartupError
from content.errors import PackError

if TYPE_CHECKING:
    from content.checker import PackCheck

__all__ = [
    "ImportedPack",
    "PackError",
    "check_packs",
    "import_markdown_file",
    "upgrade_database",
]


def upgrade_database(settings: Settings, revision: str = "head") -> tuple[str, str]:
    """Apply the migrations up to ``revision``: (the URL, password masked; the revision now current)."""
    from bot.app.courses import load_packs
    from storage.db import Database, redacted
    from storage.migrate import upgrade

    url = settings.resolved_database_url
    database = Database(url)
    try:
        return redacted(url), upgrade(database, revision, legacy_course=load_packs(settings)[0].id)
    except Exception as exc:
        raise StartupError(f"migrating {redacted(url)} failed: {exc}") from exc
    finally:
        database.close()


@dataclass(frozen=True)
class ImportedPack:
    yaml_text: str
    questions: int
    answered: int


def import_markdown_file(source: Path, *, pack_id: str, title: str | None) -> ImportedPack:
    """A Markdown Q&A document as a pack's YAML text; raises ``PackError`` saying what is wrong."""
    from content.importer import dump_pack_yaml, import_markdown

    data = import_markdown(source.read_text(encoding="utf-8"), pack_id=pack_id, title=title)
    answered = sum(1 for q in data["questions"] if q.get("answer"))
    return ImportedPack(dump_pack_yaml(data), len(data["questions"]), answered)


def check_packs(paths: list[Path] | None, settings: Settings | None) -> tuple[list[Path], list[PackCheck]]:
    """(the packs checked, each one's check); ``settings`` given: also the near-duplicate check and the
    separation report, which load the model."""
    from content.checker import check_pack
    from content.loader import shipped_pack_paths

    chosen = list(paths or shipped_pack_paths())
    if settings is None:
        return chosen, [check_pack(path) for path in chosen]
    from bot.app.core import build_embedder
    from bot.app.courses import course_ask_factory

    embedder = build_embedder(settings)
    ask_factory = course_ask_factory(embedder, settings)
    return chosen, [check_pack(path, embedder, ask_factory=ask_factory) for path in chosen]
