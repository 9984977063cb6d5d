"""Composition root: the one place that knows every piece and wires them together.

``build_core`` makes the model, index and core services; the CLI and ``studybot run`` start adapters
on top of what it returns (bot/app/serve.py). Nothing else imports both the core and an implementation
of its ports. What it opens is closed by one ``AsyncExitStack``, the last opened first.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app.settings import Settings, load_settings
from bot.core.ask import DEFAULT_THRESHOLD, AskService, course_speller
from bot.core.grading import MeaningGrader
from bot.core.instrumentation import CountingPlatform, TimedGrader
from bot.core.metrics import ErrorCounter, Metrics
from bot.core.pack import CoursePack
from bot.core.ports import Embedder, Platform
from bot.core.ratelimit import RateLimiter
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from bot.infra.metrics import prometheus_metrics
from content.errors import PackError
from content.loader import default_pack_path, load_pack
from content.topics import load_off_course_topics
from content.vocabulary import load_english_words

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
    pack: CoursePack
    embedder: Embedder
    index: SemanticIndex
    ask: AskService
    grader: MeaningGrader
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
        notify=stderr_notify,
    )


def load_course(settings: Settings) -> CoursePack:
    return load_pack(Path(settings.pack) if settings.pack else default_pack_path())


def course_threshold(pack: CoursePack, settings: Settings) -> float | None:
    """``/ask``'s threshold for a course: the pack's own ``ask_threshold``, else STUDYBOT_ASK_THRESHOLD,
    else (None) the default. The pack's wins because its authors tuned it for their questions."""
    return pack.ask_threshold if pack.ask_threshold is not None else settings.ask_threshold


def build_course_models(
    pack: CoursePack,
    embedder: Embedder,
    *,
    cache_path: Path | None = None,
    threshold: float | None = None,
) -> tuple[AskService, MeaningGrader]:
    """The search index with its off-course anchors, and the grader's rubric vectors.

    Course texts go through the on-disk embedding cache at ``cache_path``, so a restart encodes
    nothing it encoded before; queries and answers never go in the cache.
    """
    from bot.infra.embedding_cache import CachedEmbedder

    course_embedder: Embedder = embedder
    cached = CachedEmbedder(embedder, cache_path) if cache_path else None
    if cached:
        course_embedder = cached
    try:
        index = SemanticIndex.build(pack.questions, course_embedder)
        topics = load_off_course_topics()
        anchors = course_embedder.encode(topics)
        grader = MeaningGrader(pack.questions, course_embedder, query_embedder=embedder)
    finally:
        if cached:
            log.info("course encoded items=%d newly_encoded=%d", len(pack.questions), cached.misses)
            cached.close()
    ask = AskService(
        index,
        embedder,
        DEFAULT_THRESHOLD if threshold is None else threshold,
        off_course=anchors,
        speller=course_speller(pack.questions, topics, load_english_words()),
    )
    return ask, grader


@dataclass
class Course:
    """What `studybot ask` and `studybot grade` need: the course and its models, no database."""

    pack: CoursePack
    embedder: Embedder
    ask: AskService
    grader: MeaningGrader


def build_course(settings: Settings | None = None, *, embedder: Embedder | None = None) -> Course:
    settings = settings or load_settings()
    pack = load_course(settings)
    embedder = embedder or build_embedder(settings)
    ask, grader = build_course_models(
        pack,
        embedder,
        cache_path=settings.resolved_cache_dir / "embeddings.sqlite3",
        threshold=course_threshold(pack, settings),
    )
    return Course(pack, embedder, ask, grader)


def build_core(settings: Settings | None = None, *, embedder: Embedder | None = None) -> Core:
    from bot.app.quiz_wiring import build_quiz_feature

    settings = settings or load_settings()
    course = build_course(settings, embedder=embedder)
    pack, embedder, ask, grader = course.pack, course.embedder, course.ask, course.grader
    limiter = RateLimiter(settings.ask_rate_per_minute, 60.0)
    metrics = prometheus_metrics()  # a registry of its own
    bot = StudyBot(
        course_title=pack.title,
        ask=ask,
        ask_limiter=limiter,
        action_limiter=RateLimiter(settings.action_rate_per_minute, 60.0),
        metrics=metrics,
    )
    # migrates the database first; grades through a grader that counts verdicts and times each call
    quiz = build_quiz_feature(settings, pack, TimedGrader(grader, metrics), bot)
    core = Core(
        settings=settings,
        pack=pack,
        embedder=embedder,
        index=ask.index,
        ask=ask,
        grader=grader,
        bot=bot,
        quiz=quiz,
    )
    errors = ErrorCounter(metrics)  # studybot_errors_total counts what is logged at ERROR
    logging.getLogger().addHandler(errors)
    core.closing.callback(logging.getLogger().removeHandler, errors)  # closed last
    core.closing.push_async_callback(quiz.aclose)
    return core
