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


def test_a_right_answer_read_as_contradicting_goes_to_the_staff_with_nothing_praised(
    fake_embedder, course_pack
):
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
    near_copy = item.answer.replace("GPU", "CPU", 1)  # one word turned round keeps it close: it is read
    assert near_copy != item.answer
    g = MeaningGrader(course_pack.questions, fake_embedder, reader=reader).grade(item, near_copy)
    assert g.verdict is Verdict.REVIEW and len(reader.calls) == 1


def test_below_the_veto_a_right_answer_stays_right(fake_embedder, course_pack):
    item = course_pack.get("1.9")
    g = MeaningGrader(course_pack.questions, fake_embedder, reader=ScriptedReader(0.5)).grade(
        item, restated(item)
    )
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
    confirmed = MeaningGrader(course_pack.questions, fake_embedder, reader=ScriptedReader(0.9)).grade(
        item, answer
    )
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
    unsure = GradingThresholds(
        correct=0.0, review_band=1.0, misconception_margin=2.0, other_question_margin=2.0
    )
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


def test_a_wrong_list_answer_naming_right_items_counts_them_when_the_reader_sees_no_contradiction(
    fake_embedder, course_pack
):
    from bot.core.grading import GradingThresholds

    # the model finds every answer wrong; no guard takes it first
    wrong = GradingThresholds(
        correct=1.01, partial=1.01, review_band=0.0, misconception_margin=2.0, other_question_margin=2.0
    )
    item, answer = course_pack.get("1.12"), "To add nonlinearity. ReLU."

    def grade(p: float):
        reader = ScriptedReader(p)
        return MeaningGrader(course_pack.questions, fake_embedder, wrong, reader=reader).grade(
            item, answer
        ), reader

    counted, reader = grade(0.1)
    assert counted.verdict is Verdict.PARTIAL and "You named 1 of the 3" in counted.feedback
    assert 30 <= counted.score < 60 and len(reader.calls) == 1
    assert (
        grade(0.5)[0].verdict is Verdict.INCORRECT
    )  # the reader sees a contradiction: the model's verdict stands
    plain = MeaningGrader(course_pack.questions, fake_embedder, wrong).grade(item, answer)
    assert plain.verdict is Verdict.INCORRECT  # no reader: leaning towards rejecting
    with_a_wrong_item = "To add nonlinearity. ReLU, tanh and dropout."  # dropout is no nonlinearity
    reader = ScriptedReader(0.1)
    g = MeaningGrader(course_pack.questions, fake_embedder, wrong, reader=reader).grade(item, with_a_wrong_item)
    assert g.verdict is Verdict.INCORRECT


def test_an_answer_the_model_finds_wrong_but_not_clearly_goes_to_the_staff_when_the_reader_finds_it_clean(
    fake_embedder, course_pack
):
    from bot.core.grading import GradingThresholds

    item = course_pack.get("1.9")
    answer = "Graphics cards do lots of arithmetic at the same time, which speeds up the big matrix products."

    def grade(p: float, wrong_but_unsure: float):
        # the model finds every answer wrong; no guard takes it first
        wrong = GradingThresholds(
            correct=1.01, partial=1.01, review_band=0.0, misconception_margin=2.0, other_question_margin=2.0,
            wrong_but_unsure=wrong_but_unsure,
        )
        reader = ScriptedReader(p)
        return MeaningGrader(course_pack.questions, fake_embedder, wrong, reader=reader).grade(item, answer), reader

    clean, reader = grade(0.05, 0.0)
    assert clean.verdict is Verdict.REVIEW and clean.covered == () and len(reader.calls) == 1
    assert clean.feedback.startswith("Hard to call.") and clean.score < 30
    unclear, _ = grade(0.5, 0.0)
    assert unclear.verdict is Verdict.INCORRECT  # the reader is not clear: the model's verdict stands
    clearly_wrong, reader = grade(0.05, 1.01)  # the model is clear: not read, it stands
    assert clearly_wrong.verdict is Verdict.INCORRECT and reader.calls == []


def test_a_right_answer_by_the_model_missing_a_point_is_right_when_the_reader_finds_it_clean(
    fake_embedder, course_pack
):
    """The model finds it right, but no key point is near enough to show it covered: partial, unless the
    reader reads it as clean (the model's verdict and the reader agree)."""
    from bot.core.grading import GradingThresholds

    # the model finds every answer right, clearly; no key point counts as covered; no guard takes it first
    right_uncovered = GradingThresholds(
        correct=0.0, review_band=0.0, doubt_review=0.0, cover=2.0, lenient_cover=2.0,
        misconception_margin=2.0, other_question_margin=2.0,
    )
    item = course_pack.get("1.9")
    answer = "Graphics cards do lots of arithmetic at the same time, which speeds up the big matrix products."

    def grade(reader: ScriptedReader | None):
        return MeaningGrader(course_pack.questions, fake_embedder, right_uncovered, reader=reader).grade(item, answer)

    reader = ScriptedReader(0.05)
    clean = grade(reader)
    assert clean.verdict is Verdict.CORRECT and not clean.missed and clean.score >= 60 and len(reader.calls) == 1
    assert grade(ScriptedReader(0.5)).verdict is Verdict.PARTIAL  # the reader is not clear: partial stands
    assert grade(None).verdict is Verdict.PARTIAL  # no reader: leaning towards rejecting


