"""Disputes, reviews and insights through the real discord.py against the fake Discord, with the real quiz,
dispute and insights features on a database: "Dispute this grade" on a grade, the review buttons, the
decision told to the student by direct message, and /insights with its chart as a file."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from PIL import Image

from bot.adapters.discord.client import DiscordAdapter
from bot.core.types import FORMS, REASON_CHARS, ButtonAction, Place
from tests.support.db import row_counts
from tests.support.fake_discord import (
    DEFERRED_MESSAGE,
    MANAGE_GUILD,
    MODAL,
    Call,
    FakeDiscord,
    Member,
    adapter_for,
)
from tests.support.quiz import Harness, make_harness

ALICE = Member("1001", "alice")
BOB = Member("1002", "bob")
ADMIN = Member("1003", "teacher", permissions=MANAGE_GUILD)


@dataclass
class Rig:
    fake: FakeDiscord
    h: Harness
    adapter: DiscordAdapter

    @property
    def place(self) -> Place:
        return Place("discord", self.fake.guild_id, self.fake.channel_id)


@pytest.fixture
async def rig(database) -> AsyncIterator[Rig]:
    fake = await FakeDiscord().start()
    h = make_harness(database)
    adapter = adapter_for(fake, h.bot)
    await adapter.start()
    h.feature.platforms["discord"] = adapter  # quiz posts and the students' messages go through Discord
    try:
        yield Rig(fake, h, adapter)
    finally:
        await adapter.stop()
        await fake.close()
        await h.close()


def assert_no_pings(calls: list[Call]) -> None:
    assert calls
    for call in calls:
        mentions = call.body["allowed_mentions"]
        assert mentions["parse"] == [] and not mentions.get("users") and not mentions.get("roles"), call.body


def sent_messages(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.calls if c.method == "POST" and ("/messages" in c.path or "/webhooks/" in c.path)]


def acked_first(fake: FakeDiscord, ack: Call, reply: Call) -> bool:
    """The interaction was acknowledged (deferred) before its answer was sent: the 3-second rule."""
    return fake.calls.index(ack) < fake.calls.index(reply)


async def post_quiz(fake: FakeDiscord) -> Call:
    await fake.followup(await fake.slash(ADMIN, "quiz", "now"))
    return fake.find("POST", f"/channels/{fake.channel_id}/messages")[-1]


async def answer(fake: FakeDiscord, member: Member, post: Call, text: str) -> Call:
    """Press the quiz's Answer button, type ``text``, submit: the private grade."""
    form = await fake.callback(await fake.click(member, post, post.custom_ids()[0]))
    return await fake.followup(await fake.submit(member, form, answer=text))


async def open_form(fake: FakeDiscord, member: Member, message: Call, custom_id: str) -> Call:
    form = await fake.callback(await fake.click(member, message, custom_id))
    assert form.body["type"] == MODAL
    return form


def form_input(form: Call) -> tuple[dict, dict]:
    (label,) = form.body["data"]["components"]
    return label, label["component"]


async def dispute(fake: FakeDiscord, member: Member, graded: Call, reason: str) -> tuple[Call, Call]:
    """Press "Dispute this grade" on a grade and submit the form with ``reason``: (ack, reply)."""
    (custom_id,) = graded.custom_ids()
    form = await open_form(fake, member, graded, custom_id)
    submitted = await fake.submit(member, form, **({"answer": reason} if reason else {}))
    return await fake.callback(submitted), await fake.followup(submitted)


@pytest.mark.parametrize("reason", ["", "@everyone <@1002> <@&77> I said the same thing"])
async def test_a_grade_is_disputed_from_its_button_privately_with_an_optional_reason(rig, reason):
    fake = rig.fake
    graded = await answer(fake, ALICE, await post_quiz(fake), "gradients go backwards")
    assert graded.ephemeral and graded.embed["title"].startswith("Not right")
    (custom_id,) = graded.custom_ids()
    assert custom_id.startswith("studybot:dispute:quiz:")
    (button,) = graded.body["components"][0]["components"]
    assert button["label"] == "Dispute this grade"

    form = await open_form(fake, ALICE, graded, custom_id)
    assert form.body["data"]["title"] == FORMS[ButtonAction.DISPUTE].title
    label, text_input = form_input(form)
    assert label["label"] == FORMS[ButtonAction.DISPUTE].label and "description" not in label
    assert text_input["required"] is False and text_input["max_length"] == REASON_CHARS == 500
    assert "min_length" not in text_input

    submitted = await fake.submit(ALICE, form, **({"answer": reason} if reason else {}))
    ack, sent = await fake.callback(submitted), await fake.followup(submitted)
    assert ack.body["type"] == DEFERRED_MESSAGE and ack.ephemeral and acked_first(fake, ack, sent)
    assert sent.ephemeral and sent.embed["title"].startswith("Dispute #")
    assert_no_pings(sent_messages(fake))

    queue = await rig.h.command("/review", place=rig.place)
    assert "disputed by alice" in queue.body and "gradients go backwards" in queue.body
    assert (reason in queue.body) if reason else ("Reason:" not in queue.body)


