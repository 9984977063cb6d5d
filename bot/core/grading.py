"""Grading free-text answers by meaning, against the rubric of each question.

A plain cosine between answer and reference accepts opposites and near-misses, so the grader layers
guards over the similarities, cheapest first:

1. nothing to grade: empty, ``idk``, gibberish, a bag of keywords, a restatement of the question;
2. short-answer questions (``BERT``) go by the reference and the ``accept`` list, and so does a short
   answer (a few words) to any question with an ``accept`` list (``Transformer``); a term counts only
   when it is not negated ("not BERT"); one that names no accepted term is wrong, or partial when it
   describes the pick (its marked neighbours say partly right) and the reader sees no contradiction;
3. the wrong side: a yes/no answer with the opposite polarity, an answer clearly closer to one of the
   question's ``misconceptions`` than to any key point, or clearly closer to another question's answer;
4. what is left is scored by a small logistic model over similarity features (key-point coverage,
   closeness to the reference, to misconceptions, to other questions, to the question itself) and,
   for a question with marked answers (``bot.core.marked``), what the closest of them were marked,
   fitted on our labelled answers by ``scripts/fit_grader.py`` (weights in ``grading_model.py``);
5. with a contradiction reader (``bot.core.contradiction``, a cross-encoder), an answer found right
   is read once more against the rubric: if it reads as turning the course round, the staff decides
   (``review``). The reader also confirms the contradictions of the rules in 3 (one it does not see is
   passed over), settles the model's own reviews when it is clear either way, and gives a list answer
   the model found wrong its count of right items, and a described pick its partial grade, when it
   sees no contradiction.

It leans towards rejecting: an answer needs a probability of 0.6, not 0.5, to count as correct. A right
answer phrased badly gets ``partial`` and sees the reference anyway, while a wrong answer accepted
would teach the student something false.
"""

from __future__ import annotations

import copy
import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.core import answer_checks as checks
from bot.core.claim_signals import PointReading, absolute_claim, point_signs, read_points
from bot.core.claims import ClaimChecker
from bot.core.contradiction import VETO_AT, ContradictionReader, rubric_text
from bot.core.grade import SAID_OPPOSITE, Grade, Verdict
from bot.core.grading_weights import SHIPPED, GradingWeights
from bot.core.list_items import TYPO_MIN, ListRubric, family
from bot.core.marked import MarkedAnswers
from bot.core.pack import QAItem
from bot.core.ports import Embedder
from bot.core.spelling import edit_distance
from bot.core.text import clean_text

log = logging.getLogger(__name__)

SHORT_ANSWER_WORDS = 4  # a reference this short is a short answer: graded by the accept list
CODE_FENCE = re.compile(r"```[a-z]*\n?(.*?)```", re.DOTALL)
CODE_TOKEN = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
CODE_FLIP = re.compile(r"\bnot\b|\bFalse\b|!=|==\s*0\b")
UNACCEPTED = "That isn't one of the answers we accept."
SENTENCE_END = re.compile(r"[.!;]+(?:\s|$)")
HEDGE_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
REASON_ASKED = re.compile(r"\b(?:why|explain)\b", re.IGNORECASE)  # not "reason": "what is the reason" asks for the pick


@dataclass(frozen=True)
class GradingThresholds:
    correct: float = 0.6  # model probability for ``correct`` (above 0.5: the grader leans to reject)
    partial: float = 0.5  # the second model's probability for ``partial`` (at least partly right)
    cover: float = 0.5  # a key point counts as covered (shown to the student) at this similarity
    # a misconception this much closer than any key point: wrong (packs list many near-opposites of their
    # key points, so one of them is often a little closer to a right answer than the point it restates)
    misconception_margin: float = 0.25
    other_question_margin: float = 0.1  # another question's answer this much closer: wrong
    question_copy: float = 0.9  # this close to the question and closer to it than to the reference
    reference_copy: float = 0.9  # this close to the reference answer is the reference, restated
    short_answer_max_words: int = 6  # an answer this short naming an ``accept`` term is right
    review_band: float = 0.03  # a probability this close to ``correct`` is left to the staff (review)
    # a right answer (by the model) covers a point at this similarity. 0.2 raised agreement by 1.7 points in
    # the by-writer cross-validation but let more wrong answers through on two held-out sets: not kept
    lenient_cover: float = 0.35
    # a right answer (by the model) whose closest marked answers were marked right at least this much is
    # right even with a key point under ``lenient_cover``: the marks say how much the question wants
    marked_right: float = 0.8
    bare_yes_no_words: int = 3  # a right yes/no with at most this many other content words: partial
    # a right answer (by the model) below this probability that takes the other side of a contrast, or
    # makes a sweeping claim the course does not, is left to the staff (``claim_signals``)
    doubt_review: float = 0.85
    contradiction_veto: float = VETO_AT  # a right answer the reader finds this likely contradicting: review
    # with a reader: a rule's contradiction (the claim checker's, a misconception's) stands only when the
    # reader finds it at least this likely; else the answer is decided without that rule
    rule_confirm: float = 0.3
    # with a reader: the model's own review is decided when the reader is clear: wrong from this
    # probability of contradiction, right under ``unsure_right``
    unsure_wrong: float = 0.9
    unsure_right: float = 0.15
    # with a reader: an answer the model finds wrong with at least this probability of being right is read,
    # and left to the staff when the reader finds it not contradicting (under ``unsure_right``). On the
    # fourteen training writers' answers the model found wrong from 0.25 and the reader found clean were
    # all labelled right (15 of 15; 0.2: 18 of 20), and most of them had been told they read like a
    # misconception. Lowered to 0.15 (3 Dec 2026): of the 15 more answers so read clean on those writers
    # (whom the reader was fitted on), 8 were labelled right and 3 wrong; on the blind sets right rejected
    # fell from 0.033 to 0.029 for 0.002 more review
    wrong_but_unsure: float = 0.15
    # with a reader: a key point an answer not found right is praised for is named as turned round
    # instead when the reader, reading that point alone, finds it this likely contradicted (above 1: never)
    point_opposed: float = 0.8


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
    claims: ClaimChecker
    listing: ListRubric | None  # the items a list question counts
    list_points: tuple[int, ...]  # the key points the list answers (all of them for a pure list)
    point_items: dict[int, frozenset[str]]  # the list items each of those key points names
    yes_no: int | None  # +1 / -1 for a yes/no question's expected answer
    yes_no_point: int | None  # the key point that states the yes/no
    reason_asked: bool = False  # "... and why?": a bare pick is only half the answer
    point_readings: tuple[PointReading, ...] = ()  # the key points read for ``claim_signals``
    code: tuple[str, ...] = ()  # the reference's code: its string literals and dotted names, in order
    code_flips: int = 0  # the negations inside the reference's code (``_flips``)
    course_words: frozenset[str] = frozenset()  # the words of the answer and key points (``absolute_claim``)
    point_words: frozenset[str] = frozenset()  # the words of the key points (``checks.contradiction``)
    # the word families of the key points that the question does not use: a reason a yes/no can give
    reason_words: frozenset[str] = frozenset()


