"""Spelling normalisation of ``/ask`` queries against the course's own vocabulary.

Students type "wats a dataloader 4" and "imbalenced clases"; the embedding model splits a misspelt
word into meaningless word pieces, so the query drifts away from the item it means. Before a query is
embedded, each word the course does not know is replaced by the course word closest to it in edit
distance (transpositions count as one edit), and common text-speak is spelled out. Only the course's
vocabulary is a target: a word far from every course word (an off-course question's "pizza") is left
alone, and so is any word of ``known`` (a general English word list), so "loss" never becomes "less":
normalising fixes what is misspelt and leaves an unrelated question unrelated.

Candidates are found with a deletion index (as in SymSpell): every vocabulary word is stored under
the strings it becomes with one (or, for long words, two) letters deleted, so a lookup touches a few
dozen keys instead of the whole vocabulary.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import combinations

from bot.core.answer_checks import STOPWORDS

# Text-speak and the commonest chat spellings, to their words. Whole tokens only.
TEXT_SPEAK: dict[str, str] = {
    "u": "you", "ur": "your", "r": "are", "y": "why", "b4": "before",
    "n": "and", "wat": "what", "wut": "what", "wats": "what is", "whats": "what is", "wot": "what",
    "pls": "please", "plz": "please", "thx": "thanks", "cuz": "because", "coz": "because",
    "bc": "because", "abt": "about", "ppl": "people", "smth": "something", "w/": "with",
    "w/o": "without", "im": "i am", "dont": "do not", "doesnt": "does not",
    "cant": "cannot", "wont": "will not", "isnt": "is not", "didnt": "did not", "hw": "how",
    "shud": "should", "shld": "should", "cud": "could", "wud": "would", "diff": "difference",
    "nn": "neural network", "nns": "neural networks", "ml": "machine learning", "dl": "deep learning",
    "wich": "which", "whih": "which", "teh": "the", "btw": "by the way", "idk": "i do not know",
    "tho": "though", "thru": "through",
}

# Ordinary question words, kept as they are and offered as corrections ("wich" -> "which").
_COMMON_WORDS_TEXT = """what which who whom whose why how when where whether does do did done doing is are was were
    be been have has had can could should would will shall may might must not no yes use used using
    make makes made get gets got give gives example examples mean means meaning difference between
    versus better worse good bad best worst more less most least many much few some any all each every
    same other another than then there here this that these those it its they them their i me my we
    our you your he she his her thing things way work works working happen happens happened problem
    problems purpose point reason explain explained tell name list know want need try tried still
    also only just very really too again after before because since while during without within about
    into onto from with for and or but if so such like"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())

# a code identifier ("requires_grad") is one token, never corrected: it is spelt as the library spells it
_TOKEN = re.compile(r"w/o|w/|[a-z0-9]+(?:[-'/_][a-z0-9]+)*", re.IGNORECASE)
MIN_LENGTH = 4  # shorter words are too often real words the course does not use
LONG_WORD = 8  # from this length two edits are allowed
# Below this length a word keeps its first letter: typos rarely change it, and a short word one letter
# from a course word is as often another term ("gelu" is no mistyped "relu").
FIRST_LETTER_KEPT_BELOW = 6


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit); ``limit + 1`` if above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    for n in range(1, depth + 1):
        if len(word) - n < 2:
            break
        for drop in combinations(range(len(word)), n):
            out.add("".join(c for k, c in enumerate(word) if k not in drop))
    return out


_INFLECTIONS = (
    ("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("d", ""), ("ing", ""), ("ing", "e"),
    ("ers", ""), ("er", ""), ("y", ""), ("ly", ""), ("ise", "ize"), ("ised", "ized"),
    ("isation", "ization"), ("e", ""),
)


def _base_forms(word: str) -> list[str]:
    """The word with a common inflection undone: "positives" -> "positive", "optimise" -> "optimize"."""
    return [
        word[: -len(end)] + base
        for end, base in _INFLECTIONS
        if word.endswith(end) and len(word) - len(end) >= 3
    ]


def _same_word(a: str, b: str) -> bool:
    """Two inflections of one word ("encodes", "encoder"): the model reads both right, leave it."""
    forms_a, forms_b = {a, *_base_forms(a)}, {b, *_base_forms(b)}
    return bool(forms_a & forms_b)


def _max_edits(word: str) -> int:
    return 2 if len(word) >= LONG_WORD else 1


class Speller:
    """Corrects query words towards a vocabulary built from the course's texts."""

    def __init__(self, texts: Iterable[str], known: Iterable[str] = ()) -> None:
        """``texts``: the course's (and its off-course topics') texts, the only correction targets.
        ``known``: correctly spelt words that are never corrected, though never offered either."""
        counts: Counter[str] = Counter()
        self._joined: dict[str, str] = {}  # "finetuning" -> "fine-tuning": compounds written as one word
        for text in texts:
            for token in _TOKEN.findall(text.lower()):
                for word in re.split(r"[-'/_]", token):
                    if word:
                        counts[word] += 1
                if "-" in token:
                    self._joined.setdefault(token.replace("-", ""), token)
        self._frequency = counts
        self._known = set(counts) | COMMON_WORDS | STOPWORDS | set(self._joined)
        # a dictionary shared by every course's speller, not copied: a bot serves many courses
        self._dictionary = known if isinstance(known, frozenset) else frozenset(known)
        self._index: dict[str, list[str]] = {}
        for word in sorted(set(counts) | COMMON_WORDS):
            if len(word) >= MIN_LENGTH - 1 and not word.isdigit():
                for key in _deletes(word, _max_edits(word)):
                    self._index.setdefault(key, []).append(word)

    def _is_known(self, word: str) -> bool:
        return word in self._known or word in self._dictionary

    def correct_word(self, word: str) -> str:
        """The word itself when known or too far from every course word, else its closest course word."""
        if word in TEXT_SPEAK:
            return TEXT_SPEAK[word]
        if word in self._joined:
            return self._joined[word]
        if self._is_known(word) or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        if any(self._is_known(base) for base in _base_forms(word)):
            return word  # an inflection of a known word, not a misspelling
        limit = _max_edits(word)
        candidates = {c for key in _deletes(word, limit) for c in self._index.get(key, ())}
        best: tuple[int, int, str] | None = None
        if len(word) < FIRST_LETTER_KEPT_BELOW:
            candidates = {c for c in candidates if c[0] == word[0]}
        for candidate in candidates:
            distance = edit_distance(word, candidate, _max_edits(candidate))
            if distance <= min(limit, _max_edits(candidate)):
                rank = (distance, -self._frequency.get(candidate, 0), candidate)
                best = rank if best is None or rank < best else best
        if best is None or _same_word(word, best[2]):
            return word
        return best[2]

    def normalise(self, query: str) -> str:
        """The query with text-speak spelled out and misspelt words corrected; the rest as written."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            corrected = self.correct_word(word.lower())
            return word if corrected == word.lower() else corrected

        return _TOKEN.sub(fix, query)
