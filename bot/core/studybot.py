"""The bot every adapter talks to: one object, one method per kind of user input.

Adapters translate platform events into calls here and render the returned ``Reply``. Features
(asking, quizzes, practice) register their commands on the router, so adding one touches no adapter.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

from bot.core.ask import AskResult
from bot.core.ask_replies import ASK_USAGE, ask_reply, slow_down, too_long
from bot.core.commands import CommandRouter, CommandSpec, UsageError, parse_command_line
from bot.core.courses.catalog import CourseCatalog, Progress
from bot.core.courses.commands import CourseCommands
from bot.core.metrics import Metrics
from bot.core.ratelimit import RateLimiter
from bot.core.receipts import InFlight, Receipt, answer_received, expecting_receipt
from bot.core.text import MAX_QUERY_CHARS, clean_text
from bot.core.types import ButtonAction, Command, Place, Reply, ReplyKind, User

log = logging.getLogger(__name__)

AnswerHandler = Callable[[User, Place, str, str], Awaitable[Reply]]

# What the bot itself says (each feature's texts live with the feature: ask_replies.py, quiz/replies.py).
TRY_AGAIN = "Something went wrong on our side. Please try again in a moment."
RESTARTING = "StudyBot is restarting. Please try again in a moment."
BUTTON_GONE = "That button no longer works here."
SLOW_DOWN = "You're going quickly! Please wait {seconds} s and try again."


_REPEAT: ContextVar[bool] = ContextVar("studybot_repeat", default=False)


@contextlib.contextmanager
def repeating() -> Iterator[None]:
    """Commands run inside this repeat an earlier one (a Share pressed after a restart re-runs the
    ``/ask``): they answer the same, but are not counted again (the insights' ask log)."""
    token = _REPEAT.set(True)
    try:
        yield
    finally:
        _REPEAT.reset(token)


def is_temporary_failure(reply: Reply) -> bool:
    """Nothing was done, through no fault of the user (an error on our side, a restart): the same request
    may work in a moment. Adapters can keep a form open for another try."""
    return reply.retry


class StudyBot:
    def __init__(
        self,
        *,
        courses: CourseCatalog,
        ask_limiter: RateLimiter | None = None,
        action_limiter: RateLimiter | None = None,
        unlimited_platforms: frozenset[str] = frozenset({"console"}),
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.courses = courses
        self.metrics = metrics or Metrics()
        self.in_flight = InFlight()  # what a graceful shutdown waits for (bot/serve.py)
        self.course_commands = CourseCommands(courses, clock)
        self.router = CommandRouter()
        self._ask_limiter = ask_limiter
        self._action_limiter = action_limiter  # every command but /ask (it has its own), every answer
        self._unlimited = unlimited_platforms
        self._answer_handlers: dict[ButtonAction, tuple[AnswerHandler, bool]] = {}
        # told of every /ask and its result (the insights' ask log); must not block
        self.ask_listeners: list[Callable[[Place, str, AskResult], None]] = []
        self.router.register(
            CommandSpec("ask", "/ask QUESTION", "find the course's answer to a question", self._ask)
        )
        self.router.register(CommandSpec("help", "/help", "list the commands", self._help))
        self.router.register(self.course_commands.spec())

    # --- what adapters call --------------------------------------------------------------------
    async def handle(self, user: User, place: Place, command: Command) -> Reply:
        if self.in_flight.closing:
            return Reply(body=RESTARTING, kind=ReplyKind.ERROR, retry=True)
        if command.name != "ask" and (slow_down := self._too_fast(user, place)):
            return slow_down
        self.in_flight.track()
        known = self.router.get(command.name) is not None
        self.metrics.commands.inc(command=command.name if known else "other")
        try:
            return await self.router.dispatch(user, place, command)
        except Exception:
            log.exception("command failed command=%s platform=%s", command.name, place.platform)
            return Reply(body=TRY_AGAIN, kind=ReplyKind.ERROR, retry=True)

    async def handle_line(self, user: User, place: Place, line: str) -> Reply | None:
        """A typed line (console, Slack text). ``None`` when it is not a command."""
        command = parse_command_line(line)
        return None if command is None else await self.handle(user, place, command)

    async def submit_answer(
        self,
        user: User,
        place: Place,
        action: ButtonAction,
        value: str,
        text: str,
        *,
        on_received: Receipt | None = None,
    ) -> Reply:
        """An answer typed into a quiz or practice form; ``value`` is what the button carried.

        ``on_received`` (optional) is awaited once the answer is safe, before grading: as soon as a
        handler registered with ``acknowledges=True`` has stored it, else before any other handler runs.
        When it was not called by the time the reply comes back, nothing was stored (the reply says why:
        the quiz is closed, the database is unreachable...), and the adapter can say so in the form.
        """
        entry = self._answer_handlers.get(action)
        if entry is None:
            return Reply(body=BUTTON_GONE, kind=ReplyKind.ERROR)
        if self.in_flight.closing:
            return Reply(body=RESTARTING, kind=ReplyKind.ERROR, retry=True)
        if slow_down := self._too_fast(user, place):
            return slow_down
        self.in_flight.track()
        handler, acknowledges = entry
        with expecting_receipt(on_received):
            if not acknowledges:
                await answer_received()  # nothing to store first: acknowledge at once
            try:
                return await handler(user, place, value, text)
            except Exception:
                log.exception("answer failed action=%s platform=%s", action.value, place.platform)
                return Reply(body=TRY_AGAIN, kind=ReplyKind.ERROR, retry=True)

    async def upload_course(
        self,
        user: User,
        place: Place,
        filename: str,
        data: bytes,
        *,
        size: int | None = None,
        progress: Progress | None = None,
    ) -> Reply:
        """``/course upload`` with its file, read by the adapter (attachment, modal file, path)."""
        if self.in_flight.closing:
            return Reply(body=RESTARTING, kind=ReplyKind.ERROR, retry=True)
        if slow_down := self._too_fast(user, place):
            return slow_down
        self.in_flight.track()
        try:
            return await self.course_commands.upload(
                user, place, filename, data, size=size, progress=progress
            )
        except Exception:
            log.exception("course upload failed platform=%s", place.platform)
            return Reply(body=TRY_AGAIN, kind=ReplyKind.ERROR, retry=True)

    async def course_title(self, place: Place) -> str:
        """The title of the course used in ``place`` (banners, help)."""
        return self.courses.pack(await self.courses.course_id_for(place)).title

    async def course_questions(self, place: Place) -> list[str]:
        """The questions of the course used in ``place`` (autocomplete)."""
        return [item.question for item in self.courses.pack(await self.courses.course_id_for(place)).questions]

    # --- what features call --------------------------------------------------------------------
    def register_answer_handler(
        self, action: ButtonAction, handler: AnswerHandler, *, acknowledges: bool = False
    ) -> None:
        """``acknowledges``: the handler stores the answer before grading it and calls
        ``bot.core.receipts.answer_received()`` once stored (see ``submit_answer``)."""
        self._answer_handlers[action] = (handler, acknowledges)

    def _too_fast(self, user: User, place: Place) -> Reply | None:
        """A reply asking ``user`` to slow down, or ``None``: one user's flood can't starve the others."""
        if self._action_limiter is None or place.platform in self._unlimited:
            return None
        wait = self._action_limiter.retry_after((user.platform, user.user_id))
        if wait <= 0:
            return None
        self.metrics.commands.inc(command="rate_limited")
        return Reply(body=SLOW_DOWN.format(seconds=math.ceil(wait)), kind=ReplyKind.ERROR, retry=True)

    # --- built-in commands ----------------------------------------------------------------------
    async def _ask(self, user: User, place: Place, args: str) -> Reply:
        query = clean_text(args)
        if not query:
            raise UsageError(ASK_USAGE)
        if len(query) > MAX_QUERY_CHARS:
            return too_long(len(query), MAX_QUERY_CHARS)
        if self._ask_limiter and place.platform not in self._unlimited:
            wait = self._ask_limiter.retry_after((user.platform, user.user_id))
            if wait > 0:
                return slow_down(wait)
        self.metrics.asks.inc()
        course = await self.courses.for_place(place)  # built on first use: not search time
        with self.metrics.search_seconds.time():
            result = await course.ask.ask(query)
        if result.abstained:
            self.metrics.abstentions.inc()
        if not _REPEAT.get():
            for listener in self.ask_listeners:
                listener(place, course.id, result)
        return ask_reply(result)

    async def _help(self, user: User, place: Place, args: str) -> Reply:
        reply = self.router.help_reply(user)
        return Reply(body=reply.body, title=f"StudyBot · {await self.course_title(place)}", kind="help")
