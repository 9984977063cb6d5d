"""Composition root: the one place that knows every piece and wires them together.

``build_core`` makes the model, index and core services; the CLI and ``studybot run`` start adapters
on top of what it returns (bot/app/serve.py). Nothing else imports both the core and an implementation
of its ports. What it opens is closed by one ``AsyncExitStack``, the last opened first.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.app.courses import (
    build_catalog,
    build_course_models,
    build_judge,
    build_reader,
    course_threshold,
    load_packs,
)
from bot.app.settings import Settings, StartupError, load_settings
from bot.core.ask import AskService
from bot.core.courses.catalog import CourseCatalog
from bot.core.grading import MeaningGrader
from bot.core.instrumentation import CountingPlatform
from bot.core.metrics import ErrorCounter, Metrics
from bot.core.pack import CoursePack
from bot.core.ports import Embedder, Platform
from bot.core.ratelimit import RateLimiter
from bot.core.studybot import StudyBot
from bot.infra.metrics import prometheus_metrics
from content.errors import PackError

if TYPE_CHECKING:  # storage and the quiz engine load only for commands that serve quizzes
    from bot.app.quiz_wiring import QuizFeature

__all__ = [
    "Core",
    "Course",
    "PackError",
    "build_core",
    "build_course",
    "build_course_models",
    "build_embedder",
    "course_threshold",
    "load_course",
]

log = logging.getLogger("studybot")


@dataclass
class Core:
    """Everything built from settings that adapters share in one process."""

    settings: Settings
    courses: CourseCatalog
    embedder: Embedder
    bot: StudyBot
    closing: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    quiz: QuizFeature | None = None  # storage, quiz engine, practice, scheduler (bot/app/quiz_wiring.py)
    http: Any = None  # studybot run's HTTP server (bot/infra/http_server.py), when it has one

    @property
    def metrics(self) -> Metrics:
        return self.bot.metrics

    async def attach(self, platform: Platform) -> None:
        """Call once a platform is started: quizzes are posted/revealed through it, its schedules fire."""
        if self.quiz is not None:
            await self.quiz.attach(CountingPlatform(platform, self.bot.metrics, self.bot.in_flight.track))

    async def aclose(self) -> None:
        """Close what ``build_core`` opened, the last opened first; a second call does nothing."""
        await self.closing.aclose()


def build_embedder(settings: Settings) -> Embedder:
    """ONNX Runtime on CPU, torch on a GPU (``STUDYBOT_BACKEND``); the export is cached with the course's
    embeddings."""
    from bot.infra.embedder_factory import build_embedder as build
    from bot.infra.embedder_factory import stderr_notify

    return build(
        settings.embedding_model,
        settings.device,
        settings.backend,
        export_root=settings.resolved_cache_dir / "onnx",
        # with JSON logs every line on stderr is a JSON log record, the first-run progress too
        notify=stderr_notify if settings.log_format == "text" else log.info,
    )


def load_course(settings: Settings, course_id: str | None = None) -> CoursePack:
    """One course of the catalog: ``course_id``, else the first (the default course)."""
    packs = load_packs(settings)
    if course_id is None:
        return packs[0]
    found = next((pack for pack in packs if pack.id == course_id), None)
    if found is None:
        known = ", ".join(pack.id for pack in packs)
        raise StartupError(f"no course {course_id!r} in STUDYBOT_PACKS (courses: {known})")
    return found


@dataclass
class Course:
    """What `studybot ask` and `studybot grade` need: one course and its models, no database."""

    pack: CoursePack
    embedder: Embedder
    ask: AskService
    grader: MeaningGrader


def build_course(
    settings: Settings | None = None, *, embedder: Embedder | None = None, course_id: str | None = None
) -> Course:
    settings = settings or load_settings()
    pack = load_course(settings, course_id)
    embedder = embedder or build_embedder(settings)
    ask, grader = build_course_models(
        pack,
        embedder,
        cache_path=settings.resolved_cache_dir / "embeddings.sqlite3",
        threshold=course_threshold(pack, settings),
        reader=build_reader(settings),
        judge=build_judge(settings, pack),
    )
    return Course(pack, embedder, ask, grader)


def build_core(settings: Settings | None = None, *, embedder: Embedder | None = None) -> Core:
    """The catalog (its first course built now, the others on first use), the bot, storage and quizzes."""
    from bot.app.quiz_wiring import build_quiz_feature, open_storage

    settings = settings or load_settings()
    packs = load_packs(settings)
    embedder = embedder or build_embedder(settings)
    metrics = prometheus_metrics()  # a registry of its own
    database, repos = open_storage(settings, legacy_course=packs[0].id)
    try:
        courses = build_catalog(settings, embedder, packs=packs, repos=repos, metrics=metrics)
        courses.prepare(courses.default_id)  # the default course is ready before serving
    except BaseException:
        database.close()
        raise
    bot = StudyBot(
        courses=courses,
        ask_limiter=RateLimiter(settings.ask_rate_per_minute, 60.0),
        action_limiter=RateLimiter(settings.action_rate_per_minute, 60.0),
        metrics=metrics,
    )
    quiz = build_quiz_feature(settings, courses, bot, database=database, repos=repos)
    core = Core(settings=settings, courses=courses, embedder=embedder, bot=bot, quiz=quiz)
    errors = ErrorCounter(metrics)  # studybot_errors_total counts what is logged at ERROR
    logging.getLogger().addHandler(errors)
    core.closing.callback(logging.getLogger().removeHandler, errors)  # closed last
    core.closing.push_async_callback(quiz.aclose)
    return core
