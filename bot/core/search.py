"""Semantic search over a course pack: a query is matched against several views of every item.

An item's views are its question alone, its question read with its answer, and its question read
with each rubric key point. The item's score is the best of its views: the answer side finds
"what does ReLU stand for", reading it together with the question keeps an answer's stray words from
matching on their own, and the key points restate the answer in plain words. On the evaluation sets
the best of question- and answer-similarity beat either alone and beat BM25; the key-point views
added a little more.

The index is one dense matrix, so a search is one matrix-vector product and a segmented max. That is
exact, and it is what every course-sized pack gets. Past ``APPROXIMATE_ABOVE`` view vectors, reading the
whole matrix per query costs tens of milliseconds (it is memory-bound), so the vectors are also
partitioned by a spherical k-means and a search reads only the clusters nearest the query (an IVF
index, as in FAISS): a quarter of the matrix, which keeps the top hit the exact one in most searches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.pack import QAItem
from bot.core.ports import Embedder

APPROXIMATE_ABOVE = 50_000  # view vectors; smaller indexes are always searched exactly
PROBE_SHARE = 1 / 4  # share of the clusters an approximate search reads


@dataclass(frozen=True)
class Hit:
    item: QAItem
    score: float


def item_views(item: QAItem) -> list[str]:
    """The texts embedded for one item; the first is always its question."""
    views = [item.question, *item.also_asked]
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
        self._partition = (
            _Partition(self._vectors, self._offsets) if len(vectors) > APPROXIMATE_ABOVE else None
        )

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
    def approximate(self) -> bool:
        return self._partition is not None

    @property
    def nbytes(self) -> int:
        extra = self._partition.nbytes if self._partition else 0
        return int(self._vectors.nbytes + self._offsets.nbytes + extra)

    @property
    def question_vectors(self) -> np.ndarray:
        return self._vectors[self._offsets]

    def scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Score of every item for one normalised query vector: the best of its views."""
        if not len(self.items):
            return np.zeros(0, dtype=np.float32)
        return np.maximum.reduceat(self._vectors @ query_vector, self._offsets)

    def search(self, query_vector: np.ndarray, k: int = 3, *, exact: bool = False) -> list[Hit]:
        if self._partition is not None and not exact:
            scores = self._partition.scores(query_vector, len(self.items))
        else:
            scores = self.scores(query_vector)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(self.items[i], float(scores[i])) for i in top if np.isfinite(scores[i])]


class _Partition:
    """The view vectors grouped by spherical k-means cluster, each cluster contiguous in memory."""

    def __init__(self, vectors: np.ndarray, offsets: np.ndarray, *, iterations: int = 6, seed: int = 0):
        rng = np.random.default_rng(seed)
        n_clusters = max(16, int(np.sqrt(len(vectors))))
        sample = vectors[rng.choice(len(vectors), min(len(vectors), 40 * n_clusters), replace=False)]
        centroids = sample[rng.choice(len(sample), n_clusters, replace=False)].copy()
        for _ in range(iterations):
            sums = np.zeros_like(centroids)
            np.add.at(sums, np.argmax(sample @ centroids.T, axis=1), sample)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            centroids = np.where(norms > 0, sums / np.maximum(norms, 1e-12), centroids)
        assignment = np.concatenate(
            [np.argmax(vectors[i : i + 8192] @ centroids.T, axis=1) for i in range(0, len(vectors), 8192)]
        )
        order = np.argsort(assignment, kind="stable")
        owner = np.repeat(np.arange(len(offsets)), np.diff(np.append(offsets, len(vectors))))
        self.centroids = centroids.astype(np.float32)
        self.vectors = np.ascontiguousarray(vectors[order])
        self.owner = owner[order]
        self.starts = np.searchsorted(assignment[order], np.arange(n_clusters + 1))
        self.probes = max(4, round(n_clusters * PROBE_SHARE))

    @property
    def nbytes(self) -> int:
        return int(self.centroids.nbytes + self.vectors.nbytes + self.owner.nbytes + self.starts.nbytes)

    def scores(self, query_vector: np.ndarray, n_items: int) -> np.ndarray:
        """Per-item best view score over the probed clusters; ``-inf`` for items not reached."""
        probed = np.argpartition(-(self.centroids @ query_vector), self.probes - 1)[: self.probes]
        spans = [(self.starts[c], self.starts[c + 1]) for c in probed]
        sims = np.concatenate([self.vectors[a:b] @ query_vector for a, b in spans])
        owners = np.concatenate([self.owner[a:b] for a, b in spans])
        scores = np.full(n_items, -np.inf, dtype=np.float32)
        np.maximum.at(scores, owners, sims)
        return scores