def _yes_no(item: QAItem) -> int | None:
    if item.yes_no:
        return 1 if item.yes_no == "yes" else -1
    if checks.is_yes_no_question(item.question):
        return checks.polarity(item.answer or "")
    return None


def _list_rubric(item: QAItem, key_points: tuple[str, ...]) -> tuple[ListRubric | None, dict[int, frozenset[str]]]:
    """The list a question counts, and the items each key point names (read once, not per answer)."""
    if not item.list_items:
        return None, {}
    listing = ListRubric(item.list_items, item.wrong_items, item.list_count)
    named = {i: frozenset(listing.count_in(kp).right) for i, kp in enumerate(key_points)}
    points = {i: items for i, items in named.items() if items}
    return listing, points


@dataclass(frozen=True)
class _Decision:
    verdict: Verdict
    score: int
    lead: str
    rule: str = ""  # "claim" or "misconception": a rule that reads the answer as contradicting the course
    unsure: bool = False  # the model's review (near its threshold, a doubtful sign, other code): readable
    # the course's own answer, word for word: nothing for the reader to overturn (a near copy is read:
    # one word turned round keeps it close to the reference)
    settled: bool = False
    # wrong by the model, yet naming right items of a list and none wrong, or describing a pick without
    # naming it: this partial grade stands when the reader finds no contradiction ("To add
    # nonlinearity. ReLU." names one of three)
    named: tuple[_Decision, frozenset[int]] | None = None
    opposed: frozenset[int] = frozenset()  # key points the reader finds the answer saying the opposite of
    # wrong by the model, but not clearly (``wrong_but_unsure``): readable, and left to the staff when the
    # reader finds no contradiction
    doubted: bool = False
    # right by the model, but a key point under ``lenient_cover`` and the marks not clear: partial, and
    # right when the reader finds it clean (under ``unsure_right``)
    leaning_right: bool = False