async def test_a_required_answer_form_stays_required(rig):
    fake = rig.fake
    post = await post_quiz(fake)
    form = await open_form(fake, ALICE, post, post.custom_ids()[0])
    assert form.body["data"]["title"] == "Answer the quiz"
    label, text_input = form_input(form)
    assert label["label"] == "Your answer" and label["description"]  # the question above the input
    assert (
        text_input["required"] is True and text_input["min_length"] == 1 and text_input["max_length"] == 1000
    )


async def test_an_admin_reviews_with_the_buttons_and_the_student_gets_a_direct_message(rig, database):
    fake, h = rig.fake, rig.h
    graded = await answer(fake, ALICE, await post_quiz(fake), "no idea")
    await dispute(fake, ALICE, graded, "@everyone I said it")

    listed = await fake.slash(ADMIN, "review")
    ack = await fake.callback(listed)
    queue = await fake.followup(listed)
    assert ack.ephemeral and queue.ephemeral and acked_first(fake, ack, queue)
    assert "@everyone I said it" in queue.text and "no idea" in queue.text
    dispute_id = queue.embed["description"].split("**#")[1].split("**")[0]
    ids = [f"studybot:{a}:{dispute_id}" for a in ("accept-correct", "accept-partial", "reject")]
    (row,) = queue.body["components"]  # one item: its three decisions on one row
    assert [b["custom_id"] for b in row["components"]] == ids

    # a student pressing a review button gets the core's refusal, and nothing changes
    before = row_counts(database)
    form = await open_form(fake, BOB, queue, ids[0])
    refused = await fake.followup(await fake.submit(BOB, form, answer="sure"))
    assert refused.ephemeral and "only course admins" in refused.text
    assert row_counts(database) == before and fake.dm_channels == {}

    form = await open_form(fake, ADMIN, queue, ids[0])
    assert form.body["data"]["title"] == FORMS[ButtonAction.REVIEW_CORRECT].title
    label, text_input = form_input(form)
    assert label["label"] == FORMS[ButtonAction.REVIEW_CORRECT].label
    assert text_input["required"] is False and text_input["max_length"] == REASON_CHARS
    submitted = await fake.submit(ADMIN, form, answer="well argued @here")
    ack, decided = await fake.callback(submitted), await fake.followup(submitted)
    assert ack.body["type"] == DEFERRED_MESSAGE and ack.ephemeral and acked_first(fake, ack, decided)
    assert decided.ephemeral and "accepted" in decided.text and "0 → 10 points" in decided.text

    (opened,) = fake.find("POST", "/users/@me/channels")
    assert str(opened.body["recipient_id"]) == ALICE.user_id
    (told,) = fake.dms(ALICE.user_id)
    assert "Your dispute was accepted" in told.text and "well argued @here" in told.text
    assert not told.ephemeral
    assert_no_pings(sent_messages(fake))
    totals = await h.repos.scores.totals("discord", fake.guild_id, "test", ALICE.user_id)
    assert totals.points == 10

    again = await fake.followup(await fake.submit(ADMIN, form, answer=""))
    assert "was already accepted" in again.text and len(fake.dms(ALICE.user_id)) == 1


async def test_insights_are_private_with_the_chart_as_a_file_and_refused_to_students(rig):
    fake = rig.fake
    post = await post_quiz(fake)
    await answer(fake, ALICE, post, "right")
    await answer(fake, BOB, post, "no idea")
    insights = fake.commands["insights"]
    assert int(insights["default_member_permissions"]) == MANAGE_GUILD
    (period,) = insights["options"]
    assert [c["value"] for c in period["choices"]] == ["week", "month", "all"] and not period["required"]
    assert [o["name"] for o in fake.commands["dispute"]["options"]] == ["text"]
    assert int(fake.commands["review"]["default_member_permissions"]) == MANAGE_GUILD

    refused = await fake.followup(await fake.slash(BOB, "insights"))
    assert refused.ephemeral and "only course admins" in refused.text and refused.files == []

    asked = await fake.slash(ADMIN, "insights", period="month")
    ack, report = await fake.callback(asked), await fake.followup(asked)
    assert ack.body["type"] == DEFERRED_MESSAGE and ack.ephemeral and acked_first(fake, ack, report)
    assert report.ephemeral and "last 30 days" in report.text
    (chart,) = report.files
    assert chart.filename == "insights.png" and chart.field == "files[0]"
    assert report.body["attachments"][0]["description"].startswith("Accuracy per question")
    with Image.open(io.BytesIO(chart.data)) as image:
        assert image.format == "PNG" and image.size == (1000, 700)
    assert fake.find("POST", f"/channels/{fake.channel_id}/messages") == [post]  # nothing in the channel
