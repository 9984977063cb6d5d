"""``/insights`` end to end on a real database: answers, disputes and asks become the course staff's
figures, the content gaps and the chart; the ask log keeps no asker and forgets on schedule."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
from sqlalchemy import inspect

from bot.core.ask import AskResult
from bot.core.types import ButtonAction
from tests.support.quiz import PLACE, make_harness, student


def declined(query: str, direction: int) -> AskResult:
    vector = np.zeros(384, dtype=np.float32)
    vector[direction] = 1.0
    vector[direction + 1] = 0.3 * (len(query) % 3)  # paraphrases: close, not equal
    return AskResult(query, True, None, 0.1, (), vector / np.linalg.norm(vector))


async def ask_many(h, results: list[AskResult]) -> None:
    for result in results:
        h.feature.insights.asked(PLACE, "test", result)
    await h.feature.insights.drain()


async def answer_quiz(h, texts: list[str]) -> None:
    quiz = await h.service.post_now(PLACE)
    for n, text in enumerate(texts):
        await h.bot.submit_answer(student(n), PLACE, ButtonAction.ANSWER_QUIZ, quiz.id, text)


async def test_insights_show_the_hardest_questions_disputes_and_content_gaps(h):
    h.service.rng.seed(3)
    await answer_quiz(h, ["right", "right", "no idea"])  # 67% right
    await answer_quiz(h, ["no", "no idea", "partly"])  # 0% right: the hardest
    await ask_many(
        h,
        [
            declined("what is backpropagation", 0),
            declined("how does backprop work", 0),
            declined("explain backpropagation pls", 0),
            declined("best pizza recipe", 10),
            AskResult("why gpus", False, None, 0.8, ()),
        ],
    )
    await h.command("/dispute wrong!", user=student(0))

    reply = await h.command("/insights week")
    text = reply.body
    rows = [line for line in text.splitlines() if line.startswith("| 1.")]
    assert len(rows) == 2 and "| 0% |" in rows[0], text  # hardest first
    assert "5 /ask questions, 4 not answered" in text
    assert "3 questions, e.g." in text and "backprop" in text.split("Content gaps")[1]
    assert "**Disputes:** 1 opened, 0 accepted, 0 rejected, 1 open" in text
    (chart,) = reply.attachments
    from PIL import Image

    assert Image.open(io.BytesIO(chart.data)).size == (1000, 700)


async def test_only_admins_see_insights_and_a_bad_period_is_explained(h):
    refused = await h.command("/insights", user=student(1))
    assert refused.kind == "error" and "only course admins" in refused.body
    usage = await h.command("/insights fortnight")
    assert usage.kind == "usage" and "week, month or all" in usage.body


async def test_a_period_without_answers_has_no_chart(h):
    reply = await h.command("/insights all")
    assert reply.attachments == ()
    assert "0 students · 0 answers" in reply.body


async def test_the_ask_log_stores_no_asker_and_forgets_declined_text(h, database):
    columns = {c["name"] for c in inspect(database.engine).get_columns("ask_log")}
    assert not {"user_id", "display_name"} & columns
    await ask_many(h, [declined("what is overfitting", 5)])
    store = h.feature.insights.store
    from bot.core.insights.ports import Scope

    scope = Scope(PLACE.platform, PLACE.space_id, "test", None)
    assert [q for q, _ in await store.declined(scope, 10)] == ["what is overfitting"]
    forgotten = await store.forget_asks(h.clock() + timedelta(seconds=1))
    assert forgotten == 1 and await store.declined(scope, 10) == []
    assert (await store.figures(scope)).declined_asks == 1  # the count stays


async def test_ask_log_days_zero_keeps_no_declined_text(database):
    h = make_harness(database, STUDYBOT_ASK_LOG_DAYS=0)
    try:
        await ask_many(h, [declined("what is overfitting", 5)])
        from bot.core.insights.ports import Scope

        scope = Scope(PLACE.platform, PLACE.space_id, "test", None)
        assert await h.feature.insights.store.declined(scope, 10) == []
        assert (await h.feature.insights.store.figures(scope)).asks == 1
    finally:
        await h.close()


async def test_an_ask_is_logged_once_and_a_repeat_is_not(h):
    from bot.core.insights.ports import Scope
    from bot.core.studybot import repeating

    await h.command("/ask why gpus", user=student(1))
    with repeating():  # a Share pressed after a restart runs the same /ask again
        await h.command("/ask why gpus", user=student(1))
    await h.feature.insights.drain()
    figures = await h.feature.insights.store.figures(Scope(PLACE.platform, PLACE.space_id, "test", None))
    assert figures.asks == 1


def count_batches(store, monkeypatch) -> list[int]:
    """The size of every write of the ask log from now on, in order (the rows are still written)."""
    batches: list[int] = []
    real = store.record_asks

    async def counting(records):
        batches.append(len(records))
        await real(records)

    monkeypatch.setattr(store, "record_asks", counting)
    return batches


async def test_asks_are_written_together_soon_after_they_are_answered(h, monkeypatch):
    """One transaction for a burst of asks, not one each (it slowed every /ask); none is lost."""
    import asyncio

    from bot.core.insights import service as insights_service
    from bot.core.insights.ports import Scope

    monkeypatch.setattr(insights_service, "FLUSH_AFTER_S", 0.05)
    store = h.feature.insights.store
    batches = count_batches(store, monkeypatch)
    for n in range(30):
        h.feature.insights.asked(PLACE, "test", declined(f"question {n}", n % 5))
    assert batches == []  # nothing written while the answers are being given
    for _ in range(100):  # no drain: the timer writes them
        await asyncio.sleep(0.02)
        if batches and not h.feature.insights._pending:
            break
    assert batches == [30]
    figures = await store.figures(Scope(PLACE.platform, PLACE.space_id, "test", None))
    assert (figures.asks, figures.declined_asks) == (30, 30)


async def test_a_burst_of_asks_is_written_in_batches_of_flush_at(h, monkeypatch):
    import asyncio

    from bot.core.insights import service as insights_service

    monkeypatch.setattr(insights_service, "FLUSH_AT", 5)
    monkeypatch.setattr(insights_service, "FLUSH_AFTER_S", 60.0)  # the timer never fires in this test
    batches = count_batches(h.feature.insights.store, monkeypatch)
    for n in range(12):
        h.feature.insights.asked(PLACE, "test", declined(f"question {n}", n % 5))
    await asyncio.sleep(0.2)
    assert batches == [5, 5]  # written as they filled, without waiting for the timer
    await h.feature.insights.drain()  # a stop writes the rest
    assert batches == [5, 5, 2]
