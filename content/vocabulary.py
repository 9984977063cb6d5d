"""Word lists /ask reads at start: the general English words its spelling normaliser leaves alone, and
the most frequent of them, which name no topic (``bot.core.novelty``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

ENGLISH_WORDS_PATH = Path(__file__).resolve().parent / "vocabulary" / "english-words.txt"
COMMON_WORDS_PATH = Path(__file__).resolve().parent / "vocabulary" / "common-words.txt"


@lru_cache(maxsize=4)
def load_english_words(path: Path = ENGLISH_WORDS_PATH) -> frozenset[str]:
    """One lower-case word a line; ``#`` lines are comments. Read once: every course shares it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=4)
def load_common_words(path: Path = COMMON_WORDS_PATH) -> frozenset[str]:
    """The most frequent English words, same format; read once."""
    return load_english_words(path)
