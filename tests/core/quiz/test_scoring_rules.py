"""Points, streak bonus and leaderboard periods (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.grade import Grade, Verdict
from bot.core.quiz.model import Period
from bot.core.quiz.practice import AGAIN, EASY, GOOD, HARD, rating_for
from bot.core.quiz.scoring import base_points, period_key, streak_after, streak_bonus


def test_points_from_the_verdict():
    assert [base_points(v) for v in (Verdict.CORRECT, Verdict.PARTIAL, Verdict.INCORRECT)] == [10, 5, 0]
    assert base_points(Verdict.REVIEW) == 0  # waits for the staff: no points until they decide
    assert streak_after(3, Verdict.REVIEW, scheduled=True) == 0


def test_streak_counts_correct_scheduled_answers_only():
    assert streak_after(3, Verdict.CORRECT, scheduled=True) == 4
    assert streak_after(3, Verdict.PARTIAL, scheduled=True) == 0
    assert streak_after(3, Verdict.CORRECT, scheduled=False) == 0


@pytest.mark.parametrize(("streak", "bonus"), [(0, 0), (1, 0), (2, 2), (3, 4), (6, 10), (40, 10)])
def test_streak_bonus_grows_by_two_up_to_ten(streak, bonus):
    assert streak_bonus(streak) == bonus


def test_period_keys_in_the_space_timezone():
    sunday_late_utc = datetime(2025, 1, 19, 23, 30, tzinfo=UTC)
    assert period_key(Period.WEEK, sunday_late_utc, "UTC") == "2025-01-13"
    assert period_key(Period.WEEK, sunday_late_utc, "Europe/Berlin") == "2025-01-20"  # Monday there
    new_year = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    assert period_key(Period.MONTH, new_year, "UTC") == "2024-12"
    assert period_key(Period.MONTH, new_year, "Asia/Tokyo") == "2025-01"
    assert period_key(Period.ALL, new_year, "Asia/Tokyo") == "all"


@pytest.mark.parametrize(
    ("verdict", "score", "rating"),
    [
        (Verdict.INCORRECT, 0, AGAIN),
        (Verdict.PARTIAL, 55, HARD),
        (Verdict.CORRECT, 70, GOOD),
        (Verdict.CORRECT, 89, GOOD),
        (Verdict.CORRECT, 90, EASY),
    ],
)
def test_practice_rating_from_the_grade(verdict, score, rating):
    assert rating_for(Grade(verdict, score, (), (), "")) == rating
