"""Slack closes an answer modal (the bot's ``ack()``) only once the answer is stored, before grading; an
answer that could not be stored keeps the modal open with "try again", and may be submitted again."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from bot.adapters.slack import blocks as bk
from bot.adapters.slack.app import SlackAdapter
from bot.core.ask import AskService
from bot.core.pack import QAItem
from bot.core.receipts import answer_received
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from bot.core.types import ButtonAction, Reply
from tests.support.fake_slack import CHANNEL, TEAM, FakeSlack, payload_body, sign, view_submission
from tests.support.quiz import one_course

SECRET = "receipts-signing-secret"


class Quiz:
    """Stands in for the quiz engine: store, acknowledge, grade."""

    def __init__(self) -> None:
        self.database_up = True
        self.storing = asyncio.Event()  # a database that takes its time
        self.storing.set()
        self.stored: list[str] = []
        self.grading = asyncio.Event()
        self.release = asyncio.Event()

    async def answer(self, user, place, quiz_id, text) -> Reply:
        if not self.database_up:
            raise ConnectionRefusedError("database unreachable")
        await self.storing.wait()
        self.stored.append(user.user_id)
        await answer_received()
        self.grading.set()
        await self.release.wait()
        return Reply(title="Correct — 90/100", body="Well done.", kind="grade")


@pytest.fixture
async def setup(fake_embedder):
    fake = FakeSlack()
    await fake.start()
    quiz = Quiz()
    items = (QAItem("1.9", "Why GPUs?", "Parallel multiply-adds."),)
    bot = StudyBot(
        courses=one_course("DL", AskService(SemanticIndex.build(items, fake_embedder), fake_embedder)))
    bot.register_answer_handler(ButtonAction.ANSWER_QUIZ, quiz.answer, acknowledges=True)
    adapter = SlackAdapter(
        bot, bot_token="xoxb-r", signing_secret=SECRET, api_base_url=fake.api_url, host="127.0.0.1", port=0
    )
    await adapter.start()
    yield fake, quiz, f"http://127.0.0.1:{adapter.bound_port}/slack/events"
    quiz.release.set()
    await adapter.stop()
    await fake.stop()


def submission(user: str = "U0ANA", view_id: str = "V1") -> bytes:
    meta = {"a": ButtonAction.ANSWER_QUIZ.value, "v": "q1", "c": CHANNEL, "t": TEAM}
    view = bk.answer_modal(action=ButtonAction.ANSWER_QUIZ, metadata=meta, question=[])
    return payload_body(view_submission(view, "parallel arithmetic", user=user, view_id=view_id))


async def post(url: str, body: bytes) -> tuple[int, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as r:
        return r.status, await r.text()


async def test_the_modal_closes_once_stored_and_before_grading_ends(setup):
    fake, quiz, url = setup
    status, text = await post(url, submission())
    assert (status, text) == (200, "")  # acknowledged while the grading is still waiting
    assert quiz.stored == ["U0ANA"] and quiz.grading.is_set()
    assert fake.of("chat.postEphemeral") == []
    quiz.release.set()
    (feedback,) = await fake.wait_for("chat.postEphemeral")
    assert "90/100" in feedback.dump()


async def test_an_answer_that_could_not_be_stored_keeps_the_modal_open(setup):
    fake, quiz, url = setup
    quiz.database_up = False
    status, text = await post(url, submission(view_id="V2"))
    assert status == 200
    reply = json.loads(text)
    assert reply["response_action"] == "errors" and "try again" in reply["errors"]["answer"].lower()
    assert quiz.stored == [] and fake.of("chat.postEphemeral") == []
    quiz.database_up = True
    quiz.release.set()
    assert await post(url, submission(view_id="V2")) == (200, "")  # the same modal, submitted again
    assert quiz.stored == ["U0ANA"]
    await fake.wait_for("chat.postEphemeral")


async def test_a_slow_database_does_not_make_slack_wait_past_its_deadline(setup, monkeypatch):
    import bot.adapters.slack.app as slack_app

    monkeypatch.setattr(slack_app, "ACK_DEADLINE_S", 0.2)
    fake, quiz, url = setup
    quiz.storing.clear()  # storing hangs until released
    assert await post(url, submission(view_id="V3")) == (200, "")  # acknowledged at the deadline
    assert quiz.stored == []
    quiz.storing.set()
    quiz.release.set()
    (feedback,) = await fake.wait_for("chat.postEphemeral")  # the outcome comes as a message
    assert quiz.stored == ["U0ANA"] and "90/100" in feedback.dump()
