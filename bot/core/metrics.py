"""A tiny metrics registry: counters and histograms, written out in the Prometheus text format.

Platform-free and dependency-free (the standard library only), so the core counts what it does and the
composition root serves :meth:`Metrics.render` at ``/metrics`` (bot/http_server.py). Thread-safe: the
grader runs in worker threads.

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
import math
import threading
import time
from collections.abc import Iterator, Sequence

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

LabelKey = tuple[str, ...]


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _labels(names: Sequence[str], values: Sequence[str], extra: tuple[str, str] | None = None) -> str:
    pairs = [f'{n}="{_escape_label(v)}"' for n, v in zip(names, values, strict=True)]
    if extra is not None:
        pairs.append(f'{extra[0]}="{_escape_label(extra[1])}"')
    return "{" + ",".join(pairs) + "}" if pairs else ""


class _Metric:
    kind = ""

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()) -> None:
        self.name = name
        self.help = help
        self.labelnames = tuple(labelnames)
        self._lock = threading.Lock()

    def _key(self, labels: dict[str, str]) -> LabelKey:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, got {tuple(labels)}")
        return tuple(str(labels[n]) for n in self.labelnames)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {_escape_help(self.help)}", f"# TYPE {self.name} {self.kind}"]

    def samples(self) -> list[str]:  # pragma: no cover - overridden
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, help, labelnames)
        self._values: dict[LabelKey, float] = {} if labelnames else {(): 0.0}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        with self._lock:
            return self._values.get(self._key(labels), 0.0)

    def samples(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        return [f"{self.name}{_labels(self.labelnames, key)} {_number(v)}" for key, v in items]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(
        self,
        name: str,
        help: str,
        labelnames: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> None:
        super().__init__(name, help, labelnames)
        self.buckets = tuple(sorted(float(b) for b in buckets if not math.isinf(b)))
        # per label key: counts per bucket (non-cumulative, last one is +Inf), sum
        self._series: dict[LabelKey, tuple[list[int], list[float]]] = {}
        if not labelnames:
            self._series[()] = ([0] * (len(self.buckets) + 1), [0.0])

    def observe(self, value: float, **labels: str) -> None:
        key = self._key(labels)
        index = len(self.buckets)
        for n, bound in enumerate(self.buckets):
            if value <= bound:
                index = n
                break
        with self._lock:
            counts, total = self._series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
            counts[index] += 1
            total[0] += value

    @contextlib.contextmanager
    def time(self, **labels: str) -> Iterator[None]:
        """Observe the seconds the ``with`` block took (also when it raises)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.observe(time.perf_counter() - start, **labels)

    def count(self, **labels: str) -> int:
        with self._lock:
            series = self._series.get(self._key(labels))
            return sum(series[0]) if series else 0

    def samples(self) -> list[str]:
        lines: list[str] = []
        with self._lock:
            items = sorted((k, (list(c), t[0])) for k, (c, t) in self._series.items())
        for key, (counts, total) in items:
            cumulative = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                cumulative += count
                le = ("le", _number(bound))
                lines.append(f"{self.name}_bucket{_labels(self.labelnames, key, le)} {cumulative}")
            lines.append(f"{self.name}_sum{_labels(self.labelnames, key)} {_number(total)}")
            lines.append(f"{self.name}_count{_labels(self.labelnames, key)} {cumulative}")
        return lines


class Metrics:
    """The registry of one process, with the bot's instruments as attributes."""

    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}
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
        return self._add(Counter(name, help, labelnames))

    def histogram(
        self, name: str, help: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = DEFAULT_BUCKETS
    ) -> Histogram:
        return self._add(Histogram(name, help, labelnames, buckets))

    def _add(self, metric):
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} is registered already")
        self._metrics[metric.name] = metric
        return metric

    def render(self) -> str:
        """Every metric in the Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        for metric in self._metrics.values():
            lines.extend(metric.header())
            lines.extend(metric.samples())
        return "\n".join(lines) + "\n"


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
