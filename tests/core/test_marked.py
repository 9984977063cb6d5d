"""Marked answers (bot.core.marked): the closest marked answers of the same question, weighted by closeness,
become three features of the grader's model; a question with too few has none."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.grade import Verdict
from bot.core.grading import MeaningGrader, clauses
from bot.core.grading_weights import SHIPPED, GradingWeights
from bot.core.marked import (
    MARKED_FEATURES,
    MIN_EACH,
    MIN_MARKED,
    NEIGHBOURS,
    MarkedAnswer,
    MarkedAnswers,
    usable_questions,
)
from bot.core.text import clean_text


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def bank(
    verdicts: list[Verdict], vectors: list[np.ndarray], question: str = "1.1", sources=None
) -> MarkedAnswers:
    sources = sources or ["ta"] * len(verdicts)
    answers = [
        MarkedAnswer(question, f"answer {n}", v, s)
        for n, (v, s) in enumerate(zip(verdicts, sources, strict=True))
    ]
    return MarkedAnswers(answers, np.vstack(vectors))


def test_a_question_with_too_few_or_one_sided_marks_has_no_features():
    few = bank(
        [Verdict.CORRECT] * 3 + [Verdict.INCORRECT] * (MIN_MARKED - 4), [unit(1, 0)] * (MIN_MARKED - 1)
    )
    assert not few.covers("1.1")
    assert few.features("1.1", unit(1, 0)) is None
    # a handful of contested grades, all one way, would decide every answer alike
    one_sided = bank([Verdict.PARTIAL] * (MIN_MARKED + 5), [unit(1, 0)] * (MIN_MARKED + 5))
    assert one_sided.features("1.1", unit(1, 0)) is None
    assert one_sided.features("1.2", unit(1, 0)) is None  # a question nobody marked
    enough = bank(
        [Verdict.CORRECT] * MIN_EACH + [Verdict.PARTIAL] * (MIN_MARKED - MIN_EACH), [unit(1, 0)] * MIN_MARKED
    )
    assert enough.covers("1.1") and enough.questions == {"1.1"}
    marks = [
        MarkedAnswer("1.1", "a", v) for v in [Verdict.CORRECT] * MIN_EACH + [Verdict.INCORRECT] * MIN_MARKED
    ]
    assert usable_questions(marks) == {"1.1"} and usable_questions(marks[1:]) == frozenset()


def test_the_closest_marked_answers_decide_and_far_ones_hardly_count():
    right_like, wrong_like = unit(1, 0), unit(0, 1)
    verdicts = [Verdict.CORRECT] * NEIGHBOURS + [Verdict.INCORRECT] * MIN_MARKED
    marked = bank(verdicts, [right_like] * NEIGHBOURS + [wrong_like] * MIN_MARKED)
    near_right = marked.features("1.1", unit(1, 0.05))
    near_wrong = marked.features("1.1", unit(0.05, 1))
    assert near_right is not None and near_wrong is not None
    assert near_right["marked_right"] > 0.99 and near_wrong["marked_right"] < 0.01
    assert near_right["marked_closest"] == pytest.approx(float(unit(1, 0.05) @ right_like), abs=1e-5)
    assert set(near_right) == set(MARKED_FEATURES)


def test_partial_marks_count_as_partly_right_not_right():
    verdicts = [Verdict.PARTIAL] * MIN_MARKED + [Verdict.CORRECT] * MIN_EACH
    marked = bank(verdicts, [unit(1, 0)] * MIN_MARKED + [unit(0, 1)] * MIN_EACH)
    features = marked.features("1.1", unit(1, 0))
    assert features == pytest.approx({"marked_right": 0.0, "marked_partly": 1.0, "marked_closest": 1.0})


def test_an_excluded_source_is_never_compared():
    """Fitting compares a marked answer only with other writers' answers, as a new student's would be."""
    mine = [unit(1, 0, 0)] * MIN_MARKED  # all marked right, right where the answer is
    others = [unit(0, 1, 0)] * MIN_MARKED + [unit(0, 0, 1)] * MIN_EACH  # wrong ones nearer than right ones
    verdicts = (
        [Verdict.CORRECT] * MIN_MARKED + [Verdict.INCORRECT] * MIN_MARKED + [Verdict.CORRECT] * MIN_EACH
    )
    sources = ["me"] * MIN_MARKED + ["others"] * (MIN_MARKED + MIN_EACH)
    marked = bank(verdicts, mine + others, sources=sources)
    answer = unit(1, 0.2, 0.1)
    assert marked.features("1.1", answer)["marked_right"] > 0.99
    assert marked.features("1.1", answer, exclude="me")["marked_right"] < 0.01
    assert marked.without("me").features("1.1", answer)["marked_right"] < 0.01
    assert len(marked.without("me")) == MIN_MARKED + MIN_EACH


def test_an_answer_without_a_source_is_not_compared_with_its_own_copy():
    vectors = [unit(1, 0)] + [unit(0.6, 0.8)] * MIN_MARKED + [unit(0, 1)] * MIN_EACH
    verdicts = [Verdict.CORRECT] + [Verdict.INCORRECT] * MIN_MARKED + [Verdict.CORRECT] * MIN_EACH
    marked = bank(verdicts, vectors, sources=[""] * len(verdicts))
    assert marked.features("1.1", unit(1, 0))["marked_closest"] == pytest.approx(1.0)
    apart = marked.features("1.1", unit(1, 0), itself=True)
    assert apart["marked_closest"] == pytest.approx(0.6) and apart["marked_right"] < 0.01


def test_vectors_must_match_the_answers():
    with pytest.raises(ValueError, match="3 vectors for 2"):
        MarkedAnswers([MarkedAnswer("1.1", "a", Verdict.CORRECT)] * 2, np.zeros((3, 2)))


@pytest.mark.parametrize("vectors", [np.zeros((0, 4)), np.zeros(0)])
def test_a_bank_left_without_answers_reads_no_question(vectors):
    """A course whose marks all come from one source, evaluated without it, has an empty bank."""
    assert len(MarkedAnswers([], vectors)) == 0
    one = MarkedAnswers([MarkedAnswer("1.1", f"a{n}", Verdict.CORRECT, "ta") for n in range(3)], np.eye(3, 4))
    empty = one.without("ta")
    assert len(empty) == 0 and empty.questions == frozenset()
    assert empty.features("1.1", np.ones(4) / 2) is None


def test_the_weights_read_the_marked_features_only_where_an_answer_has_them():
    plain = {name: 0.0 for name in SHIPPED.features}
    with_marks = {**plain, "marked_right": 1.0, "marked_partly": 1.0, "marked_closest": 1.0}
    zeros = (0.0,) * len(SHIPPED.features)
    marked = GradingWeights(
        (*zeros, 9.0, 0.0, 0.0),
        0.0,
        (*zeros, 0.0, 9.0, 0.0),
        0.0,
        features=SHIPPED.features + MARKED_FEATURES,
    )
    weights = GradingWeights(zeros, -9.0, zeros, -9.0, marked=marked)
    assert weights.probability(plain) < 0.001 and weights.partial_probability(plain) < 0.001
    assert weights.probability(with_marks) > 0.999 and weights.partial_probability(with_marks) > 0.999


@pytest.mark.slow
def test_the_same_answer_reads_as_righter_beside_answers_marked_right(real_embedder, course_pack):
    """The shipped model over real meaning: an answer like ones marked right gets a higher probability of
    being right than beside the same answers marked wrong (measured 0.92 against 0.06: correct, incorrect)."""
    item = course_pack.get("1.12")
    neighbours = [
        "To add nonlinearity, e.g. ReLU, sigmoid or tanh.",
        "they make the network nonlinear; relu, tanh, sigmoid",
        "Nonlinearity so layers don't collapse into one linear map. Examples: ReLU, GELU, tanh.",
        "non-linear functions like relu or sigmoid, to model nonlinear relations",
        "So the model can learn non-linear patterns: ReLU, Sigmoid, Tanh.",
        "without them stacked layers are just one linear function; relu sigmoid tanh",
        "they add non linearity (relu, leaky relu, tanh)",
        "To introduce nonlinearity. Common ones: ReLU, sigmoid, softmax.",
        "activation functions give non-linearity, examples relu tanh sigmoid",
        "Nonlinearity! ReLU, tanh and the sigmoid.",
    ]
    vectors = real_embedder.encode([clean_text(n) for n in neighbours])
    answer = clean_text("so the net is nonlinear, relu tanh sigmoid for example")
    grader = MeaningGrader(course_pack.questions, real_embedder)
    read = real_embedder.encode([answer, *clauses(answer)])

    far = ["I don't know", "the weather is nice today", "pizza", "no idea sorry", "a random forest"] * 4
    far_vectors = real_embedder.encode(far)

    def graded(verdict: Verdict) -> tuple[float, Verdict]:
        other = (
            Verdict.INCORRECT if verdict is Verdict.CORRECT else Verdict.CORRECT
        )  # far away: hardly weighs
        answers = [MarkedAnswer("1.12", n, verdict, "ta") for n in neighbours]
        answers += [MarkedAnswer("1.12", n, other, "ta") for n in far]
        marked = MarkedAnswers(answers, np.vstack([vectors, far_vectors]))
        marking = grader.with_marked(marked)
        features = marking.features(marking.rubric("1.12"), answer, read)
        assert set(MARKED_FEATURES) <= set(features)
        return marking.weights.probability(features), marking.grade(item, answer).verdict

    (p_right, as_right), (p_wrong, as_wrong) = graded(Verdict.CORRECT), graded(Verdict.INCORRECT)
    assert p_right > p_wrong + 0.3
    assert as_right is not Verdict.INCORRECT and as_wrong is not Verdict.CORRECT
    assert grader.features(grader.rubric("1.12"), answer, read).keys().isdisjoint(MARKED_FEATURES)


@pytest.mark.slow
def test_an_answer_like_ones_marked_right_is_right_though_a_point_is_barely_named(
    real_embedder, course_pack, shipped_marked
):
    """1.20 asks whether a 2012 book is enough today; "it predates transformers" comes near no key point at
    0.35, yet the answers closest to it were marked right: right, with every point counted (the verdict and
    the points agree). Without that rule (``marked_right`` above 1) it is partial."""
    from bot.core.grading import GradingThresholds

    grader = MeaningGrader(course_pack.questions, real_embedder, marked=shipped_marked)
    item = course_pack.get("1.20")
    answer = "Not really on its own - it predates transformers, so the methods are likely out of date."
    right = grader.grade(item, answer)
    assert (
        right.verdict is Verdict.CORRECT and right.missed == () and len(right.covered) == len(item.key_points)
    )
    strict = MeaningGrader(
        course_pack.questions,
        real_embedder,
        GradingThresholds(marked_right=2.0),
        marked=grader.marked,
    )
    assert strict.grade(item, answer).verdict is Verdict.PARTIAL


@pytest.mark.slow
def test_fitting_never_compares_an_answer_with_itself(real_embedder, course_pack, shipped_marked):
    """Rows with a source are compared with other sources' marked answers only; rows without one (the README's
    in-code refit on the staff's corrections) with every marked answer but their own copy."""
    from bot.core.grading_fit import training_set
    from content.marked import load_marked

    grader = MeaningGrader(course_pack.questions, real_embedder, marked=shipped_marked)
    shipped = [a for a in load_marked(course_pack) if a.question_id == "1.9"][:40]
    rows = [{"question_id": a.question_id, "answer": a.answer, "verdict": a.verdict.value} for a in shipped]
    closest = training_set(grader, rows).marked_rows[:, MARKED_FEATURES.index("marked_closest")]
    assert len(closest) and np.nanmax(closest) < 0.9999
    # with a source, the only answers as close as the answer itself are other writers' word-for-word twins
    others = {
        (a.answer.casefold().strip(" ."), a.source)
        for a in load_marked(course_pack)
        if a.question_id == "1.9"
    }
    read = 0
    for answer, row in zip(shipped, rows, strict=True):
        one = training_set(grader, [{**row, "source": answer.source}]).marked_rows
        read += len(one)
        if len(one) and one[0, MARKED_FEATURES.index("marked_closest")] >= 0.9999:
            text = answer.answer.casefold().strip(" .")
            assert any(t == text and s != answer.source for t, s in others), answer
    assert read >= len(closest)
