"""The core's ``ReviewAlgorithm`` (bot.core.quiz.ports) with FSRS, from the ``fsrs`` package (py-fsrs).

Card state and review logs are FSRS's own ``to_dict()`` JSON, so they survive upgrades of the package
and could feed its optimizer later.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler


class FsrsReviewer:
    def __init__(self, scheduler: Scheduler | None = None, *, fuzz: bool = True) -> None:
        self.scheduler = scheduler or Scheduler(enable_fuzzing=fuzz)

    def new_card(self, now: datetime) -> tuple[str, datetime]:
        card = Card(due=now.astimezone(UTC))
        return json.dumps(card.to_dict()), card.due

    def review(self, state: str, rating: int, now: datetime) -> tuple[str, datetime, str]:
        card = Card.from_dict(json.loads(state))
        card, log = self.scheduler.review_card(card, Rating(rating), review_datetime=now.astimezone(UTC))
        return json.dumps(card.to_dict()), card.due, json.dumps(log.to_dict())
