"""What the bot counts, declared once; the counting itself is a port (``MetricsBackend``).

The core counts what it does through these instruments; the composition root gives ``Metrics`` the
prometheus_client backend (bot/infra/metrics.py, one registry per ``Metrics``, so tests stay isolated) and
serves :meth:`Metrics.render` at ``/metrics`` (bot/infra/http_server.py). Without a backend (a core used
on its own, in tests or benchmarks) nothing is counted: ``NullBackend`` is five lines, not a registry.

What is counted, and where:

- ``studybot_commands_total{command}``, ``studybot_asks_total``, ``studybot_ask_abstentions_total``,
  ``studybot_search_seconds``: :class:`bot.core.studybot.StudyBot`;
- ``studybot_answers_graded_total{verdict}``, ``studybot_grading_seconds``: :class:`TimedGrader`
  (bot/core/instrumentation.py), around the grader every feature shares;
- ``studybot_posts_sent_total{platform,kind}``: :class:`CountingPlatform` (same module), around each
  platform the scheduler posts through;
- ``studybot_errors_total{source}``: :class:`ErrorCounter`, a logging handler counting records logged
  at ERROR or above (every failure the bot survives is logged with ``log.exception``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Counter(Protocol):
    def inc(self, amount: float = 1.0, **labels: str) -> None: ...

    def value(self, **labels: str) -> float: ...


class Histogram(Protocol):
    def observe(self, value: float, **labels: str) -> None: ...

    def time(self, **labels: str) -> AbstractContextManager[None]: ...

    def count(self, **labels: str) -> int: ...


class MetricsBackend(Protocol):
    """Makes the instruments and writes them out (the Prometheus text format)."""

    content_type: str

    def counter(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Counter: ...

    def histogram(
        self, name: str, help: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = DEFAULT_BUCKETS
    ) -> Histogram: ...

    def render(self) -> bytes: ...


class _Nothing:
    def inc(self, amount: float = 1.0, **labels: str) -> None:
        return None

    def value(self, **labels: str) -> float:
        return 0.0

    def observe(self, value: float, **labels: str) -> None:
        return None

    @contextlib.contextmanager
    def time(self, **labels: str) -> Iterator[None]:
        yield

    def count(self, **labels: str) -> int:
        return 0


class NullBackend:
    """Counts nothing: for a core built without the composition root."""

    content_type = "text/plain; charset=utf-8"

    def counter(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Counter:
        return _Nothing()

    def histogram(
        self, name: str, help: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = DEFAULT_BUCKETS
    ) -> Histogram:
        return _Nothing()

    def render(self) -> bytes:
        return b""


class Metrics:
    """The bot's instruments as attributes, made by one backend (one registry per process)."""

    def __init__(self, backend: MetricsBackend | None = None) -> None:
        self.backend: MetricsBackend = backend or NullBackend()
        self.commands = self.counter(
            "studybot_commands_total", "Commands handled, by command (unknown ones as 'other').", ["command"]
        )
        self.asks = self.counter("studybot_asks_total", "Questions answered by /ask.")
        self.abstentions = self.counter(
            "studybot_ask_abstentions_total", "/ask questions the course does not cover (the bot abstained)."
        )
        self.search_seconds = self.histogram(
            "studybot_search_seconds", "Seconds an /ask took: encoding the question and searching the course."
        )
        self.answers = self.counter(
            "studybot_answers_graded_total", "Answers graded (quiz and practice), by verdict.", ["verdict"]
        )
        self.grading_seconds = self.histogram(
            "studybot_grading_seconds", "Seconds one grading call took (answers are graded in batches)."
        )
        self.posts = self.counter(
            "studybot_posts_sent_total",
            "Messages the bot posted on its own (quiz posts, reveals), by platform and kind.",
            ["platform", "kind"],
        )
        self.errors = self.counter(
            "studybot_errors_total", "Errors logged (ERROR or worse), by the top-level logger.", ["source"]
        )

    def counter(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Counter:
        return self.backend.counter(name, help, labelnames)

    def histogram(
        self, name: str, help: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = DEFAULT_BUCKETS
    ) -> Histogram:
        return self.backend.histogram(name, help, labelnames, buckets)

    @property
    def content_type(self) -> str:
        return self.backend.content_type

    def render(self) -> bytes:
        """Every metric in the backend's exposition format (Prometheus text)."""
        return self.backend.render()


class ErrorCounter(logging.Handler):
    """Counts log records at ERROR or worse into ``studybot_errors_total{source}``.

    ``keep_on_reconfigure`` tells ``bot.infra.logging_setup.configure_logging`` to leave it on the root logger.
    """

    keep_on_reconfigure = True

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(level=logging.ERROR)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        self.metrics.errors.inc(source=record.name.split(".", 1)[0] or "root")
