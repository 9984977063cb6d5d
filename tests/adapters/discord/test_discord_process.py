"""The real ``studybot run --platform discord`` process, configured only through its settings (environment),
with the real model and course pack, against a fake Discord (REST + gateway) on 127.0.0.1.

One process serves the tests of this module (the model loads once); the last test stops it with SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from tests.support.fake_discord import DEFERRED_MESSAGE, MANAGE_GUILD, MODAL, FakeDiscord, Member
from tests.support.process import assert_no_secret_in, free_port, studybot_command

START_GUARD_S = 120.0  # a failure guard for a hung start, not a timing assertion
ALICE = Member("2001", "alice")
ADMIN = Member("2002", "teacher", permissions=MANAGE_GUILD)

pytestmark = pytest.mark.slow
in_module_loop = pytest.mark.asyncio(loop_scope="module")  # the tests that share the running process


def child_env(fake: FakeDiscord, data: Path, token: str, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STUDYBOT_", "DISCORD_"))},
        "DISCORD_TOKEN": token,
        "DISCORD_API_BASE_URL": fake.api_base_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "STUDYBOT_DATA_DIR": str(data / "data"),
        "DATABASE_URL": f"sqlite:///{data / 'studybot.db'}",
        "STUDYBOT_DEVICE": "cpu",
        "HF_HUB_OFFLINE": "1",
        **extra,
    }


@dataclass
class Running:
    fake: FakeDiscord
    proc: asyncio.subprocess.Process
    log: Path
    env: dict[str, str]


async def serving(proc: asyncio.subprocess.Process, health_url: str, log: Path) -> None:
    """Until ``/healthz`` says the process serves (connected, quizzes attached), or it fails."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_GUARD_S
    async with aiohttp.ClientSession() as session:
        while True:
            if proc.returncode is not None or loop.time() > deadline:
                pytest.fail(f"studybot did not start (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(health_url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    tmp = tmp_path_factory.mktemp("discord-process")
    fake = await FakeDiscord(token="process-bot-token").start()
    log = tmp / "studybot.log"
    port = free_port()
    with log.open("w") as out:
        proc = await asyncio.create_subprocess_exec(
            *studybot_command(),
            "run",
            "--platform",
            "discord",
            env=(
                env := child_env(
                    fake, tmp, fake.token, STUDYBOT_HTTP_HOST="127.0.0.1", STUDYBOT_HTTP_PORT=str(port)
                )
            ),
            cwd=tmp,  # no stray .env from the checkout
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        await serving(proc, f"http://127.0.0.1:{port}/healthz", log)
        yield Running(fake, proc, log, env)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()


@in_module_loop
async def test_process_logs_in_and_syncs_its_commands(running: Running):
    fake = running.fake
    assert fake.find("GET", "/users/@me")[0].headers["Authorization"] == "Bot process-bot-token"
    assert [c.path for c in fake.find("PUT", "/commands")] == [f"/applications/{fake.app_id}/commands"]
    assert {"ask", "help"} <= set(fake.commands)


@in_module_loop
async def test_process_answers_ask_from_the_course_privately(running: Running):
    fake = running.fake
    interaction = await fake.slash(ALICE, "ask", question="Why are neural networks trained on GPUs?")
    ack = await fake.callback(interaction)
    assert ack.body["type"] == DEFERRED_MESSAGE and ack.ephemeral
    answer = await fake.followup(interaction)
    assert answer.ephemeral and answer.embed["title"].startswith("1.9")


@in_module_loop
async def test_process_ask_with_everyone_pings_nobody(running: Running):
    fake = running.fake
    interaction = await fake.slash(
        ALICE, "ask", question="@everyone why use GPUs for deep learning?", share=True
    )
    answer = await fake.followup(interaction)
    assert not answer.ephemeral
    assert answer.body["allowed_mentions"] == {"parse": []}


@in_module_loop
async def test_process_opens_and_answers_the_form_of_a_button_posted_before_it_started(running: Running):
    """A quiz post from an earlier run of the bot: the process never saw it, the button still works."""
    fake = running.fake
    earlier_post = fake.message_payload(
        {
            "embeds": [{"type": "rich", "description": "Why are neural networks trained on GPUs?"}],
            "components": [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 2,
                            "style": 1,
                            "label": "Answer",
                            "custom_id": "studybot:answer:earlier-quiz",
                        }
                    ],
                }
            ],
        }
    )
    form = await fake.callback(await fake.click(ALICE, earlier_post, "studybot:answer:earlier-quiz"))
    assert (
        form.body["type"] == MODAL and form.body["data"]["custom_id"] == "studybot:form:answer:earlier-quiz"
    )
    submit = await fake.submit(ALICE, form, answer="They compute matrix products in parallel.")
    ack = await fake.callback(submit)
    assert ack.body["type"] == DEFERRED_MESSAGE and ack.ephemeral
    reply = await fake.followup(submit)
    assert reply.ephemeral and reply.text and reply.body["allowed_mentions"] == {"parse": []}


