"""Marked answers (bot.core.marked): the closest marked answers of the same question, weighted by closeness,
become three features of the grader's model; a question with too few has none."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.grade import Verdict
from bot.core.grading import MeaningGrader, clauses
from bot.core.grading_weights import SHIPPED, GradingWeights
from bot.core.marked import MARKED_FEATURES, MIN_MARKED, NEIGHBOURS, MarkedAnswer, MarkedAnswers
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


def test_a_question_with_too_few_marked_answers_has_no_features():
    few = bank([Verdict.CORRECT] * (MIN_MARKED - 1), [unit(1, 0)] * (MIN_MARKED - 1))
    assert not few.covers("1.1")
    assert few.features("1.1", unit(1, 0)) is None
    assert few.features("1.2", unit(1, 0)) is None  # a question nobody marked


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
    marked = bank([Verdict.PARTIAL] * MIN_MARKED, [unit(1, 0)] * MIN_MARKED)
    features = marked.features("1.1", unit(1, 0))
    assert features == pytest.approx({"marked_right": 0.0, "marked_partly": 1.0, "marked_closest": 1.0})


def test_an_excluded_source_is_never_compared():
    """Fitting compares a marked answer only with other writers' answers, as a new student's would be."""
    vectors = [unit(1, 0)] * MIN_MARKED + [unit(0, 1)] * MIN_MARKED
    verdicts = [Verdict.CORRECT] * MIN_MARKED + [Verdict.INCORRECT] * MIN_MARKED
    marked = bank(verdicts, vectors, sources=["me"] * MIN_MARKED + ["others"] * MIN_MARKED)
    assert marked.features("1.1", unit(1, 0))["marked_right"] > 0.99
    assert marked.features("1.1", unit(1, 0), exclude="me")["marked_right"] == 0.0
    assert marked.without("me").features("1.1", unit(1, 0))["marked_right"] == 0.0
    assert len(marked.without("me")) == MIN_MARKED
    assert marked.features("1.1", unit(1, 0), exclude="others") is not None  # "me" alone has enough


def test_vectors_must_match_the_answers():
    with pytest.raises(ValueError, match="3 vectors for 2"):
        MarkedAnswers([MarkedAnswer("1.1", "a", Verdict.CORRECT)] * 2, np.zeros((3, 2)))


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

    def graded(verdict: Verdict) -> tuple[float, Verdict]:
        marked = MarkedAnswers([MarkedAnswer("1.12", n, verdict, "ta") for n in neighbours], vectors)
        marking = grader.with_marked(marked)
        features = marking.features(marking.rubric("1.12"), answer, read)
        assert set(MARKED_FEATURES) <= set(features)
        return marking.weights.probability(features), marking.grade(item, answer).verdict

    (p_right, as_right), (p_wrong, as_wrong) = graded(Verdict.CORRECT), graded(Verdict.INCORRECT)
    assert p_right > p_wrong + 0.3
    assert as_right is not Verdict.INCORRECT and as_wrong is not Verdict.CORRECT
    assert grader.features(grader.rubric("1.12"), answer, read).keys().isdisjoint(MARKED_FEATURES)
