"""Marked answers: students' answers the course staff (or our writers) have graded, used as examples.

Similarity to the reference and key points cannot tell how much a question wants: "to add nonlinearity"
is a full answer to one question and half of another. Answers already marked for the same question can:
a new answer close to ones marked right is probably right, close to ones marked partial probably partial.
The grader reads, per question, the ``NEIGHBOURS`` marked answers closest to the new one, weighted by
closeness (``SHARPNESS``), as three features of its logistic model (``MARKED_FEATURES``): the share marked
right, the share marked at least partly right, and how close the closest one is. A question with fewer than
``MIN_MARKED`` marked answers has no such features, and the grader uses its model without them.

Every marked answer carries its ``source`` (who marked or wrote it): when the model is fitted on the
marked answers themselves, an answer is compared only with other sources' answers, as a new student's
answer would be (never with itself or with its own writer's variants of it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.grade import Verdict

NEIGHBOURS = 5
SHARPNESS = 0.05  # softmax temperature over cosine similarity: 0.05 apart weighs e times less
MIN_MARKED = 10
MARKED_FEATURES = ("marked_right", "marked_partly", "marked_closest")


@dataclass(frozen=True)
class MarkedAnswer:
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
    """The marked answers of one course with their (normalised) vectors, grouped by question."""

    def __init__(self, answers: Sequence[MarkedAnswer], vectors: np.ndarray) -> None:
        if len(answers) != len(vectors):
            raise ValueError(f"{len(vectors)} vectors for {len(answers)} marked answers")
        self.answers = tuple(answers)
        self._vectors = np.asarray(vectors, dtype=np.float32)
        self._by_question: dict[str, _Question] = {}
        for qid in dict.fromkeys(a.question_id for a in answers):
            rows = [n for n, a in enumerate(answers) if a.question_id == qid]
            if len(rows) < MIN_MARKED:
                continue
            verdicts = [answers[n].verdict for n in rows]
            self._by_question[qid] = _Question(
                vectors=self._vectors[rows],
                right=np.array([v is Verdict.CORRECT for v in verdicts], dtype=float),
                partly=np.array([v in (Verdict.CORRECT, Verdict.PARTIAL) for v in verdicts], dtype=float),
                sources=np.array([answers[n].source for n in rows], dtype=object),
            )

    def __len__(self) -> int:
        return len(self.answers)

    def covers(self, question_id: str) -> bool:
        return question_id in self._by_question

    def without(self, source: str) -> MarkedAnswers:
        """These marked answers less one source's (to evaluate on a set that is among them)."""
        kept = [n for n, a in enumerate(self.answers) if a.source != source]
        return MarkedAnswers([self.answers[n] for n in kept], self._vectors[kept])

    def features(
        self, question_id: str, vector: np.ndarray, *, exclude: str | None = None
    ) -> dict[str, float] | None:
        """``MARKED_FEATURES`` of an answer (``vector``: its embedding), or None when the question has too
        few marked answers; ``exclude``: a source whose answers are not compared (see module docstring)."""
        q = self._by_question.get(question_id)
        if q is None:
            return None
        keep = q.sources != exclude if exclude else np.ones(len(q.sources), bool)
        if keep.sum() < MIN_MARKED:
            return None
        sims = q.vectors[keep] @ np.asarray(vector, dtype=np.float32)
        top = np.argsort(-sims)[:NEIGHBOURS]
        weights = np.exp((sims[top] - sims[top[0]]) / SHARPNESS)
        weights /= weights.sum()
        return {
            "marked_right": float(weights @ q.right[keep][top]),
            "marked_partly": float(weights @ q.partly[keep][top]),
            "marked_closest": float(sims[top[0]]),
        }
