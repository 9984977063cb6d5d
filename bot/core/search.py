"""Semantic search over a course pack: a query is matched against several views of every item.

An item's views are its question alone, its question read with its answer, and its question read
with each rubric key point. The item's score is the best of its views: the answer side finds
"what does ReLU stand for", reading it together with the question keeps an answer's stray words from
matching on their own, and the key points restate the answer in plain words. On the evaluation sets
the best of question- and answer-similarity beat either alone and beat BM25; the key-point views
added a little more. The index is one dense matrix, so a search is one matrix-vector product and a
segmented max: fast up to hundreds of thousands of items on a CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.pack import QAItem
from bot.core.ports import Embedder


@dataclass(frozen=True)
class Hit:
    item: QAItem
    score: float


def item_views(item: QAItem) -> list[str]:
    """The texts embedded for one item; the first is always its question."""
    views = [item.question]
    if item.answered:
        views.append(f"{item.question} {item.answer}")
        views.extend(f"{item.question} {point}" for point in item.key_points)
    return views


class SemanticIndex:
    def __init__(self, items: Sequence[QAItem], vectors: np.ndarray, offsets: Sequence[int]):
        """``vectors`` holds every view, item by item; item ``i``'s views start at ``offsets[i]``."""
        if len(offsets) != len(items) or (len(items) and (offsets[0] != 0 or offsets[-1] >= len(vectors))):
            raise ValueError("one offset per item, starting at 0, inside the vectors")
        self.items = tuple(items)
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._offsets = np.asarray(offsets, dtype=np.int64)

    @classmethod
    def build(
        cls,
        items: Sequence[QAItem],
        embedder: Embedder,
        *,
        batch_size: int = 64,
        progress: Callable[[int], None] | None = None,
    ) -> SemanticIndex:
        """Embed every view. ``progress`` is told how many texts were just encoded."""
        texts: list[str] = []
        offsets: list[int] = []
        for item in items:
            offsets.append(len(texts))
            texts.extend(item_views(item))
        vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
        chunk = max(batch_size * 8, 256)
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            vectors[start : start + len(part)] = embedder.encode(part, batch_size=batch_size)
            if progress:
                progress(len(part))
        return cls(items, vectors, offsets)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def nbytes(self) -> int:
        return int(self._vectors.nbytes + self._offsets.nbytes)

    @property
    def question_vectors(self) -> np.ndarray:
        return self._vectors[self._offsets]

    def scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Score of every item for one normalised query vector: the best of its views."""
        if not len(self.items):
            return np.zeros(0, dtype=np.float32)
        return np.maximum.reduceat(self._vectors @ query_vector, self._offsets)

    def search(self, query_vector: np.ndarray, k: int = 3) -> list[Hit]:
        scores = self.scores(query_vector)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(self.items[i], float(scores[i])) for i in top]
