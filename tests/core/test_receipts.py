"""Answer receipts (acknowledge only once stored) and work in flight (what a graceful stop waits for)."""

from __future__ import annotations

import asyncio

from bot.core.ask import AskService
from bot.core.pack import QAItem
from bot.core.receipts import InFlight, answer_received
from bot.core.search import SemanticIndex
from bot.core.studybot import RESTARTING, TRY_AGAIN, StudyBot, is_temporary_failure
from bot.core.types import ButtonAction, Command, Place, Reply, User
from tests.support.quiz import one_course

ANA = User("slack", "U1", "ana")
HERE = Place("slack", "T1", "C1")


def make_bot(fake_embedder) -> StudyBot:
    items = (QAItem("1", "What is a GPU?", "A parallel processor."),)
    return StudyBot(
        courses=one_course("DL", AskService(SemanticIndex.build(items, fake_embedder), fake_embedder)))


async def test_a_storing_handler_acknowledges_after_storing_and_before_grading(fake_embedder):
    bot = make_bot(fake_embedder)
    events: list[str] = []

    async def answer(user, place, quiz_id, text):
        events.append("stored")
        await answer_received()
        events.append("graded")
        await answer_received()  # a second call is a no-op
        return Reply(body="70/100", kind="grade")

    async def received():
        events.append("ack")

    bot.register_answer_handler(ButtonAction.ANSWER_QUIZ, answer, acknowledges=True)
    reply = await bot.submit_answer(
        ANA, HERE, ButtonAction.ANSWER_QUIZ, "q1", "parallel", on_received=received
    )
    assert reply.kind == "grade"
    assert events == ["stored", "ack", "graded"]


async def test_other_handlers_are_acknowledged_before_they_run(fake_embedder):
    bot = make_bot(fake_embedder)
    events: list[str] = []

    async def practice(user, place, value, text):
        events.append("graded")
        return Reply(body="ok", kind="grade")

    async def received():
        events.append("ack")

    bot.register_answer_handler(ButtonAction.ANSWER_PRACTICE, practice)
    await bot.submit_answer(ANA, HERE, ButtonAction.ANSWER_PRACTICE, "1", "x", on_received=received)
    assert events == ["ack", "graded"]


async def test_a_failure_before_storing_is_never_acknowledged(fake_embedder):
    bot = make_bot(fake_embedder)
    acks: list[str] = []

    async def answer(user, place, quiz_id, text):
        raise ConnectionError("database unreachable")

    async def received():
        acks.append("ack")

    bot.register_answer_handler(ButtonAction.ANSWER_QUIZ, answer, acknowledges=True)
    reply = await bot.submit_answer(ANA, HERE, ButtonAction.ANSWER_QUIZ, "q1", "x", on_received=received)
    assert acks == []
    assert reply.body == TRY_AGAIN and is_temporary_failure(reply)
    assert not is_temporary_failure(Reply(body="That quiz doesn't exist here.", kind="error"))


async def test_a_failing_acknowledgement_does_not_stop_the_grading(fake_embedder):
    bot = make_bot(fake_embedder)

    async def answer(user, place, quiz_id, text):
        await answer_received()
        return Reply(body="graded", kind="grade")

    async def received():
        raise RuntimeError("slack went away")

    bot.register_answer_handler(ButtonAction.ANSWER_QUIZ, answer, acknowledges=True)
    reply = await bot.submit_answer(ANA, HERE, ButtonAction.ANSWER_QUIZ, "q1", "x", on_received=received)
    assert reply.body == "graded"


async def test_closing_takes_no_new_work_and_drain_waits_for_work_in_flight(fake_embedder):
    bot = make_bot(fake_embedder)
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow(user, place, args):
        started.set()
        await release.wait()
        return Reply(body="done")

    from bot.core.commands import CommandSpec

    bot.router.register(CommandSpec("slow", "/slow", "waits", slow))
    in_flight = asyncio.ensure_future(bot.handle(ANA, HERE, Command("slow")))
    await started.wait()
    assert len(bot.in_flight) == 1
    bot.in_flight.closing = True
    refused = await bot.handle(ANA, HERE, Command("help"))
    assert refused.body == RESTARTING and is_temporary_failure(refused)
    assert (await bot.submit_answer(ANA, HERE, ButtonAction.ANSWER_QUIZ, "q", "x")).kind == "error"
    assert await bot.in_flight.drain(0.05) == 1  # still running
    release.set()
    assert await bot.in_flight.drain(5) == 0
    assert (await in_flight).body == "done"
    assert len(bot.in_flight) == 0


async def test_drain_never_waits_for_its_own_task():
    work = InFlight()
    work.track()
    assert await work.drain(5) == 0
