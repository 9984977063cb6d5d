"""Marked answers: students' answers the course staff (or our writers) have graded, used as examples.

Similarity to the reference and key points cannot tell how much a question wants: "to add nonlinearity"
is a full answer to one question and half of another. Answers already marked for the same question can:
a new answer close to ones marked right is probably right, close to ones marked partial probably partial.
The grader reads, per question, the ``NEIGHBOURS`` marked answers closest to the new one, weighted by
closeness (``SHARPNESS``), as three features of its logistic model (``MARKED_FEATURES``): the share marked
right, the share marked at least partly right, and how close the closest one is. A question with fewer than
``MIN_MARKED`` marked answers, or fewer than ``MIN_EACH`` marked right or not right (a one-sided sample, such
as a few contested grades, would decide every answer alike), has no such features, and the grader uses its
model without them.

Every marked answer carries its ``source`` (who marked or wrote it): when the model is fitted on the
marked answers themselves, an answer is compared only with other sources' answers, as a new student's
answer would be (never with itself or with its own writer's variants of it). An answer fitted on without a
source is compared with every marked answer but its own copy and its word-for-word twins (``itself``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.grade import Verdict

NEIGHBOURS = 5
SHARPNESS = 0.05  # softmax temperature over cosine similarity: 0.05 apart weighs e times less
MIN_MARKED = 20
MIN_EACH = 3  # marked right, and marked not right
SAME = 0.9999  # an answer this close is the answer itself
MARKED_FEATURES = ("marked_right", "marked_partly", "marked_closest")


@dataclass(frozen=True)
class MarkedAnswer:
    """One answer and the verdict it was given; ``source``: who wrote or marked it (may be empty)."""

    question_id: str
    answer: str
    verdict: Verdict
    source: str = ""


@dataclass(frozen=True)
class _Question:
    vectors: np.ndarray
    right: np.ndarray  # 1.0 where marked correct
    partly: np.ndarray  # 1.0 where marked correct or partial
    sources: np.ndarray


class MarkedAnswers:
    """The marked answers of one course with their vectors (unit length, as the embedder gives them),
    grouped by question."""

    def __init__(self, answers: Sequence[MarkedAnswer], vectors: np.ndarray) -> None:
        if len(answers) != len(vectors):
            raise ValueError(f"{len(vectors)} vectors for {len(answers)} marked answers")
        self.answers = tuple(answers)
        self._vectors = np.asarray(vectors, dtype=np.float32)
        rows_of: dict[str, list[int]] = {}
        for n, answer in enumerate(answers):
            rows_of.setdefault(answer.question_id, []).append(n)
        self._by_question: dict[str, _Question] = {}
        for qid, rows in rows_of.items():
            right = np.array([answers[n].verdict is Verdict.CORRECT for n in rows], dtype=float)
            if not _enough(right):
                continue
            self._by_question[qid] = _Question(
                vectors=self._vectors[rows],
                right=right,
                partly=np.array(
                    [answers[n].verdict in (Verdict.CORRECT, Verdict.PARTIAL) for n in rows], dtype=float
                ),
                sources=np.array([answers[n].source for n in rows], dtype=object),
            )

    @property
    def questions(self) -> frozenset[str]:
        """The questions with enough marked answers to be read (see module docstring)."""
        return frozenset(self._by_question)

    def __len__(self) -> int:
        return len(self.answers)

    def covers(self, question_id: str) -> bool:
        return question_id in self._by_question

    def without(self, source: str) -> MarkedAnswers:
        """These marked answers less one source's (to evaluate on a set that is among them)."""
        kept = [n for n, a in enumerate(self.answers) if a.source != source]
        return MarkedAnswers([self.answers[n] for n in kept], self._vectors[kept])

    def features(
        self, question_id: str, vector: np.ndarray, *, exclude: str | None = None, itself: bool = False
    ) -> dict[str, float] | None:
        """``MARKED_FEATURES`` of an answer (``vector``: its embedding), or None when the question has too
        few marked answers; ``exclude``: a source whose answers are not compared, ``itself``: the answer is
        among the marked ones without a source, so no answer as close as its own copy (``SAME``: its copy,
        and any word-for-word twin of it) is compared (see module docstring)."""
        q = self._by_question.get(question_id)
        if q is None:
            return None
        vector = np.asarray(vector, dtype=np.float32)
        sims = q.vectors @ vector
        keep = np.ones(len(sims), bool)
        if exclude:
            keep &= q.sources != exclude
        if itself:
            keep &= sims < SAME
        if not _enough(q.right[keep]):
            return None
        sims, right, partly = sims[keep], q.right[keep], q.partly[keep]
        top = np.argsort(-sims)[:NEIGHBOURS]
        weights = np.exp((sims[top] - sims[top[0]]) / SHARPNESS)
        weights /= weights.sum()
        return {
            "marked_right": float(weights @ right[top]),
            "marked_partly": float(weights @ partly[top]),
            "marked_closest": float(sims[top[0]]),
        }


def usable_questions(answers: Sequence[MarkedAnswer]) -> frozenset[str]:
    """The questions with enough marked answers, of both kinds, to be read (see module docstring)."""
    right: dict[str, list[bool]] = {}
    for answer in answers:
        right.setdefault(answer.question_id, []).append(answer.verdict is Verdict.CORRECT)
    return frozenset(q for q, marks in right.items() if _enough(np.array(marks, dtype=float)))


def _enough(right: np.ndarray) -> bool:
    return len(right) >= MIN_MARKED and min(right.sum(), len(right) - right.sum()) >= MIN_EACH
