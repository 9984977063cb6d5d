"""/ask's answerability veto (bot.core.ask with an ``AnswerJudge``), with scripted judges: what is read,
what a low probability turns into, and what a failing judge leaves. The shipped judge's quality is
measured in test_ask_eval.py."""

from __future__ import annotations

import logging

import numpy as np

from bot.core.answerability import VETO_BELOW, item_text
from bot.core.ask import JUDGE_BELOW, MAX_RELATED, AskService
from bot.core.pack import QAItem
from bot.core.search import Hit, SemanticIndex

ITEMS = [
    QAItem("1", "Why are neural networks trained on GPUs?", "GPUs run the many matrix products in parallel."),
    QAItem("2", "What is imbalanced data?", "A data set with skewed class proportions."),
    QAItem("3", "Describe word and character tokenization.", None),
]


class ScriptedJudge:
    """Says ``p`` for every pair (or ``by_item[item text]``) and remembers what it was asked; ``reply``
    replaces its answer altogether (a broken judge)."""

    def __init__(self, p: float = 0.0, *, by_item: dict[str, float] | None = None, fails: bool = False, reply=None):
        self.p = p
        self.by_item = by_item or {}
        self.fails = fails
        self.reply = reply
        self.calls: list[list[tuple[str, str]]] = []

    def probabilities(self, pairs, *, batch_size: int = 32) -> np.ndarray:
        self.calls.append(list(pairs))
        if self.fails:
            raise RuntimeError("out of memory")
        if self.reply is not None:
            return self.reply
        return np.array([self.by_item.get(text, self.p) for _, text in pairs], dtype=np.float32)


def service(fake_embedder, judge) -> AskService:
    return AskService(SemanticIndex.build(ITEMS, fake_embedder), fake_embedder, threshold=0.1, judge=judge)


# "GPUs networks" shares two words of item 1's question: answered by the score, under JUDGE_BELOW
WEAK = "why GPUs for networks and what about batches"


def test_an_item_the_judge_finds_not_answering_is_declined_and_shown_first(fake_embedder):
    judge = ScriptedJudge(VETO_BELOW / 2)
    plain = service(fake_embedder, None).ask_many([WEAK])[0]
    assert not plain.abstained and plain.item.id == "1" and plain.score < JUDGE_BELOW
    judged = service(fake_embedder, judge).ask_many([WEAK])[0]
    assert judged.abstained and judged.item is None and judged.score == plain.score
    assert judged.related == (Hit(ITEMS[0], plain.score), *plain.related)[:MAX_RELATED]
    assert judge.calls == [[(WEAK, item_text(ITEMS[0]))]]


def test_an_item_the_judge_finds_answering_stays_the_answer(fake_embedder):
    judged = service(fake_embedder, ScriptedJudge(VETO_BELOW + 0.01)).ask_many([WEAK])[0]
    assert not judged.abstained and judged.item.id == "1"


def test_strong_matches_and_declines_are_never_read(fake_embedder):
    judge = ScriptedJudge(0.0)
    strong, declined = service(fake_embedder, judge).ask_many(
        ["Why are neural networks trained on GPUs?", "zzz qqq"]
    )
    assert strong.score >= JUDGE_BELOW and strong.item.id == "1"
    assert declined.abstained
    assert judge.calls == []


def test_one_reading_for_a_batch_of_queries_each_decided_by_its_own_probability(fake_embedder):
    judge = ScriptedJudge(0.9, by_item={item_text(ITEMS[0]): 0.0})  # item 1 answers nothing, item 2 all
    results = service(fake_embedder, judge).ask_many([WEAK, "what about skewed class data sets then"])
    assert results[0].abstained and results[0].related[0].item.id == "1"
    assert not results[1].abstained and results[1].item.id == "2"
    assert len(judge.calls) == 1 and len(judge.calls[0]) == 2


def test_a_judge_that_answers_for_the_wrong_number_of_questions_is_not_believed(fake_embedder, caplog):
    with caplog.at_level(logging.ERROR):
        result = service(fake_embedder, ScriptedJudge(reply=np.zeros(3))).ask_many([WEAK])[0]
    assert not result.abstained and result.item.id == "1"
    assert "3 probabilities for 1 questions" in caplog.text


def test_a_failing_judge_leaves_the_answer_and_says_so(fake_embedder, caplog):
    with caplog.at_level(logging.ERROR):
        result = service(fake_embedder, ScriptedJudge(fails=True)).ask_many([WEAK])[0]
    assert not result.abstained and result.item.id == "1"
    assert "answerability judge failed" in caplog.text


def test_an_unanswered_item_is_read_by_its_question_alone():
    assert item_text(ITEMS[2]) == "Describe word and character tokenization. | "
    assert item_text(ITEMS[1]).endswith("| A data set with skewed class proportions.")
