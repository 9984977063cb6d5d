"""``kill -9``, or SIGTERM twice (stop now, during the drain), in a burst of quiz answers, then a restart:
no acknowledged answer is lost.

A real ``studybot run`` process on a fresh PostgreSQL database answers through a local fake Slack. A
student's answer is acknowledged (Slack closes the modal: HTTP 200 with an empty body) only once it is
stored, before it is graded. The test kills the process with SIGKILL while answers are still arriving
and being graded, restarts it, and checks that every acknowledged answer is in the database and graded
(the answers left ungraded are graded at start).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid

import aiohttp
import pytest

from tests.support.process import (
    StudybotProcess,
    clean_environment,
    free_port,
    fresh_postgres_database,
    rows,
    slack_send,
)

from tests.support.fake_slack import TEAM, FakeSlack, command_body, payload_body, view_submission  # isort: skip

PG_URL = os.environ.get("STUDYBOT_TEST_DATABASE_URL", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set STUDYBOT_TEST_DATABASE_URL"),
]

CHANNEL, ADMIN = "C0BURST", "U0LEAD"
BURST = 60  # answers sent at once
KILL_AFTER_ACKS = 8  # SIGKILL once this many were acknowledged: the rest are mid-flight
GUARD_S = 120.0  # failure guard, never a timing assertion


def kill_9(proc: StudybotProcess) -> None:
    proc.kill9()


def sigterm_twice(proc: StudybotProcess) -> None:
    """A graceful stop, then a second SIGTERM during its drain: 'stop now'."""
    proc.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    if proc.alive():
        proc.proc.send_signal(signal.SIGTERM)
    proc.proc.wait(GUARD_S)


@pytest.mark.parametrize("stop", [kill_9, sigterm_twice], ids=["kill -9", "SIGTERM twice"])
async def test_a_stop_during_a_burst_loses_no_acknowledged_answer(tmp_path, stop):
    from bot.adapters.slack import blocks as bk
    from bot.core.types import ButtonAction

    secret = uuid.uuid4().hex
    fake = FakeSlack()
    await fake.start()
    try:
        with fresh_postgres_database(PG_URL) as (url, _host, _port):
            env = clean_environment(
                SLACK_BOT_TOKEN=f"xoxb-{uuid.uuid4().hex}",
                SLACK_SIGNING_SECRET=secret,
                SLACK_API_BASE_URL=fake.api_url,
                SLACK_ADMIN_USER_IDS=ADMIN,
                STUDYBOT_HTTP_HOST="127.0.0.1",
                STUDYBOT_HTTP_PORT=str(free_port()),
                STUDYBOT_DATA_DIR=str(tmp_path / "data"),
                DATABASE_URL=url,
            )
            proc = StudybotProcess("bot", env, tmp_path / "bot.log")
            try:
                proc.start()
                await proc.wait_healthy()
                async with aiohttp.ClientSession() as session:
                    now = command_body(
                        "/quiz", "now", user=ADMIN, channel_id=CHANNEL, response_url=fake.response_url("now")
                    )
                    assert (await slack_send(session, proc, secret, now))[0] == 200
                    (posted,) = await fake.wait_for("respond:now")
                    assert "Posted quiz question" in posted.dump()
                ((quiz_id,),) = rows(url, "SELECT id FROM quizzes WHERE channel_id = %s", CHANNEL)

                acked = await burst_then_stop(proc, secret, quiz_id, bk, ButtonAction, stop)
                at_kill = dict(
                    rows(
                        url,
                        "SELECT user_id, graded_at IS NOT NULL FROM quiz_answers WHERE quiz_id = %s",
                        quiz_id,
                    )
                )
                assert acked, "no answer was acknowledged before the kill"
                assert acked <= set(at_kill), "an acknowledged answer was not stored"

                proc.start()  # the same settings, the same database
                await proc.wait_healthy()
                deadline = time.monotonic() + GUARD_S
                while True:
                    graded = dict(
                        rows(
                            url,
                            "SELECT user_id, graded_at IS NOT NULL FROM quiz_answers WHERE quiz_id = %s",
                            quiz_id,
                        )
                    )
                    if all(graded.values()):
                        break
                    assert time.monotonic() < deadline, "answers left ungraded after the restart"
                    await asyncio.sleep(0.5)
                ungraded_at_kill = sum(1 for done in at_kill.values() if not done)
                print(
                    f"burst {BURST}: acknowledged {len(acked)}, stored {len(at_kill)}, "
                    f"ungraded at kill {ungraded_at_kill}, graded after restart {sum(graded.values())}"
                )
                assert acked <= {user for user, done in graded.items() if done}
                if ungraded_at_kill:  # graded by the recovery at start, which logs it (just after saving)
                    while "graded answers left ungraded at start" not in proc.text():
                        assert time.monotonic() < deadline, proc.text()[-3000:]
                        await asyncio.sleep(0.2)
                code, _seconds = await proc.terminate()
                assert code == 0, proc.text()[-3000:]
            finally:
                proc.ensure_stopped()
    finally:
        await fake.stop()


async def burst_then_stop(
    proc: StudybotProcess, secret: str, quiz_id: str, bk, ButtonAction, stop
) -> set[str]:
    """Send BURST answers at once; ``stop`` the process after KILL_AFTER_ACKS acknowledgements.
    Returns the users whose answer was acknowledged."""
    meta = {"a": ButtonAction.ANSWER_QUIZ.value, "v": quiz_id, "c": CHANNEL, "t": TEAM}
    view = bk.answer_modal(action=ButtonAction.ANSWER_QUIZ, metadata=meta, question=[])
    users = [f"U0K{n:03d}" for n in range(BURST)]
    acked: set[str] = set()
    enough = asyncio.Event()

    async def answer(session: aiohttp.ClientSession, n: int, user: str) -> None:
        text = f"Answer {n}: the hardware runs the many independent multiply-adds in parallel"
        body = payload_body(view_submission(view, text, user=user, view_id=f"V{user}"))
        try:
            status, reply = await slack_send(session, proc, secret, body)
        except (TimeoutError, aiohttp.ClientError):
            return  # the process died before answering: not acknowledged
        if status == 200 and reply == "":
            acked.add(user)
            if len(acked) >= KILL_AFTER_ACKS:
                enough.set()

    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.ensure_future(answer(session, n, u)) for n, u in enumerate(users)]
        waiter = asyncio.ensure_future(enough.wait())
        everything = asyncio.gather(*tasks)
        await asyncio.wait([waiter, everything], timeout=GUARD_S, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.to_thread(stop, proc)  # mid-burst: answers in flight, acknowledged ones not yet graded
        await everything
        waiter.cancel()
    return acked
