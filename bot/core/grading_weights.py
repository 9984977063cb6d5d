"""The grader's two logistic models as one value, so a grader can run on weights other than the shipped
ones (a refit on instructors' corrections, in a test or in ``scripts/fit_grader.py``) without anyone
rewriting ``grading_model.py`` or patching module globals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bot.core import grading_model
from bot.core.marked import MARKED_FEATURES


@dataclass(frozen=True)
class GradingWeights:
    """Weights over ``features`` (names of ``MeaningGrader.features``) of the model for "right" and of
    the model for "at least partly right"; ``marked``: the models that also read the course's marked
    answers (``bot.core.marked``), used for the answers whose features include them."""

    weights: tuple[float, ...]
    intercept: float
    partial_weights: tuple[float, ...]
    partial_intercept: float
    features: tuple[str, ...] = grading_model.FEATURES
    marked: GradingWeights | None = None

    def __post_init__(self) -> None:
        if not len(self.weights) == len(self.partial_weights) == len(self.features):
            raise ValueError(f"{len(self.features)} features need as many weights in each model")

    def probability(self, features: Mapping[str, float]) -> float:
        """The probability that the answer is right."""
        if self.marked is not None and MARKED_FEATURES[0] in features:
            return self.marked.probability(features)
        return _logistic(self.intercept, self.weights, self.features, features)

    def partial_probability(self, features: Mapping[str, float]) -> float:
        """The probability that the answer is at least partly right."""
        if self.marked is not None and MARKED_FEATURES[0] in features:
            return self.marked.partial_probability(features)
        return _logistic(self.partial_intercept, self.partial_weights, self.features, features)


def _logistic(
    intercept: float, weights: tuple[float, ...], names: tuple[str, ...], features: Mapping
) -> float:
    z = intercept + sum(w * float(features[name]) for name, w in zip(names, weights, strict=True))
    return float(1.0 / (1.0 + np.exp(-z)))


SHIPPED = GradingWeights(
    weights=tuple(grading_model.WEIGHTS),
    intercept=grading_model.INTERCEPT,
    partial_weights=tuple(grading_model.PARTIAL_WEIGHTS),
    partial_intercept=grading_model.PARTIAL_INTERCEPT,
    marked=GradingWeights(
        weights=tuple(grading_model.MARKED_WEIGHTS),
        intercept=grading_model.MARKED_INTERCEPT,
        partial_weights=tuple(grading_model.MARKED_PARTIAL_WEIGHTS),
        partial_intercept=grading_model.MARKED_PARTIAL_INTERCEPT,
        features=grading_model.FEATURES + MARKED_FEATURES,
    ),
)
