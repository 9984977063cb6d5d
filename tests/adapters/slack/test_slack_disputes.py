"""Disputes, reviews and insights through the real slack-bolt app against the fake Slack, with the real quiz,
dispute and insights features on a database: "Dispute this grade" on a grade, the review buttons, the
decision told to the student by direct message, and /insights with its chart uploaded to the admin's DM."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from PIL import Image

from bot.adapters.slack import blocks as bk
from bot.adapters.slack.app import SlackAdapter
from bot.core.types import FORMS, REASON_CHARS, ButtonAction, Place
from tests.support.db import row_counts
from tests.support.fake_slack import (
    CHANNEL,
    TEAM,
    Call,
    FakeSlack,
    block_actions,
    command_body,
    payload_body,
    sign,
    view_submission,
)
from tests.support.quiz import Harness, make_harness

SECRET = "dispute-signing-secret"
ANA, BOB, ADM = "U0ANA", "U0BOB", "U0ADM"  # two students, a workspace admin (known from users.info)
PLACE = Place("slack", TEAM, CHANNEL)


@dataclass
class Rig:
    fake: FakeSlack
    h: Harness
    adapter: SlackAdapter
    url: str

    async def send(self, body: bytes) -> tuple[int, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body, headers=headers) as r,
        ):
            return r.status, await r.text()

    async def command(self, user: str, command: str, text: str = "") -> Call:
        """A slash command; its response (through ``response_url``)."""
        hook = f"{command.strip('/')}-{user}-{len(self.fake.calls)}"
        assert (
            await self.send(command_body(command, text, user=user, response_url=self.fake.response_url(hook)))
        )[0] == 200
        (response,) = await self.fake.wait_for(f"respond:{hook}")
        return response

    async def press(self, user: str, element: dict, message: dict | None = None) -> dict:
        """Press a button as Slack sends it; the modal the app opened."""
        opened = len(self.fake.of("views.open"))
        click = block_actions(element["action_id"], element["value"], user=user, message=message)
        assert (await self.send(payload_body(click)))[0] == 200
        calls = await self.fake.wait_for("views.open", opened + 1)
        assert calls[-1].args["trigger_id"] == "1337.43.trigger"
        return calls[-1].args["view"]

    async def submit(self, user: str, view: dict, text: str | None, view_id: str) -> Call:
        """Submit a modal; the private message that answers it (``chat.postEphemeral`` to ``user``)."""
        before = len(self.fake.of("chat.postEphemeral"))
        assert await self.send(payload_body(view_submission(view, text, user=user, view_id=view_id))) == (
            200,
            "",
        )
        calls = await self.fake.wait_for("chat.postEphemeral", before + 1)
        (sent,) = [c for c in calls[before:] if c.args["user"] == user]
        return sent


@pytest.fixture
async def rig(database) -> AsyncIterator[Rig]:
    fake = FakeSlack()
    await fake.start()
    fake.users[ANA] = {"id": ANA, "name": "ana", "profile": {"display_name": "ana"}}
    fake.users[BOB] = {"id": BOB, "name": "bob", "is_admin": False}
    fake.users[ADM] = {"id": ADM, "name": "adm", "is_admin": True}
    h = make_harness(database)
    adapter = SlackAdapter(
        h.bot,
        bot_token=fake.bot_token,
        signing_secret=SECRET,
        api_base_url=fake.api_url,
        host="127.0.0.1",
        port=0,
    )
    await adapter.start()
    h.feature.platforms["slack"] = adapter  # quiz posts and the students' messages go through Slack
    try:
        yield Rig(fake, h, adapter, f"http://127.0.0.1:{adapter.bound_port}/slack/events")
    finally:
        await adapter.stop()
        await fake.stop()
        await h.close()


def buttons(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def input_block(view: dict) -> dict:
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    return field


async def graded(rig: Rig, user: str, text: str) -> Call:
    """The quiz of the channel (posted once), answered by ``user``: the private grade."""
    if not rig.fake.of("chat.postMessage"):
        await rig.command(ADM, "/quiz", "now")
    (post,) = [c for c in rig.fake.of("chat.postMessage") if c.args["channel"] == CHANNEL]
    (answer,) = buttons(post.args["blocks"])
    message = {"type": "message", "ts": "1700000000.000001", "blocks": post.args["blocks"]}
    view = await rig.press(user, answer, message)
    return await rig.submit(user, view, text, view_id=f"V-answer-{user}")


async def disputed(rig: Rig, user: str, grade: Call, reason: str | None) -> tuple[dict, Call]:
    (button,) = buttons(grade.args["blocks"])
    view = await rig.press(user, button)
    return view, await rig.submit(user, view, reason, view_id=f"V-dispute-{user}")


@pytest.mark.parametrize("reason", [None, "", "<!channel> <@U0BOB> I said the same thing"])
async def test_a_grade_is_disputed_from_its_button_privately_with_an_optional_reason(rig, reason):
    grade = await graded(rig, ANA, "gradients go backwards")
    assert grade.args["channel"] == CHANNEL and "Not right" in grade.dump()
    (button,) = buttons(grade.args["blocks"])
    assert button["text"]["text"] == "Dispute this grade" and button["action_id"] == "studybot.dispute"
    assert button["value"].startswith("quiz:")

    view, sent = await disputed(rig, ANA, grade, reason)
    form = FORMS[ButtonAction.DISPUTE]
    assert view["title"]["text"] == form.title and len(view["blocks"]) == 1  # no question above a reason
    field = input_block(view)
    assert field["optional"] is True and field["label"]["text"] == form.label
    assert field["element"]["max_length"] == REASON_CHARS == 500 and "placeholder" not in field["element"]
    assert (sent.args["channel"], sent.args["user"]) == (CHANNEL, ANA) and "Dispute #" in sent.dump()

    queue = await rig.command(ADM, "/review")
    shown = queue.dump()
    assert queue.args["response_type"] == "ephemeral" and "gradients go backwards" in shown
    if reason:
        assert "&lt;!channel&gt; &lt;@U0BOB&gt; I said the same thing" in shown
    for control in ("<!channel>", "<@U0BOB>"):
        assert all(control not in c.dump() for c in rig.fake.calls), control
    assert [c.args["channel"] for c in rig.fake.of("chat.postMessage")] == [CHANNEL]  # the quiz post only


async def test_a_required_answer_form_stays_required_and_an_optional_reason_too_long_is_refused(rig):
    grade = await graded(rig, ANA, "no idea")
    (post,) = rig.fake.of("chat.postMessage")
    message = {"type": "message", "ts": "1700000000.000001", "blocks": post.args["blocks"]}
    answer_view = await rig.press(BOB, buttons(post.args["blocks"])[0], message)
    field = input_block(answer_view)
    assert field["optional"] is False and field["element"]["max_length"] == 1000
    assert (
        answer_view["title"]["text"] == "Answer the quiz" and len(answer_view["blocks"]) > 1
    )  # the question
    status, text = await rig.send(
        payload_body(view_submission(answer_view, "  ", user=BOB, view_id="V-empty"))
    )
    assert json.loads(text)["errors"] == {bk.ANSWER_BLOCK: "Please write an answer before submitting."}

    (button,) = buttons(grade.args["blocks"])
    view = await rig.press(ANA, button)
    status, text = await rig.send(payload_body(view_submission(view, "x" * 501, user=ANA, view_id="V-long")))
    assert status == 200 and json.loads(text)["errors"] == {
        bk.ANSWER_BLOCK: "Please keep it under 500 characters."
    }
    queue = await rig.command(ADM, "/review")
    assert "No open disputes" in queue.dump()


async def test_an_admin_reviews_with_the_buttons_and_the_student_gets_a_direct_message(rig, database):
    fake, h = rig.fake, rig.h
    grade = await graded(rig, ANA, "no idea")
    await disputed(rig, ANA, grade, "I said it")
    queue = await rig.command(ADM, "/review")
    assert queue.args["response_type"] == "ephemeral" and "I said it" in queue.dump()
    (actions,) = [b for b in queue.args["blocks"] if b["type"] == "actions"]  # one item: one row
    decide = actions["elements"]
    dispute_id = decide[0]["value"]
    assert [(e["action_id"].split("#")[0], e["value"]) for e in decide] == [
        ("studybot.accept-correct", dispute_id),
        ("studybot.accept-partial", dispute_id),
        ("studybot.reject", dispute_id),
    ]
    assert bk.SHARE_ACTION not in queue.dump()

    # a student pressing a review button gets the core's refusal, and nothing changes
    before = row_counts(database)
    view = await rig.press(BOB, decide[0])
    refused = await rig.submit(BOB, view, "sure", view_id="V-bob")
    assert "only course admins" in refused.dump()
    assert row_counts(database) == before and [c.args["channel"] for c in fake.of("chat.postMessage")] == [
        CHANNEL
    ]
    assert BOB in [c.args["user"] for c in fake.of("users.info")]  # asked, not assumed

    view = await rig.press(ADM, decide[0])
    form = FORMS[ButtonAction.REVIEW_CORRECT]
    assert view["title"]["text"] == form.title and input_block(view)["optional"] is True
    assert input_block(view)["element"]["max_length"] == REASON_CHARS
    decided = await rig.submit(ADM, view, "well argued <!here>", view_id="V-adm")
    assert "accepted" in decided.dump() and "0 → 10 points" in decided.dump()
    (told,) = await fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == ANA)
    shown = told.dump()
    assert (
        "Your dispute was accepted" in shown
        and "well argued &lt;!here&gt;" in shown
        and "<!here>" not in shown
    )
    totals = await h.repos.scores.totals("slack", TEAM, "test", ANA)
    assert totals.points == 10


async def test_insights_text_is_ephemeral_and_the_chart_goes_to_the_admins_dm(rig):
    fake = rig.fake
    await graded(rig, ANA, "right")
    await graded(rig, BOB, "no idea")

    refused = await rig.command(BOB, "/insights")
    assert refused.args["response_type"] == "ephemeral" and "only course admins" in refused.dump()
    assert fake.uploads == {} and fake.of("conversations.open") == []

    # the 3-second rule: Slack has its ack while the chart is still being drawn
    chart, drawing, release = rig.h.feature.insights.chart, threading.Event(), threading.Event()

    def slow_chart(report):
        drawing.set()
        release.wait(10)
        return chart(report)

    rig.h.feature.insights.chart = slow_chart
    hook = fake.response_url("insights")
    assert await rig.send(command_body("/insights", "month", user=ADM, response_url=hook)) == (200, "")
    assert await asyncio.to_thread(drawing.wait, 10) and fake.of("respond:insights") == []
    release.set()
    (report,) = await fake.wait_for("respond:insights")
    shown = report.dump()
    assert report.args["response_type"] == "ephemeral" and "last 30 days" in shown
    assert "insights.png: sent to your direct messages" in shown

    await fake.wait_for("files.completeUploadExternal")
    (opened,) = fake.of("conversations.open")
    assert opened.args["users"] == ADM
    (asked,) = fake.of("files.getUploadURLExternal")
    assert asked.args["filename"] == "insights.png" and asked.args["alt_txt"].startswith(
        "Accuracy per question"
    )
    (uploaded,) = fake.shared_files(f"D{ADM}")
    assert int(asked.args["length"]) == len(uploaded["data"])
    with Image.open(io.BytesIO(uploaded["data"])) as image:
        assert image.format == "PNG" and image.size == (1000, 700)
    assert fake.shared_files(CHANNEL) == [] and [c.args["channel"] for c in fake.of("chat.postMessage")] == [
        CHANNEL
    ]


async def test_a_chart_that_cannot_be_uploaded_is_reported_privately(rig):
    await graded(rig, ANA, "right")
    rig.fake.failures["files.getUploadURLExternal"] = "missing_scope"
    hook = rig.fake.response_url("insights")
    await rig.send(command_body("/insights", "", user=ADM, response_url=hook))
    report, failed = await rig.fake.wait_for("respond:insights", 2)
    assert "Insights" in report.dump()
    assert failed.args["response_type"] == "ephemeral" and "files:write" in failed.args["text"]
    assert rig.fake.shared_files(f"D{ADM}") == []
