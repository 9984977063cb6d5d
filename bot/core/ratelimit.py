"""A per-user sliding-window rate limit, so one student cannot monopolise the model."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._events: dict[object, deque[float]] = defaultdict(deque)

    def retry_after(self, key: object) -> float:
        """0 when ``key`` may go ahead now (and the event is counted), else seconds until it may."""
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        events = self._events[key]
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return self.window - (now - events[0])
        events.append(now)
        return 0.0
