"""The FSRS implementation of the core's ReviewAlgorithm (py-fsrs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.core.quiz.practice import AGAIN, EASY, GOOD, HARD
from bot.infra.practice_fsrs import FsrsReviewer

NOW = datetime(2025, 1, 13, 9, 0, tzinfo=UTC)


def test_new_card_is_due_now_and_ratings_order_the_next_review():
    reviewer = FsrsReviewer(fuzz=False)
    state, due = reviewer.new_card(NOW)
    assert due == NOW
    dues = {rating: reviewer.review(state, rating, NOW)[1] for rating in (AGAIN, HARD, GOOD, EASY)}
    assert dues[AGAIN] == NOW + timedelta(minutes=1)  # relearn soon
    assert dues[AGAIN] < dues[HARD] <= dues[GOOD] < dues[EASY]
    assert dues[EASY] - NOW >= timedelta(days=1)


def test_state_and_log_are_json_and_intervals_grow():
    reviewer = FsrsReviewer(fuzz=False)
    state, _ = reviewer.new_card(NOW)
    moment, gaps = NOW, []
    for _ in range(4):
        state, due, log = reviewer.review(state, GOOD, moment)
        assert json.loads(log)["rating"] == GOOD
        gaps.append(due - moment)
        moment = due
    assert json.loads(state)["stability"] > 0
    assert gaps[-1] > gaps[1] > timedelta(0)
