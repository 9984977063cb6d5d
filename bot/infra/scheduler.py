"""Fires the quiz schedules with APScheduler 3 (``AsyncIOScheduler`` + ``CronTrigger``).

APScheduler only keeps in-memory jobs here: job stores must not be shared between processes, so the
schedules live in the project's table and every replica builds its jobs from it (and re-reads it every
minute, to follow changes made on another replica). When a job fires, :meth:`QuizService.run_schedule`
claims the post in the database first, so N replicas firing the same schedule post once.

At start: posts missed while the bot was down are sent if within the grace period (else skipped and
logged), quizzes whose answer window ended are closed and revealed, and answers left ungraded by a crash
are graded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.quiz.model import Schedule
from bot.core.quiz.schedule import DAY_NAMES
from bot.core.quiz.service import QuizService
from bot.core.types import Place

log = logging.getLogger(__name__)

JOB_PREFIX = "quiz:"


def job_id(place: Place) -> str:
    return f"{JOB_PREFIX}{place.platform}:{place.space_id}:{place.channel_id}"


def cron_trigger(schedule: Schedule) -> CronTrigger:
    rule = schedule.rule
    return CronTrigger(
        day_of_week=",".join(DAY_NAMES[d] for d in sorted(rule.days)),
        hour=rule.at.hour,
        minute=rule.at.minute,
        second=0,
        timezone=ZoneInfo(rule.timezone),
    )


class QuizScheduler:
    """Also the core's ``ScheduleListener``: ``/quiz schedule`` on this replica takes effect at once."""

    def __init__(
        self,
        service: QuizService,
        *,
        resync_every: timedelta = timedelta(seconds=60),
        close_every: timedelta = timedelta(seconds=30),
        track: Callable[[], None] = lambda: None,
    ) -> None:
        """``track`` marks the running task as work in flight, so a graceful shutdown waits for a post
        whose slot is claimed (a claimed post that is not sent is never sent)."""
        self.service = service
        self._track = track
        self.resync_every = resync_every
        self.close_every = close_every
        self._scheduler: AsyncIOScheduler | None = None
        self._signatures: dict[str, tuple] = {}
        self._sync_lock = asyncio.Lock()
        self._background: set[asyncio.Task] = set()

    @property
    def apscheduler(self) -> AsyncIOScheduler | None:
        return self._scheduler

    async def start(self) -> None:
        """Start firing (idempotent: a second call only re-reads the schedules, e.g. for a new platform)."""
        if self._scheduler is None:
            grace = int(self.service.grace.total_seconds())
            self._scheduler = AsyncIOScheduler(
                timezone=UTC,
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": max(grace, 1)},
            )
            self._scheduler.start()
            self._scheduler.add_job(
                self.sync, IntervalTrigger(seconds=self.resync_every.total_seconds()), id="studybot:sync"
            )
            self._scheduler.add_job(
                self._close_expired,
                IntervalTrigger(seconds=self.close_every.total_seconds()),
                id="studybot:close",
            )
        await self.sync()
        await self.startup()

    async def startup(self) -> None:
        """Catch up after downtime: missed posts (within grace), overdue reveals, ungraded answers."""
        with _logged("catch-up of missed posts"):
            await self.service.catch_up()
        await self._close_expired()
        task = asyncio.get_running_loop().create_task(self._recover(), name="grade-recovery")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _recover(self) -> None:
        with _logged("grading of answers left ungraded"):
            graded = await self.service.worker.grade_ungraded()
            if graded:
                log.info("graded answers left ungraded at start count=%d", graded)

    async def _close_expired(self) -> None:
        with _logged("closing quizzes past their answer window"):
            await self.service.close_expired()

    async def sync(self) -> None:
        """Make the jobs match the schedules table (for this process's platforms)."""
        if self._scheduler is None:
            return
        async with self._sync_lock:
            schedules = await self.service.schedules.for_platforms(list(self.service.platforms))
            wanted = {job_id(s.place): s for s in schedules if not s.paused}
            for job in self._scheduler.get_jobs():
                if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                    job.remove()
                    self._signatures.pop(job.id, None)
            for key, schedule in wanted.items():
                signature = (schedule.rule.slot, tuple(sorted(schedule.rule.days)), schedule.rule.timezone)
                if self._signatures.get(key) == signature and self._scheduler.get_job(key) is not None:
                    continue
                self._scheduler.add_job(
                    self.fire, cron_trigger(schedule), args=[schedule.place], id=key, replace_existing=True
                )
                self._signatures[key] = signature
                log.info("quiz schedule armed place=%s rule=%s", key, schedule.rule.describe())

    async def schedule_changed(self, place: Place) -> None:
        await self.sync()

    async def fire(self, place: Place) -> None:
        """The job APScheduler runs when a channel's schedule fires."""
        self._track()
        with _logged(f"scheduled quiz post {job_id(place)}"):
            await self.service.run_schedule(place)

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        for task in list(self._background):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


@contextlib.contextmanager
def _logged(what: str):
    try:
        yield
    except Exception:
        log.exception("%s failed", what)
