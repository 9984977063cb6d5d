"""Courses: which course each space and channel uses, and the courses uploaded from chat (every
version kept; a unique (course, version) settles two uploads racing for the same version)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.core.courses.model import StoredCourse
from storage.db import Database
from storage.models import course_choices, course_uploads
from storage.repositories._common import _insert, each


def _stored(row) -> StoredCourse:  # type: ignore[no-untyped-def]
    return StoredCourse(
        course_id=row.course_id,
        version=int(row.version),
        title=row.title,
        filename=row.filename,
        document=row.document,
        questions=int(row.questions),
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        platform=row.platform,
        space_id=row.space_id,
    )


class SqlCourseChoiceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def choices(self, platform: str, space_id: str) -> dict[str, str]:
        c = course_choices.c
        stmt = select(c.channel_id, c.course_id).where(c.platform == platform, c.space_id == space_id)
        return await self.db.query(stmt, lambda result: {channel: course for channel, course in result})

    async def choose(
        self, platform: str, space_id: str, channel_id: str, course_id: str, now: datetime
    ) -> None:
        ins = _insert(self.db, course_choices).values(
            platform=platform, space_id=space_id, channel_id=channel_id, course_id=course_id, updated_at=now
        )
        stmt = ins.on_conflict_do_update(
            index_elements=["platform", "space_id", "channel_id"],
            set_={"course_id": ins.excluded.course_id, "updated_at": ins.excluded.updated_at},
        )
        await self.db.change(stmt)

    async def clear_channel(self, platform: str, space_id: str, channel_id: str) -> bool:
        c = course_choices.c
        stmt = delete(course_choices).where(
            c.platform == platform, c.space_id == space_id, c.channel_id == channel_id
        )
        return await self.db.change(stmt, lambda result: result.rowcount > 0)


class SqlCourseUploadRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def versions(self) -> dict[str, int]:
        c = course_uploads.c
        stmt = select(c.course_id, func.max(c.version)).group_by(c.course_id)
        return await self.db.query(stmt, lambda result: {course: int(v) for course, v in result})

    async def history(self, course_id: str) -> list[StoredCourse]:
        c = course_uploads.c
        stmt = select(course_uploads).where(c.course_id == course_id).order_by(c.version)
        return await self.db.query(stmt, each(_stored))

    async def save(self, course: StoredCourse) -> bool:
        return await self.db.run(self._save, course)

    def _save(self, course: StoredCourse) -> bool:
        stmt = _insert(self.db, course_uploads).values(
            course_id=course.course_id,
            version=course.version,
            title=course.title[:200],
            filename=course.filename[:200],
            document=course.document,
            questions=course.questions,
            uploaded_by=course.uploaded_by[:200],
            uploaded_at=course.uploaded_at,
            platform=course.platform,
            space_id=course.space_id,
        )
        try:
            with self.db.write() as conn:
                conn.execute(stmt)
        except IntegrityError:
            return False  # that version was stored first by another upload
        return True
