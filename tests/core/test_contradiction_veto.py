"""The grader's contradiction veto (bot/core/contradiction.py), with a scripted reader: only which answers
are read, and what a veto does to the grade, are tested here (the real reader: tests/infra)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.core.contradiction import rubric_text
from bot.core.grade import Verdict
from bot.core.grading import MeaningGrader
from bot.core.text import clean_text


class ScriptedReader:
    """Says every pair contradicts with probability ``p``; remembers what it was asked."""

    def __init__(self, p: float) -> None:
        self.p = p
        self.calls: list[list[tuple[str, str]]] = []

    def probabilities(self, pairs: Sequence[tuple[str, str]], *, batch_size: int = 32) -> np.ndarray:
        self.calls.append(list(pairs))
        return np.full(len(pairs), self.p, dtype=np.float32)


def restated(item) -> str:
    """The key points in the student's own sentences: right by the model, not a copy of the reference."""
    return ". ".join(item.key_points) + "."


def test_a_right_answer_read_as_contradicting_goes_to_the_staff_with_nothing_praised(fake_embedder, course_pack):
    item = course_pack.get("1.9")
    reader = ScriptedReader(0.9)
    g = MeaningGrader(course_pack.questions, fake_embedder, reader=reader).grade(item, restated(item))
    assert g.verdict is Verdict.REVIEW
    assert g.covered == () and "You got" not in g.feedback and "Missing" not in g.feedback
    assert "course staff will check" in g.feedback
    assert reader.calls == [[(rubric_text(item), clean_text(restated(item)))]]


def test_the_courses_own_answer_is_never_sent_to_the_staff(fake_embedder, course_pack):
    """The reader can misread a short reference (it covers one point of two): a copy is not read at all."""
    item = course_pack.get("1.9")
    reader = ScriptedReader(0.99)
    g = MeaningGrader(course_pack.questions, fake_embedder, reader=reader).grade(item, item.answer)
    assert g.verdict is Verdict.CORRECT and g.score == 100 and reader.calls == []


def test_below_the_veto_a_right_answer_stays_right(fake_embedder, course_pack):
    item = course_pack.get("1.9")
    g = MeaningGrader(course_pack.questions, fake_embedder, reader=ScriptedReader(0.5)).grade(item, restated(item))
    assert g.verdict is Verdict.CORRECT and not g.missed


def test_only_right_answers_are_read_in_one_batch_per_burst(fake_embedder, course_pack):
    gpu, data = course_pack.get("1.9"), course_pack.get("1.4")
    reader = ScriptedReader(0.1)
    grader = MeaningGrader(course_pack.questions, fake_embedder, reader=reader)
    grades = grader.grade_many([(gpu, restated(gpu)), (gpu, "idk"), (data, restated(data))])
    assert [g.verdict for g in grades] == [Verdict.CORRECT, Verdict.INCORRECT, Verdict.CORRECT]
    assert [len(call) for call in reader.calls] == [2]  # the non-answer is never read


def test_the_reader_reads_the_key_points_or_else_the_answer(course_pack):
    item = course_pack.get("1.9")
    assert rubric_text(item).startswith(item.question) and item.key_points[0] in rubric_text(item)
    bare = type(item)(id="9.9", question="Why?", answer="Because.")
    assert rubric_text(bare) == "Why? | Because."


def test_a_rule_contradiction_stands_only_when_the_reader_sees_it_too(fake_embedder, course_pack):
    item, answer = course_pack.get("1.24"), "The RNN has the longer memory, not the Transformer."
    confirmed = MeaningGrader(course_pack.questions, fake_embedder, reader=ScriptedReader(0.9)).grade(item, answer)
    assert confirmed.verdict is Verdict.INCORRECT and confirmed.feedback.startswith("You said")
    reader = ScriptedReader(0.1)  # the reader does not see it: the claim checker's reading is passed over
    passed_over = MeaningGrader(course_pack.questions, fake_embedder, reader=reader).grade(item, answer)
    assert not passed_over.feedback.startswith("You said") and len(reader.calls) == 1


def test_without_confirmation_asked_rule_verdicts_are_not_read(fake_embedder, course_pack):
    from bot.core.grading import GradingThresholds

    reader = ScriptedReader(0.1)
    grader = MeaningGrader(
        course_pack.questions, fake_embedder, GradingThresholds(rule_confirm=0.0), reader=reader
    )
    g = grader.grade(course_pack.get("1.24"), "The RNN has the longer memory, not the Transformer.")
    assert g.feedback.startswith("You said") and reader.calls == []


def test_the_models_own_review_is_settled_when_the_reader_is_clear(fake_embedder, course_pack):
    from bot.core.grading import GradingThresholds

    # every answer left to the model is "Hard to call"; no guard takes it first
    unsure = GradingThresholds(correct=0.0, review_band=1.0, misconception_margin=2.0, other_question_margin=2.0)
    item = course_pack.get("1.9")
    answer = "Graphics cards do lots of arithmetic at the same time, which speeds up the big matrix products."

    def grade(p: float):
        return MeaningGrader(course_pack.questions, fake_embedder, unsure, reader=ScriptedReader(p)).grade(
            item, answer
        )

    assert grade(0.5).verdict is Verdict.REVIEW  # the reader is not clear: the staff decides
    wrong = grade(0.95)
    assert wrong.verdict is Verdict.INCORRECT and wrong.covered == () and wrong.score < 30
    right = grade(0.05)
    assert right.verdict is Verdict.CORRECT and not right.missed and right.score >= 60
