"""Schedule rules: parse what an admin types, and compute fire times (pure, stdlib only).

``/quiz schedule 09:00 mon-fri Europe/Berlin 24h`` becomes a :class:`ScheduleRule` (a local time of
day, a set of weekdays, an IANA timezone) and an answer window. Every bad value raises
:class:`ScheduleError` whose message shows the valid forms.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAYS = frozenset(range(7))
_DAY_SETS = {
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}

VALID_TIME = "a 24-hour time HH:MM, e.g. 09:00 or 17:30"
VALID_DAYS = (
    "daily, weekdays, weekends, a range like mon-fri, or a list like mon,wed,fri "
    "(days: mon tue wed thu fri sat sun)"
)
VALID_TIMEZONE = "an IANA timezone name, e.g. Europe/Berlin, America/New_York, Asia/Tokyo or UTC"
VALID_WINDOW = "minutes, hours or days, e.g. 30m, 2h, 24h or 1h30m (from 1m to 7d)"
MAX_WINDOW = timedelta(days=7)


class ScheduleError(ValueError):
    """A value an admin typed is not a valid time, day list, timezone or answer window."""


def parse_time(text: str) -> time:
    match = re.fullmatch(r"(\d{1,2})[:h.](\d{2})", text.strip().lower())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ScheduleError(f"`{_shown(text)}` is not a valid time: use {VALID_TIME}.")


def _day(token: str) -> int | None:
    token = token.strip()
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    if token in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(token)
    return None


def parse_days(text: str) -> frozenset[int]:
    """``daily``, ``weekdays``, ``weekends``, ``mon-fri`` (wraps: ``fri-mon``), ``mon,wed,fri`` (0=Mon)."""
    cleaned = text.strip().lower()
    if cleaned in _DAY_SETS:
        return _DAY_SETS[cleaned]
    days: set[int] = set()
    for part in cleaned.split(","):
        first, dash, last = part.partition("-")
        start, end = _day(first), _day(last) if dash else _day(first)
        if start is None or end is None:
            raise ScheduleError(f"`{_shown(text)}` is not a valid list of days: use {VALID_DAYS}.")
        day = start
        days.add(day)
        while day != end:
            day = (day + 1) % 7
            days.add(day)
    return frozenset(days)


def looks_like_days(text: str) -> bool:
    try:
        parse_days(text)
    except ScheduleError:
        return False
    return True


@functools.cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def parse_timezone(text: str) -> str:
    """The canonical IANA key for ``text`` (case-insensitive), or an error suggesting close names."""
    name = text.strip()
    by_lower = {tz.lower(): tz for tz in timezone_names()}
    canonical = by_lower.get(name.lower())
    if canonical is None and name.upper() == "UTC":
        canonical = "UTC"
    if canonical is not None:
        try:
            ZoneInfo(canonical)
            return canonical
        except (ZoneInfoNotFoundError, ValueError):
            pass
    close = difflib.get_close_matches(name, timezone_names(), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ScheduleError(f"`{_shown(text)}` is not a timezone I know: use {VALID_TIMEZONE}.{hint}")


def parse_window(text: str) -> timedelta:
    cleaned = text.strip().lower()
    # at most 5 digits a unit: enough for 7 days in minutes, and no overflow on "1000000000d"
    match = re.fullmatch(r"(?:(\d{1,5})d)?(?:(\d{1,5})h)?(?:(\d{1,5})m(?:in)?)?", cleaned)
    if match and cleaned and any(match.groups()):
        days, hours, minutes = (int(g) if g else 0 for g in match.groups())
        window = timedelta(days=days, hours=hours, minutes=minutes)
        if timedelta(minutes=1) <= window <= MAX_WINDOW:
            return window
    raise ScheduleError(f"`{_shown(text)}` is not a valid answer window: use {VALID_WINDOW}.")


def looks_like_window(text: str) -> bool:
    return re.fullmatch(r"(?:\d+d)?(?:\d+h)?(?:\d+m(?:in)?)?", text.strip().lower()) is not None and bool(
        text.strip()
    )


def format_days(days: frozenset[int]) -> str:
    """The shortest way to write ``days`` that :func:`parse_days` reads back."""
    for name, value in _DAY_SETS.items():
        if days == value and name != "everyday":
            return name
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0]]}-{DAY_NAMES[ordered[-1]]}"
    return ",".join(DAY_NAMES[d] for d in ordered)


def format_window(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days and not hours and not minutes:
        return f"{days * 24}h" if days == 1 else f"{days}d"
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return "".join(parts) or "0m"


def _shown(text: str) -> str:
    return text.strip().replace("`", "'")[:40]


@dataclass(frozen=True)
class ScheduleRule:
    """Post at local time ``at`` on ``days`` (0=Monday) in ``timezone``."""

    at: time
    days: frozenset[int]
    timezone: str

    def __post_init__(self) -> None:
        if not self.days:
            raise ScheduleError(f"a schedule needs at least one day: use {VALID_DAYS}.")

    @classmethod
    def parse(cls, at: str, days: str = "daily", timezone: str = "UTC") -> ScheduleRule:
        return cls(parse_time(at), parse_days(days), parse_timezone(timezone))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def slot(self) -> str:
        """The time of day as ``HH:MM``: with the local date, it names one scheduled post."""
        return self.at.strftime("%H:%M")

    @property
    def days_text(self) -> str:
        return format_days(self.days)

    def describe(self) -> str:
        return f"{self.days_text} at {self.slot} ({self.timezone})"

    def fire_on(self, day: date) -> datetime:
        """The UTC instant of the post on local ``day`` (a time skipped by a DST change moves forward)."""
        local = datetime.combine(day, self.at, tzinfo=self.tz)
        return local.astimezone(UTC)

    def local_date(self, fire: datetime) -> date:
        return fire.astimezone(self.tz).date()

    def next_fire(self, after: datetime) -> datetime:
        """The first post strictly after ``after``."""
        start = after.astimezone(self.tz).date() - timedelta(days=1)
        for offset in range(9):
            day = start + timedelta(days=offset)
            if day.weekday() in self.days:
                fire = self.fire_on(day)
                if fire > after:
                    return fire
        raise AssertionError("a rule with at least one day fires within a week")  # pragma: no cover

    def previous_fire(self, at_or_before: datetime) -> datetime:
        """The last post at or before ``at_or_before``."""
        start = at_or_before.astimezone(self.tz).date() + timedelta(days=1)
        for offset in range(9):
            day = start - timedelta(days=offset)
            if day.weekday() in self.days:
                fire = self.fire_on(day)
                if fire <= at_or_before:
                    return fire
        raise AssertionError("a rule with at least one day fires within a week")  # pragma: no cover

    def fires_at(self, when: datetime) -> bool:
        local_day = self.local_date(when)
        return local_day.weekday() in self.days and self.fire_on(local_day) == when
