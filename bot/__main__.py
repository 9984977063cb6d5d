"""Composition root: the one place that knows every piece and wires them together.

``build_core`` makes the model, index and core services; the CLI and ``studybot run`` start adapters
on top of what it returns. Nothing else imports both the core and an implementation of its ports.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core.ask import DEFAULT_THRESHOLD, AskService, course_speller
from bot.core.grading import MeaningGrader
from bot.core.instrumentation import CountingPlatform, TimedGrader
from bot.core.metrics import ErrorCounter, Metrics
from bot.core.pack import CoursePack
from bot.core.ports import Embedder, Platform
from bot.core.ratelimit import RateLimiter
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from bot.quiz_wiring import QuizFeature, build_quiz_feature
from content.loader import default_pack_path, load_pack
from content.topics import load_off_course_topics
from content.vocabulary import load_english_words

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
    closers: list = field(default_factory=list)  # callables run at shutdown
    quiz: QuizFeature | None = None  # storage, quiz engine, practice, scheduler (bot/quiz_wiring.py)
    http: Any = None  # studybot run's HTTP server (bot/http_server.py), when it has one

    @property
    def metrics(self) -> Metrics:
        return self.bot.metrics

    async def attach(self, platform: Platform) -> None:
        """Call once a platform is started: quizzes are posted/revealed through it, its schedules fire."""
        if self.quiz is not None:
            await self.quiz.attach(CountingPlatform(platform, self.bot.metrics, self.bot.in_flight.track))

    async def aclose(self) -> None:
        while self.closers:  # each closer runs once, the last added first
            result = self.closers.pop()()
            if hasattr(result, "__await__"):
                await result


def build_embedder(settings: Settings) -> Embedder:
    from bot.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.embedding_model, settings.device)


def load_course(settings: Settings) -> CoursePack:
    return load_pack(Path(settings.pack) if settings.pack else default_pack_path())


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
    from bot.embedding_cache import CachedEmbedder

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


def build_core(settings: Settings | None = None, *, embedder: Embedder | None = None) -> Core:
    settings = settings or Settings()
    pack = load_course(settings)
    embedder = embedder or build_embedder(settings)
    ask, grader = build_course_models(
        pack,
        embedder,
        cache_path=settings.resolved_cache_dir / "embeddings.sqlite3",
        threshold=settings.ask_threshold,
    )
    limiter = RateLimiter(settings.ask_rate_per_minute, 60.0)
    metrics = Metrics()
    bot = StudyBot(course_title=pack.title, ask=ask, ask_limiter=limiter, metrics=metrics)
    # migrates the database first; grades through a grader that counts verdicts and times each call
    quiz = build_quiz_feature(settings, pack, TimedGrader(grader, metrics), bot)
    core = Core(
        settings=settings, pack=pack, embedder=embedder, index=ask.index, ask=ask, grader=grader, bot=bot,
        quiz=quiz,
    )
    core.closers.append(quiz.aclose)
    errors = ErrorCounter(metrics)  # studybot_errors_total counts what is logged at ERROR
    logging.getLogger().addHandler(errors)
    core.closers.insert(0, lambda: logging.getLogger().removeHandler(errors))
    return core


if __name__ == "__main__":
    from bot.cli import main

    main()
