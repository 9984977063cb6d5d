"""What the platform fuzz suites share: a rig that runs a real adapter on an event loop of its own (so
hypothesis can drive it example after example from a synchronous test), and catches every error the
bot logs or the loop sees while an example is served."""

from __future__ import annotations

import asyncio
import logging
import traceback
from pathlib import Path
from typing import Any


class ErrorLog(logging.Handler):
    """Everything logged at ERROR while a request was served: an exception that escaped a listener."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def described(record: logging.LogRecord) -> str:
    """The message and where the exception was raised (the last frames), for a readable failure."""
    where = ""
    if record.exc_info:
        where = "".join(traceback.format_exception(*record.exc_info)[-4:])[-1500:]
    return f"{record.name}: {record.getMessage()[:300]}\n{where}"


class PlatformRig:
    """A started platform on its own event loop, reused by every example of a test. Subclasses start
    and stop their platform in ``_start``/``_stop`` and call ``spy`` on the core they serve."""

    hold_answers = True  # False where the adapter itself waits for an answer to be stored

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.loop = asyncio.new_event_loop()
        self.errors = ErrorLog()
        self.loop_errors: list[str] = []
        self.held = asyncio.Event()
        self.hold_core = False
        self.replies: list[Any] = []

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def __enter__(self):
        logging.getLogger().addHandler(self.errors)
        self.loop.set_exception_handler(lambda _loop, ctx: self.loop_errors.append(str(ctx.get("message"))))
        self.run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.run(self._stop())
        finally:
            self.loop.close()
            logging.getLogger().removeHandler(self.errors)

    async def _start(self) -> None:
        raise NotImplementedError

    async def _stop(self) -> None:
        raise NotImplementedError

    def failures_since(self, errors: int, loop_errors: int) -> list[str]:
        """What went wrong since the counts ``len(self.errors.records)``, ``len(self.loop_errors)``."""
        return [described(r) for r in self.errors.records[errors:]] + self.loop_errors[loop_errors:]

    def spy(self, bot) -> None:
        """Record every reply of the core, and hold the core while ``hold_core`` is set (answers too,
        unless ``hold_answers`` is off)."""
        handle, submit = bot.handle, bot.submit_answer

        async def held() -> None:
            if self.hold_core:
                await self.held.wait()

        async def spy_handle(*args, **kwargs):
            await held()
            reply = await handle(*args, **kwargs)
            self.replies.append(reply)
            return reply

        async def spy_submit(*args, **kwargs):
            if self.hold_answers:
                await held()
            reply = await submit(*args, **kwargs)
            self.replies.append(reply)
            return reply

        bot.handle, bot.submit_answer = spy_handle, spy_submit
