"""Work in flight, and telling the platform an answer is safely stored before it is graded.

**Receipts.** A platform acknowledges an answer form (Slack closes the modal with ``ack()``); the student
then takes the answer as handed in. So the acknowledgement must come only once the answer is durably
stored: an adapter passes ``on_received`` to :meth:`StudyBot.submit_answer`, and a feature that stores
answers before grading them calls :func:`answer_received` right after the store commits. If the process
dies while grading, the stored answer is graded at the next start (``QuizGradingWorker.grade_ungraded``).

**Work in flight.** :class:`InFlight` remembers the tasks handling a command, an answer or a post, so a
graceful shutdown can stop taking new work and wait for the work it has (``drain``). A task counts until
it ends, so the reply an adapter sends after the core returns is included: the platforms' SDKs run each
event in its own task (discord.py, slack-bolt), as does APScheduler each job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

log = logging.getLogger(__name__)

Receipt = Callable[[], Awaitable[None]]

_pending: ContextVar[list[Receipt] | None] = ContextVar("studybot_answer_receipt", default=None)


@contextlib.contextmanager
def expecting_receipt(callback: Receipt | None) -> Iterator[list[Receipt]]:
    """Within the block, :func:`answer_received` calls ``callback`` (once). Yields the pending list:
    empty once the receipt was given."""
    pending = [callback] if callback is not None else []
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


async def answer_received() -> None:
    """Call once the answer is durably stored (before the slow part): the platform may now tell the
    student it was received. A no-op when nobody waits for it, or when it was given already."""
    pending = _pending.get()
    if not pending:
        return
    callback = pending.pop()
    try:
        await callback()
    except Exception:  # a failed acknowledgement must not lose the grading that follows
        log.exception("acknowledging an answer failed")


class InFlight:
    """The tasks doing user-visible work now, and whether the process is closing (taking no new work)."""

    def __init__(self) -> None:
        self.closing = False
        self._tasks: set[asyncio.Task] = set()

    def track(self) -> None:
        """Count the current task as work in flight until it finishes."""
        try:
            task = asyncio.current_task()
        except RuntimeError:
            return
        if task is None or task in self._tasks:
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def __len__(self) -> int:
        return sum(1 for task in self._tasks if not task.done())

    async def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for the work in flight (not the caller's own task) to finish;
        returns how many tasks were still running."""
        me = asyncio.current_task()
        waiting = {t for t in self._tasks if t is not me and not t.done()}
        if not waiting:
            return 0
        _done, pending = await asyncio.wait(waiting, timeout=timeout)
        return len(pending)
