"""Content gaps: the questions ``/ask`` declined, grouped by meaning, so that an instructor reads
"5 students asked how backpropagation works" instead of five differently worded lines.

Average-linkage agglomerative clustering on cosine similarity: the two groups whose members are, on
average, the most alike merge first, until no two groups are alike on average at ``threshold``. With
unit vectors the average similarity of two groups is the dot product of their vector sums divided by
the product of their sizes, so a merge costs one matrix-vector product. Deterministic: ties go to the
earlier question. Meant for one period's declined questions (hundreds, a few thousand at most: the
similarity matrix is n x n)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.core.insights.report import ContentGap

DEFAULT_THRESHOLD = (
    0.4  # measured on all-MiniLM-L6-v2: paraphrases of one question 0.33-0.72, other topics up to 0.25
)


def group_by_meaning(
    texts: Sequence[str], vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD
) -> list[ContentGap]:
    """Group ``texts`` (row ``i`` of ``vectors`` is the embedding of ``texts[i]``) by meaning.

    Returns every group, singletons included, largest first (equal sizes: the group asked first
    comes first); each group's ``questions`` in the order given, its ``example`` the member closest
    to the group's centroid."""
    if not len(texts):
        return []
    unit = _unit_rows(np.asarray(vectors, dtype=np.float64), len(texts))
    groups = _cluster(unit, threshold)
    gaps = []
    for members in sorted(groups, key=lambda m: (-len(m), m[0])):
        centre = unit[members].sum(axis=0)
        closest = members[int(np.argmax(unit[members] @ centre))]  # argmax: the first of equals
        gaps.append(ContentGap(len(members), texts[closest], tuple(texts[i] for i in members)))
    return gaps


def _unit_rows(vectors: np.ndarray, n: int) -> np.ndarray:
    if vectors.ndim != 2 or vectors.shape[0] != n:
        raise ValueError(f"expected {n} vectors as an (n, d) array, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)  # a zero row stays alone


def _cluster(unit: np.ndarray, threshold: float) -> list[list[int]]:
    """Member indices (ascending) of each group, by average linkage down to ``threshold``.

    Each row remembers its best partner, so a merge costs O(n) updates rather than a scan of the whole
    n x n matrix: a few thousand questions group in well under a second. The pair merged is the most
    alike, ties to the earliest pair (row-major order), as a full scan would choose."""
    n = len(unit)
    members: list[list[int]] = [[i] for i in range(n)]
    sums = unit.copy()
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    link = unit @ unit.T  # average similarity between groups i and j
    np.fill_diagonal(link, -np.inf)
    best = link.argmax(axis=1)  # first of equals
    best_value = link[np.arange(n), best]
    while alive.sum() > 1:
        i = int(np.argmax(best_value))  # first of equals: the earliest row
        j = int(best[i])
        if best_value[i] < threshold:
            break
        i, j = min(i, j), max(i, j)
        sums[i] += sums[j]
        sizes[i] += sizes[j]
        members[i] = sorted(members[i] + members[j])
        alive[j] = False
        link[j, :] = link[:, j] = -np.inf
        best_value[j] = -np.inf
        row = np.where(alive, (sums @ sums[i]) / (sizes * sizes[i]), -np.inf)
        row[i] = -np.inf
        link[i, :] = link[:, i] = row
        stale = np.flatnonzero(alive & ((best == i) | (best == j)))
        stale = stale[stale != i]
        for r in (i, *stale.tolist()):
            best[r] = int(link[r].argmax())
            best_value[r] = link[r, best[r]]
        # rows for which the merged group is now the best partner (ties: the earlier column wins)
        better = alive & ((row > best_value) | ((row == best_value) & (i < best)))
        better[i] = False
        best[better] = i
        best_value[better] = row[better]
    return [members[i] for i in range(n) if alive[i]]
