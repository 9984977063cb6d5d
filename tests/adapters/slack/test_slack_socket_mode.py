"""Socket Mode for real: slack-bolt's AsyncSocketModeHandler against a local fake websocket.

The fake answers ``apps.connections.open`` with its own ``ws://`` URL, says hello, sends envelopes and
reads the acks back; replies still go through the (fake) Web API and response_url.
"""

from __future__ import annotations

import pytest

from bot.adapters.slack.app import SlackAdapter
from bot.core.ask import AskService
from bot.core.pack import QAItem
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from tests.support.fake_slack import CHANNEL, TEAM, FakeSlack
from tests.support.quiz import one_course

ITEM = QAItem(
    "1.14", "What is the purpose of DataLoaders in pytorch?", "Batching, shuffling and loading data."
)


@pytest.fixture
async def adapter(fake: FakeSlack, fake_embedder):
    bot = StudyBot(
        courses=one_course("DL", AskService(SemanticIndex.build([ITEM], fake_embedder), fake_embedder)))
    slack = SlackAdapter(bot, bot_token="xoxb-test", app_token="xapp-test", api_base_url=fake.api_url)
    await slack.start()
    yield slack
    await slack.stop()


async def test_slash_command_round_trip_over_socket_mode(fake, adapter):
    (opened,) = fake.of("apps.connections.open")
    assert opened.headers["authorization"] == "Bearer xapp-test"  # the app-level token, not the bot's
    assert adapter.bound_port is None  # no HTTP listener in Socket Mode
    await fake.envelopes.put(
        {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "user_id": "U0ANA",
                "user_name": "ana",
                "command": "/ask",
                "text": "what is the purpose of dataloaders in pytorch",
                "response_url": fake.response_url(),
                "trigger_id": "1.2.3",
            },
        }
    )
    ack = await fake.wait_for_ack("env-1")
    assert ack == {"envelope_id": "env-1"}  # an empty ack, sent before the answer
    (reply,) = await fake.wait_for("respond:hook")
    assert reply.args["response_type"] == "ephemeral"
    assert "Batching, shuffling" in reply.dump()


async def test_event_retries_are_dropped_over_socket_mode_too(fake, adapter):
    event = {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home"}
    for envelope_id, retry in (("env-retry", 1), ("env-first", 0)):
        await fake.envelopes.put(
            {
                "envelope_id": envelope_id,
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": retry,
                "retry_reason": "timeout" if retry else "",
                "payload": {"team_id": TEAM, "type": "event_callback", "event_id": "Ev1", "event": event},
            }
        )
    await fake.wait_for_ack("env-retry")
    await fake.wait_for_ack("env-first")
    (publish,) = await fake.wait_for("views.publish")
    assert publish.args["user_id"] == "U0ANA"
    await fake.envelopes.put(
        {
            "envelope_id": "env-barrier",
            "type": "slash_commands",
            "payload": {
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "user_id": "U0ANA",
                "command": "/help",
                "text": "",
                "response_url": fake.response_url("barrier"),
            },
        }
    )
    await fake.wait_for("respond:barrier")
    assert len(fake.of("views.publish")) == 1
