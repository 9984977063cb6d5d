"""On-disk cache of pack embeddings, keyed by model and text, so a restart re-encodes nothing.

A SQLite file (stdlib ``sqlite3``) holds one row per (model, text) hash; it is safe to share
between processes and survives pack edits: only new or changed texts are encoded.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bot.core.ports import Embedder


def _key(model_name: str, text: str) -> str:
    return hashlib.sha256(f"{model_name}\x00{text}".encode()).hexdigest()


class CachedEmbedder:
    """An ``Embedder`` that remembers every vector it computed in a SQLite file.

    Meant for course content (a few thousand distinct texts), not for user queries.
    """

    def __init__(self, inner: Embedder, path: Path) -> None:
        self._inner = inner
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._db.commit()
        self.misses = 0  # texts encoded by the inner embedder since start (tests and logs read it)

    @property
    def model_name(self) -> str:
        return self._inner.model_name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        keys = [_key(self.model_name, t) for t in texts]
        found = self._lookup(set(keys))
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            chunk = max(batch_size * 16, 256)
            for start in range(0, len(missing), chunk):
                part = missing[start : start + chunk]
                vectors = self._inner.encode([text_of[k] for k in part], batch_size=batch_size)
                rows = [(k, v.astype(np.float32).tobytes()) for k, v in zip(part, vectors, strict=True)]
                self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?)", rows)
                self._db.commit()
                found.update({k: v for k, v in zip(part, vectors, strict=True)})
                self.misses += len(part)
                if progress:
                    progress(len(part))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def _lookup(self, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        key_list = list(keys)
        for start in range(0, len(key_list), 500):
            part = key_list[start : start + 500]
            marks = ",".join("?" * len(part))
            for key, blob in self._db.execute(
                f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", part
            ):
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape[0] == self.dimension:
                    found[key] = vector
        return found

    def close(self) -> None:
        self._db.close()