def clauses(text: str) -> list[str]:
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
        weights: GradingWeights | None = None,
        reader: ContradictionReader | None = None,
        marked: MarkedAnswers | None = None,
    ) -> None:
        """``embedder`` encodes the rubric (a cached one, at start); ``query_embedder`` (default the same)
        encodes student answers, which are never cached; ``weights``: the logistic models (default the
        shipped ones, ``grading_model.py``); ``reader``: the contradiction veto (none: no veto);
        ``marked``: the course's marked answers (``bot.core.marked``; none: the model reads without them)."""
        self.embedder = query_embedder or embedder
        self.reader = reader
        self.marked = marked
        self.t = thresholds or GradingThresholds()
        self.weights = weights or SHIPPED
        answered = [q for q in items if q.answered]
        texts: list[str] = []
        for item in answered:
            texts += [item.answer or "", item.question, *self._key_points(item), *item.misconceptions]
        vectors = embedder.encode(texts) if texts else np.zeros((0, embedder.dimension), np.float32)
        self._rubrics: dict[str, _Rubric] = {}
        start = 0
        for item in answered:
            key_points = self._key_points(item)
            n_kp, n_mis = len(key_points), len(item.misconceptions)
            listing, point_items = _list_rubric(item, key_points)
            expected = _yes_no(item)
            claims = ClaimChecker(item.contrasts, key_points, picks=bool(item.accept), reference=item.answer)
            self._rubrics[item.id] = _Rubric(
                claims=claims,
                point_readings=read_points(key_points, claims.contrasts),
                listing=listing,
                list_points=tuple(point_items),
                point_items=point_items,
                yes_no=expected,
                yes_no_point=next(
                    (i for i, kp in enumerate(key_points) if checks.polarity(kp) == expected), None
                )
                if expected
                else None,
                item=item,
                key_points=key_points,
                ref=vectors[start],
                question=vectors[start + 1],
                kp=vectors[start + 2 : start + 2 + n_kp],
                mis=vectors[start + 2 + n_kp : start + 2 + n_kp + n_mis],
                accept=tuple(dict.fromkeys((*item.accept, *self._short_reference(item)))),
                short_answer=len(checks.words(item.answer or "")) <= SHORT_ANSWER_WORDS,
                reason_asked=bool(REASON_ASKED.search(item.question)),
                code=_code_signature(reference_code := "\n".join(CODE_FENCE.findall(item.answer or ""))),
                code_flips=_flips(reference_code),
                course_words=frozenset(checks.words(" ".join((item.answer or "", *key_points)))),
                point_words=frozenset(checks.words(" ".join(key_points))),
                reason_words=_reason_words(item.question, key_points),
            )
            start += 2 + n_kp + n_mis
        self._ids = list(self._rubrics)
        right = [np.vstack([r.ref[None, :], r.kp]) for r in self._rubrics.values()]
        self._all_right = np.vstack(right) if right else np.zeros((0, embedder.dimension), np.float32)
        self._owner = np.concatenate([np.full(len(v), n) for n, v in enumerate(right)]) if right else None

    def with_weights(self, weights: GradingWeights) -> MeaningGrader:
        """The same grader (rubric vectors shared, not re-encoded) deciding with other model weights."""
        other = copy.copy(self)
        other.weights = weights
        return other

    def with_marked(self, marked: MarkedAnswers | None) -> MeaningGrader:
        """The same grader reading other marked answers (an evaluation leaves out the set it grades)."""
        other = copy.copy(self)
        other.marked = marked
        return other

    @staticmethod
    def _key_points(item: QAItem) -> tuple[str, ...]:
        return item.key_points or (item.answer or "",)

    @staticmethod
    def _short_reference(item: QAItem) -> tuple[str, ...]:
        words = checks.words(item.answer or "")
        return (" ".join(words),) if 0 < len(words) <= SHORT_ANSWER_WORDS else ()

    def grade(self, item: QAItem, answer: str) -> Grade:
        return self.grade_many([(item, answer)])[0]

    def grade_many(self, items: list[tuple[QAItem, str]]) -> list[Grade]:
        """Grade a burst of answers with a single encode of every answer and its sentences."""
        cleaned = [clean_text(answer) for _, answer in items]
        rubrics = []
        for item, _ in items:
            rubric = self._rubrics.get(item.id)
            if rubric is None:
                raise KeyError(f"question {item.id} has no reference answer to grade against")
            rubrics.append(rubric)
        texts: list[str] = []
        where: list[tuple[int, int]] = []
        for text in cleaned:
            parts = [text, *clauses(text)] if text else []
            where.append((len(texts), len(parts)))
            texts += parts
        vectors = self.embedder.encode(texts) if texts else np.zeros((0, self.embedder.dimension), np.float32)
        spans = [vectors[start : start + count] for start, count in where]
        decided = [
            self._decide(rubric, text, span) for rubric, text, span in zip(rubrics, cleaned, spans, strict=True)
        ]
        if self.reader is not None:
            try:
                read, seen = self._read_again(rubrics, cleaned, spans, decided)
                if self.t.point_opposed <= 1:
                    read = self._read_points(rubrics, cleaned, read, seen)
                decided = read
            except Exception:  # the reader failed (memory, its runtime): no right answer goes unread
                log.exception("contradiction reader failed; right answers go to the staff answers=%d", len(decided))
                decided = [_unread(d, covered) for d, covered in decided]
        return [self._result(rubric, *d) for rubric, d in zip(rubrics, decided, strict=True)]

    def _read_again(
        self,
        rubrics: list[_Rubric],
        texts: list[str],
        spans: list[np.ndarray],
        decided: list[tuple[_Decision, frozenset[int]]],
    ) -> tuple[list[tuple[_Decision, frozenset[int]]], list[float]]:
        """The reader's second opinion, one batch for the whole burst, on the answers found right (but not
        the course's answer word for word), those the model left to the staff, those a rule found
        contradicting, those the model found wrong that name right items of a list or that it found wrong
        but not clearly, and those not found right that are praised for a point; with the probability read
        for each answer (-1: not read).

        A rule's contradiction the reader does not see (under ``rule_confirm``) is passed over and the
        answer decided without it, except on code, which the reader reads poorly; a right answer the
        reader finds contradicting (``contradiction_veto``) goes to the staff with nothing praised (the
        reader does not say which point is turned round); the model's review is decided when the reader
        is clear either way (``unsure_wrong``, ``unsure_right``; never right for code); a wrong answer by
        the model that names right items of a list, and no wrong one, gets its count of them (partial),
        and a short answer that describes the pick without naming it gets partial, when the reader sees
        no contradiction (under ``rule_confirm``); an answer the model found wrong but not clearly
        (``wrong_but_unsure``) goes to the staff when the reader finds it clean (under ``unsure_right``), and
        one the model finds right but with a key point not shown (``leaning_right``) is right when the reader
        finds it clean."""
        assert self.reader is not None
        gated = self.t.rule_confirm > 0
        asked = [
            n
            for n, (d, covered) in enumerate(decided)
            if (d.verdict is Verdict.CORRECT and not d.settled)
            or d.unsure
            or (gated and d.rule and not rubrics[n].code)  # the reader reads code poorly: its rules stand
            or d.named
            or d.doubted
            or d.leaning_right
            or (d.verdict is not Verdict.CORRECT and covered and self.t.point_opposed <= 1)
        ]
        seen = [-1.0] * len(decided)
        if not asked:
            return decided, seen
        pairs = [(rubric_text(rubrics[n].item), texts[n]) for n in asked]
        out = list(decided)
        for n, p in zip(asked, self.reader.probabilities(pairs), strict=True):
            seen[n] = float(p)
            unconfirmed: frozenset[str] = frozenset()
            confirmable = gated and not rubrics[n].code
            while confirmable and out[n][0].rule and p < self.t.rule_confirm and out[n][0].rule not in unconfirmed:
                unconfirmed |= {out[n][0].rule}
                out[n] = self._decide(rubrics[n], texts[n], spans[n], unconfirmed)
            decision = out[n][0]
            if decision.verdict is Verdict.CORRECT and p >= self.t.contradiction_veto:
                lead = "This may say the opposite of the course somewhere; the course staff will check it."
                out[n] = (_Decision(Verdict.REVIEW, decision.score, lead), frozenset())
            elif decision.unsure and p >= self.t.unsure_wrong:
                lead = "Not quite — this reads as saying the opposite of the course."
                out[n] = (_Decision(Verdict.INCORRECT, min(decision.score, 29), lead), frozenset())
            elif decision.unsure and p < self.t.unsure_right and self._right_but_unsure(rubrics[n], *out[n]):
                everything = frozenset(range(len(rubrics[n].key_points)))
                out[n] = (_Decision(Verdict.CORRECT, max(decision.score, 60), "Well done."), everything)
            elif decision.named is not None and p < self.t.rule_confirm:
                out[n] = decision.named
            elif decision.doubted and p < self.t.unsure_right:  # the model and the reader disagree
                out[n] = (_Decision(Verdict.REVIEW, decision.score, "Hard to call."), frozenset())
            elif decision.leaning_right and p < self.t.unsure_right:  # right by the model, clean by the reader
                everything = frozenset(range(len(rubrics[n].key_points)))
                out[n] = (_Decision(Verdict.CORRECT, max(decision.score, 60), "Well done."), everything)
        return out, seen

    def _read_points(
        self,
        rubrics: list[_Rubric],
        texts: list[str],
        decided: list[tuple[_Decision, frozenset[int]]],
        seen: list[float],
    ) -> list[tuple[_Decision, frozenset[int]]]:
        """Each key point praised in an answer not found right that the reader finds contradicting somewhere
        (``seen`` from ``rule_confirm``), read against the answer on its own (one batch): a point the
        reader finds the answer saying the opposite of (``point_opposed``) is not praised but named, for a
        wrong answer often shares words with the very point it turns round."""
        assert self.reader is not None
        asked = [
            (n, i)
            for n, (d, covered) in enumerate(decided)
            if d.verdict is not Verdict.CORRECT and seen[n] >= self.t.rule_confirm
            for i in sorted(covered)
        ]
        if not asked:
            return decided
        pairs = [(f"{rubrics[n].item.question} | {rubrics[n].key_points[i]}", texts[n]) for n, i in asked]
        opposed: dict[int, set[int]] = {}
        for (n, i), p in zip(asked, self.reader.probabilities(pairs), strict=True):
            if p >= self.t.point_opposed:
                opposed.setdefault(n, set()).add(i)
        out = list(decided)
        for n, points in opposed.items():
            decision, covered = out[n]
            out[n] = (replace(decision, opposed=frozenset(points)), covered - points)
        return out

    # --- the decision --------------------------------------------------------------------------
    def _right_but_unsure(self, r: _Rubric, decision: _Decision, covered: frozenset[int]) -> bool:
        """A review the model leaned right on, with every listed item given and no code: the reader may
        settle it as right."""
        return not r.code and decision.score >= round(100 * self.t.correct) and set(r.list_points) <= covered

    def _decide(
        self, r: _Rubric, text: str, vectors: np.ndarray, unconfirmed: frozenset[str] = frozenset()
    ) -> tuple[_Decision, frozenset[int]]:
        """The verdict and the key points (indices) the answer states; the rules named in ``unconfirmed``
        (see ``_Decision.rule``) found a contradiction that the reader did not, and are passed over."""
        wrong = Verdict.INCORRECT
        if checks.is_non_answer(text):
            return _Decision(wrong, 0, "No answer to grade — have a go next time!"), frozenset()
        if checks.looks_like_gibberish(text):
            return _Decision(wrong, 0, "That doesn't read as an answer."), frozenset()
        features = self.features(r, text, vectors)
        similar = frozenset(i for i, sim in enumerate(features["kp_sims"]) if sim >= self.t.cover)
        clashes = [] if "claim" in unconfirmed else self.contradictions(r, text)
        if clashes:  # a veto: whatever else the answer says, it states something the course denies
            index, said = clashes[0]
            # nor is a point praised whose closest sentence the signs doubt ("Transformers forget distant
            # tokens" beside "the Transformer captures long-term dependencies better")
            signs = features["signs"]
            covered = similar - {i for i, _ in clashes} - {i for i in similar if signs.doubtful(i)}
            lead = f"You said “{said}”; the course says: {_point(r.key_points[index])}."
            return _Decision(wrong, 5 if covered else 0, lead, "claim"), covered
        rule = self.text_rules(r, text, claims="claim" not in unconfirmed)
        if rule is not None:
            if rule.verdict is Verdict.CORRECT:
                return rule, frozenset(range(len(r.key_points)))
            if rule.verdict is Verdict.PARTIAL and not _hedged(text, r.accept):  # a lone pick: its point is got
                named = (i for i, kp in enumerate(r.key_points) if any(checks.mentions(kp, t) for t in r.accept))
                return rule, frozenset(itertools.islice(named, 1))
            if rule.lead == UNACCEPTED and self._describes_pick(r, features, unconfirmed):
                # a short answer that describes the pick without naming it ("the masked language model
                # one"): partly right, unless the reader finds it saying the opposite of the course
                described = _Decision(Verdict.PARTIAL, 30, "Partly there — but that doesn't name an answer the course accepts.")
                return replace(rule, named=(described, frozenset())), frozenset()
            return rule, frozenset()
        bare = self._bare_yes_no(r, text)
        if bare is not None:
            return bare
        listed = self._list_answer(r, text)
        if listed is not None and len(r.list_points) == len(r.key_points):
            return listed
        guard = self.similarity_guards(features, misconceptions="misconception" not in unconfirmed)
        if guard is not None:
            if guard.verdict is Verdict.CORRECT:
                verbatim = checks.words(text) == checks.words(r.item.answer or "")
                return replace(guard, settled=verbatim), frozenset(range(len(r.key_points)))
            # a guard and the model disagree: the staff decides, unless the answer is another question's
            # answer word for word
            copied_other = features["other"] >= self.t.reference_copy
            if guard.score and not copied_other and self.weights.probability(features) >= self.t.correct:
                return _Decision(Verdict.REVIEW, guard.score, guard.lead), similar
            return guard, frozenset()  # incorrect: nothing praised
        return self._by_model(r, text, features, similar, listed)

    def _describes_pick(self, r: _Rubric, features: dict, unconfirmed: frozenset[str]) -> bool:
        """An answer naming no accepted pick that may describe it: the partial model finds it partly right
        (over its marked neighbours, mostly), it is no misconception and no copy of the question, it is not
        code (the reader reads code poorly) and no rule's contradiction was just passed over ("the RNN"
        for the Transformer). Another question's answer may be closer: a key point that is the pick's name
        ("BERT is an encoder-only model") sits far from any description of it."""
        return (
            not r.code
            and not unconfirmed
            and self.similarity_guards(features, other_questions=False) is None
            and self.weights.partial_probability(features) >= self.t.partial
        )

    def decided_by_rules(self, r: _Rubric, text: str) -> bool:
        """Whether a rule settles the answer before the models (what ``scripts/fit_grader.py`` skips)."""
        if checks.is_non_answer(text) or checks.looks_like_gibberish(text):
            return True
        if self.text_rules(r, text) is not None or self._bare_yes_no(r, text) is not None:
            return True
        return self._list_answer(r, text) is not None and len(r.list_points) == len(r.key_points)

    def _by_model(
        self,
        r: _Rubric,
        text: str,
        features: dict,
        similar: frozenset[int],
        listed: tuple[_Decision, frozenset[int]] | None,
    ) -> tuple[_Decision, frozenset[int]]:
        """The logistic model's verdict, made to agree with the key points the answer covers."""
        p = self.weights.probability(features)
        score = round(100 * p)
        covered = set(similar)
        list_done = True
        if r.list_points:
            given = listed[1] if listed is not None else frozenset()
            list_done = listed is not None and listed[0].verdict is Verdict.CORRECT
            covered = (covered - set(r.list_points)) | (set(r.list_points) if list_done else set(given))
        signs = features["signs"]
        doubtful = {i for i in range(len(r.key_points)) if signs.doubtful(i)}  # never praised unless right
        doubt = any(signs.side) or bool(features["absolute"])
        if abs(p - self.t.correct) < self.t.review_band or (p >= self.t.correct and p < self.t.doubt_review and doubt):
            return _Decision(Verdict.REVIEW, score, "Hard to call.", unsure=True), frozenset(covered - doubtful)
        if p >= self.t.correct:
            lenient = {i for i, sim in enumerate(features["kp_sims"]) if sim >= self.t.lenient_cover}
            covered |= lenient - (set(r.list_points) if not list_done else set())
            if r.code and not features["same_code"] and len(_code_signature(text)) >= 2:
                lead = "Your code differs from the course's; the course staff will check it."
                return _Decision(Verdict.REVIEW, score, lead, unsure=True), frozenset(covered - doubtful)
            if list_done and len(covered) == len(r.key_points):
                return _Decision(Verdict.CORRECT, score, "Well done."), frozenset(covered)
            if list_done and features.get("marked_right", 0.0) >= self.t.marked_right:
                return _Decision(Verdict.CORRECT, score, "Well done."), frozenset(range(len(r.key_points)))
            leaning = list_done and not r.code
            partly = _Decision(Verdict.PARTIAL, min(score, 59), "Partly there.", leaning_right=leaning)
            return partly, frozenset(covered - doubtful)
        if self.weights.partial_probability(features) >= self.t.partial:
            if len(covered) == len(r.key_points):  # not right, so something is missing: the least evident
                covered.discard(int(np.argmin(features["kp_sims"])))
            counted = listed is not None and listed[0].verdict is Verdict.PARTIAL  # "You named 1 of the 3..."
            lead = listed[0].lead if counted and listed is not None else "Partly there."
            return _Decision(Verdict.PARTIAL, max(30, min(score, 59)), lead), frozenset(covered - doubtful)
        # incorrect: no "You got" — what looks covered may be the very point the answer gets wrong
        lead = "Not quite."
        if features["misconception_minus_right"] > 0:  # closer to a wrong claim than to any right one
            lead = _misconception_lead(features, "Not quite — that reads like a common misconception")
        named = None
        # "dropout" for 1.12 (no item named, none wrong: ``listed`` is None)
        wrong_item = listed is not None and r.listing is not None and bool(r.listing.count_in(text).wrong)
        if listed is not None and listed[0].verdict is Verdict.PARTIAL:
            named = None if wrong_item else listed  # right items only
        doubted = p >= self.t.wrong_but_unsure and not wrong_item  # a wrong item is no doubt for the staff
        return _Decision(Verdict.INCORRECT, min(score, 29), lead, named=named, doubted=doubted), frozenset()

    def contradictions(self, r: _Rubric, text: str) -> list[tuple[int, str]]:
        """(key point, what the answer said) for each key point the answer takes the other side of."""
        found = r.claims.contradictions(text)
        given = checks.polarity(text)
        if r.yes_no and given is not None and given != r.yes_no:
            point = r.yes_no_point if r.yes_no_point is not None else 0
            said = checks.side_taken(text) or ("yes" if given > 0 else "no")  # "I agree", "Well, no"
            found = [(point, said), *[f for f in found if f[0] != point]]
        return found

    def _bare_yes_no(self, r: _Rubric, text: str) -> tuple[_Decision, frozenset[int]] | None:
        """The right yes/no with no reason: partial, the reason listed as missing."""
        if not r.yes_no or checks.polarity(text) != r.yes_no:
            return None
        content = [w for w in checks.words(text)[1:] if w not in checks.STOPWORDS and w not in checks.NEGATIONS]
        if len(content) > self.t.bare_yes_no_words or any(family(w) in r.reason_words for w in content):
            return None  # a reason, however short ("no, hyperparams are discrete"): the model weighs it
        covered = frozenset({r.yes_no_point}) if r.yes_no_point is not None else frozenset()
        return _Decision(Verdict.PARTIAL, 40, "Right answer — but say why."), covered

    def _list_answer(self, r: _Rubric, text: str) -> tuple[_Decision, frozenset[int]] | None:
        """A list question: count the items given against the number asked for."""
        if r.listing is None:
            return None
        count = r.listing.count_in(text)
        if not count.right and not count.wrong:
            return None
        need, n = r.listing.count, len(count.right)
        given, denied = set(count.right), set(count.denied)
        # a point that holds an item the answer denies ("topic modelling isn't NLP") is never praised
        touched = frozenset(i for i, items in r.point_items.items() if items & given and not items & denied)
        if count.wrong and len(count.wrong) >= n:
            lead = f"You said {', '.join(count.wrong)}; the course does not count that among them."
            return _Decision(Verdict.INCORRECT, 5 if n else 0, lead), touched
        # a denied item: the course counts it. Wrong unless the list is otherwise complete
        them = "it" if len(denied) == 1 else "them"
        said_not = f"You said {', '.join(count.denied)} {'is' if them == 'it' else 'are'} not among them; the course counts {them}."
        if denied and n < need:
            return _Decision(Verdict.INCORRECT, 5 if n else 0, said_not), touched
        if n >= need and not count.wrong and not denied:
            return _Decision(Verdict.CORRECT, 100, "Well done."), frozenset(r.list_points)
        if touched and len(touched) == len(r.list_points):  # not all items yet: the least named point is missed
            touched = touched - {min(touched, key=lambda i: len(given & r.point_items[i]))}
        lead = f"You named {n} of the {need} asked for ({', '.join(count.right)})."
        if count.wrong:
            lead += f" You said {', '.join(count.wrong)}; the course does not count that among them."
        if denied:
            lead += f" {said_not}"
        return _Decision(Verdict.PARTIAL, 30 + round(29 * min(n, need) / need), lead), touched

    def similarity_guards(
        self, features: dict, *, misconceptions: bool = True, other_questions: bool = True
    ) -> _Decision | None:
        """The reference restated; copies of the question, clear misconceptions, another question's answer."""
        wrong = Verdict.INCORRECT
        if features["ref"] >= self.t.reference_copy and features["same_code"]:
            return _Decision(Verdict.CORRECT, 100, "Well done: that is the course's answer.")
        if features["question_minus_ref"] > 0 and features["question"] >= self.t.question_copy:
            return _Decision(wrong, 0, "That restates the question rather than answering it.")
        if misconceptions and features["misconception_minus_right"] > self.t.misconception_margin:
            lead = _misconception_lead(features, "That is a common misconception")
            return _Decision(wrong, 5, lead, "misconception")
        if other_questions and features["other_minus_right"] > self.t.other_question_margin:
            other = self._rubrics[features["other_id"]].item
            return _Decision(wrong, 5, f"That answers a different question ({other.id}: {other.question})")
        return None

    def text_rules(self, r: _Rubric, text: str, *, claims: bool = True) -> _Decision | None:
        """The checks that need no model: non-answers, short answers, keyword bags, contradictions."""
        wrong = Verdict.INCORRECT
        if checks.is_non_answer(text):
            return _Decision(wrong, 0, "No answer to grade — have a go next time!")
        if checks.looks_like_gibberish(text):
            return _Decision(wrong, 0, "That doesn't read as an answer.")
        clashes = self.contradictions(r, text) if claims else []
        if clashes:
            return _Decision(wrong, 0, f"The course says: {_point(r.key_points[clashes[0][0]])}.", "claim")
        n_words = len(checks.words(text))
        if r.accept and (r.short_answer or n_words <= self.t.short_answer_max_words):
            hit = next((term for term in r.accept if checks.mentions(text, term)), None) or _typed_term(text, r.accept)
            if hit and _hedged(text, r.accept):
                return _Decision(Verdict.PARTIAL, 30, f"{hit} is right, but you named another option too: pick one.")
            if hit and r.reason_asked and not r.short_answer:
                return _Decision(Verdict.PARTIAL, 40, f"Yes — {hit} is right, but the question asks why too.")
            if hit:
                return _Decision(Verdict.CORRECT, 100, f"Yes — {hit} is right.")
            return _Decision(wrong, 0, UNACCEPTED)
        if checks.is_keyword_list(text) and not (r.listing and r.listing.mentions_any(text)):
            return _Decision(wrong, 0, "Those are keywords, not an answer: say how they fit together.")
        for point in r.key_points:
            clash = checks.contradiction(text, point, r.point_words)
            if clash:
                return _Decision(wrong, 0, f"The course says the opposite: “{clash[1]}”, not “{clash[0]}”.")
        return None

    def features(
        self, r: _Rubric, text: str, vectors: np.ndarray, *, exclude: str | None = None, itself: bool = False
    ) -> dict:
        """Similarity features of one answer (``vectors``: the answer, then each of its sentences), with
        those of the marked answers when the question has them (``exclude``, ``itself``: see
        ``MarkedAnswers.features``; for fitting on answers that are among them)."""
        marked = (
            self.marked.features(r.item.id, vectors[0], exclude=exclude, itself=itself) if self.marked else None
        )
        answer = vectors[0]
        sims = vectors @ r.kp.T
        kp_sims = sims.max(axis=0)
        sentences = [text, *clauses(text)] if len(vectors) > 1 else [text]
        mis_rows = vectors @ r.mis.T if len(r.mis) else None
        signs = point_signs(sentences, sims, r.point_readings, r.claims.contrasts, mis_rows)
        ref = float(answer @ r.ref)
        best_right = max(ref, float(kp_sims.max()))
        mis_sims = mis_rows.max(axis=0) if mis_rows is not None else np.zeros(0, np.float32)
        misconception = float(mis_sims.max()) if len(mis_sims) else 0.0
        other_id, other = self._closest_other(r.item.id, answer)
        question = float(answer @ r.question)
        return {
            "kp_sims": kp_sims,
            "other_id": other_id,
            "question": question,
            "ref": ref,
            "kp_max": float(kp_sims.max()),
            "kp_mean": float(kp_sims.mean()),
            "kp_min": float(kp_sims.min()),
            "misconception": misconception,
            "closest_misconception": r.item.misconceptions[int(np.argmax(mis_sims))] if len(mis_sims) else None,
            "misconception_minus_right": misconception - best_right,
            "other": other,
            "other_minus_right": other - best_right,
            "question_minus_ref": question - ref,
            # a code answer restates the reference only with the same literals and calls in the same order:
            # "torch.device('cpu' if torch.cuda.is_available() else 'cuda')" embeds next to the reference
            "same_code": _same_code(text, r.code, r.code_flips),
            "log_words": float(np.log1p(len(checks.words(text)))),
            "names_accepted": float(any(checks.mentions(text, term) for term in r.accept)),
            "yes_no_agrees": float(r.yes_no * given) if r.yes_no and (given := checks.polarity(text)) else 0.0,
            "covered_040": float((kp_sims >= 0.4).mean()),
            "covered_050": float((kp_sims >= 0.5).mean()),
            "signs": signs,
            "negation_flip": float(any(signs.negation)),
            "side_flip": float(any(signs.side)),
            "absolute": float(absolute_claim(text, r.course_words)),
            **(marked or {}),
        }

    def _closest_other(self, item_id: str, vector: np.ndarray) -> tuple[str, float]:
        if len(self._ids) < 2 or self._owner is None:
            return item_id, -1.0
        own = self._ids.index(item_id)
        sims = np.where(self._owner == own, -1.0, self._all_right @ vector)
        best = int(np.argmax(sims))
        return self._ids[int(self._owner[best])], float(sims[best])

    def rubric(self, item_id: str) -> _Rubric:
        return self._rubrics[item_id]

    def _result(self, r: _Rubric, decision: _Decision, indices: frozenset[int]) -> Grade:
        covered = tuple(kp for i, kp in enumerate(r.key_points) if i in indices)
        missed = tuple(kp for i, kp in enumerate(r.key_points) if i not in indices)
        lines = [decision.lead]
        unread = decision.verdict is Verdict.REVIEW and not covered  # the staff has not read it yet
        if decision.verdict is not Verdict.CORRECT:
            opposed = tuple(kp for i, kp in enumerate(r.key_points) if i in decision.opposed)
            if covered:
                lines.append("You got: " + "; ".join(_point(p) for p in covered) + ".")
            if opposed:
                lines.append(f"{SAID_OPPOSITE}: " + "; ".join(_point(p) for p in opposed) + ".")
            missed_only = tuple(kp for kp in missed if kp not in opposed)
            if missed_only and not unread:
                lines.append("Missing: " + "; ".join(_point(p) for p in missed_only) + ".")
        lines.append(f"Reference answer: {r.item.answer}")
        return Grade(
            verdict=decision.verdict,
            score=int(decision.score),
            covered=covered,
            missed=missed,
            feedback="\n".join(lines),
        )


