"""Fitting the grader's logistic models on labelled answers, in memory.

``scripts/fit_grader.py`` writes the result to ``grading_model.py``; a test, or a later "learn from
the staff's corrections" job, can fit and grade without touching that file::

    weights = fit_weights(grader, rows)           # rows: {"question_id", "answer", "verdict" | "correct"}
    refitted = grader.with_weights(weights)

Only answers that no rule or guard decides are fitted on: the model sees what it will see in use. With
marked answers (``bot.core.marked``) a second pair of models is fitted on the answers whose question has
them, each answer compared only with other sources' marked answers (a row's ``source``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.core.grade import Verdict
from bot.core.grading import MeaningGrader, clauses
from bot.core.grading_eval import label
from bot.core.grading_weights import GradingWeights
from bot.core.marked import MARKED_FEATURES
from bot.core.text import clean_text

DEFAULT_L2 = 0.1
MIN_ROWS = 50  # fewer answers with marked neighbours than this: no model that reads them


@dataclass(frozen=True)
class TrainingSet:
    """Feature rows of the answers left to the model; labels: right (0/1) and at least partly right
    (0/1, NaN where a binary "wrong" label cannot tell partly right from wrong); ``M``: the marked
    answers' features (``MARKED_FEATURES``), NaN where the question has none."""

    X: np.ndarray
    right: np.ndarray
    partly: np.ndarray
    features: tuple[str, ...]
    M: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.right)

    def __add__(self, other: TrainingSet) -> TrainingSet:
        if other.features != self.features:
            raise ValueError("training sets over different features")
        return TrainingSet(
            np.vstack([self.X, other.X]),
            np.concatenate([self.right, other.right]),
            np.concatenate([self.partly, other.partly]),
            self.features,
            np.vstack([self.marked_rows, other.marked_rows]),
        )

    @property
    def marked_rows(self) -> np.ndarray:
        """``M``, or all NaN for a set built without it."""
        return self.M if self.M is not None else np.full((len(self), len(MARKED_FEATURES)), np.nan)

    @property
    def partly_known(self) -> int:
        return int((~np.isnan(self.partly)).sum())


def training_set(grader: MeaningGrader, rows: Sequence[dict]) -> TrainingSet:
    """The features of the ``rows`` no rule or guard decides (one encode call for all of them)."""
    names = grader.weights.features
    left = [(row, clean_text(row["answer"])) for row in rows]
    left = [
        (row, text)
        for row, text in left
        if not grader.decided_by_rules(grader.rubric(row["question_id"]), text)
    ]
    texts = [[text, *clauses(text)] for _, text in left]
    flat = [t for group in texts for t in group]
    encoded = grader.embedder.encode(flat) if flat else np.zeros((0, grader.embedder.dimension), np.float32)
    starts = np.cumsum([0, *[len(group) for group in texts]])
    X, M, right, partly = [], [], [], []
    for (row, text), start, end in zip(left, starts[:-1], starts[1:], strict=True):
        rubric = grader.rubric(row["question_id"])
        source = row.get("source") or None  # none: the row may be among the marked answers all the same
        features = grader.features(rubric, text, encoded[start:end], exclude=source, itself=source is None)
        if grader.similarity_guards(features) is not None:
            continue
        verdict = label(row)
        X.append([features[name] for name in names])
        M.append([features.get(name, np.nan) for name in MARKED_FEATURES])
        right.append(1.0 if verdict is Verdict.CORRECT else 0.0)
        three = "verdict" in row or verdict is Verdict.CORRECT  # a binary "wrong" may be partly right
        partly.append(float(verdict is not Verdict.INCORRECT) if three else np.nan)
    return TrainingSet(
        np.array(X, dtype=np.float64).reshape(len(X), len(names)),
        np.array(right),
        np.array(partly),
        names,
        np.array(M, dtype=np.float64).reshape(len(M), len(MARKED_FEATURES)),
    )


def fit_logistic(
    X: np.ndarray, y: np.ndarray, l2: float = DEFAULT_L2, steps: int = 50
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (a few hundred rows, a dozen features)."""
    Xb = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(Xb.shape[1])
    reg = np.eye(Xb.shape[1]) * l2
    reg[-1, -1] = 0.0  # no penalty on the intercept
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Xb @ w)))
        gradient = Xb.T @ (p - y) + reg @ w
        hessian = (Xb * (p * (1 - p))[:, None]).T @ Xb + reg
        w -= np.linalg.solve(hessian, gradient)
    return w[:-1], float(w[-1])


def fit(training: TrainingSet, l2: float = DEFAULT_L2) -> GradingWeights:
    """Both models: "right" on every row, "at least partly right" on the rows whose label tells; and both
    again over the marked answers' features too, on the rows that have them (at least ``MIN_ROWS``: a
    grader without marked answers, or too few rows, gives weights without that second pair, and a grader
    given them reads every answer with its plain models)."""
    if not len(training) or not training.partly_known:
        raise ValueError("nothing to fit: no labelled answer is left to the model")
    plain = _fit_pair(training.X, training.right, training.partly, training.features, l2)
    M = training.marked_rows
    has = ~np.isnan(M).any(axis=1)
    if has.sum() < MIN_ROWS or not (~np.isnan(training.partly[has])).any():
        return plain
    marked = _fit_pair(
        np.hstack([training.X[has], M[has]]),
        training.right[has],
        training.partly[has],
        training.features + MARKED_FEATURES,
        l2,
    )
    return replace(plain, marked=marked)


def _fit_pair(
    X: np.ndarray, right: np.ndarray, partly: np.ndarray, names: tuple[str, ...], l2: float
) -> GradingWeights:
    """The "right" model on every row and the "at least partly right" one on the rows whose label tells."""
    weights, intercept = fit_logistic(X, right, l2=l2)
    known = ~np.isnan(partly)
    partial_weights, partial_intercept = fit_logistic(X[known], partly[known], l2=l2)
    return GradingWeights(
        weights=tuple(float(w) for w in weights),
        intercept=intercept,
        partial_weights=tuple(float(w) for w in partial_weights),
        partial_intercept=partial_intercept,
        features=names,
    )


def fit_weights(grader: MeaningGrader, rows: Sequence[dict], l2: float = DEFAULT_L2) -> GradingWeights:
    """``fit(training_set(grader, rows))``: the weights for ``grader.with_weights``."""
    return fit(training_set(grader, rows), l2=l2)
