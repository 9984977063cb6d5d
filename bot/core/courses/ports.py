"""What the course catalog needs from the outside: storage for choices and uploads, a document
checker (``content``), and a builder of a course's models (the composition root)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.core.ask import AskService
from bot.core.courses.model import DocumentCheck, StoredCourse
from bot.core.grade import Grader
from bot.core.pack import CoursePack

# Blocking (it embeds the course): the catalog runs it in a worker thread.
ModelBuilder = Callable[[CoursePack], tuple[AskService, Grader]]


class CourseChoiceRepository(Protocol):
    async def choices(self, platform: str, space_id: str) -> dict[str, str]:
        """channel id -> course id chosen for the space (key ``""``) and for its channels."""

    async def choose(
        self, platform: str, space_id: str, channel_id: str, course_id: str, now: datetime
    ) -> None:
        """``channel_id`` ``""`` chooses for the whole space."""

    async def clear_channel(self, platform: str, space_id: str, channel_id: str) -> bool: ...


class CourseUploadRepository(Protocol):
    async def versions(self) -> dict[str, int]:
        """course id -> newest uploaded version, for every uploaded course."""

    async def history(self, course_id: str) -> list[StoredCourse]:
        """Every uploaded version of the course, oldest first."""

    async def save(self, course: StoredCourse) -> bool:
        """Store a new version; ``False`` when that version exists (another upload stored it first)."""


class CourseDocuments(Protocol):
    def check(self, filename: str, data: bytes) -> DocumentCheck:
        """Check an uploaded Markdown Q&A document or pack YAML exactly like ``content check``."""

    def load(self, stored: StoredCourse) -> CoursePack:
        """The pack of a stored upload (it was checked when it was uploaded)."""
