"""A per-user sliding-window rate limit, so one student cannot monopolise the model."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

SWEEP_EVERY = 1024  # calls between sweeps of users idle for a whole window: memory stays bounded


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._events: dict[object, deque[float]] = {}
        self._calls = 0

    def retry_after(self, key: object) -> float:
        """0 when ``key`` may go ahead now (and the event is counted), else seconds until it may."""
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        self._calls += 1
        if self._calls % SWEEP_EVERY == 0:
            self._sweep(now)
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return self.window - (now - events[0])
        events.append(now)
        return 0.0

    def tracked(self) -> int:
        """Users remembered now (not ``__len__``: an empty limiter must still be truthy)."""
        return len(self._events)

    def _sweep(self, now: float) -> None:
        idle = [key for key, events in self._events.items() if not events or now - events[-1] >= self.window]
        for key in idle:
            del self._events[key]