def _typed_term(text: str, accepted: Sequence[str]) -> str | None:
    """An accepted one-word term of ``TYPO_MIN`` letters or more typed one edit away ("trnasformer"),
    not negated: a short answer is typed fast, and a long word one typo away is rarely another word."""
    said = checks.words(text)
    for term in accepted:
        wanted = term.lower()
        if len(wanted) < TYPO_MIN or not wanted.isalpha():
            continue
        for n, word in enumerate(said):
            near = len(word) >= TYPO_MIN and edit_distance(word, wanted, 1) <= 1
            if near and not any(w in checks.NEGATIONS for w in said[max(0, n - 3) : n]):
                return term
    return None


def _reason_words(question: str, key_points: Sequence[str]) -> frozenset[str]:
    asked = {family(w) for w in checks.words(question)}
    said = (w for w in checks.words(" ".join(key_points)) if w not in checks.STOPWORDS and w not in checks.NEGATIONS)
    return frozenset(f for w in said if (f := family(w)) not in asked and len(w) > 3)


def _unread(decision: _Decision, covered: frozenset[int]) -> tuple[_Decision, frozenset[int]]:
    """A grade the reader should have read and could not: a right one waits for the staff."""
    if decision.verdict is not Verdict.CORRECT or decision.settled:
        return decision, covered
    lead = "The course staff will check this answer (the second reading failed)."
    return _Decision(Verdict.REVIEW, decision.score, lead), frozenset()


