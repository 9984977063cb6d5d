"""Points, streaks and leaderboard periods: the rules, in one place.

Points for a quiz answer
    correct 10, partial 5, incorrect 0, review 0 (waiting for the staff) — plus a streak bonus on a correct answer to a *scheduled* quiz.

Streak
    the number of consecutive scheduled quizzes in one channel a student answered correctly, this one
    included. A wrong or partial answer, or a scheduled quiz left unanswered, ends it. Quizzes posted by
    hand (``/quiz now``) neither extend nor break a streak and earn no bonus.

Streak bonus
    2 points for each earlier quiz in the streak, at most 10: the 2nd in a row earns +2, the 3rd +4,
    ..., the 6th and every later one +10.

Leaderboards
    per space (Discord server / Slack workspace): this week (Monday to Sunday), this month and all
    time, with week and month boundaries in the space's timezone (the timezone of its latest
    ``/quiz schedule``, else ``STUDYBOT_TIMEZONE``). Points count in the period in which the answer was
    submitted. Practice answers earn no leaderboard points.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.grade import Verdict
from bot.core.quiz.model import Period

POINTS = {Verdict.CORRECT: 10, Verdict.PARTIAL: 5, Verdict.INCORRECT: 0, Verdict.REVIEW: 0}
STREAK_BONUS_STEP = 2
STREAK_BONUS_CAP = 10


def base_points(verdict: Verdict) -> int:
    return POINTS[verdict]


def streak_after(previous: int, verdict: Verdict, scheduled: bool) -> int:
    """The streak this answer leaves: ``previous`` is the streak of the student's answer to the channel's
    previous scheduled quiz (0 when they did not answer it correctly)."""
    if not scheduled or verdict is not Verdict.CORRECT:
        return 0
    return previous + 1


def streak_bonus(streak: int) -> int:
    return min(max(streak - 1, 0) * STREAK_BONUS_STEP, STREAK_BONUS_CAP)


def period_key(period: Period, when: datetime, timezone: str) -> str:
    """The bucket ``when`` falls in: the local Monday for a week, ``YYYY-MM`` for a month, ``all``."""
    if period is Period.ALL:
        return "all"
    local = when.astimezone(ZoneInfo(timezone)).date()
    if period is Period.WEEK:
        return (local - timedelta(days=local.weekday())).isoformat()
    return f"{local.year:04d}-{local.month:02d}"


def period_keys(when: datetime, timezone: str) -> dict[Period, str]:
    return {period: period_key(period, when, timezone) for period in Period}


def period_title(period: Period, key: str) -> str:
    if period is Period.WEEK:
        return f"this week (from {key})"
    if period is Period.MONTH:
        return f"this month ({key})"
    return "all time"
