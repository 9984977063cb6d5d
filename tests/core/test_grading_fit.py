"""Fitting the grader's models in memory, and a grader running on weights other than the shipped ones."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.grade import Verdict
from bot.core.grading import MeaningGrader, probability
from bot.core.grading_fit import TrainingSet, fit, training_set
from bot.core.grading_weights import SHIPPED, GradingWeights

NAMES = SHIPPED.features


def synthetic(n: int = 200, seed: int = 0) -> TrainingSet:
    """Rows whose label depends on one feature (``kp_mean``) only."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(NAMES)))
    signal = X[:, NAMES.index("kp_mean")]
    right = (signal + 0.3 * rng.normal(size=n) > 0).astype(float)
    partly = (signal + 0.3 * rng.normal(size=n) > -0.5).astype(float)
    partly[::4] = np.nan  # binary labels: unknown
    return TrainingSet(X, right, partly, NAMES)


def test_the_fit_finds_the_feature_that_decides():
    weights = fit(synthetic())
    strongest = int(np.argmax(np.abs(weights.weights)))
    assert NAMES[strongest] == "kp_mean" and weights.weights[strongest] > 0
    assert NAMES[int(np.argmax(np.abs(weights.partial_weights)))] == "kp_mean"


def test_training_sets_add_up():
    a, b = synthetic(50, seed=1), synthetic(30, seed=2)
    both = a + b
    assert len(both) == 80 and both.partly_known == a.partly_known + b.partly_known
    with pytest.raises(ValueError, match="different features"):
        a + TrainingSet(b.X[:, :3], b.right, b.partly, NAMES[:3])


def test_nothing_to_fit_is_an_error():
    empty = TrainingSet(np.zeros((0, len(NAMES))), np.zeros(0), np.zeros(0), NAMES)
    with pytest.raises(ValueError, match="nothing to fit"):
        fit(empty)


def test_weights_must_match_the_features():
    with pytest.raises(ValueError, match=f"{len(SHIPPED.features)} features"):
        GradingWeights(
            weights=(1.0,), intercept=0.0, partial_weights=SHIPPED.partial_weights, partial_intercept=0.0
        )


def test_the_shipped_weights_are_what_the_grader_uses_by_default(course_pack, fake_embedder):
    grader = MeaningGrader(course_pack.questions, fake_embedder)
    assert grader.weights is SHIPPED
    features = {name: 0.1 * n for n, name in enumerate(NAMES)}
    assert probability(features) == SHIPPED.probability(features)


def test_a_grader_with_other_weights_decides_by_them(course_pack, fake_embedder):
    """``with_weights`` shares the rubric and changes only what the model decides."""
    grader = MeaningGrader(course_pack.questions, fake_embedder)
    zeros = (0.0,) * len(NAMES)
    accept_all = grader.with_weights(GradingWeights(zeros, 30.0, zeros, 30.0))
    reject_all = grader.with_weights(GradingWeights(zeros, -30.0, zeros, -30.0))
    assert accept_all.rubric("1.23") is grader.rubric("1.23")
    item = course_pack.get("1.23")
    answer = (
        "During backpropagation the gradients shrink layer by layer, so the early layers learn very slowly."
    )
    assert not grader.decided_by_rules(grader.rubric("1.23"), answer)
    assert accept_all.grade(item, answer).verdict in (Verdict.CORRECT, Verdict.PARTIAL)
    assert reject_all.grade(item, answer).verdict is Verdict.INCORRECT
    assert grader.weights is SHIPPED  # the original is untouched


def test_only_answers_left_to_the_model_are_fitted_on(course_pack, fake_embedder):
    grader = MeaningGrader(course_pack.questions, fake_embedder)
    rows = [
        {"question_id": "1.23", "answer": "idk", "verdict": "incorrect"},  # a non-answer: a rule decides
        {
            "question_id": "1.22",
            "answer": "BERT",
            "verdict": "correct",
        },  # a short answer: the accept list decides
        {
            "question_id": "1.23",
            "answer": "the early layers get tiny gradients and stop learning",
            "verdict": "correct",
        },
        {
            "question_id": "1.2",
            "answer": "stats explains, machine learning predicts from data",
            "correct": False,
        },
    ]
    training = training_set(grader, rows)
    assert len(training) == 2
    assert list(training.right) == [1.0, 0.0]
    assert training.partly[0] == 1.0 and np.isnan(training.partly[1])  # a binary "wrong" may be partly right


def test_without_marked_features_there_is_no_marked_model():
    """A set built by a grader without marked answers (all NaN) fits the plain models only."""
    assert fit(synthetic()).marked is None


def test_the_marked_model_is_fitted_on_the_rows_that_have_marked_features():
    plain = synthetic(300, seed=3)
    rng = np.random.default_rng(4)
    M = rng.uniform(size=(len(plain), 3))
    M[:, 0] = plain.right * 0.8 + 0.1  # "marked_right" says it all
    M[::3] = np.nan  # questions without marked answers
    weights = fit(TrainingSet(plain.X, plain.right, plain.partly, NAMES, M))
    assert weights.marked is not None and weights.marked.features == (*NAMES, "marked_right", "marked_partly", "marked_closest")
    assert int(np.argmax(np.abs(weights.marked.weights))) == len(NAMES)  # marked_right, the strongest
