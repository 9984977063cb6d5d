"""The metrics port on prometheus_client: one ``CollectorRegistry`` per backend, so each process (and
each test) has its own, and ``/metrics`` is prometheus_client's own exposition."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client import Histogram as PromHistogram

from bot.core.metrics import DEFAULT_BUCKETS, Metrics


def _sample_name(name: str, suffix: str) -> str:
    return name if name.endswith(suffix) else name + suffix


class _Counter:
    def __init__(self, registry: CollectorRegistry, name: str, help: str, labelnames: Sequence[str]) -> None:
        self._registry = registry
        self._name = _sample_name(name, "_total")
        self._labelled = bool(labelnames)
        self._metric = PromCounter(name, help, list(labelnames), registry=registry)

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        (self._metric.labels(**labels) if self._labelled or labels else self._metric).inc(amount)

    def value(self, **labels: str) -> float:
        return self._registry.get_sample_value(self._name, labels) or 0.0


class _Histogram:
    def __init__(
        self,
        registry: CollectorRegistry,
        name: str,
        help: str,
        labelnames: Sequence[str],
        buckets: Sequence[float],
    ) -> None:
        self._registry = registry
        self._name = name
        self._labelled = bool(labelnames)
        self._metric = PromHistogram(name, help, list(labelnames), buckets=list(buckets), registry=registry)

    def _child(self, labels: dict[str, str]):
        return self._metric.labels(**labels) if self._labelled or labels else self._metric

    def observe(self, value: float, **labels: str) -> None:
        self._child(labels).observe(value)

    def time(self, **labels: str) -> AbstractContextManager[None]:
        return self._child(labels).time()

    def count(self, **labels: str) -> int:
        return int(self._registry.get_sample_value(self._name + "_count", labels) or 0)


class PrometheusBackend:
    """Instruments registered in this backend's own registry (never prometheus_client's global one)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()

    def counter(self, name: str, help: str, labelnames: Sequence[str] = ()) -> _Counter:
        return _Counter(self.registry, name, help, labelnames)

    def histogram(
        self, name: str, help: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = DEFAULT_BUCKETS
    ) -> _Histogram:
        return _Histogram(self.registry, name, help, labelnames, buckets)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def prometheus_metrics() -> Metrics:
    """The bot's instruments in a fresh registry of their own."""
    return Metrics(PrometheusBackend())
