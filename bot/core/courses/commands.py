"""``/course``: list the courses, choose the one a space or channel uses (admins), upload one (admins).

The file of an upload reaches the core as bytes: the adapter reads the attachment (Discord), the file
input of a modal (Slack) or the path typed (console) and calls :meth:`CourseCommands.upload`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.commands import CommandSpec, UsageError
from bot.core.courses.catalog import CourseCatalog, Progress, UploadOutcome
from bot.core.courses.model import MAX_UPLOAD_BYTES
from bot.core.text import shorten
from bot.core.types import Place, Reply, ReplyKind, User

COURSE_USAGE = "/course list | use ID [here] | reset | upload"
ADMIN_SUBCOMMANDS = frozenset({"use", "reset", "upload"})
UPLOAD_HOW = (
    "Upload a Markdown Q&A document or a course pack YAML: on Discord attach it to `/course upload`, "
    "on Slack run `/course upload` and pick the file, in the console type `/course upload PATH`."
)
MAX_LISTED_ERRORS = 10


class CourseCommands:
    def __init__(self, catalog: CourseCatalog, clock: Callable[[], datetime]) -> None:
        self.catalog = catalog
        self.clock = clock

    def spec(self) -> CommandSpec:
        return CommandSpec(
            "course",
            COURSE_USAGE,
            "the courses this bot knows and the one used here; admins choose or upload one",
            self.command,
            admin_subcommands=ADMIN_SUBCOMMANDS,
        )

    async def command(self, user: User, place: Place, args: str) -> Reply:
        sub, _, rest = args.strip().partition(" ")
        sub = sub.lower()
        if sub in ("", "list"):
            return await self.list(place)
        if sub == "use":
            return await self.use(place, rest)
        if sub == "reset":
            return await self.reset(place)
        if sub == "upload":
            return Reply(title="/course upload", body=UPLOAD_HOW, kind=ReplyKind.USAGE)
        raise UsageError(f"Unknown `/course {shorten(sub, 20)}`.")

    async def list(self, place: Place) -> Reply:
        await self.catalog.refresh()
        active = await self.catalog.course_id_for(place)
        override = await self.catalog.channel_override(place)
        lines = []
        for entry in self.catalog.entries():
            mark = ""
            if entry.id == active:
                mark = " ← used in this channel" if override else " ← used here"
            version = f", version {entry.version}" if entry.uploaded else ""
            lines.append(f"`{entry.id}` — {entry.title} ({entry.questions} questions{version}){mark}")
        return Reply(
            title="Courses",
            body="\n".join(lines),
            footer="Admins: `/course use ID` for the whole server, `/course use ID here` for this channel, "
            "`/course reset` to make it follow the server again.",
            kind=ReplyKind.INFO,
        )

    async def use(self, place: Place, rest: str) -> Reply:
        words = rest.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() != "here"):
            raise UsageError("Say which course: `/course use ID` or `/course use ID here`.")
        course_id, here = words[0], len(words) == 2
        if not self.catalog.has(course_id):
            await self.catalog.refresh()
        if not self.catalog.has(course_id):
            known = ", ".join(f"`{i}`" for i in self.catalog.ids())
            return Reply(
                body=f"There is no course `{shorten(course_id, 64)}`. Courses: {known}.", kind=ReplyKind.ERROR
            )
        if here and not place.channel_id:
            return Reply(
                body="`here` needs a channel: run it in the channel to change.", kind=ReplyKind.ERROR
            )
        course = await self.catalog.choose(place, course_id, self.clock(), channel_only=here)
        where = "this channel" if here else "this server"
        return Reply(
            body=f"{where.capitalize()} now uses **{course.title}** (`{course.id}`): "
            f"`/ask`, quizzes and practice follow it.",
            kind=ReplyKind.INFO,
        )

    async def reset(self, place: Place) -> Reply:
        """``/course reset``: this channel uses the server's course again."""
        if not place.channel_id or not await self.catalog.follow_space(place):
            return Reply(body="This channel already uses the server's course.", kind=ReplyKind.INFO)
        pack = self.catalog.pack(await self.catalog.space_course_id(place))
        return Reply(
            body=f"This channel uses the server's course again: **{pack.title}** (`{pack.id}`).",
            kind=ReplyKind.INFO,
        )

    async def upload(
        self,
        user: User,
        place: Place,
        filename: str,
        data: bytes,
        *,
        size: int | None = None,
        progress: Progress | None = None,
    ) -> Reply:
        """``size``: the file's size when the adapter knows it without reading the file (one too big is
        then never fetched)."""
        if not user.is_admin:
            return Reply(body="Sorry, only course admins can use `/course upload`.", kind=ReplyKind.ERROR)
        size = max(size or 0, len(data))
        if size > MAX_UPLOAD_BYTES:
            return Reply(
                title=f"{shorten(filename, 80)} was not uploaded",
                body=f"The file is {size / 1e6:.1f} MB; a course document may be at most "
                f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB. Nothing changed.",
                kind=ReplyKind.ERROR,
            )
        outcome = await self.catalog.upload(user, place, filename, data, self.clock(), progress=progress)
        return upload_reply(filename, outcome)


def upload_reply(filename: str, outcome: UploadOutcome) -> Reply:
    check = outcome.check
    if check.errors:
        shown = [f"• {shorten(e, 300)}" for e in check.errors[:MAX_LISTED_ERRORS]]
        more = len(check.errors) - len(shown)
        if more:
            shown.append(f"…and {more} more")
        return Reply(
            title=f"{shorten(filename, 80)} was not uploaded",
            body="Nothing changed. Fix these and upload again:\n" + "\n".join(shown),
            kind=ReplyKind.ERROR,
        )
    if outcome.refused:
        return Reply(
            title=f"{shorten(filename, 80)} was not uploaded",
            body=f"This server cannot replace the course `{outcome.check.pack.id if outcome.check.pack else ''}`: "
            f"{outcome.refused}. Give your course another `id` (in the YAML, or the file's name). Nothing changed.",
            kind=ReplyKind.ERROR,
        )
    if outcome.conflict or outcome.course is None:
        return Reply(
            body="Another admin uploaded this course a moment ago, so yours was not stored. "
            "Check `/course list`, then upload again if yours is the newer one.",
            kind=ReplyKind.ERROR,
        )
    course = outcome.course
    body = (
        f"**{course.title}** (`{course.id}`) version {course.version}: {len(course.pack.questions)} questions "
        f"({outcome.added} new, {outcome.changed} changed, {outcome.removed} removed). "
        f"Admins choose it with `/course use {course.id}`."
    )
    if check.warnings:
        body += "\nWarnings:\n" + "\n".join(f"• {shorten(w, 300)}" for w in check.warnings[:5])
    return Reply(title="Course uploaded", body=body, kind=ReplyKind.INFO)
