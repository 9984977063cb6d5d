"""Schedule rules: what admins may type, the errors they get, and when posts fire (pure, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.quiz.commands import parse_schedule_args
from bot.core.quiz.schedule import (
    ScheduleError,
    ScheduleRule,
    format_days,
    format_window,
    parse_days,
    parse_time,
    parse_timezone,
    parse_window,
)


@pytest.mark.parametrize(
    ("text", "expected"), [("09:00", time(9)), ("9:05", time(9, 5)), ("23:59", time(23, 59))]
)
def test_valid_times(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "9", "9am", "noon", "", "09:00:00", "-1:00"])
def test_invalid_time_shows_the_valid_form(text):
    with pytest.raises(ScheduleError, match=r"HH:MM, e\.g\. 09:00"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("daily", {0, 1, 2, 3, 4, 5, 6}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekends", {5, 6}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Mon,Wed,Fri", {0, 2, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("tuesday", {1}),
        ("mon,thu-sat", {0, 3, 4, 5}),
    ],
)
def test_valid_days(text, days):
    assert parse_days(text) == frozenset(days)


@pytest.mark.parametrize("text", ["mox", "mon-", "mon,,fri", "workdays", "1-5", ""])
def test_invalid_days_show_the_valid_forms(text):
    with pytest.raises(ScheduleError) as error:
        parse_days(text)
    message = str(error.value)
    assert "daily, weekdays, weekends" in message and "mon-fri" in message and "mon,wed,fri" in message


@pytest.mark.parametrize(
    "days", ["daily", "weekdays", "weekends", "mon-wed", "mon,wed,fri", "sat", "tue,thu,sun"]
)
def test_days_are_written_back_in_a_form_that_parses_to_the_same(days):
    assert parse_days(format_days(parse_days(days))) == parse_days(days)


def test_timezones_are_iana_names_case_insensitive():
    assert parse_timezone("Europe/Berlin") == "Europe/Berlin"
    assert parse_timezone("america/new_york") == "America/New_York"
    assert parse_timezone("utc") == "UTC"


@pytest.mark.parametrize(("text", "suggestion"), [("Europe/Berln", "Europe/Berlin"), ("Mars/Olympus", None)])
def test_unknown_timezone_shows_valid_forms_and_close_names(text, suggestion):
    with pytest.raises(ScheduleError) as error:
        parse_timezone(text)
    assert "IANA timezone name, e.g. Europe/Berlin" in str(error.value)
    if suggestion:
        assert f"Did you mean {suggestion}" in str(error.value)


def test_timezone_names_cannot_reach_files():
    with pytest.raises(ScheduleError):
        parse_timezone("../../etc/passwd")


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
    ],
)
def test_windows(text, window):
    assert parse_window(text) == window
    assert parse_window(format_window(window)) == window


@pytest.mark.parametrize("text", ["0m", "8d", "h", "24", "forever"])
def test_invalid_window_shows_the_valid_forms(text):
    with pytest.raises(ScheduleError, match="30m, 2h, 24h"):
        parse_window(text)


def test_next_and_previous_fire_follow_local_time_across_dst():
    rule = ScheduleRule.parse("09:00", "daily", "Europe/Berlin")
    before = rule.next_fire(datetime(2025, 3, 29, 12, 0, tzinfo=UTC))
    after = rule.next_fire(before)
    assert before == datetime(2025, 3, 30, 7, 0, tzinfo=UTC)  # summer time: 09:00 is 07:00 UTC
    assert after == datetime(2025, 3, 31, 7, 0, tzinfo=UTC)
    assert rule.next_fire(datetime(2025, 3, 28, 9, 0, tzinfo=UTC)) == datetime(2025, 3, 29, 8, 0, tzinfo=UTC)
    assert rule.previous_fire(after) == after and rule.previous_fire(after - timedelta(seconds=1)) == before
    assert rule.fires_at(after) and not rule.fires_at(after + timedelta(minutes=1))
    assert rule.local_date(after) == date(2025, 3, 31)


def test_next_fire_skips_days_off():
    rule = ScheduleRule.parse("17:30", "mon-fri", "America/New_York")
    friday_evening = datetime(2025, 1, 17, 23, 0, tzinfo=UTC)  # 18:00 in New York, after the post
    assert rule.next_fire(friday_evening) == datetime(2025, 1, 20, 22, 30, tzinfo=UTC)  # Monday 17:30
    assert rule.previous_fire(friday_evening) == datetime(2025, 1, 17, 22, 30, tzinfo=UTC)


def test_schedule_arguments_in_any_order_with_defaults():
    rule, window = parse_schedule_args(["09:00"], "Asia/Tokyo")
    assert rule == ScheduleRule(time(9), frozenset(range(7)), "Asia/Tokyo") and window is None
    rule, window = parse_schedule_args(["8:15", "2h", "europe/paris", "mon,wed"], "UTC")
    assert rule == ScheduleRule(time(8, 15), frozenset({0, 2}), "Europe/Paris")
    assert window == timedelta(hours=2)


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (["09:00", "Berlin"], "Did you mean Europe/Berlin"),
        (["09:00", "UTC", "Europe/Paris"], "one timezone"),
        (["09:00", "mon", "tue"], "days once"),
        (["09:00", "8d"], "answer window"),
    ],
)
def test_schedule_argument_errors(tokens, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule_args(tokens, "UTC")
