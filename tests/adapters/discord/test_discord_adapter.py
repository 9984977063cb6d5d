"""The Discord adapter driving the real discord.py against a fake Discord on 127.0.0.1 (REST + gateway).

Until the quiz feature (issue 4) lands, ``QuizStandIn`` plays its part through the same StudyBot facade:
``/quiz`` on the router (admin subcommands), an answer handler, and posts through ``Platform.post``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.adapters.discord.client import DiscordAdapter, DiscordStartError
from bot.adapters.discord.render import reply_embed, reply_text
from bot.adapters.discord.ui import button_id, parse_form_id
from bot.core.ask import AskService
from bot.core.commands import CommandSpec
from bot.core.pack import QAItem
from bot.core.ratelimit import RateLimiter
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from bot.core.types import Button, ButtonAction, Place, PostedMessage, Reply, User
from tests.support.fake_discord import (
    AUTOCOMPLETE,
    DEFERRED_MESSAGE,
    MANAGE_GUILD,
    MODAL,
    FakeDiscord,
    Member,
)
from tests.support.quiz import one_course

NO_PINGS = {"parse": []}
ALICE = Member("1001", "alice")
BOB = Member("1002", "bob")
ADMIN = Member("1003", "teacher", permissions=MANAGE_GUILD)
ITEMS = [
    QAItem("1.9", "Why are neural networks trained on GPUs?", "GPUs run many matrix products in parallel."),
    QAItem("1.4", "What is imbalanced data?", "A data set with skewed class proportions."),
]
REFERENCE = "GPUs run many matrix products in parallel."
QUIZ_SUBCOMMANDS = {"schedule", "pause", "resume", "now", "status", "unschedule"}
ADMIN_SUBCOMMANDS = frozenset(QUIZ_SUBCOMMANDS - {"status"})  # as the quiz feature registers them


class QuizStandIn:
    """What issue 4 will register: ``/quiz`` (admins), the answer handler, a quiz post and its reveal."""

    def __init__(self, bot: StudyBot) -> None:
        self.platform: DiscordAdapter | None = None
        self.calls: list[tuple[User, Place, str]] = []
        self.answers: dict[tuple[str, str], str] = {}
        self.posted: PostedMessage | None = None
        bot.router.register(
            CommandSpec(
                "quiz",
                "/quiz schedule|pause|resume|now|status|unschedule",
                "Daily quiz questions (admins)",
                self.command,
                admin_subcommands=ADMIN_SUBCOMMANDS,
            )
        )
        bot.register_answer_handler(ButtonAction.ANSWER_QUIZ, self.answer)

    async def command(self, user: User, place: Place, args: str) -> Reply:
        self.calls.append((user, place, args))
        if args == "now":
            assert self.platform is not None
            self.posted = await self.platform.post(place, quiz_post("q-17"))
            return Reply(body="Posted a quiz question in this channel.")
        return Reply(body=f"Done: {args}")

    async def answer(self, user: User, place: Place, quiz_id: str, text: str) -> Reply:
        key = (user.user_id, quiz_id)
        if key in self.answers:
            return Reply(body="You already answered this quiz.", kind="error")
        self.answers[key] = text
        right = "parallel" in text.lower()
        return Reply(
            title="Correct" if right else "Incorrect",
            body=f"Score: {90 if right else 10}/100",
            fields=(
                ("Covered", "parallel matrix products" if right else "—"),
                ("Missed", "—" if right else "parallel matrix products"),
                ("Reference answer", REFERENCE),
            ),
            kind="grade",
        )


def quiz_post(quiz_id: str) -> Reply:
    return Reply(
        title="Daily quiz",
        body="Why are neural networks trained on GPUs?",
        buttons=(Button("Answer", ButtonAction.ANSWER_QUIZ, quiz_id),),
        ephemeral=False,
        kind="quiz",
    )


def study_bot(embedder, *, rate_per_minute: int = 6) -> tuple[StudyBot, QuizStandIn]:
    index = SemanticIndex.build(ITEMS, embedder)
    bot = StudyBot(
        courses=one_course("Test course", AskService(index, embedder, threshold=0.2)),
        ask_limiter=RateLimiter(rate_per_minute, 60.0),
    )
    return bot, QuizStandIn(bot)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    yield server
    await server.close()


@asynccontextmanager
async def running(fake: FakeDiscord, bot: StudyBot, quiz: QuizStandIn | None = None, **options):
    adapter = DiscordAdapter(
        bot,
        token=options.pop("token", fake.token),
        api_base_url=fake.api_base_url,
        gateway_url=fake.gateway_url,
        guild_ready_timeout=0.01,
        **options,
    )
    if quiz is not None:
        quiz.platform = adapter
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


def assert_no_pings(fake: FakeDiscord) -> None:
    """Every message the bot sent (posts, replies, follow-ups) carries allowed_mentions that ping nobody."""
    sent = [
        c
        for c in fake.calls
        if c.method in ("POST", "PATCH") and ("/messages" in c.path or "/webhooks/" in c.path)
    ]
    assert sent
    for call in sent:
        assert call.body["allowed_mentions"]["parse"] == [], call.body
        assert not call.body["allowed_mentions"].get("replied_user"), call.body
        assert not call.body["allowed_mentions"].get("users") and not call.body["allowed_mentions"].get(
            "roles"
        )


# --- login and command sync ----------------------------------------------------------------------------
async def test_login_syncs_commands_globally_without_privileged_intents(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder)
    async with running(fake, bot):
        assert fake.find("GET", "/users/@me")[0].headers["Authorization"] == f"Bot {fake.token}"
        assert [c.path for c in fake.find("PUT", "/commands")] == [f"/applications/{fake.app_id}/commands"]
        assert set(fake.commands) == {"ask", "course", "help", "quiz"}
        ask = {o["name"]: o for o in fake.commands["ask"]["options"]}
        assert ask["question"]["required"] and ask["question"]["max_length"] == 1000
        assert ask["question"]["autocomplete"] and ask["share"]["type"] == 5
        assert all(c["description"] for c in fake.commands.values())
        quiz = fake.commands["quiz"]
        assert int(quiz["default_member_permissions"]) == MANAGE_GUILD
        assert {o["name"] for o in quiz["options"]} == QUIZ_SUBCOMMANDS
        assert fake.commands["ask"]["default_member_permissions"] is None
        assert quiz["contexts"] == [0] and fake.commands["ask"].get("contexts") is None  # /ask works in DMs
        privileged = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
        assert fake.identifies[0]["intents"] & privileged == 0


async def test_guild_ids_sync_commands_to_those_servers_only(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder)
    async with running(fake, bot, guild_ids=[int(fake.guild_id)]):
        assert [c.path for c in fake.find("PUT", "/commands")] == [
            f"/applications/{fake.app_id}/guilds/{fake.guild_id}/commands"
        ]
        interaction = await fake.slash(ALICE, "ask", question="why GPUs for neural networks")
        assert "1.9" in (await fake.followup(interaction)).text


async def test_a_process_without_shard_0_does_not_sync(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder)
    async with running(fake, bot, shard_ids=[1], shard_count=2):
        assert fake.find("PUT", "/commands") == []
        assert fake.identifies[0]["shard"] == [1, 2]


async def test_a_bad_token_fails_cleanly(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder)
    with pytest.raises(DiscordStartError, match="DISCORD_TOKEN"):
        async with running(fake, bot, token="wrong-token"):
            pass
    assert fake.identifies == [] and fake.find("PUT", "/commands") == []


# --- /ask ---------------------------------------------------------------------------------------------
async def test_ask_is_answered_from_the_course_with_the_real_model(fake, real_embedder, course_pack):
    bot = StudyBot(
        courses=one_course(course_pack.title, AskService(SemanticIndex.build(course_pack.questions, real_embedder), real_embedder)),
    )
    async with running(fake, bot):
        interaction = await fake.slash(
            ALICE, "ask", question="Why do we use graphics cards to train deep nets?"
        )
        ack = await fake.callback(interaction)
        assert ack.body["type"] == DEFERRED_MESSAGE and ack.ephemeral  # acknowledged before the model runs
        answer = await fake.followup(interaction)
        assert answer.ephemeral
        assert answer.embed["title"].startswith("1.9")
        assert "parallel" in answer.embed["description"]


async def test_ask_with_everyone_pings_nobody(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder)
    async with running(fake, bot):
        interaction = await fake.slash(
            ALICE, "ask", question="@everyone <@1002> <@&77> why GPUs?", share=True
        )
        assert not (await fake.callback(interaction)).ephemeral
        answer = await fake.followup(interaction)
        assert not answer.ephemeral
        assert_no_pings(fake)


async def test_ask_is_rate_limited_per_user_with_a_friendly_private_message(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder, rate_per_minute=2)
    async with running(fake, bot):
        for _ in range(2):
            ok = await fake.slash(ALICE, "ask", question="why GPUs?")
            assert "1.9" in (await fake.followup(ok)).text
        limited = await fake.slash(ALICE, "ask", question="why GPUs?", share=True)
        refusal = await fake.followup(limited)
        assert "asking quickly" in refusal.text and refusal.ephemeral
        # shared answers are deferred in public: the refusal replaces the public "thinking…" privately
        assert fake.find("DELETE", f"/webhooks/{fake.app_id}/{limited['token']}/messages/@original")
        other = await fake.slash(BOB, "ask", question="why GPUs?")
        assert "1.9" in (await fake.followup(other)).text


async def test_ask_works_in_a_direct_message(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder)
    seen: list[tuple[User, Place]] = []
    ask = bot.router.get("ask")

    async def spy(user: User, place: Place, args: str) -> Reply:
        seen.append((user, place))
        return await ask.handler(user, place, args)

    bot.router.register(dataclasses.replace(ask, handler=spy))
    async with running(fake, bot):
        data = {
            "id": fake.commands["ask"]["id"],
            "name": "ask",
            "type": 1,
            "options": [{"name": "question", "type": 3, "value": "why GPUs?"}],
        }
        payload = fake.interaction_payload(2, data, ALICE, context=1)
        for key in ("guild_id", "member"):
            del payload[key]
        payload["user"] = ALICE.payload()["user"]
        payload["channel"] = {"id": fake.channel_id, "type": 1, "recipients": [ALICE.payload()["user"]]}
        await fake.dispatch(payload)
        assert "1.9" in (await fake.followup(payload)).text
    assert seen == [(User("discord", "1001", "alice"), Place("discord", "@me", fake.channel_id))]


async def test_ask_autocomplete_suggests_course_questions(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder)
    async with running(fake, bot):
        payload = fake.interaction_payload(
            4,
            {
                "id": fake.commands["ask"]["id"],
                "name": "ask",
                "type": 1,
                "options": [{"name": "question", "type": 3, "value": "imbalanced", "focused": True}],
            },
            ALICE,
        )
        await fake.dispatch(payload)
        answer = await fake.callback(payload)
        assert answer.body["type"] == AUTOCOMPLETE
        assert [c["name"] for c in answer.body["data"]["choices"]] == ["What is imbalanced data?"]


# --- quiz: post, answer form, grading, reveal -------------------------------------------------------------
async def test_quiz_post_button_form_graded_private_followup_and_second_answer_refused(fake, fake_embedder):
    bot, quiz = study_bot(fake_embedder)
    async with running(fake, bot, quiz):
        await fake.followup(await fake.slash(ADMIN, "quiz", "now"))
        post = fake.find("POST", f"/channels/{fake.channel_id}/messages")[0]
        assert post.embed["description"] == "Why are neural networks trained on GPUs?"
        assert post.custom_ids() == ["studybot:answer:q-17"]

        click = await fake.click(ALICE, post, "studybot:answer:q-17")
        form = await fake.callback(click)
        assert form.body["type"] == MODAL and form.body["data"]["custom_id"] == "studybot:form:answer:q-17"
        label = form.body["data"]["components"][0]
        assert label["description"] == "Why are neural networks trained on GPUs?"
        assert label["component"]["style"] == 2 and label["component"]["max_length"] == 1000

        submit = await fake.submit(ALICE, form, answer="They do the matrix products in parallel.")
        ack = await fake.callback(submit)
        assert ack.body["type"] == DEFERRED_MESSAGE and ack.ephemeral
        graded = await fake.followup(submit)
        assert graded.ephemeral
        assert graded.embed["title"] == "Correct" and "90/100" in graded.embed["description"]
        fields = {f["name"]: f["value"] for f in graded.embed["fields"]}
        assert fields["Reference answer"] == REFERENCE and fields["Covered"] and fields["Missed"]
        assert quiz.answers == {("1001", "q-17"): "They do the matrix products in parallel."}

        again = await fake.submit(ALICE, form, answer="a second try")
        refused = await fake.followup(again)
        assert refused.ephemeral and "already answered" in refused.text
        assert quiz.answers[("1001", "q-17")] == "They do the matrix products in parallel."
        assert_no_pings(fake)


async def test_reveal_replies_to_the_quiz_post_showing_names_without_pings(fake, fake_embedder):
    bot, quiz = study_bot(fake_embedder)
    async with running(fake, bot, quiz) as adapter:
        posted = await adapter.post(Place("discord", fake.guild_id, fake.channel_id), quiz_post("q-18"))
        reveal = Reply(
            title="Answer of the day",
            body=REFERENCE,
            fields=(("Correct", "@everyone, <@1001> alice"), ("Answers", "3")),
            ephemeral=False,
            kind="reveal",
        )
        reply = await adapter.reply_to(posted, reveal)
        sent = fake.find("POST", f"/channels/{fake.channel_id}/messages")[-1]
        assert sent.body["message_reference"]["message_id"] == int(posted.message_id)
        assert sent.body["message_reference"]["fail_if_not_exists"] is False
        assert "@everyone, <@1001> alice" in sent.text
        assert reply.place == posted.place and reply.message_id != posted.message_id
        assert_no_pings(fake)


async def test_the_answer_button_and_an_open_form_still_work_after_the_bot_restarts(fake, fake_embedder):
    bot, quiz = study_bot(fake_embedder)
    async with running(fake, bot, quiz) as adapter:
        await adapter.post(Place("discord", fake.guild_id, fake.channel_id), quiz_post("q-19"))
        post = fake.find("POST", f"/channels/{fake.channel_id}/messages")[0]
        opened_before = await fake.callback(await fake.click(ALICE, post, post.custom_ids()[0]))

    restarted_bot, restarted_quiz = study_bot(fake_embedder)  # nothing carried over in memory
    async with running(fake, restarted_bot, restarted_quiz):
        form = await fake.callback(await fake.click(BOB, post, post.custom_ids()[0]))
        assert form.body["type"] == MODAL
        graded = await fake.followup(await fake.submit(BOB, form, answer="many products in parallel"))
        assert graded.embed["title"] == "Correct"
        late = await fake.followup(await fake.submit(ALICE, opened_before, answer="not sure"))
        assert late.embed["title"] == "Incorrect"
        assert restarted_quiz.answers == {
            ("1002", "q-19"): "many products in parallel",
            ("1001", "q-19"): "not sure",
        }


# --- admin commands --------------------------------------------------------------------------------------
async def test_non_admin_quiz_schedule_is_refused_and_admin_is_heard(fake, fake_embedder):
    bot, quiz = study_bot(fake_embedder)
    async with running(fake, bot, quiz):
        refused = await fake.followup(await fake.slash(ALICE, "quiz", "schedule", time="09:00"))
        assert refused.ephemeral and "only course admins" in refused.text
        assert quiz.calls == []

        done = await fake.slash(
            ADMIN, "quiz", "schedule", time="09:00", days="mon-fri", timezone="Europe/Berlin"
        )
        assert "Done" in (await fake.followup(done)).text
        user, place, args = quiz.calls[0]
        assert args == "schedule 09:00 mon-fri Europe/Berlin"
        assert user == User("discord", "1003", "teacher", is_admin=True)
        assert place == Place("discord", fake.guild_id, fake.channel_id)

        administrator = Member("1004", "owner", permissions=1 << 3)
        await fake.followup(await fake.slash(administrator, "quiz", "pause"))
        assert quiz.calls[-1][0].is_admin and quiz.calls[-1][2] == "pause"


async def test_timezone_autocomplete(fake, fake_embedder):
    bot, quiz = study_bot(fake_embedder)
    async with running(fake, bot, quiz):
        options = [
            {
                "name": "schedule",
                "type": 1,
                "options": [
                    {"name": "time", "type": 3, "value": "09:00"},
                    {"name": "timezone", "type": 3, "value": "berl", "focused": True},
                ],
            }
        ]
        payload = fake.interaction_payload(
            4, {"id": fake.commands["quiz"]["id"], "name": "quiz", "type": 1, "options": options}, ADMIN
        )
        await fake.dispatch(payload)
        choices = (await fake.callback(payload)).body["data"]["choices"]
        assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in choices


# --- other commands, limits and errors -------------------------------------------------------------------
async def test_a_feature_command_unknown_to_the_adapter_gets_a_text_option(fake, fake_embedder):
    bot, _quiz = study_bot(fake_embedder)
    heard: list[str] = []

    async def flashcards(user: User, place: Place, args: str) -> Reply:
        heard.append(args)
        return Reply(body="x" * 5000, title="Flashcards", ephemeral=False)

    bot.router.register(CommandSpec("flashcards", "/flashcards [TOPIC]", "Review flashcards", flashcards))
    async with running(fake, bot):
        assert [o["name"] for o in fake.commands["flashcards"]["options"]] == ["text"]
        interaction = await fake.slash(ALICE, "flashcards", text="gpus")
        shown = await fake.followup(interaction)
        assert heard == ["gpus"]
        # the core asked for a public reply: the private "thinking…" is replaced by a public message
        assert not shown.ephemeral and fake.find("DELETE", interaction["token"])
        assert len(shown.embed["description"]) == 4096 and shown.embed["description"].endswith("…")


async def test_an_error_inside_a_command_reaches_the_user_short_and_the_log_with_a_traceback(
    fake, fake_embedder, caplog, monkeypatch
):
    bot, _quiz = study_bot(fake_embedder)

    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(bot, "handle", broken)
    async with running(fake, bot):
        with caplog.at_level(logging.ERROR, logger="bot.adapters.discord"):
            interaction = await fake.slash(ALICE, "ask", question="why GPUs?")
            message = await fake.followup(interaction)
        assert message.ephemeral and message.body["content"].startswith("Something went wrong")
        assert "database on fire" not in message.text
        record = next(r for r in caplog.records if r.exc_info)
        assert str(record.exc_info[1]) == "database on fire" and record.exc_info[2] is not None


def test_text_is_cut_to_discord_limits_with_a_visible_ellipsis():
    long = "word " * 3000
    embed = reply_embed(Reply(body=long, title="t" * 300, fields=(("n", "v" * 2000),), footer="f" * 3000))
    assert len(embed.description) <= 4096 and embed.description.endswith("…")
    assert len(embed.title) == 256 and embed.title.endswith("…")
    assert len(embed.fields[0].value) == 1024 and len(embed.footer.text) == 2048
    assert len(embed) <= 6000
    text = reply_text(Reply(body=long, kind="error"))
    assert len(text) <= 2000 and text.endswith("…")
    short = reply_embed(Reply(body="short"))
    assert short.description == "short"


def test_custom_ids_round_trip_and_refuse_what_discord_would_reject():
    assert button_id(ButtonAction.ANSWER_QUIZ, "q:1") == "studybot:answer:q:1"
    assert parse_form_id("studybot:form:practice:7") == (ButtonAction.ANSWER_PRACTICE, "7")
    assert parse_form_id("someone-else:form") is None
    with pytest.raises(ValueError):
        button_id(ButtonAction.ANSWER_QUIZ, "x" * 100)
