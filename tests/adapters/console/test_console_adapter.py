"""Conversations driven through the console adapter, as a user types them (piped, so plain text)."""

from __future__ import annotations

import io

import pytest

from bot.adapters.console.adapter import ConsoleAdapter, console_user
from bot.core.ask import AskService
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from tests.support.quiz import one_course


def make_bot(pack, embedder, threshold: float) -> StudyBot:
    index = SemanticIndex.build(pack.questions, embedder)
    return StudyBot(courses=one_course(pack.title, AskService(index, embedder, threshold)))


async def converse(bot: StudyBot, lines: list[str]) -> str:
    out = io.StringIO()
    adapter = ConsoleAdapter(bot, console_user("ada"), stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    await adapter.run()
    return out.getvalue()


@pytest.mark.slow
async def test_ask_gets_the_course_answer_with_the_real_model(course_pack, real_embedder):
    bot = make_bot(course_pack, real_embedder, threshold=0.45)
    text = await converse(bot, ["/ask why do we train neural networks on GPUs?"])
    assert "1.9" in text and "GPUs more suitable" in text


@pytest.mark.slow
async def test_off_topic_question_is_declined_with_closest_topics(course_pack, real_embedder):
    bot = make_bot(course_pack, real_embedder, threshold=0.45)
    text = await converse(bot, ["/ask what is the best recipe for lasagna?"])
    assert "doesn't cover that" in text
    assert "GPUs more suitable" not in text


@pytest.mark.slow
async def test_unanswered_item_says_no_reference_yet(course_pack, real_embedder):
    bot = make_bot(course_pack, real_embedder, threshold=0.45)
    text = await converse(bot, ["/ask pros and cons of word level versus character level tokenization"])
    assert "1.6" in text and "no reference answer" in text


async def test_help_empty_and_unknown_commands(course_pack, fake_embedder):
    bot = make_bot(course_pack, fake_embedder, threshold=0.0)
    text = await converse(bot, ["/help", "/ask", "/ask    ", "/frobnicate now"])
    assert "/ask QUESTION" in text  # help lists the commands
    assert text.count("Usage: `/ask QUESTION`") == 2  # empty query -> usage, twice
    assert "Unknown command `/frobnicate`" in text


async def test_bad_input_is_answered_and_loses_nothing(course_pack, fake_embedder):
    bot = make_bot(course_pack, fake_embedder, threshold=0.0)
    huge = "gpu " * 400
    lines = [
        f"/ask {huge}",
        "/ask 🤖🔥 why GPUs? 🚀",
        "/ask why\u200b do we\u200d use GPUs",
        "/ask لماذا نستخدم وحدات معالجة الرسومات؟",
        "/ask @everyone **bold** `code` <!channel>",
        "plain text is a question too: GPUs",
    ]
    text = await converse(bot, lines)
    assert "under 1,000 characters" in text
    assert "Something went wrong" not in text
    # every line got its own reply (replies are separated by a blank line when piped)
    assert len([block for block in text.split("\n\n") if block.strip()]) >= len(lines)


async def test_quit_stops_reading(course_pack, fake_embedder):
    bot = make_bot(course_pack, fake_embedder, threshold=0.0)
    text = await converse(bot, ["/quit", "/help"])
    assert "StudyBot commands" not in text


@pytest.mark.slow
async def test_a_follow_up_the_course_does_not_answer_is_declined_by_the_judge(course_pack, real_embedder, ask_judge):
    """/ask built as the bot builds it, once without the answerability judge and once with the shipped one:
    a follow-up on 1.22 (an example of an encoder-only model) that its answer does not answer, written for
    this test and in no query set."""
    from bot.app.courses import build_course_models

    def bot(judge) -> StudyBot:
        ask = build_course_models(course_pack, real_embedder, judge=judge)[0]
        return StudyBot(courses=one_course(course_pack.title, ask))

    follow_up = "/ask how many layers does bert have"
    assert "item 1.22" in await converse(bot(None), [follow_up])  # the score alone answers it
    judged = bot(ask_judge)
    declined = await converse(judged, [follow_up])
    assert "doesn't cover that" in declined and "• 1.22 —" in declined  # the closest topic
    answered = await converse(judged, ["/ask name an encoder only transformer"])
    assert "item 1.22" in answered and "doesn't cover that" not in answered
