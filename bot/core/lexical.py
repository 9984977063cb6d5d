"""Word overlap, for what embeddings blur: direction words ("small" vs "large" batch, "fine-tuning
over feature extraction" vs the reverse). Used only to break near-ties between semantic matches."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from bot.core.answer_checks import STOPWORDS

_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "ies", "ied", "ed", "er", "es", "ly", "s")


@lru_cache(maxsize=1 << 16)  # the same words come back query after query
def stem(word: str) -> str:
    """A crude suffix stripper: enough to make "batches"/"batch" and "tuning"/"tune" meet."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> set[str]:
    return {
        stem(w) for w in _WORD.findall(text.lower().replace("-", "")) if w not in STOPWORDS and len(w) > 1
    }


class Lexicon:
    """IDF-weighted overlap between a query and each document (an item's question and answer)."""

    def __init__(self, documents: Sequence[str]) -> None:
        self._docs = [terms(d) for d in documents]
        df = Counter(t for doc in self._docs for t in doc)
        n = len(self._docs)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}

    def overlap(self, query: str, index: int) -> float:
        """Sum of the IDF of query terms the document contains, over the IDF of all query terms."""
        query_terms = terms(query)
        if not query_terms:
            return 0.0
        total = sum(self._idf.get(t, math.log(1 + len(self._docs))) for t in query_terms)
        shared = sum(self._idf[t] for t in query_terms & self._docs[index])
        return shared / total
