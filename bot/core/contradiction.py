"""A second reading of an answer against its rubric, by a reader that sees a claim turned round.

The grader's model compares meanings and leans on shared words, so an answer in the course's own words
that swaps two terms or reverses a comparison can look right to it. A ``ContradictionReader`` (a
cross-encoder, ``bot.infra.contradiction``) reads the rubric and the answer together. It never grades
alone (on its own it would reject right answers written unlike the course). It stops a "correct" from
being given (the answer goes to ``review``), it confirms or passes over the contradictions that the
grader's rules find, and it settles the model's own reviews when it is clear (``bot.core.grading``).
Cross-validated by writer (a writer's answers read by a reader fitted on the four others), the veto at
``VETO_AT`` took the wrong answers graded right from 6.9 % to 3.3 % of the wrong ones, for 3.5 more
points of answers left to review; at 0.6 it was 2.9 % for 4.4 points, which on the held-out sets put
more than the 10 % that the staff can be asked to read into review.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bot.core.pack import QAItem

VETO_AT = 0.7  # probability of contradiction from which a "correct" becomes "review"


class ContradictionReader(Protocol):
    def probabilities(self, pairs: Sequence[tuple[str, str]], *, batch_size: int = 32) -> np.ndarray:
        """P(the answer contradicts the rubric) for each (``rubric_text``, answer) pair."""
        ...


def rubric_text(item: QAItem) -> str:
    """What the reader reads the answer against: the question and its key points (or its answer)."""
    points = "; ".join(item.key_points)
    return f"{item.question} | {points or item.answer or ''}"
