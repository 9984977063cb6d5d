"""Grading free-text answers by meaning, against the rubric of each question.

A plain cosine between answer and reference accepts opposites and near-misses, so the grader layers
guards over the similarities, cheapest first:

1. nothing to grade: empty, ``idk``, gibberish, a restatement of the question, a bag of keywords;
2. short-answer questions (``BERT``) go by the reference and the ``accept`` list, never by similarity;
3. the wrong side: a yes/no answer with the opposite polarity, or an answer closer to one of the
   question's ``misconceptions`` than to anything right, or closer to another question's reference;
4. what is left is scored by how many ``key_points`` it covers and how close it is to the reference.

It leans towards rejecting: a right answer phrased badly gets ``partial`` and sees the reference
anyway, while a wrong answer accepted would teach the student something false.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.core import answer_checks as checks
from bot.core.grade import Grade, Verdict
from bot.core.pack import QAItem
from bot.core.ports import Embedder
from bot.core.text import clean_text

SHORT_ANSWER_WORDS = 4  # a reference this short is a short answer: graded by the accept list


@dataclass(frozen=True)
class GradingThresholds:
    cover: float = 0.55  # a key point counts as covered at this similarity
    correct_coverage: float = 0.5  # share of key points a correct answer covers
    correct_reference: float = 0.45  # ...and at least this close to the reference answer
    partial_reference: float = 0.35  # below this and covering nothing: incorrect
    misconception_margin: float = 0.0  # misconception wins when this much closer than the best right text
    other_question_margin: float = 0.05  # another question's reference wins when this much closer
    question_copy: float = 0.8  # an answer this close to the question, and closer to it than the reference
    short_answer_max_words: int = 6  # an answer this short on an ``accept`` question is graded by the list


@dataclass
class _Rubric:
    item: QAItem
    key_points: tuple[str, ...]
    kp: np.ndarray  # key point vectors
    mis: np.ndarray  # misconception vectors (may have 0 rows)
    ref: np.ndarray
    question: np.ndarray
    accept: tuple[str, ...]
    short_answer: bool


def _clauses(text: str) -> list[str]:
    """Sentences and ``;``-separated parts, so one key point per sentence can be matched alone."""
    parts = [p.strip() for p in re.split(r"(?<=[.!?;])\s+|\n+", text) if p.strip()]
    return parts if len(parts) > 1 else []


class MeaningGrader:
    """Grades with an ``Embedder``; rubric vectors are computed once, answers in one batch per call."""

    def __init__(
        self,
        items: Sequence[QAItem],
        embedder: Embedder,
        thresholds: GradingThresholds | None = None,
        *,
        query_embedder: Embedder | None = None,
    ) -> None:
        """``embedder`` encodes the rubric (a cached one, at start); ``query_embedder`` (default the same)
        encodes student answers, which are never cached."""
        self.embedder = query_embedder or embedder
        self.t = thresholds or GradingThresholds()
        answered = [q for q in items if q.answered]
        texts: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        for item in answered:
            key_points = item.key_points or (item.answer or "",)
            start = len(texts)
            texts += [item.answer or "", item.question, *key_points, *item.misconceptions]
            spans.append((start, len(key_points), len(item.misconceptions), 0))
        vectors = embedder.encode(texts) if texts else np.zeros((0, embedder.dimension), np.float32)
        self._rubrics: dict[str, _Rubric] = {}
        for item, (start, n_kp, n_mis, _) in zip(answered, spans, strict=True):
            key_points = item.key_points or (item.answer or "",)
            kp_start = start + 2
            self._rubrics[item.id] = _Rubric(
                item=item,
                key_points=tuple(key_points),
                kp=vectors[kp_start : kp_start + n_kp],
                mis=vectors[kp_start + n_kp : kp_start + n_kp + n_mis],
                ref=vectors[start],
                question=vectors[start + 1],
                accept=tuple(dict.fromkeys((*item.accept, *self._short_reference(item)))),
                short_answer=len(checks.words(item.answer or "")) <= SHORT_ANSWER_WORDS,
            )
        self._ids = list(self._rubrics)
        self._own_right = {item_id: np.vstack([r.ref[None, :], r.kp]) for item_id, r in self._rubrics.items()}
        self._all_right = np.vstack([self._own_right[i] for i in self._ids]) if self._ids else None
        self._owner = (
            np.concatenate([np.full(len(self._own_right[i]), n) for n, i in enumerate(self._ids)])
            if self._ids
            else None
        )

    @staticmethod
    def _short_reference(item: QAItem) -> tuple[str, ...]:
        words = checks.words(item.answer or "")
        return (" ".join(words),) if 0 < len(words) <= SHORT_ANSWER_WORDS else ()

    def gradable(self, item_id: str) -> bool:
        return item_id in self._rubrics

    def grade(self, item: QAItem, answer: str) -> Grade:
        return self.grade_many([(item, answer)])[0]

    def grade_many(self, items: list[tuple[QAItem, str]]) -> list[Grade]:
        """Grade a burst of answers with a single encode of every answer and its sentences."""
        cleaned = [clean_text(answer) for _, answer in items]
        texts: list[str] = []
        where: list[tuple[int, int]] = []
        for text in cleaned:
            parts = [text, *_clauses(text)] if text else []
            where.append((len(texts), len(parts)))
            texts += parts
        vectors = self.embedder.encode(texts) if texts else np.zeros((0, self.embedder.dimension), np.float32)
        grades = []
        for (item, _), text, (start, count) in zip(items, cleaned, where, strict=True):
            rubric = self._rubrics.get(item.id)
            if rubric is None:
                raise KeyError(f"question {item.id} has no reference answer to grade against")
            grades.append(self._grade_one(rubric, text, vectors[start : start + count]))
        return grades

    # --- the decision --------------------------------------------------------------------------
    def _grade_one(self, r: _Rubric, text: str, vectors: np.ndarray) -> Grade:
        t = self.t
        if checks.is_non_answer(text):
            return self._result(r, Verdict.INCORRECT, 0, (), "No answer to grade — have a go next time!")
        if checks.looks_like_gibberish(text):
            return self._result(r, Verdict.INCORRECT, 0, (), "That doesn't read as an answer.")

        n_words = len(checks.words(text))
        if r.accept and (r.short_answer or n_words <= t.short_answer_max_words):
            hit = next((term for term in r.accept if checks.mentions(text, term)), None)
            if hit:
                return self._result(r, Verdict.CORRECT, 100, r.key_points, f"Yes — {hit} is right.")
            if r.short_answer:
                return self._result(r, Verdict.INCORRECT, 0, (), "That isn't one of the answers we accept.")

        answer_vec = vectors[0]
        both = vectors  # the whole answer and each of its sentences
        kp_sims = (both @ r.kp.T).max(axis=0) if len(r.kp) else np.zeros(0)
        ref_sim = float(answer_vec @ r.ref)
        best_right = max(ref_sim, float(kp_sims.max()) if len(kp_sims) else 0.0)
        question_sim = float(answer_vec @ r.question)

        if question_sim >= t.question_copy and question_sim > ref_sim:
            return self._result(
                r, Verdict.INCORRECT, 0, (), "That restates the question rather than answering it."
            )
        if checks.is_keyword_list(text):
            return self._result(
                r, Verdict.INCORRECT, 0, (), "Those are keywords, not an answer: say how they fit together."
            )
        if checks.is_yes_no_question(r.item.question):
            expected, given = checks.polarity(r.item.answer or ""), checks.polarity(text)
            if expected is not None and given is not None and expected != given:
                return self._result(r, Verdict.INCORRECT, 0, (), "The course's answer says the opposite.")
        if len(r.mis):
            mis_sim = float((both @ r.mis.T).max())
            if mis_sim > best_right + t.misconception_margin:
                return self._result(r, Verdict.INCORRECT, 0, (), "That is a common misconception.")
        other = self._closest_other(r.item.id, answer_vec)
        if other is not None and other[1] > best_right + t.other_question_margin:
            other_item = self._rubrics[other[0]].item
            return self._result(
                r,
                Verdict.INCORRECT,
                0,
                (),
                f"That answers a different question ({other_item.id}: {other_item.question}).",
            )

        covered = tuple(kp for kp, sim in zip(r.key_points, kp_sims, strict=True) if sim >= t.cover)
        coverage = len(covered) / len(r.key_points)
        closeness = min(1.0, max(0.0, (ref_sim - 0.2) / 0.6))
        score = round(100 * (0.6 * coverage + 0.4 * closeness))
        if coverage >= t.correct_coverage and ref_sim >= t.correct_reference:
            return self._result(r, Verdict.CORRECT, max(score, 60), covered, "Well done.")
        if covered or ref_sim >= t.partial_reference:
            return self._result(r, Verdict.PARTIAL, min(max(score, 20), 59), covered, "Partly there.")
        return self._result(r, Verdict.INCORRECT, min(score, 19), covered, "Not quite.")

    def _closest_other(self, item_id: str, vector: np.ndarray) -> tuple[str, float] | None:
        if self._all_right is None or len(self._ids) < 2:
            return None
        sims = self._all_right @ vector
        own = self._ids.index(item_id)
        sims = np.where(self._owner == own, -1.0, sims)
        best = int(np.argmax(sims))
        return self._ids[int(self._owner[best])], float(sims[best])

    def _result(self, r: _Rubric, verdict: Verdict, score: int, covered: tuple[str, ...], lead: str) -> Grade:
        missed = tuple(kp for kp in r.key_points if kp not in covered)
        lines = [lead]
        if covered and verdict is not Verdict.CORRECT:
            lines.append("You got: " + "; ".join(covered) + ".")
        if missed and verdict is not Verdict.CORRECT:
            lines.append("Missing: " + "; ".join(missed) + ".")
        lines.append(f"Reference answer: {r.item.answer}")
        return Grade(
            verdict=verdict, score=int(score), covered=covered, missed=missed, feedback="\n".join(lines)
        )