class PointReader(ScriptedReader):
    """Reads the whole rubric at ``p``, and one key point at ``opposed`` (every other point at 0)."""

    def __init__(self, p: float, point: str, opposed: float) -> None:
        super().__init__(p)
        self.point, self.opposed = point, opposed

    def probabilities(self, pairs: Sequence[tuple[str, str]], *, batch_size: int = 32) -> np.ndarray:
        self.calls.append(list(pairs))
        return np.array(
            [
                self.opposed if rubric.endswith(f"| {self.point}") else self.p if ";" in rubric else 0.0
                for rubric, _ in pairs
            ],
            dtype=np.float32,
        )


def test_a_praised_point_the_answer_turns_round_is_named_not_praised(fake_embedder, course_pack):
    from bot.core.grade import SAID_OPPOSITE
    from bot.core.grading import GradingThresholds

    item = course_pack.get("1.24")
    point = item.key_points[1]  # the Transformer captures long-term dependencies better than an RNN...
    answer = "the RNN remembers longer. attention captures long-term dependencies between tokens."
    every_point_close = GradingThresholds(cover=0.0)

    def grade(opposed: float, answer: str = answer):
        reader = PointReader(0.9, point, opposed)
        return MeaningGrader(course_pack.questions, fake_embedder, every_point_close, reader=reader).grade(
            item, answer
        )

    praised = grade(0.5)  # the reader does not find that point turned round: it stays praised
    assert (
        praised.verdict is Verdict.INCORRECT
        and praised.covered == (point,)
        and SAID_OPPOSITE not in praised.feedback
    )
    named = grade(0.95)
    assert named.verdict is Verdict.INCORRECT and named.covered == () and point in named.missed
    assert f"{SAID_OPPOSITE}: {point}." in named.feedback and "You got" not in named.feedback
    assert point not in named.feedback.split("Missing:")[1].split("\n")[0]  # named once, not also as missing
    # a sentence that takes the other side of the point ("Transformers forget distant tokens") keeps it
    # from praise beside a contradiction, whatever the reader reads
    turned = "Transformers forget distant tokens quickly, while an RNN keeps them, so the RNN remembers longer."
    assert grade(0.5, turned).verdict is Verdict.INCORRECT and grade(0.5, turned).covered == ()


def test_the_points_of_a_right_answer_are_not_read_one_by_one(fake_embedder, course_pack):
    item = course_pack.get("1.9")
    reader = PointReader(0.1, item.key_points[0], 0.99)
    g = MeaningGrader(course_pack.questions, fake_embedder, reader=reader).grade(item, restated(item))
    assert g.verdict is Verdict.CORRECT and len(reader.calls) == 1


class BrokenReader:
    def probabilities(self, pairs: Sequence[tuple[str, str]], *, batch_size: int = 32) -> np.ndarray:
        raise RuntimeError("onnxruntime: out of memory")


def test_a_failing_reader_sends_right_answers_to_the_staff_and_grades_the_rest(fake_embedder, course_pack, caplog):
    gpu = course_pack.get("1.9")
    grader = MeaningGrader(course_pack.questions, fake_embedder, reader=BrokenReader())
    right, empty, reference = grader.grade_many([(gpu, restated(gpu)), (gpu, "idk"), (gpu, gpu.answer)])
    assert right.verdict is Verdict.REVIEW and right.covered == () and "course staff" in right.feedback
    assert empty.verdict is Verdict.INCORRECT
    assert reference.verdict is Verdict.CORRECT  # the course's own answer needs no reading
    assert "contradiction reader failed" in caplog.text


def test_the_rules_on_code_answers_stand_whatever_the_reader_says(fake_embedder, course_pack):
    """The reader reads code poorly: a flipped condition the claim rules catch is not passed over."""
    item = course_pack.get("1.10")
    assert item.answer and "torch" in item.answer
    flipped = item.answer.replace("is_available()", "is_available() is False", 1)
    assert flipped != item.answer
    reader = ScriptedReader(0.0)
    plain = MeaningGrader(course_pack.questions, fake_embedder).grade(item, flipped)
    read = MeaningGrader(course_pack.questions, fake_embedder, reader=reader).grade(item, flipped)
    assert plain.verdict is not Verdict.CORRECT
    assert (read.verdict, read.score) == (plain.verdict, plain.score)
