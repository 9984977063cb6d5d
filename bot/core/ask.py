"""``/ask``: find the course's own answer to a question, or say honestly that the course has none.

Five signals decide, the first four cheap:
- the semantic score of the best item (``SemanticIndex``): below ``threshold`` the bot abstains;
- "none of the above" anchors: general topics a course pack usually does not cover (dropout, GANs,
  the weather...). A query closer to one of them than to any course item is declined. Anchors close
  to a course question are dropped at start, so a course that covers such a topic still answers it;
- lexical novelty (``bot.core.novelty``): a short query that names a technical concept the course's
  texts never mention ("layer norm", "zero-shot") has its best score lowered before both tests above,
  so only a strong semantic match still answers it;
- contrast words, then word overlap, to break near-ties the embedding cannot see ("batch too small" vs
  "too large", see ``bot.core.contrast``);
- with an answerability judge (``bot.core.answerability``, a cross-encoder), an answer the tests above
  would give from a match under ``JUDGE_BELOW`` is declined when the judge finds that the item does not
  answer the question (a follow-up on a covered topic: "an example of a decoder-only model" is no
  question 1.22 answers).

A query is first normalised (``bot.core.spelling``): misspellings and text-speak are corrected against
the course's vocabulary before it is embedded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from bot.core.answerability import VETO_BELOW, AnswerJudge, item_text
from bot.core.contrast import directions, opposed
from bot.core.lexical import Lexicon
from bot.core.novelty import MIN_ENGLISH_SHARE, Novelty, english_share
from bot.core.pack import QAItem
from bot.core.ports import Embedder
from bot.core.search import Hit, SemanticIndex
from bot.core.spelling import Speller

# Calibrated on tests/data/ask_eval.jsonl and ask_hard_dev.jsonl (tests/core/test_ask_eval.py): below
# this score the closest item is shown as a related topic, not as the answer.
DEFAULT_THRESHOLD = 0.36
RELATED_FLOOR = 0.25  # related topics weaker than this are noise, not "closest topics"
MAX_RELATED = 2
TIE_MARGIN = 0.06  # items this close to the best are near-ties that word overlap may reorder
TIE_OVERLAP_GAIN = 0.15  # ...when a near-tie shares this much more of the query's (IDF-weighted) words
CONTRAST_MARGIN = 0.15  # an item this close to the best wins when only it leans the query's way
ANCHOR_PRUNE = 0.6  # an anchor this similar to a course question is a course topic, not an off-course one
# An anchor this close to the best item declines the query: a near tie goes to the anchor, because an
# item's score is the best of its many views while an anchor is one short text.
ANCHOR_MARGIN = -0.02
# The best score is lowered by this times the share of the query's words that are novel (see
# bot.core.novelty) before the threshold and anchor tests: one novel word of three costs 0.1.
NOVELTY_PENALTY = 0.3
# The judge reads only matches under this score: above it, follow-ups the course does not answer were rare
# on our query sets, and the strongest matches (most of the course's own questions) cost no second reading.
JUDGE_BELOW = 0.7

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AskResult:
    query: str
    abstained: bool
    item: QAItem | None  # the answer when not abstained
    score: float  # best item's score, whether or not it was used
    related: tuple[Hit, ...]
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)  # the query's embedding

    def to_json(self) -> dict[str, object]:
        item = self.item
        return {
            "query": self.query,
            "abstained": self.abstained,
            "id": item.id if item else None,
            "question": item.question if item else None,
            "answer": item.answer if item else None,
            "answered": bool(item and item.answered),
            "score": round(self.score, 4),
            "related": [hit.item.id for hit in self.related],
        }


class AskService:
    def __init__(
        self,
        index: SemanticIndex,
        embedder: Embedder,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        off_course: np.ndarray | None = None,
        speller: Speller | None = None,
        novelty: Novelty | None = None,
        judge: AnswerJudge | None = None,
    ) -> None:
        """``off_course``: vectors of the "none of the above" anchors (see module docstring).
        ``speller``: corrects queries before they are embedded (see ``course_speller``); none: as typed.
        ``novelty``: the course's vocabulary for the novelty test (see ``course_novelty``); none: off.
        ``judge``: the answerability veto (see module docstring); none: off."""
        self.index = index
        self.judge = judge
        self.speller = speller
        self.novelty = novelty
        self.embedder = embedder
        self.threshold = threshold
        self.lexicon = Lexicon([f"{q.question} {q.answer or ''}" for q in index.items])
        self._position = {id(item): n for n, item in enumerate(index.items)}
        self._directions = [directions(item.question) for item in index.items]
        self.off_course = self._prune(off_course)

    def _prune(self, anchors: np.ndarray | None) -> np.ndarray | None:
        if anchors is None or not len(anchors) or not len(self.index):
            return None
        course_sim = (self.index.question_vectors @ anchors.T).max(axis=0)
        kept = anchors[course_sim < ANCHOR_PRUNE]
        return kept if len(kept) else None

    def ask_many(self, queries: Sequence[str]) -> list[AskResult]:
        """Answer many queries with one batched encode (``studybot ask`` and the evaluation use it)."""
        if not queries:
            return []
        normalised = [self.speller.normalise(q) for q in queries] if self.speller else list(queries)
        vectors = self.embedder.encode(normalised)
        results = [
            self._decide(query, text, vector)
            for query, text, vector in zip(queries, normalised, vectors, strict=True)
        ]
        return self._judged(results, normalised) if self.judge is not None else results

    async def ask(self, query: str) -> AskResult:
        """Runs the encode in a worker thread so the event loop keeps serving heartbeats and acks."""
        return (await asyncio.to_thread(self.ask_many, [query]))[0]

    def _decide(self, query: str, text: str, vector: np.ndarray) -> AskResult:
        """``query`` as typed (reported back), ``text`` as normalised and embedded."""
        hits = self._break_near_tie(text, self.index.search(vector, k=2 + MAX_RELATED))
        best = hits[0]
        off_course = float((self.off_course @ vector).max()) if self.off_course is not None else -1.0
        score = best.score - (NOVELTY_PENALTY * self.novelty.share(text) if self.novelty else 0.0)
        abstained = score < self.threshold or off_course > score + ANCHOR_MARGIN
        related = hits if abstained else hits[1:]
        related = tuple(h for h in related if h.score >= RELATED_FLOOR)[:MAX_RELATED]
        return AskResult(
            query=query,
            abstained=abstained,
            item=None if abstained else best.item,
            score=best.score,
            related=related,
            vector=vector,
        )

    def _judged(self, results: list[AskResult], texts: Sequence[str]) -> list[AskResult]:
        """The judge's reading of the weaker answers, one batch for all the queries: an item it finds not
        answering the question becomes the first of the closest topics. A judge that fails leaves the
        answers as the score gave them."""
        read = [(n, r.item) for n, r in enumerate(results) if r.item is not None and r.score < JUDGE_BELOW]
        if not read or self.judge is None:
            return results
        try:
            pairs = [(texts[n], item_text(item)) for n, item in read]
            answers = np.asarray(self.judge.probabilities(pairs), dtype=float).reshape(-1)
            if len(answers) != len(read):
                raise ValueError(f"{len(answers)} probabilities for {len(read)} questions")
        except Exception:
            log.exception("answerability judge failed; /ask answers by the score alone queries=%d", len(read))
            return results
        out = list(results)
        for (n, item), p in zip(read, answers, strict=True):
            if p < VETO_BELOW:  # a NaN is no reading: the answer stands
                closest = (Hit(item, results[n].score), *results[n].related)[:MAX_RELATED]
                out[n] = replace(results[n], abstained=True, item=None, related=closest)
        return out

    def _break_near_tie(self, query: str, hits: list[Hit]) -> list[Hit]:
        if len(hits) < 2:
            return hits
        lean = directions(query)
        if lean and opposed(lean, self._directions[self._position[id(hits[0].item)]]):
            for hit in hits[1:]:
                own = self._directions[self._position[id(hit.item)]]
                within = hit.score >= hits[0].score - CONTRAST_MARGIN
                if within and lean.items() & own.items() and not opposed(lean, own):
                    return [hit, *(h for h in hits if h is not hit)]
        close = [h for h in hits if h.score >= hits[0].score - TIE_MARGIN]
        overlap = {id(h): self.lexicon.overlap(query, self._position[id(h.item)]) for h in close}
        winner = max(close, key=lambda h: overlap[id(h)])
        if overlap[id(winner)] >= overlap[id(hits[0])] + TIE_OVERLAP_GAIN:
            return [winner, *(h for h in hits if h is not winner)]
        return hits


def course_speller(
    items: Sequence[QAItem], topics: Sequence[str] = (), known_words: Iterable[str] = ()
) -> Speller:
    """A speller whose corrections are words of the course (and of its off-course ``topics``)."""
    texts = list(topics)
    for item in items:
        texts += [item.question, item.answer or "", *item.key_points, *item.also_asked]
    return Speller(texts, known_words)


def course_novelty(
    items: Sequence[QAItem],
    topics: Sequence[str] = (),
    *,
    english: Iterable[str] = (),
    common: Iterable[str] = (),
) -> Novelty | None:
    """The novelty test for a course: what its items say (not their misconceptions or wrong list items,
    which name what the course does *not* teach), against its off-course ``topics``. None for a course
    not written in English: every word of it would look new to English word lists."""
    texts: list[str] = []
    for item in items:
        texts += [item.question, item.answer or "", *item.key_points, *item.also_asked]
    english = frozenset(english)
    if english_share(texts, english | frozenset(common)) < MIN_ENGLISH_SHARE:
        return None
    return Novelty(texts, topics, english=english, common=common)