@in_module_loop
async def test_process_quiz_flow(running: Running, course_pack):
    """Non-admins are refused; an admin posts a quiz; a student answers through the form, is graded
    privately, and a second answer is refused."""
    fake = running.fake
    refused = await fake.followup(await fake.slash(ALICE, "quiz", "schedule", time="09:00"))
    assert refused.ephemeral and "only course admins" in refused.text

    mark = len(fake.calls)
    done = await fake.followup(await fake.slash(ADMIN, "quiz", "now"))
    assert done.ephemeral
    post = await fake.wait_call("POST", f"/channels/{fake.channel_id}/messages", after=mark)
    assert post.body["allowed_mentions"] == {"parse": []}
    (button,) = post.custom_ids()
    assert button.startswith("studybot:answer:")
    item = next(q for q in course_pack.questions if q.question == post.embed["description"])

    form = await fake.callback(await fake.click(ALICE, post, button))
    assert form.body["type"] == MODAL
    submit = await fake.submit(ALICE, form, answer=item.answer)
    assert (await fake.callback(submit)).ephemeral
    graded = await fake.followup(submit)
    assert graded.ephemeral
    # the grader's calibration is tested elsewhere: here, that a real grade arrives, privately
    assert re.fullmatch(r"(Correct|Partly right|Not right) — \d+/100", graded.embed["title"])
    assert {f["name"] for f in graded.embed["fields"]} >= {"Score", "Points"}

    again = await fake.followup(await fake.submit(ALICE, form, answer="a second try"))
    assert again.ephemeral and "already answered" in again.text


@in_module_loop
async def test_process_stops_cleanly_on_sigterm(running: Running):
    running.proc.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(running.proc.wait(), START_GUARD_S)
    log = running.log.read_text()
    assert code == 0, log[-3000:]
    assert_no_secret_in(log, running.env)


async def test_process_with_a_bad_token_exits_non_zero_with_a_clear_message(tmp_path: Path):
    fake = await FakeDiscord(token="the-right-token").start()
    try:
        proc = await asyncio.create_subprocess_exec(
            *studybot_command(),
            "run",
            "--platform",
            "discord",
            env=child_env(fake, tmp_path, "a-wrong-token"),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _out, err = await asyncio.wait_for(proc.communicate(), START_GUARD_S)
    finally:
        await fake.close()
    stderr = err.decode()
    assert proc.returncode == 1, stderr[-3000:]
    assert "error: Discord rejected the bot token" in stderr and "DISCORD_TOKEN" in stderr
    assert "Traceback" not in stderr and "a-wrong-token" not in stderr
    assert "loading embedding model" not in stderr  # checked before the slow start
    assert fake.identifies == []


def test_process_without_a_token_fails_fast(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STUDYBOT_", "DISCORD_"))}
    done = subprocess.run(
        [*studybot_command(), "run", "--platform", "discord"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "DISCORD_TOKEN" in done.stderr
