"""Cosine similarity of texts, shared by the near-duplicate check and the separation report so both
measure "alike" the same way."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.core.ports import Embedder


def cosine_matrix(texts: Sequence[str], embedder: Embedder) -> np.ndarray:
    """Pairwise cosine similarity of ``texts`` (one batched encode), ``len(texts)`` square."""
    vectors = np.asarray(embedder.encode(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0)  # cheap insurance if an embedder does not normalise
    return vectors @ vectors.T
