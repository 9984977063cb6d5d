"""Cleaning of user text before it reaches the model: invisible characters out, length checked."""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_CHARS = 1000
MAX_ANSWER_CHARS = 1000

# Zero-width and bidirectional control characters: invisible, but they split words for the tokenizer.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """NFKC-normalise, drop invisible characters and collapse whitespace. Emoji and RTL letters stay."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut ``text`` to at most ``limit`` characters, with a visible ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))].rstrip() + ellipsis
