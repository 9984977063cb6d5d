"""Contrast words: the few words that flip a question's meaning while barely moving its embedding.

"What happens when the batch size is set too small?" and "... too large?" embed almost identically
(similarity 0.98), yet they are opposite questions with opposite answers. Sentence embeddings are known
to blur such antonyms, so both ``/ask`` (choosing between two near-tied items) and ``content check``
(telling a minimal pair from a duplicate) read the direction words themselves.

A text's direction on an axis is the sign of its contrast words there: "tiny batches" is -1 on size,
"batches of 4096" +1 (a plain number reads as a size: small up to ``SMALL_NUMBER``, large from
``LARGE_NUMBER``; years are left out).
"""

from __future__ import annotations

import re


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# axis -> (words pointing down, words pointing up)
AXES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "size": (
        _set(
            "small smaller smallest tiny little few fewer low lower lowest minimal minimum "
            "short shorter shortest narrow narrower single one"
        ),
        _set(
            "large larger largest big bigger biggest huge enormous massive giant high higher highest "
            "maximal maximum long longer longest wide wider"
        ),
    ),
    "speed": (
        _set("slow slower slowest slowly"),
        _set("fast faster fastest quick quicker quickly"),
    ),
    "change": (
        _set("decrease decreasing decreased reduce reducing reduced shrink lowering"),
        _set("increase increasing increased raise raising grow growing"),
    ),
    "quality": (
        _set("worse worst bad disadvantage disadvantages drawback drawbacks cons"),
        _set("better best good advantage advantages benefit benefits pros"),
    ),
}
SMALL_NUMBER = 16
LARGE_NUMBER = 1000
_YEARS = range(1900, 2100)
_WORD = re.compile(r"[a-z]+|\d+")


def directions(text: str) -> dict[str, int]:
    """Axis -> +1 or -1 for every axis the text leans on (words of both directions cancel out)."""
    lean: dict[str, int] = {}
    for word in _WORD.findall(text.lower()):
        for axis, (down, up) in AXES.items():
            sign = -1 if word in down else 1 if word in up else 0
            if not sign and axis == "size" and word.isdigit():
                number = int(word)
                if number not in _YEARS:
                    sign = -1 if number <= SMALL_NUMBER else 1 if number >= LARGE_NUMBER else 0
            if sign:
                lean[axis] = lean.get(axis, 0) + sign
    return {axis: (1 if total > 0 else -1) for axis, total in lean.items() if total}


def opposed(a: dict[str, int], b: dict[str, int]) -> bool:
    """Whether two texts lean opposite ways on some axis."""
    return any(a[axis] == -b[axis] for axis in a.keys() & b.keys())
