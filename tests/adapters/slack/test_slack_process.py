"""The real ``studybot run --platform slack`` process, configured only through its settings (environment),
with the real model and course pack, answering a signed ``/ask`` through a local fake Slack."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from content.loader import default_pack_path, load_pack
from tests.support.fake_slack import (
    CHANNEL,
    FakeSlack,
    block_actions,
    command_body,
    event_body,
    payload_body,
    sign,
    view_submission,
)
from tests.support.process import assert_no_secret_in, clean_environment, free_port, studybot_command

SECRET = "process-test-signing-secret"
START_GUARD_S = 120.0  # a failure guard for a hung start, not a timing assertion

pytestmark = pytest.mark.slow




async def wait_until_serving(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_GUARD_S
    async with aiohttp.ClientSession() as session:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"studybot exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"studybot did not start serving:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.2)


async def test_studybot_run_platform_slack_answers_a_signed_ask(fake: FakeSlack, tmp_path: Path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STUDYBOT_", "DISCORD_"))},
        "SLACK_BOT_TOKEN": "xoxb-process",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE_URL": fake.api_url,
        "STUDYBOT_HTTP_HOST": "127.0.0.1",
        "STUDYBOT_HTTP_PORT": str(port),
        "STUDYBOT_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'studybot.db'}",
        "STUDYBOT_DEVICE": "cpu",
        "SLACK_ADMIN_USER_IDS": "U0LEAD",
        "HF_HUB_OFFLINE": "1",
    }
    log = tmp_path / "studybot.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*studybot_command(), "run", "--platform", "slack"],
            env=env,
            cwd=tmp_path,  # no stray .env from the checkout
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_until_serving(proc, f"{base}/healthz", log)
        body = command_body(
            "/ask", "Why do we train neural networks on GPUs?", response_url=fake.response_url()
        )
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{base}/slack/events", data=body, headers={**form, **sign(SECRET, body)}
            ) as r:
                assert r.status == 200
            bad = sign("wrong-secret", body)
            async with session.post(f"{base}/slack/events", data=body, headers={**form, **bad}) as r:
                assert r.status == 401
        (reply,) = await fake.wait_for("respond:hook")
        assert reply.args["response_type"] == "ephemeral"
        assert "1.9" in reply.dump() and "GPU" in reply.dump()
        assert {c.headers["authorization"] for c in fake.of("auth.test")} == {"Bearer xoxb-process"}

        # The quiz, with the real quiz engine and grader: an admin posts it, a student answers it.
        async with aiohttp.ClientSession() as session:

            async def send(body: bytes, kind: str = "application/x-www-form-urlencoded") -> None:
                headers = {"Content-Type": kind, **sign(SECRET, body)}
                async with session.post(f"{base}/slack/events", data=body, headers=headers) as r:
                    assert r.status == 200

            await send(command_body("/quiz", "now", user="U0LEAD", response_url=fake.response_url("now")))
            (posted,) = await fake.wait_for("respond:now")
            assert "Posted quiz question" in posted.dump()
            (post,) = await fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHANNEL)
            question_id = re.search(r"question (\d+\.\d+)", post.dump()).group(1)
            button = post.args["blocks"][-1]["elements"][0]
            assert button["action_id"] == "studybot.answer"
            message = {"type": "message", "ts": "1700000000.000001", "blocks": post.args["blocks"]}
            await send(payload_body(block_actions(button["action_id"], button["value"], message=message)))
            (opened,) = await fake.wait_for("views.open")
            reference = load_pack(default_pack_path()).get(question_id).answer
            await send(payload_body(view_submission(opened.args["view"], reference)))
            (feedback,) = await fake.wait_for("chat.postEphemeral")
            assert feedback.args["user"] == "U0ANA"
            assert "/100" in feedback.dump() and "Score" in feedback.dump()

            event = {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home"}
            await send(event_body(event), "application/json")
            (home,) = await fake.wait_for("views.publish")
            shown = home.dump()
            assert "u0ana" in shown and "pts" in shown  # on this week's leaderboard
            assert "Streak" in shown and "Next quiz" in shown
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(proc.wait, 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, log.read_text()[-3000:]
    assert_no_secret_in(log.read_text(), env)


def test_studybot_run_platform_slack_without_its_settings_fails_fast(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STUDYBOT_", "DISCORD_"))}
    done = subprocess.run(
        [*studybot_command(), "run", "--platform", "slack"],
        env={**env, "SLACK_BOT_TOKEN": "xoxb-only"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "SLACK_SIGNING_SECRET" in done.stderr and "SLACK_BOT_TOKEN" not in done.stderr


async def test_while_starting_slack_gets_503_with_retry_after_and_sigterm_stops_cleanly(
    fake: FakeSlack, tmp_path: Path
):
    port = free_port()
    env = clean_environment(
        SLACK_BOT_TOKEN="xoxb-starting-process",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_BASE_URL=fake.api_url,
        STUDYBOT_HTTP_HOST="127.0.0.1",
        STUDYBOT_HTTP_PORT=str(port),
        STUDYBOT_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'studybot.db'}",
    )
    log = tmp_path / "studybot.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*studybot_command(), "run", "--platform", "slack"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    body = command_body("/ask", "why GPUs?", response_url=fake.response_url())
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    try:
        deadline = time.monotonic() + START_GUARD_S
        async with aiohttp.ClientSession() as session:
            while True:  # the listener comes up before the model has loaded
                assert proc.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                try:
                    async with session.post(f"{base}/slack/events", data=body, headers=headers) as r:
                        status, retry, text = r.status, r.headers.get("Retry-After"), await r.text()
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            async with session.get(f"{base}/healthz") as r:
                health_status, health = r.status, await r.json()
        assert (status, text) == (503, "starting") and retry, (status, text)
        assert health_status == 503 and health["status"] == "starting"
        proc.send_signal(signal.SIGTERM)  # docker stop while the model loads
        code = await asyncio.to_thread(proc.wait, START_GUARD_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "stopped during start-up" in text
    assert_no_secret_in(text, env)