def _code_signature(code: str) -> tuple[str, ...]:
    """String literals (one quote style) and dotted names: what a line of code picks and calls."""
    return tuple(t.replace('"', "'") for t in CODE_TOKEN.findall(code))


def _same_code(answer: str, needed: tuple[str, ...], reference_flips: int) -> bool:
    """The reference's literals and calls, in order, and no condition flipped ("is False", "not")."""
    if not needed:
        return True
    remaining = iter(_code_signature(answer))
    in_order = all(any(t == n for t in remaining) for n in needed)
    return in_order and _flips(answer) == reference_flips


def _flips(text: str) -> int:
    """Negations inside the code of ``text`` (from its first literal or call to its last), not in its prose:
    "... else 'cpu'), so it does not crash on a laptop" flips nothing."""
    tokens = list(CODE_TOKEN.finditer(text))
    return len(CODE_FLIP.findall(text[tokens[0].start() : tokens[-1].end()])) if tokens else 0


def _misconception_lead(features: dict, opening: str) -> str:
    """Name the wrong claim the answer is closest to, so the student sees what the grader read."""
    closest = features.get("closest_misconception")
    return f"{opening}: “{_point(closest)}”." if closest else f"{opening}."


# words between an "or" and the option it offers ("BERT or maybe GPT"), or that offer none ("or similar")
_HEDGE_FILLERS = frozenset(
    {"maybe", "perhaps", "possibly", "probably", "even", "also", "just", "like", "i", "think", "guess"}
    | {"something", "similar", "one", "these", "those", "either", "variant", "variants", "version", "versions"}
)


