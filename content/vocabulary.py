"""Word lists /ask reads at start: the general English words its spelling normaliser leaves alone."""

from __future__ import annotations

from pathlib import Path

ENGLISH_WORDS_PATH = Path(__file__).resolve().parent / "vocabulary" / "english-words.txt"


def load_english_words(path: Path = ENGLISH_WORDS_PATH) -> frozenset[str]:
    """One lower-case word a line; ``#`` lines are comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))
