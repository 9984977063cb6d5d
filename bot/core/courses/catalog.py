"""The courses the bot serves, the one active in each place, and uploads of new ones.

A course's models (search index, grader) are built once, on first use or upload, in a worker thread,
so the catalog can hold many courses and start fast. Choices and uploads live in the database, so every
replica agrees; each replica keeps them in memory for ``refresh_s`` seconds, which keeps the database
off the path of a warm ``/ask``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.courses.history import changes, with_history
from bot.core.courses.model import Course, CourseEntry, DocumentCheck, StoredCourse, UnknownCourse
from bot.core.courses.ports import (
    CourseChoiceRepository,
    CourseDocuments,
    CourseUploadRepository,
    ModelBuilder,
)
from bot.core.pack import CoursePack
from bot.core.types import Place, User

log = logging.getLogger(__name__)

SPACE = ""  # the channel key of a space-wide choice
Progress = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class UploadOutcome:
    """What became of an upload: stored (``course`` set), refused (``check.errors``), or lost a race."""

    check: DocumentCheck
    course: Course | None = None
    conflict: bool = False
    refused: str = ""  # why this space may not replace that course (it is another's, or the bot's own)
    added: int = 0
    changed: int = 0
    removed: int = 0


class MemoryChoices:
    """Course choices kept in memory: for a bot without a database (tests, ``studybot ask``)."""

    def __init__(self) -> None:
        self._choices: dict[tuple[str, str], dict[str, str]] = {}

    async def choices(self, platform: str, space_id: str) -> dict[str, str]:
        return dict(self._choices.get((platform, space_id), {}))

    async def choose(
        self, platform: str, space_id: str, channel_id: str, course_id: str, now: datetime
    ) -> None:
        self._choices.setdefault((platform, space_id), {})[channel_id] = course_id

    async def clear_channel(self, platform: str, space_id: str, channel_id: str) -> bool:
        return self._choices.get((platform, space_id), {}).pop(channel_id, None) is not None


class CourseCatalog:
    def __init__(
        self,
        packs: Sequence[CoursePack],
        build: ModelBuilder,
        *,
        choices: CourseChoiceRepository | None = None,
        uploads: CourseUploadRepository | None = None,
        documents: CourseDocuments | None = None,
        refresh_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not packs:
            raise ValueError("a catalog needs at least one course")
        self._packs: dict[str, CoursePack] = {}
        for pack in packs:
            self._packs.setdefault(pack.id, pack)  # the first of two packs with one id wins
        self._files = dict(self._packs)  # as configured, before any upload
        self._versions: dict[str, int] = dict.fromkeys(self._packs, 0)
        self._build = build
        self._choices = choices or MemoryChoices()
        self._uploads = uploads
        self._documents = documents
        self._refresh_s = refresh_s
        self._monotonic = monotonic
        self._courses: dict[str, Course] = {}
        self._building: dict[str, asyncio.Lock] = {}
        self._choice_cache: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
        self._uploads_checked = float("-inf")
        self._shadowed: set[str] = set()  # uploaded ids a course file of the same id hides

    # --- what the catalog holds ----------------------------------------------------------------------
    @property
    def default_id(self) -> str:
        return next(iter(self._packs))

    def ids(self) -> list[str]:
        return list(self._packs)

    def has(self, course_id: str) -> bool:
        return course_id in self._packs

    def pack(self, course_id: str) -> CoursePack:
        try:
            return self._packs[course_id]
        except KeyError:
            raise UnknownCourse(course_id) from None

    def entries(self) -> list[CourseEntry]:
        return [
            CourseEntry(p.id, p.title, len(p.questions), self._versions[p.id], self._versions[p.id] > 0)
            for p in self._packs.values()
        ]

    def loaded(self) -> list[str]:
        """Ids of the courses whose models are built."""
        return list(self._courses)

    async def get(self, course_id: str) -> Course:
        """The course with its models, built on first use (once, however many ask at the same time)."""
        course = self._courses.get(course_id)
        if course is not None:
            return course
        if course_id not in self._packs:
            await self.refresh()  # another replica may have had it uploaded
        pack = self.pack(course_id)
        lock = self._building.setdefault(course_id, asyncio.Lock())
        async with lock:
            course = self._courses.get(course_id)
            if course is None or course.pack is not pack:
                course = await self._make(pack, self._versions[course_id])
                self._courses[course_id] = course
        return course

    def prepare(self, course_id: str) -> Course:
        """Build a course's models now, blocking: at start-up, before any event loop runs."""
        course = self._courses.get(course_id)
        if course is None:
            course = self._made(self.pack(course_id), self._versions[course_id])
            self._courses[course_id] = course
        return course

    async def _make(self, pack: CoursePack, version: int) -> Course:
        return await asyncio.to_thread(self._made, pack, version)

    def _made(self, pack: CoursePack, version: int) -> Course:
        started = time.perf_counter()
        ask, grader = self._build(pack)
        log.info(
            "course ready course=%s questions=%d seconds=%.2f",
            pack.id,
            len(pack.questions),
            time.perf_counter() - started,
        )
        return Course(pack, ask, grader, version)

    # --- which course a place uses ---------------------------------------------------------------------
    async def course_id_for(self, place: Place) -> str:
        chosen = await self._chosen(place.platform, place.space_id)
        for key in (place.channel_id, SPACE):  # the channel's own choice first, then the space's
            course_id = chosen.get(key)
            if course_id is not None and course_id in self._packs:
                return course_id
        return self.default_id

    async def for_place(self, place: Place) -> Course:
        await self._refresh_if_stale()
        return await self.get(await self.course_id_for(place))

    async def space_course_id(self, place: Place) -> str:
        chosen = await self._chosen(place.platform, place.space_id)
        course_id = chosen.get(SPACE)
        return course_id if course_id in self._packs else self.default_id

    async def channel_override(self, place: Place) -> str | None:
        chosen = await self._chosen(place.platform, place.space_id)
        course_id = chosen.get(place.channel_id) if place.channel_id else None
        return course_id if course_id in self._packs else None

    async def choose(
        self, place: Place, course_id: str, now: datetime, *, channel_only: bool = False
    ) -> Course:
        """Make ``course_id`` the space's course (or this channel's only); builds its models first, so
        the first question after a switch is answered at once."""
        course = await self.get(course_id)
        channel = place.channel_id if channel_only else SPACE
        await self._choices.choose(place.platform, place.space_id, channel, course_id, now)
        self._choice_cache.pop((place.platform, place.space_id), None)
        return course

    async def follow_space(self, place: Place) -> bool:
        """Drop this channel's override: it uses the space's course again."""
        removed = await self._choices.clear_channel(place.platform, place.space_id, place.channel_id)
        self._choice_cache.pop((place.platform, place.space_id), None)
        return removed

    async def _chosen(self, platform: str, space_id: str) -> dict[str, str]:
        key = (platform, space_id)
        cached = self._choice_cache.get(key)
        now = self._monotonic()
        if cached is not None and now - cached[0] < self._refresh_s:
            return cached[1]
        try:
            chosen = await self._choices.choices(platform, space_id)
        except Exception:  # the database is down: /ask must still answer, from what we knew
            log.warning("course choices unavailable platform=%s: using the last known", platform)
            return cached[1] if cached is not None else {}
        self._choice_cache[key] = (now, chosen)
        return chosen

    # --- uploads ----------------------------------------------------------------------------------------
    async def _refresh_if_stale(self) -> None:
        if self._uploads is not None and self._monotonic() - self._uploads_checked >= self._refresh_s:
            try:
                await self.refresh()
            except Exception:  # the database is down: serve the courses known, look again later
                self._uploads_checked = self._monotonic()
                log.warning("uploaded courses unavailable: serving the %d known", len(self._packs))

    async def refresh(self) -> None:
        """Take in courses uploaded (on any replica) since the last look."""
        if self._uploads is None or self._documents is None:
            return
        self._uploads_checked = self._monotonic()
        for course_id, version in (await self._uploads.versions()).items():
            if course_id in self._files:
                if course_id not in self._shadowed:  # say it once, not at every refresh
                    self._shadowed.add(course_id)
                    log.warning(
                        "uploaded course hidden by a course file with the same id course=%s: "
                        "the file is served; rename one of them",
                        course_id,
                    )
                continue
            if version > self._versions.get(course_id, 0):
                history = await self._uploads.history(course_id)
                # parsing a few large documents takes a while: not on the event loop
                self._install(history, await asyncio.to_thread(self._load_all, history))

    def _load_all(self, history: list[StoredCourse]) -> list[CoursePack]:
        assert self._documents is not None
        return [self._documents.load(stored) for stored in history]

    def _install(self, history: list[StoredCourse], packs: list[CoursePack]) -> CoursePack:
        """Serve the newest version of an uploaded course, the older ones as its history."""
        course_id = history[-1].course_id
        pack = with_history(packs[-1], packs[:-1])
        self._packs[course_id] = pack
        self._versions[course_id] = history[-1].version
        self._courses.pop(course_id, None)  # rebuilt on next use
        return pack

    async def upload(
        self,
        user: User,
        place: Place,
        filename: str,
        data: bytes,
        now: datetime,
        *,
        progress: Progress | None = None,
    ) -> UploadOutcome:
        """Check, embed, then store: nothing is stored unless the course is valid and its models built;
        of two uploads of the same course at once, the first to store wins and the other is told.

        A course belongs to the space that first uploaded it: another space's admins cannot replace it
        (a bot serves many servers), and nobody replaces a course of the bot's own files from chat."""
        if self._uploads is None or self._documents is None:
            raise RuntimeError("this bot has no storage for uploaded courses")
        check = await asyncio.to_thread(self._documents.check, filename, data)
        if check.errors or check.pack is None or check.document is None:
            return UploadOutcome(check)
        await self.refresh()
        fresh = check.pack
        if fresh.id in self._files:
            return UploadOutcome(check, refused="it comes with the bot's own course files")
        stored_versions = await self._uploads.history(fresh.id)
        if stored_versions and (stored_versions[0].platform, stored_versions[0].space_id) != (
            place.platform,
            place.space_id,
        ):
            return UploadOutcome(check, refused="it was uploaded from another server, which keeps it")
        base = self._versions.get(fresh.id, 0)
        old = self._packs.get(fresh.id)
        if progress is not None:
            await progress(f"Checked {len(fresh.questions)} questions of `{fresh.id}`; embedding them…")
        pack = with_history(fresh, await asyncio.to_thread(self._load_all, stored_versions))
        course = await self._make(pack, base + 1)
        stored = StoredCourse(
            course_id=fresh.id,
            version=base + 1,
            title=fresh.title,
            filename=filename[:200],
            document=check.document,
            questions=len(fresh.questions),
            uploaded_by=f"{user.platform}:{user.user_id}"[:200],
            uploaded_at=now,
            platform=place.platform,
            space_id=place.space_id,
        )
        if not await self._uploads.save(stored):
            return UploadOutcome(check, conflict=True)
        self._packs[fresh.id] = pack
        self._versions[fresh.id] = base + 1
        self._courses[fresh.id] = course
        added, changed, removed = changes(old, fresh)
        log.info(
            "course uploaded course=%s version=%d questions=%d by=%s",
            fresh.id,
            base + 1,
            len(fresh.questions),
            stored.uploaded_by,
        )
        return UploadOutcome(check, course, added=added, changed=changed, removed=removed)
