"""Schedules fired by APScheduler, claimed exactly once in the database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.quiz.schedule import ScheduleRule
from bot.infra.scheduler import job_id
from storage.db import Database
from storage.migrate import upgrade
from storage.models import quizzes
from tests.support.quiz import PLACE, Clock, RecordingPlatform, make_harness

BERLIN_9 = ScheduleRule.parse("09:00", "daily", "Europe/Berlin")
FIRST_DAY = date(2025, 3, 20)  # the 20 days cross the switch to summer time (30 March)


def slot_dates(database: Database) -> list[date]:
    with database.read() as conn:
        return sorted(
            conn.execute(select(quizzes.c.slot_date).where(quizzes.c.scheduled.is_(True))).scalars()
        )


async def test_two_replicas_firing_one_schedule_for_20_days_post_20_times(db_url, caplog):
    db_a, db_b = Database(db_url), Database(db_url)  # two engines, as two processes would have
    upgrade(db_a)
    clock = Clock(datetime(2025, 3, 19, 12, 0, tzinfo=UTC))
    a = make_harness(db_a, clock=clock, platform=RecordingPlatform())
    b = make_harness(db_b, clock=clock, platform=RecordingPlatform())
    try:
        await a.command("/quiz schedule 09:00 daily Europe/Berlin")
        for day in range(20):
            clock.set(BERLIN_9.fire_on(FIRST_DAY + timedelta(days=day)) + timedelta(seconds=1))
            await asyncio.gather(a.feature.scheduler.fire(PLACE), b.feature.scheduler.fire(PLACE))
        posts = len(a.platform.quiz_posts) + len(b.platform.quiz_posts)
        assert posts == 20
        assert slot_dates(db_a) == [FIRST_DAY + timedelta(days=d) for d in range(20)]
        reveals = len(a.platform.reveals) + len(b.platform.reveals)
        assert reveals == 19  # each post closed the day before's quiz, once
        assert [
            r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
        ] == []  # losing is normal
    finally:
        await a.close()
        await b.close()
        db_a.close()
        db_b.close()


class DiesWhilePosting(RecordingPlatform):
    """The message reaches the platform, then the process dies before it records the message id."""

    async def post(self, place, reply):
        await super().post(place, reply)
        raise SystemExit("killed")


async def test_a_restart_in_the_post_window_does_not_post_again(database):
    clock = Clock(datetime(2025, 3, 19, 12, 0, tzinfo=UTC))
    first = make_harness(database, clock=clock, platform=DiesWhilePosting())
    await first.command("/quiz schedule 09:00 daily Europe/Berlin")
    clock.set(BERLIN_9.fire_on(FIRST_DAY) + timedelta(seconds=1))
    with pytest.raises(SystemExit):
        await first.service.run_schedule(PLACE)
    await first.close()
    assert len(first.platform.quiz_posts) == 1

    clock.advance(minutes=10)  # restarted well within the grace period
    restarted = make_harness(database, clock=clock, platform=RecordingPlatform())
    try:
        await restarted.feature.scheduler.startup()
        await restarted.feature.scheduler.fire(PLACE)  # and the job firing late changes nothing
        assert restarted.platform.quiz_posts == []
        assert slot_dates(database) == [FIRST_DAY]
    finally:
        await restarted.close()


async def test_a_restart_after_a_complete_post_does_not_post_again(database):
    clock = Clock(datetime(2025, 3, 19, 12, 0, tzinfo=UTC))
    first = make_harness(database, clock=clock)
    await first.command("/quiz schedule 09:00 daily Europe/Berlin")
    clock.set(BERLIN_9.fire_on(FIRST_DAY) + timedelta(seconds=1))
    await first.feature.scheduler.fire(PLACE)
    await first.close()
    clock.advance(minutes=5)
    restarted = make_harness(database, clock=clock)
    try:
        await restarted.feature.scheduler.startup()
        assert len(first.platform.quiz_posts) + len(restarted.platform.quiz_posts) == 1
    finally:
        await restarted.close()


@pytest.mark.parametrize(("down_for", "posted"), [(timedelta(minutes=59), 1), (timedelta(minutes=61), 0)])
async def test_post_missed_while_down_is_sent_only_within_grace(database, caplog, down_for, posted):
    clock = Clock(datetime(2025, 3, 19, 12, 0, tzinfo=UTC))
    setup = make_harness(database, clock=clock)
    await setup.command("/quiz schedule 09:00 daily Europe/Berlin")
    await setup.close()
    clock.set(BERLIN_9.fire_on(FIRST_DAY) + down_for)  # the bot was down at 09:00
    h = make_harness(database, clock=clock)
    try:
        with caplog.at_level(logging.INFO):
            await h.feature.scheduler.startup()
        assert len(h.platform.quiz_posts) == posted
        assert slot_dates(database) == ([FIRST_DAY] if posted else [])
        if not posted:
            assert "missed quiz post skipped" in caplog.text and str(FIRST_DAY) in caplog.text
    finally:
        await h.close()


async def test_paused_schedule_does_not_post(database):
    clock = Clock(datetime(2025, 3, 19, 12, 0, tzinfo=UTC))
    h = make_harness(database, clock=clock)
    try:
        await h.command("/quiz schedule 09:00 daily Europe/Berlin")
        await h.command("/quiz pause")
        clock.set(BERLIN_9.fire_on(FIRST_DAY) + timedelta(seconds=1))
        await h.feature.scheduler.fire(PLACE)
        await h.feature.scheduler.startup()
        assert h.platform.quiz_posts == []
        await h.command("/quiz resume")
        clock.set(BERLIN_9.fire_on(FIRST_DAY + timedelta(days=1)) + timedelta(seconds=1))
        await h.feature.scheduler.fire(PLACE)
        assert len(h.platform.quiz_posts) == 1
    finally:
        await h.close()


async def test_apscheduler_jobs_follow_the_schedules_table(database):
    clock = Clock(datetime.now(UTC))
    h = make_harness(database, clock=clock)
    other = make_harness(database, clock=clock)  # another replica, sharing only the database
    try:
        await h.feature.scheduler.start()
        aps = h.feature.scheduler.apscheduler
        assert aps is not None and aps.get_job(job_id(PLACE)) is None

        await other.command("/quiz schedule 07:15 mon,wed,fri America/New_York")
        await h.feature.scheduler.sync()  # the periodic re-read picks up the other replica's change
        job = aps.get_job(job_id(PLACE))
        assert job is not None
        rule = ScheduleRule.parse("07:15", "mon,wed,fri", "America/New_York")
        assert job.next_run_time == rule.next_fire(datetime.now(UTC))

        await h.command("/quiz pause")  # on this replica: the listener re-syncs at once
        assert aps.get_job(job_id(PLACE)) is None
        await h.command("/quiz resume")
        assert aps.get_job(job_id(PLACE)) is not None
        await h.command("/quiz unschedule")
        assert aps.get_job(job_id(PLACE)) is None
    finally:
        await h.close()
        await other.close()


async def test_apscheduler_runs_the_job_and_it_posts(database):
    now = datetime.now(UTC)
    rule = ScheduleRule.parse("09:00", "daily", "UTC")
    clock = Clock(rule.previous_fire(now) + timedelta(seconds=2))  # the service believes it is 09:00:02
    h = make_harness(database, clock=clock)
    try:
        await h.command("/quiz schedule 09:00 daily UTC")
        h.clock.set(rule.previous_fire(now) + timedelta(seconds=2))
        await h.feature.scheduler.start()
        assert len(h.platform.quiz_posts) == 0  # schedule set after that 09:00: no catch-up post
        h.feature.scheduler.apscheduler.modify_job(job_id(PLACE), next_run_time=datetime.now(UTC))
        h.feature.scheduler.apscheduler.wakeup()
        for _ in range(200):  # wait for the job (not a timing assertion: up to 10 s)
            if h.platform.quiz_posts:
                break
            await asyncio.sleep(0.05)
        assert len(h.platform.quiz_posts) == 1
    finally:
        await h.close()


async def test_a_firing_schedule_counts_as_work_in_flight():
    """A graceful shutdown must wait for a post whose slot is claimed: the job marks itself in flight."""
    from bot.core.types import Place as _Place
    from bot.infra.scheduler import QuizScheduler as _QuizScheduler

    tracked: list[str] = []

    class Service:
        async def run_schedule(self, place):
            tracked.append("posted")

    scheduler = _QuizScheduler(Service(), track=lambda: tracked.append("tracked"))
    await scheduler.fire(_Place("console", "s", "c"))
    assert tracked == ["tracked", "posted"]
