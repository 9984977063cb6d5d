"""The Slack adapter driven for real: slack-bolt's AsyncApp served on 127.0.0.1, requests signed as Slack
signs them, and the Web API pointed at a local fake (tests/adapters/fake_slack.py)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import aiohttp
import pytest
import yaml

from bot.adapters.slack import blocks as bk
from bot.adapters.slack.app import EVENTS_PATH, SlackAdapter, SlackStartError
from bot.core.ask import AskService
from bot.core.commands import CommandSpec, UsageError
from bot.core.pack import QAItem
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from bot.core.types import Button, ButtonAction, Place, PostedMessage, Reply, User
from tests.support.fake_slack import (
    CHANNEL,
    TEAM,
    FakeSlack,
    block_actions,
    command_body,
    event_body,
    payload_body,
    view_submission,
)
from tests.support.fake_slack import sign as slack_sign
from tests.support.quiz import one_course

ROOT = Path(__file__).resolve().parents[3]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ITEMS = (
    QAItem(
        "1.9",
        "Why are neural networks trained on GPUs or other specialized hardware?",
        "GPUs run the many independent multiply-adds of a network in parallel.",
    ),
    QAItem("1.13", "Some would say that softmax is a bad name. What would be a better name?", "softargmax"),
)


class Recorder:
    """Test-only features registered on a real StudyBot, standing in for the quiz features."""

    def __init__(self) -> None:
        self.answers: list[tuple[User, Place, str, str]] = []
        self.quiz: list[tuple[User, str]] = []
        self.release = asyncio.Event()
        self.release.set()
        self.started = asyncio.Event()

    async def answer(self, user: User, place: Place, quiz_id: str, text: str) -> Reply:
        self.answers.append((user, place, quiz_id, text))
        return Reply(
            title="Mostly right — 70/100",
            body=f"You wrote: {text}",
            fields=(
                ("Covered", "parallel arithmetic"),
                ("Missed", "memory bandwidth"),
                ("Reference answer", ITEMS[0].answer or ""),
            ),
            kind="grade",
        )

    async def quiz_command(self, user: User, place: Place, args: str) -> Reply:
        sub = args.split(" ", 1)[0]
        if sub not in {"schedule", "status"}:
            raise UsageError()
        self.quiz.append((user, args))
        if sub == "status":
            return Reply(body="Next quiz: Monday 09:00 in #quiz", kind="info")
        return Reply(body=f"Scheduled: {args}", kind="info")

    async def echo(self, user: User, place: Place, args: str) -> Reply:
        self.started.set()
        await self.release.wait()
        return Reply(title=f"You said {args}", body=f"**{args}**", footer=args, kind="info")

    async def leaderboard(self, user: User, place: Place, args: str) -> Reply:
        return Reply(body=f"1. ana — 30 points ({args or 'week'})", kind="info")


def make_bot(embedder, recorder: Recorder) -> StudyBot:
    bot = StudyBot(
        courses=one_course("Deep Learning", AskService(SemanticIndex.build(ITEMS, embedder), embedder)))
    bot.register_answer_handler(ButtonAction.ANSWER_QUIZ, recorder.answer)
    quiz_admin = frozenset({"schedule", "pause", "resume", "now", "unschedule"})
    bot.router.register(
        CommandSpec(
            "quiz", "/quiz schedule|status", "quizzes", recorder.quiz_command, admin_subcommands=quiz_admin
        )
    )
    bot.router.register(CommandSpec("echo", "/echo TEXT", "say it back", recorder.echo))
    bot.router.register(CommandSpec("leaderboard", "/leaderboard [week]", "ranks", recorder.leaderboard))
    return bot


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def adapter(fake: FakeSlack, fake_embedder, recorder: Recorder):
    slack = SlackAdapter(
        make_bot(fake_embedder, recorder),
        bot_token="xoxb-test",
        signing_secret=SECRET,
        api_base_url=fake.api_url.rstrip("/"),  # the adapter adds the trailing slash the SDK needs
        admin_user_ids=["U0LEAD"],
        host="127.0.0.1",
        port=0,
    )
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
async def send(adapter: SlackAdapter):
    """POST a body to /slack/events as Slack would; returns (status, text)."""
    url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
    async with aiohttp.ClientSession() as session:

        async def post(
            body: bytes, *, json_body: bool = False, secret: str = SECRET, timestamp=None, headers=None
        ):
            kind = "application/json" if json_body else "application/x-www-form-urlencoded"
            all_headers = {"Content-Type": kind, **slack_sign(secret, body, timestamp), **(headers or {})}
            async with session.post(url, data=body, headers=all_headers) as response:
                return response.status, await response.text()

        yield post


def texts(blocks: list[dict]) -> str:
    """All text of some blocks, as Slack would get it."""
    return json.dumps(blocks, ensure_ascii=False)


# --- slash commands -------------------------------------------------------------------------------------
async def test_ask_is_acked_then_answered_ephemerally_through_response_url(fake, send):
    status, text = await send(
        command_body("/ask", "why are neural networks trained on gpus", response_url=fake.response_url())
    )
    assert (status, text) == (200, "")
    (call,) = await fake.wait_for("respond:hook")
    assert call.args["response_type"] == "ephemeral"
    assert "1.9" in texts(call.args["blocks"]) and "in parallel" in texts(call.args["blocks"])
    share = [e for b in call.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in share] == [bk.SHARE_ACTION]
    assert fake.of("chat.postMessage") == []  # nothing public unless the student shares it


async def test_ack_comes_before_the_work(fake, send, recorder):
    recorder.release.clear()
    status, _ = await send(command_body("/echo", "slow", response_url=fake.response_url()))
    assert status == 200
    await asyncio.wait_for(recorder.started.wait(), 5)
    assert fake.of("respond:hook") == []  # Slack already has its ack; the reply is still being made
    recorder.release.set()
    await fake.wait_for("respond:hook")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        # as Slack sends what was typed: "<" and "&" escaped, a picked mention wrapped
        ("&lt;!channel&gt; &amp; <@U0ANA|ana> &lt;!here&gt;", "&lt;!channel&gt; &amp; @ana &lt;!here&gt;"),
        # mentions wrapped, as apps with should_escape get them
        ("<!channel> & <@U0ANA|ana> <!here>", "@channel &amp; @ana @here"),
    ],
)
async def test_user_text_cannot_ping_anyone(fake, send, typed, shown):
    await send(command_body("/echo", typed, response_url=fake.response_url()))
    (call,) = await fake.wait_for("respond:hook")
    sent = call.dump()
    for control in ("<!channel>", "<!here>", "<@U0ANA"):
        assert control not in sent
    assert "&amp;lt;" not in sent  # decoded once, escaped once: no double escaping
    assert call.args["blocks"][1]["text"] == {"type": "mrkdwn", "text": f"*{shown}*", "verbatim": True}


async def test_ask_with_channel_mention_is_not_passed_through(fake, send):
    await send(
        command_body(
            "/ask", "<!channel> why are neural networks trained on gpus", response_url=fake.response_url()
        )
    )
    (call,) = await fake.wait_for("respond:hook")
    assert "<!channel>" not in call.dump()
    assert "in parallel" in call.dump()


async def test_wrong_usage_gets_an_ephemeral_help_text(fake, send):
    await send(command_body("/ask", "   ", response_url=fake.response_url()))
    await send(command_body("/quiz", "dance", response_url=fake.response_url("quiz")))
    (ask,) = await fake.wait_for("respond:hook")
    (quiz,) = await fake.wait_for("respond:quiz")
    assert ask.args["response_type"] == quiz.args["response_type"] == "ephemeral"
    assert "/ask QUESTION" in ask.dump() and "/quiz schedule|status" in quiz.dump()
    assert bk.SHARE_ACTION not in ask.dump()


async def test_non_admin_quiz_schedule_is_refused(fake, send, recorder):
    fake.users["U0ANA"] = {"id": "U0ANA", "name": "ana", "is_admin": False, "is_owner": False}
    await send(command_body("/quiz", "schedule 09:00 mon-fri", response_url=fake.response_url()))
    (call,) = await fake.wait_for("respond:hook")
    assert "only course admins" in call.dump()
    assert recorder.quiz == []
    assert [c.args["user"] for c in fake.of("users.info")] == ["U0ANA"]


async def test_workspace_admins_owners_and_configured_ids_may_schedule(fake, send, recorder):
    fake.users["U0ADM"] = {"id": "U0ADM", "name": "adm", "is_admin": True}
    fake.users["U0OWN"] = {"id": "U0OWN", "name": "own", "is_primary_owner": True}
    for n, user in enumerate(["U0ADM", "U0OWN", "U0LEAD", "U0ADM"]):
        await send(
            command_body("/quiz", "schedule 09:00", user=user, response_url=fake.response_url(f"h{n}"))
        )
        (done,) = await fake.wait_for(f"respond:h{n}")
        assert "Scheduled: schedule 09:00" in done.dump() and bk.SHARE_ACTION not in done.dump()  # admin only
    assert [(u.user_id, u.is_admin) for u, _ in recorder.quiz] == [
        (u, True) for u in ["U0ADM", "U0OWN", "U0LEAD", "U0ADM"]
    ]
    # U0LEAD is an admin by SLACK_ADMIN_USER_IDS (no lookup); U0ADM's second command used the cache.
    assert [c.args["user"] for c in fake.of("users.info")] == ["U0ADM", "U0OWN"]


async def test_failed_users_info_means_not_admin(fake, send, recorder):
    fake.failures["users.info"] = "ratelimited"
    await send(command_body("/quiz", "schedule 09:00", user="U0ADM", response_url=fake.response_url()))
    (call,) = await fake.wait_for("respond:hook")
    assert "only course admins" in call.dump() and recorder.quiz == []


async def test_share_in_channel_posts_the_answer_publicly(fake, send):
    await send(
        command_body("/ask", "why are neural networks trained on gpus", response_url=fake.response_url())
    )
    (answer,) = await fake.wait_for("respond:hook")
    share = next(e for b in answer.args["blocks"] if b["type"] == "actions" for e in b["elements"])
    click = block_actions(bk.SHARE_ACTION, share["value"], response_url=fake.response_url("share"))
    await send(payload_body(click))
    public, delete = await fake.wait_for("respond:share", 2)
    assert public.args["response_type"] == "in_channel"
    assert "in parallel" in public.dump() and "Shared by <@U0ANA>" in public.dump()
    assert bk.SHARE_ACTION not in public.dump()
    assert delete.args["delete_original"] is True


async def test_share_runs_the_command_again_when_another_worker_rendered_it(fake, send):
    value = json.dumps({"t": "unknown-token", "c": "ask", "a": "why are neural networks trained on gpus"})
    await send(payload_body(block_actions(bk.SHARE_ACTION, value, response_url=fake.response_url("share"))))
    public, _ = await fake.wait_for("respond:share", 2)
    assert public.args["response_type"] == "in_channel" and "in parallel" in public.dump()


# --- the daily quiz: post, Answer button, modal, feedback, reveal ----------------------------------------
QUIZ = Reply(
    title="Daily quiz · 1.9",
    body="Why are neural networks trained on GPUs or other specialized hardware?",
    buttons=(Button("Answer", ButtonAction.ANSWER_QUIZ, "quiz-42"),),
    ephemeral=False,
    kind="quiz",
)


async def open_modal(fake: FakeSlack, send, adapter: SlackAdapter) -> dict:
    """Post the quiz, press its Answer button as Slack would, and return the modal the app opened."""
    posted = await adapter.post(Place("slack", TEAM, CHANNEL), QUIZ)
    (post,) = fake.of("chat.postMessage")
    message = {"type": "message", "ts": posted.message_id, "blocks": post.args["blocks"]}
    button = post.args["blocks"][-1]["elements"][0]
    status, _ = await send(payload_body(block_actions(button["action_id"], button["value"], message=message)))
    assert status == 200
    (opened,) = await fake.wait_for("views.open")
    assert opened.args["trigger_id"] == "1337.43.trigger"
    return opened.args["view"]


async def test_answer_button_opens_a_modal_and_submission_is_graded_privately(fake, send, adapter, recorder):
    view = await open_modal(fake, send, adapter)
    assert len(view["title"]["text"]) < 24
    field = view["blocks"][-1]
    assert field["element"]["multiline"] is True and field["element"]["max_length"] == 1000
    assert "specialized hardware" in texts(view["blocks"])  # the question is shown above the input

    status, text = await send(payload_body(view_submission(view, "They do <!channel> math in parallel")))
    assert (status, text) == (200, "")  # acked: the modal closes
    (feedback,) = await fake.wait_for("chat.postEphemeral")
    assert (feedback.args["channel"], feedback.args["user"]) == (CHANNEL, "U0ANA")
    shown = feedback.dump()
    for part in (
        "70/100",
        "Covered",
        "parallel arithmetic",
        "Missed",
        "memory bandwidth",
        "Reference answer",
    ):
        assert part in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    [(user, place, quiz_id, answer)] = recorder.answers
    assert (user.user_id, place, quiz_id) == ("U0ANA", Place("slack", TEAM, CHANNEL), "quiz-42")
    assert answer == "They do <!channel> math in parallel"  # the core gets what was typed


@pytest.mark.parametrize("answer", ["", "   \n\t ", None, "\u200b"])
async def test_empty_answer_is_refused_inside_the_modal(fake, send, adapter, recorder, answer):
    view = await open_modal(fake, send, adapter)
    status, text = await send(payload_body(view_submission(view, answer)))
    assert status == 200
    assert json.loads(text) == {
        "response_action": "errors",
        "errors": {"answer": "Please write an answer before submitting."},
    }
    assert recorder.answers == [] and fake.of("chat.postEphemeral") == []


async def test_retries_and_resubmissions_never_count_an_answer_twice(fake, send, adapter, recorder):
    view = await open_modal(fake, send, adapter)
    body = payload_body(view_submission(view, "parallel math"))
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await send(body, headers=retry))[0] == 200  # a retry before the first delivery: dropped
    assert (await send(body))[0] == 200
    assert (await send(body))[0] == 200  # the same view delivered twice
    assert (await send(body, headers=retry))[0] == 200
    await fake.wait_for("chat.postEphemeral")
    await send(command_body("/echo", "barrier", response_url=fake.response_url("barrier")))
    await fake.wait_for("respond:barrier")  # later work done: earlier duplicates had their chance
    assert len(recorder.answers) == 1 and len(fake.of("chat.postEphemeral")) == 1


async def test_feedback_falls_back_to_a_direct_message(fake, send, adapter, recorder):
    view = await open_modal(fake, send, adapter)
    fake.failures["chat.postEphemeral"] = "user_not_in_channel"
    await send(payload_body(view_submission(view, "parallel math")))
    (dm,) = await fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "U0ANA")
    assert "70/100" in dm.dump()


async def test_quiz_post_and_reveal_in_its_thread(fake, adapter):
    posted = await adapter.post(Place("slack", TEAM, CHANNEL), QUIZ)
    assert posted == PostedMessage(Place("slack", TEAM, CHANNEL), "1700000000.000001")
    (post,) = fake.of("chat.postMessage")
    assert post.headers["authorization"] == "Bearer xoxb-test"
    [actions] = [b for b in post.args["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("Answer", "studybot.answer", "quiz-42")
    ]
    reveal = Reply(title="Answer to 1.9", body="GPUs parallelise.", kind="reveal", ephemeral=False)
    revealed = await adapter.reply_to(posted, reveal)
    (_, thread) = fake.of("chat.postMessage")
    assert thread.args["thread_ts"] == posted.message_id and thread.args["channel"] == CHANNEL
    assert "GPUs parallelise." in thread.dump() and revealed.message_id != posted.message_id


# --- App Home ------------------------------------------------------------------------------------------
async def test_app_home_shows_leaderboard_stats_and_next_quiz(fake, send):
    event = {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home"}
    assert (await send(event_body(event), json_body=True))[0] == 200
    (publish,) = await fake.wait_for("views.publish")
    assert publish.args["user_id"] == "U0ANA" and publish.args["view"]["type"] == "home"
    shown = texts(publish.args["view"]["blocks"])
    assert "This week's leaderboard" in shown and "1. ana — 30 points (week)" in shown
    assert "Your stats" in shown and "Not available yet." in shown  # /stats is not registered here
    assert "Next quiz: Monday 09:00" in shown


async def test_app_home_event_retry_is_dropped(fake, send):
    event = {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home"}
    assert (await send(event_body(event), json_body=True, headers={"X-Slack-Retry-Num": "2"}))[0] == 200
    await send(command_body("/echo", "barrier", response_url=fake.response_url("barrier")))
    await fake.wait_for("respond:barrier")
    assert fake.of("views.publish") == []


# --- signatures ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["wrong secret", "stale timestamp", "tampered body", "missing headers"])
async def test_bad_or_stale_signatures_are_rejected(fake, send, adapter, how):
    body = command_body("/ask", "why GPUs", response_url=fake.response_url())
    if how == "wrong secret":
        status, _ = await send(body, secret="not-the-secret")
    elif how == "stale timestamp":
        status, _ = await send(body, timestamp=int(time.time()) - 6 * 60)
    elif how == "tampered body":
        status, _ = await send(body, headers=slack_sign(SECRET, body + b"x"))
    else:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
            async with session.post(
                url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
            ) as r:
                status = r.status
    assert status == 401
    assert [c.method for c in fake.calls] == ["auth.test"]  # the start-up check only: nothing was handled


async def test_health_endpoint(adapter):
    url = f"http://127.0.0.1:{adapter.bound_port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200 and (await response.json())["ok"] is True


# --- start-up -------------------------------------------------------------------------------------------
async def test_start_fails_clearly_on_a_rejected_token_or_a_busy_port(fake, fake_embedder, recorder, adapter):
    bot = make_bot(fake_embedder, recorder)
    fake.failures["auth.test"] = "invalid_auth"
    slack = SlackAdapter(bot, bot_token="xoxb-bad", signing_secret=SECRET, api_base_url=fake.api_url, port=0)
    with pytest.raises(SlackStartError, match=r"SLACK_BOT_TOKEN \(invalid_auth\)"):
        await slack.start()
    del fake.failures["auth.test"]
    fake.failures["apps.connections.open"] = "invalid_auth"
    socket = SlackAdapter(bot, bot_token="xoxb-test", app_token="xapp-bad", api_base_url=fake.api_url)
    with pytest.raises(SlackStartError, match=r"SLACK_APP_TOKEN \(invalid_auth\)"):
        await socket.start()
    busy = SlackAdapter(
        bot,
        bot_token="xoxb-test",
        signing_secret=SECRET,
        api_base_url=fake.api_url,
        host="127.0.0.1",
        port=adapter.bound_port,
    )
    with pytest.raises(SlackStartError, match=r"cannot listen on 127\.0\.0\.1"):
        await busy.start()
    unreachable = SlackAdapter(
        bot, bot_token="xoxb-test", signing_secret=SECRET, api_base_url="http://127.0.0.1:9/api/"
    )
    with pytest.raises(SlackStartError, match="cannot reach the Slack Web API"):
        await unreachable.start()


# --- the real model ---------------------------------------------------------------------------------------
@pytest.mark.slow
async def test_ask_is_answered_from_the_course_with_the_real_model(fake, real_embedder, course_pack):
    bot = StudyBot(
        courses=one_course(course_pack.title, AskService(SemanticIndex.build(course_pack.questions, real_embedder), real_embedder)),
    )
    slack = SlackAdapter(
        bot, bot_token="xoxb-test", signing_secret=SECRET, api_base_url=fake.api_url, host="127.0.0.1", port=0
    )
    await slack.start()
    try:
        body = command_body(
            "/ask", "&lt;!channel&gt; what is a DataLoader for in pytorch?", response_url=fake.response_url()
        )
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{slack.bound_port}/slack/events"
            headers = {"Content-Type": "application/x-www-form-urlencoded", **slack_sign(SECRET, body)}
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 200
        (call,) = await fake.wait_for("respond:hook")
    finally:
        await slack.stop()
    shown = call.dump()
    assert "1.14" in shown and "DataLoader" in shown
    assert "<!channel>" not in shown


# --- rendering rules (pure) ---------------------------------------------------------------------------
def test_long_text_is_split_under_slacks_section_limit_without_breaking_entities_or_fences():
    body = ("a < b & c > d " * 400) + "\n```\n" + ("x = 1 & 2\n" * 500) + "```\nend"
    blocks = bk.reply_blocks(
        Reply(title="T" * 5000, body=body, fields=(("F", "<" * 4000),), footer="&" * 9000)
    )
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) > 3 and all(len(t) < bk.SECTION_LIMIT for t in sections)
    assert all(
        len(e["text"]) <= bk.CONTEXT_LIMIT for b in blocks if b["type"] == "context" for e in b["elements"]
    )
    assert len(blocks) <= bk.MESSAGE_BLOCK_LIMIT
    for text in sections:
        assert "<" not in text and ">" not in text
        assert text.count("```") % 2 == 0  # a fence cut in two is closed and reopened
        assert not re.search(r"&(?!amp;|lt;|gt;)", text)  # no entity cut in half
    assert sections[0].endswith("…*") and sections[-1].endswith("…")  # cut where too long, visibly


def test_short_text_is_unchanged_apart_from_escaping():
    assert bk.fit("**Bold** & <b>") == "*Bold* &amp; &lt;b&gt;"
    assert bk.fit("é" * 2990) == "é" * 2990
    assert bk.fit("&" * 3000, 10) == "&amp;…"  # "&amp;&amp;…" would be 11


def test_inbound_slack_markup_becomes_what_the_user_typed():
    assert bk.from_slack("&lt;b&gt; &amp;amp; <@U1|ana> <@U2> <#C1|general> <!here> <!subteam^S1|@tas>") == (
        "<b> &amp; @ana @U2 #general @here @tas"
    )
    assert bk.from_slack("see <https://x.org/a?b=1&amp;c=2|the docs> or <https://y.org>") == (
        "see the docs or https://y.org"
    )


def test_modal_title_and_button_values_stay_within_limits():
    for action in ButtonAction:
        view = bk.answer_modal(action=action, metadata={"v": "x" * 5000}, question=[])
        assert len(view["title"]["text"]) < 24 and len(view["private_metadata"]) <= 3000
    button = bk.share_button("tok", "ask", "<!channel> " * 500)
    assert len(button["value"]) <= bk.BUTTON_VALUE_LIMIT and json.loads(button["value"]) == {"t": "tok"}
    (actions,) = bk.reply_blocks(
        Reply(body="", buttons=(Button("A" * 100, ButtonAction.ANSWER_QUIZ, "q" * 3000),))
    )
    assert len(actions["elements"][0]["text"]["text"]) <= 75 and len(actions["elements"][0]["value"]) <= 2000


def test_home_view_stays_under_slacks_block_limit():
    many = Reply(body="\n\n".join(["word " * 590] * 30), fields=tuple((f"f{i}", "v") for i in range(30)))
    view = bk.home_view("StudyBot · DL", [("A", many), ("B", many), ("C", many), ("D", None)], "footer")
    assert len(view["blocks"]) <= bk.HOME_BLOCK_LIMIT


def test_manifest_declares_what_the_adapter_serves():
    manifest = yaml.safe_load((ROOT / "slack-manifest.yml").read_text(encoding="utf-8"))
    commands = manifest["features"]["slash_commands"]
    assert {c["command"] for c in commands} == {
        "/ask",
        "/quiz",
        "/answer",
        "/leaderboard",
        "/stats",
        "/practice",
        "/course",
        "/dispute",
        "/review",
        "/insights",
    }
    settings = manifest["settings"]
    urls = [c["url"] for c in commands] + [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert not any(c["should_escape"] for c in commands)
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"]["is_enabled"] and manifest["features"]["app_home"]["home_tab_enabled"]
    scopes = {"commands", "chat:write", "users:read", "files:read", "files:write", "im:write"}
    assert scopes <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert (ROOT / "docs" / "slack.md").exists()
