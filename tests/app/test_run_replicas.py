"""Two real ``studybot run`` processes on one PostgreSQL database, served through a local fake Slack.

- one schedule, two replicas: exactly one post per slot (the post missed while both were down, sent at
  start, and the next one fired by both schedulers at the same second);
- the database goes away under one replica: its commands say "try again", ``/ask`` keeps working,
  ``/healthz`` says 503, the process stays up and recovers when the database is back;
- SIGTERM with answers in flight: every answer acknowledged to a student is graded and its feedback sent
  before the process exits 0; the logs are one line per event (JSON for one replica, key=value for the
  other) and never show a token, the signing secret or the database password.

Process A is configured without ``--platform`` (it finds Slack's settings); B with ``--platform slack``
and reaches the database through a TCP proxy the test can cut.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
import pytest_asyncio

from tests.support.process import (
    StudybotProcess,
    TcpProxy,
    clean_environment,
    free_port,
    fresh_postgres_database,
    postgres_url_via,
    rows,
    slack_send,
)

from tests.support.fake_slack import TEAM, FakeSlack, command_body, payload_body, view_submission  # isort: skip

PG_URL = os.environ.get("STUDYBOT_TEST_DATABASE_URL", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set STUDYBOT_TEST_DATABASE_URL"),
]

CATCH_UP, LIVE = "C0CATCH", "C0LIVE"
ADMIN = "U0LEAD"
GUARD_S = 150.0  # failure guard for waits on the scheduler, never a timing assertion


@dataclass
class Cluster:
    fake: FakeSlack
    a: StudybotProcess
    b: StudybotProcess
    proxy: TcpProxy
    url: str
    secrets: dict[str, str]
    live_fire: datetime
    hooks: list[int] = field(default_factory=lambda: [0])

    def hook(self) -> str:
        self.hooks[0] += 1
        return f"h{self.hooks[0]}"


def quiz_posts(fake: FakeSlack, channel: str) -> list:
    """Quiz posts in a channel (reveals go in the post's thread)."""
    return [
        c
        for c in fake.of("chat.postMessage")
        if c.args.get("channel") == channel and not c.args.get("thread_ts")
    ]


async def seed_schedules(url: str, now: datetime) -> datetime:
    """Two daily schedules, saved two hours ago: one whose post fell due 2 minutes ago (while no bot
    ran), one due at the next whole minute at least 20 s away. Returns that next fire time."""
    from bot.core.quiz.model import Schedule
    from bot.core.quiz.schedule import ScheduleRule
    from bot.core.types import Place
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.repositories import SqlScheduleRepository

    every_day = frozenset(range(7))
    missed = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    live = (now + timedelta(seconds=20 + 59)).replace(second=0, microsecond=0)
    db = Database(url)
    try:
        upgrade(db)
        repo = SqlScheduleRepository(db)
        for channel, at in ((CATCH_UP, missed), (LIVE, live)):
            rule = ScheduleRule(at.time(), every_day, "UTC")
            await repo.save(
                Schedule(Place("slack", TEAM, channel), rule, timedelta(hours=24)), now - timedelta(hours=2)
            )
    finally:
        db.close()
    return live


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(tmp_path_factory, real_embedder):  # the model exported once, before any replica starts
    tmp = tmp_path_factory.mktemp("replicas")
    secrets = {
        "bot_token": f"xoxb-{uuid.uuid4().hex}",
        "signing_secret": uuid.uuid4().hex,
        "db_password": f"pw-{uuid.uuid4().hex[:16]}",
    }
    fake = FakeSlack()
    await fake.start()
    with fresh_postgres_database(PG_URL, password=secrets["db_password"]) as (url, host, port):
        live_fire = await seed_schedules(url, datetime.now(UTC))
        proxy = TcpProxy(host, port)
        await proxy.start()
        common = {
            "SLACK_BOT_TOKEN": secrets["bot_token"],
            "SLACK_SIGNING_SECRET": secrets["signing_secret"],
            "SLACK_API_BASE_URL": fake.api_url,
            "SLACK_ADMIN_USER_IDS": ADMIN,
            "STUDYBOT_HTTP_HOST": "127.0.0.1",
        }
        a = StudybotProcess(
            "A",
            clean_environment(
                **common,
                DATABASE_URL=url,
                STUDYBOT_HTTP_PORT=str(free_port()),
                STUDYBOT_DATA_DIR=str(tmp / "a"),
                STUDYBOT_LOG_FORMAT="json",
            ),
            tmp / "a.log",
            args=("run",),
        )
        b = StudybotProcess(
            "B",
            clean_environment(
                **common,
                DATABASE_URL=postgres_url_via(url, "127.0.0.1", proxy.port),
                STUDYBOT_DB_TIMEOUT_SECONDS="2",
                STUDYBOT_HTTP_PORT=str(free_port()),
                STUDYBOT_DATA_DIR=str(tmp / "b"),
                STUDYBOT_LOG_FORMAT="text",
            ),
            tmp / "b.log",
            args=("run", "--platform", "slack"),
        )
        try:
            a.start()
            b.start()
            await asyncio.gather(a.wait_healthy(), b.wait_healthy())
            yield Cluster(fake, a, b, proxy, url, secrets, live_fire)
        finally:
            a.ensure_stopped()
            b.ensure_stopped()
            await proxy.stop()
            await fake.stop()


async def command(c: Cluster, proc: StudybotProcess, name: str, text: str, user: str = "U0ANA") -> str:
    """A slash command as Slack sends it; returns what the bot responded (to response_url)."""
    hook = c.hook()
    body = command_body(name, text, user=user, channel_id=CATCH_UP, response_url=c.fake.response_url(hook))
    async with aiohttp.ClientSession() as session:
        status, _ = await slack_send(session, proc, c.secrets["signing_secret"], body)
    assert status == 200
    (reply,) = await c.fake.wait_for(f"respond:{hook}")
    return reply.dump()


async def test_a_post_missed_while_both_were_down_is_sent_once(cluster: Cluster):
    # Both replicas caught up at start (before /healthz said 200): the slot was claimed once.
    posts = quiz_posts(cluster.fake, CATCH_UP)
    assert len(posts) == 1, [p.dump()[:200] for p in posts]
    stored = rows(
        cluster.url, "SELECT message_id, slot FROM quizzes WHERE channel_id = %s AND scheduled", CATCH_UP
    )
    assert len(stored) == 1 and stored[0][0] is not None


async def test_database_outage_says_try_again_and_the_replica_recovers(cluster: Cluster):
    b = cluster.b
    assert "try again" not in await command(cluster, b, "/leaderboard", "")
    await cluster.proxy.cut()
    try:
        outage_ends = time.monotonic() + 3.0  # "a few seconds" of commands against a missing database
        while time.monotonic() < outage_ends:
            during = await command(cluster, b, "/leaderboard", "")
            assert "try again" in during.lower()
            await asyncio.sleep(0.3)
        asked = await command(cluster, b, "/ask", "Why do we train neural networks on GPUs?")
        assert "1.9" in asked  # /ask needs no database
        async with aiohttp.ClientSession() as session:
            status, report = await b.health(session)
            assert status == 503 and report["database"]["ok"] is False
            assert report["model"]["ok"] is True
            assert (await cluster.a.health(session))[0] == 200  # the other replica is not affected
        assert b.alive()
    finally:
        await cluster.proxy.restore()
    deadline = time.monotonic() + 60
    while "try again" in (after := await command(cluster, b, "/leaderboard", "")).lower():
        assert time.monotonic() < deadline, after
        await asyncio.sleep(0.5)
    await b.wait_healthy()
    assert b.alive()


async def test_a_hanging_database_says_try_again_in_time_and_the_replica_recovers(cluster: Cluster):
    b = cluster.b
    assert "try again" not in await command(cluster, b, "/leaderboard", "")
    cluster.proxy.hang()  # accepts, never answers: no error comes back by itself
    try:
        during = await command(cluster, b, "/leaderboard", "")  # B's calls give up after 2 s
        assert "try again" in during.lower()
        asked = await command(cluster, b, "/ask", "Why do we train neural networks on GPUs?")
        assert "1.9" in asked  # the loop is free: /ask needs no database
        async with aiohttp.ClientSession() as session:
            status, report = await b.health(session)
            assert status == 503 and report["database"]["ok"] is False
        assert b.alive()
    finally:
        cluster.proxy.unhang()
    deadline = time.monotonic() + 60
    while "try again" in (after := await command(cluster, b, "/leaderboard", "")).lower():
        assert time.monotonic() < deadline, after
        await asyncio.sleep(0.5)
    await b.wait_healthy()


async def test_both_schedulers_fire_one_slot_and_it_is_posted_once(cluster: Cluster):
    deadline = time.monotonic() + max(0.0, (cluster.live_fire - datetime.now(UTC)).total_seconds()) + GUARD_S
    marker = f"place=slack/{TEAM}/{LIVE}"
    while not rows(
        cluster.url, "SELECT 1 FROM quizzes WHERE channel_id = %s AND message_id IS NOT NULL", LIVE
    ):
        assert time.monotonic() < deadline, "the live schedule never posted"
        await asyncio.sleep(0.5)
    # Give the slower replica its chance to post a duplicate (it logs "already claimed" instead).
    settle = time.monotonic() + 10
    while not all(marker in p.text() for p in (cluster.a, cluster.b)) and time.monotonic() < settle:
        await asyncio.sleep(0.2)
    assert len(quiz_posts(cluster.fake, LIVE)) == 1
    assert len(rows(cluster.url, "SELECT id FROM quizzes WHERE channel_id = %s", LIVE)) == 1


async def test_sigterm_finishes_acknowledged_answers_then_exits_0_and_logs_hold_no_secret(cluster: Cluster):
    from bot.adapters.slack import blocks as bk
    from bot.core.types import ButtonAction

    a, b, secret = cluster.a, cluster.b, cluster.secrets["signing_secret"]
    ((quiz_id,),) = rows(cluster.url, "SELECT id FROM quizzes WHERE channel_id = %s", CATCH_UP)
    meta = {"a": ButtonAction.ANSWER_QUIZ.value, "v": quiz_id, "c": CATCH_UP, "t": TEAM}
    view = bk.answer_modal(action=ButtonAction.ANSWER_QUIZ, metadata=meta, question=[])
    users = [f"U0T{n:03d}" for n in range(16)]
    first_ack = asyncio.Event()

    async def answer(session: aiohttp.ClientSession, user: str) -> bool:
        payload = view_submission(
            view, "GPUs run many multiply-adds in parallel", user=user, view_id=f"V{user}"
        )
        try:
            status, text = await slack_send(session, a, secret, payload_body(payload))
        except aiohttp.ClientError:
            return False
        acked = status == 200 and text == ""  # a modal error (200 with a body) is no acknowledgement
        if acked:
            first_ack.set()
        return acked

    async with aiohttp.ClientSession() as session:
        burst = [asyncio.ensure_future(answer(session, u)) for u in users]
        await asyncio.wait_for(first_ack.wait(), 60)
        code_a, seconds_a = await a.terminate()  # answers still being recorded and graded
        acked = {u for u, task in zip(users, await asyncio.gather(*burst), strict=True) if task}
    code_b, seconds_b = await b.terminate()
    print(f"SIGTERM -> exit: A {seconds_a:.2f}s with {len(acked)} answers acknowledged, B {seconds_b:.2f}s")
    assert code_a == 0, a.text()[-3000:]
    assert code_b == 0, b.text()[-3000:]

    stored = rows(
        cluster.url,
        "SELECT user_id, graded_at IS NOT NULL FROM quiz_answers WHERE quiz_id = %s AND user_id LIKE 'U0T%%'",
        quiz_id,
    )
    assert acked, "no answer was acknowledged before the shutdown"
    assert acked <= {user for user, _ in stored}  # every acknowledged answer was stored
    assert all(graded for _, graded in stored)  # ... and graded before the process exited
    told = {c.args["user"] for c in cluster.fake.of("chat.postEphemeral")}
    assert acked <= told  # each student got their feedback

    for proc, format_ in ((a, "json"), (b, "text")):
        log = proc.text()
        for name, value in cluster.secrets.items():
            assert value not in log, f"{proc.name}'s log shows the {name}"
        lines = [line for line in log.splitlines() if line.strip()]
        assert lines
        for line in lines:
            if format_ == "json":
                try:
                    parsed = json.loads(line)
                except ValueError:
                    raise AssertionError(f"{proc.name}: not a JSON log line: {line[:300]}") from None
                assert isinstance(parsed, dict), line
            else:
                assert line.startswith("ts=") and " level=" in line, line
    assert "shutdown: work in flight=" in a.text()