def _hedged(text: str, accepted: Sequence[str]) -> bool:
    """A pick offered beside another option ("BERT or GPT"): an "or" between an accepted pick and a word
    no accepted answer has, within one sentence. Not a pick beside another accepted one ("BERT (or
    RoBERTa)"), nor an "or" in its reason ("it reads left or right context"), nor a sentence that rules
    the others out ("not RNN or LSTM")."""
    picks = {w for term in accepted for w in checks.words(term)}

    def is_pick(token: str) -> bool:  # "BERT-base", "DeBERTa-v3": a pick with a suffix
        return any(part in picks for part in token.split("-"))

    for sentence in SENTENCE_END.split(text.lower()):
        if checks.NEGATIONS & set(checks.words(sentence)):
            continue
        said = [
            t for t in HEDGE_TOKEN.findall(sentence) if t == "or" or (t not in _HEDGE_FILLERS and t not in checks.STOPWORDS)
        ]
        for n, token in enumerate(said):
            if token == "or" and 0 < n < len(said) - 1 and is_pick(said[n - 1]) != is_pick(said[n + 1]):
                return True
    return False


def _point(text: str) -> str:
    """A key point ready to end a sentence: without its own final full stop (no "..")."""
    return text.strip().rstrip(".")


def probability(features: dict) -> float:
    """The shipped logistic model's probability that the answer is right."""
    return SHIPPED.probability(features)


def partial_probability(features: dict) -> float:
    """The shipped second model's probability that the answer is at least partly right."""
    return SHIPPED.partial_probability(features)
