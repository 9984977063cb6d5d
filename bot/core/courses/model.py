"""Value types of the course catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.ask import AskService
from bot.core.grade import Grader
from bot.core.pack import CoursePack


@dataclass(frozen=True)
class Course:
    """A course with the models that answer and grade for it (built once, on first use or upload)."""

    pack: CoursePack
    ask: AskService
    grader: Grader
    version: int = 0  # 0: from a file; n: its nth upload

    @property
    def id(self) -> str:
        return self.pack.id

    @property
    def title(self) -> str:
        return self.pack.title


@dataclass(frozen=True)
class CourseEntry:
    """What ``/course list`` shows of a course (no model needed)."""

    id: str
    title: str
    questions: int
    version: int
    uploaded: bool


@dataclass(frozen=True)
class StoredCourse:
    """One uploaded version of a course, as the database keeps it."""

    course_id: str
    version: int
    title: str
    filename: str
    document: str  # the pack as YAML
    questions: int
    uploaded_by: str
    uploaded_at: datetime
    platform: str = ""  # the space it was first uploaded from owns it: only that space's admins
    space_id: str = ""  # may upload a new version


@dataclass(frozen=True)
class DocumentCheck:
    """An uploaded document checked like ``studybot content check``: a pack, or what is wrong."""

    pack: CoursePack | None
    document: str | None  # the pack as YAML, to store
    errors: tuple[str, ...] = ()  # each with its line, e.g. "course.md:12: item 3: empty answer"
    warnings: tuple[str, ...] = ()


MAX_UPLOAD_BYTES = 1_000_000  # a course of a few hundred questions is well under this


class UnknownCourse(LookupError):
    """No course of the catalog has this id."""
