"""Part of the composition root: opens storage, builds the quiz engine, practice and the scheduler.

``bot.app.core.build_core`` calls :func:`open_storage`, then :func:`build_quiz_feature`; the adapters' processes call
``Core.attach(platform)`` once their platform is started, which starts the scheduler for it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.app.settings import Settings, StartupError
from bot.core.courses.catalog import CourseCatalog
from bot.core.disputes.commands import register as register_disputes
from bot.core.disputes.service import DisputeService
from bot.core.insights.commands import register as register_insights
from bot.core.insights.service import InsightsService
from bot.core.ports import Platform
from bot.core.quiz.commands import register
from bot.core.quiz.ports import ReviewAlgorithm
from bot.core.quiz.practice import PracticeService
from bot.core.quiz.schedule import ScheduleError, parse_timezone
from bot.core.quiz.service import Clock, QuizService, utc_now
from bot.core.quiz.worker import GradeBatcher, QuizGradingWorker
from bot.core.studybot import StudyBot
from bot.infra.scheduler import QuizScheduler
from storage.db import Database, redacted
from storage.migrate import upgrade
from storage.repositories import Repositories

log = logging.getLogger("studybot")


@dataclass
class QuizFeature:
    database: Database
    repos: Repositories
    batcher: GradeBatcher
    worker: QuizGradingWorker
    service: QuizService
    practice: PracticeService
    scheduler: QuizScheduler
    disputes: DisputeService
    insights: InsightsService
    platforms: dict[str, Platform] = field(default_factory=dict)

    async def attach(self, platform: Platform) -> None:
        """Post and reveal quizzes through ``platform`` (keyed by its ``name``); fire its schedules."""
        self.platforms[platform.name] = platform
        await self.scheduler.start()

    async def aclose(self) -> None:
        await self.scheduler.stop()
        await self.insights.drain()
        await self.worker.aclose()
        await self.batcher.aclose()
        await self.repos.aclose()
        # in a thread, briefly: a hung database must not block the loop or the rest of the shutdown
        await asyncio.to_thread(self.database.close, wait_s=1.0)


def open_storage(
    settings: Settings,
    *,
    legacy_course: str | None = None,
    database: Database | None = None,
    migrate: bool = True,
) -> tuple[Database, Repositories]:
    """The database (default: ``DATABASE_URL``), migrated first; ``legacy_course``: the course that rows
    made before there were several belong to."""
    try:
        parse_timezone(settings.timezone)  # a bad STUDYBOT_TIMEZONE fails at start, with the valid forms
    except ScheduleError as exc:
        raise StartupError(f"STUDYBOT_TIMEZONE: {exc}") from exc
    if database is None:
        database = Database(settings.resolved_database_url, call_timeout_s=settings.db_timeout_seconds)
    if migrate:
        try:
            revision = upgrade(database, legacy_course=legacy_course)
        except SQLAlchemyError as exc:
            database.close()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StartupError(
                f"cannot use the database {redacted(database.url)}: {reason} (check DATABASE_URL)"
            ) from exc
        log.info("database ready url=%s revision=%s", redacted(database.url), revision)
    return database, Repositories.build(database)


def build_quiz_feature(
    settings: Settings,
    courses: CourseCatalog,
    bot: StudyBot,
    *,
    database: Database,
    repos: Repositories,
    clock: Clock = utc_now,
    review: ReviewAlgorithm | None = None,
) -> QuizFeature:
    """Everything the quiz feature needs, on storage opened by :func:`open_storage`."""
    platforms: dict[str, Platform] = {}
    batcher = GradeBatcher()  # each answer brings its course's grader
    worker = QuizGradingWorker(
        batcher=batcher,
        courses=courses,
        quizzes=repos.quizzes,
        answers=repos.answers,
        spaces=repos.spaces,
        default_timezone=settings.timezone,
        clock=clock,
    )
    service = QuizService(
        courses=courses,
        quizzes=repos.quizzes,
        answers=repos.answers,
        scores=repos.scores,
        schedules=repos.schedules,
        spaces=repos.spaces,
        worker=worker,
        platforms=platforms,
        default_timezone=settings.timezone,
        answer_window=timedelta(hours=settings.answer_window_hours),
        missed_post_grace=timedelta(minutes=settings.missed_post_grace_minutes),
        clock=clock,
    )
    disputes = DisputeService(
        disputes=repos.disputes,
        spaces=repos.spaces,
        platforms=platforms,
        clock=clock,
        window=timedelta(days=settings.dispute_days),
        default_timezone=settings.timezone,
    )
    worker.undecided = disputes
    service.stats_fields.append(disputes.stats_field)
    scheduler = QuizScheduler(service, track=bot.in_flight.track)
    service.listener = scheduler
    if review is None:
        from bot.infra.practice_fsrs import FsrsReviewer

        review = FsrsReviewer()
    practice = PracticeService(
        courses=courses,
        cards=repos.practice,
        algorithm=review,
        batcher=batcher,
        clock=clock,
        undecided=disputes,
    )
    register(bot, service, practice)
    register_disputes(bot, disputes)
    insights = build_insights(settings, courses, repos, clock)
    register_insights(bot, insights)
    return QuizFeature(
        database, repos, batcher, worker, service, practice, scheduler, disputes, insights, platforms
    )


def build_insights(
    settings: Settings, courses: CourseCatalog, repos: Repositories, clock: Clock = utc_now
) -> InsightsService:
    """Insight for the course staff, with its chart (matplotlib loads on the first chart drawn)."""

    def chart(report):  # type: ignore[no-untyped-def]
        from bot.infra.charts import render_insights_png  # matplotlib: loaded on the first chart

        return render_insights_png(report)

    return InsightsService(
        store=repos.insights, courses=courses, clock=clock, chart=chart, ask_log_days=settings.ask_log_days
    )
