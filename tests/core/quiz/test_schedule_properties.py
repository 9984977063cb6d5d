"""Property tests of what an admin types after ``/quiz schedule``: any text either parses or raises a
``ScheduleError`` that shows the valid forms; valid values round-trip and fire where they should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.quiz.schedule import (
    DAY_NAMES,
    VALID_DAYS,
    VALID_TIME,
    VALID_TIMEZONE,
    VALID_WINDOW,
    ScheduleError,
    ScheduleRule,
    format_days,
    format_window,
    parse_days,
    parse_time,
    parse_timezone,
    parse_window,
    timezone_names,
)

# Text an admin could type: mostly the characters of real values, sometimes anything at all.
schedule_text = st.one_of(
    st.text(alphabet="0123456789:h.dm-,/ _monwedthufrisatun", max_size=30),
    st.text(max_size=60),
    st.from_regex(r"\d{1,30}[dhm]", fullmatch=True),
    st.from_regex(r"\d{1,30}:\d{1,30}", fullmatch=True),
)


def rejected(parse, text: str, valid_forms: str) -> bool:
    """True when ``parse`` rejected ``text`` with a message that names the valid forms."""
    try:
        parse(text)
    except ScheduleError as exc:
        message = str(exc)
        assert valid_forms in message
        assert len(message) < 600  # what the admin typed is shown cut short, never in full
        return True
    return False


@settings(max_examples=300, deadline=None)
@given(schedule_text)
def test_any_time_text_parses_or_is_explained(text):
    if not rejected(parse_time, text, VALID_TIME):
        parsed = parse_time(text)
        assert parse_time(parsed.strftime("%H:%M")) == parsed  # the slot /quiz status shows parses back


@settings(max_examples=300, deadline=None)
@given(schedule_text)
def test_any_days_text_parses_or_is_explained(text):
    if not rejected(parse_days, text, VALID_DAYS):
        days = parse_days(text)
        assert days and days <= frozenset(range(7))
        assert parse_days(format_days(days)) == days  # what /quiz status shows parses back the same


@settings(max_examples=300, deadline=None)
@given(schedule_text)
def test_any_window_text_parses_or_is_explained(text):
    if not rejected(parse_window, text, VALID_WINDOW):
        window = parse_window(text)
        assert timedelta(minutes=1) <= window <= timedelta(days=7)
        assert parse_window(format_window(window)) == window


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40), st.sampled_from(timezone_names())))
def test_any_timezone_text_parses_or_is_explained(text):
    if not rejected(parse_timezone, text, VALID_TIMEZONE):
        assert parse_timezone(text) in timezone_names() or parse_timezone(text) == "UTC"


@settings(max_examples=200, deadline=None)
@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    days=st.sets(st.sampled_from(DAY_NAMES), min_size=1),
    timezone=st.sampled_from(
        ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
    ),
    after=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
)
def test_valid_rules_fire_on_their_days_around_any_instant(hour, minute, days, timezone, after):
    rule = ScheduleRule.parse(f"{hour:02d}:{minute:02d}", ",".join(sorted(days)), timezone)
    following = rule.next_fire(after)
    previous = rule.previous_fire(after)
    assert previous <= after < following
    assert following - previous <= timedelta(days=7, hours=2)  # at most a week apart (DST aside)
    for fire in (following, previous):
        assert rule.fires_at(fire)
        assert DAY_NAMES[rule.local_date(fire).weekday()] in days
