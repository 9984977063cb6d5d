"""Wrappers that count what passes through a port, so the features themselves stay unaware of metrics.

The composition root wraps the grader once (every feature grades through it) and each platform when it
is attached (the scheduler posts through it).
"""

from __future__ import annotations

from typing import Any

from bot.core.grade import Grade, Grader
from bot.core.metrics import Metrics
from bot.core.pack import QAItem
from bot.core.types import Place, PostedMessage, Reply


class TimedGrader:
    """A ``Grader`` that observes each call's latency and counts the verdicts it returns."""

    def __init__(self, grader: Grader, metrics: Metrics) -> None:
        self.inner = grader
        self.metrics = metrics

    def grade_many(self, items: list[tuple[QAItem, str]]) -> list[Grade]:
        with self.metrics.grading_seconds.time():
            grades = self.inner.grade_many(items)
        for grade in grades:
            self.metrics.answers.inc(verdict=grade.verdict.value)
        return grades

    def __getattr__(self, name: str) -> Any:  # the rest of the real grader (questions, thresholds...)
        return getattr(self.inner, name)


class CountingPlatform:
    """A ``Platform`` that counts the messages posted through it and reports each post as work in
    flight (``track``), so a graceful shutdown waits for a post it has started."""

    def __init__(self, platform: Any, metrics: Metrics, track=None) -> None:
        self.inner = platform
        self.name = platform.name
        self.metrics = metrics
        self._track = track

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def post(self, place: Place, reply: Reply) -> PostedMessage:
        if self._track is not None:
            self._track()
        message = await self.inner.post(place, reply)
        self.metrics.posts.inc(platform=self.name, kind=reply.kind)
        return message

    async def tell(self, place: Place, user_id: str, reply: Reply) -> None:
        if self._track is not None:
            self._track()
        await self.inner.tell(place, user_id, reply)
        self.metrics.posts.inc(platform=self.name, kind=reply.kind)

    async def reply_to(self, message: PostedMessage, reply: Reply) -> PostedMessage:
        if self._track is not None:
            self._track()
        posted = await self.inner.reply_to(message, reply)
        self.metrics.posts.inc(platform=self.name, kind=reply.kind)
        return posted

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
