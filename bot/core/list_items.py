"""Counting the items of a list answer ("List five tasks of NLP"), for partial credit per item.

A course author lists the items that count (``list_items``, spellings separated by ``|``) and, if they
like, items that do not belong (``wrong_items``: "image classification" is not an NLP task). Matching is
whole-word on the crude stems of ``claims.tokens``, longest item first, so "image classification" is
not also counted as "classification"; a long word (``TYPO_MIN`` letters or more) may be one typo away
("tranlation", "clasification"), since students type lists fast and a short word one typo away is
often another word ("parsing", "passing"). An item named after a negation ("not regression"), or in a clause
that denies it after naming it ("topic modelling isn't really NLP"), is not given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.answer_checks import NEGATIONS
from bot.core.claims import split_clauses, tokens

TYPO_MIN = 8


@dataclass(frozen=True)
class ListCount:
    right: tuple[str, ...]  # the items given (first spelling of each), in rubric order
    wrong: tuple[str, ...]


class ListRubric:
    def __init__(self, items: Sequence[str], wrong: Sequence[str], count: int) -> None:
        self.count = count or len(items)
        self._entries: list[tuple[tuple[str, ...], int, bool]] = []  # (tokens, item index, wrong?)
        self.names: list[str] = []
        for kind, specs in ((False, items), (True, wrong)):
            for spec in specs:
                alternatives = [a.strip() for a in spec.split("|") if a.strip()]
                if not alternatives:
                    continue
                self.names.append(alternatives[0])
                for alternative in alternatives:
                    self._entries.append((tuple(tokens(alternative)), len(self.names) - 1, kind))
        self._entries.sort(key=lambda e: len(e[0]), reverse=True)
        self._wrong_index = {i for _, i, w in self._entries if w}

    def mentions_any(self, text: str) -> bool:
        count = self.count_in(text)
        return bool(count.right or count.wrong)

    def count_in(self, text: str) -> ListCount:
        found: set[int] = set()
        for clause in split_clauses(text) or [text]:
            toks = tokens(clause)
            # "topic modelling isn't really NLP": a negation after the first item denies the clause's items
            if not any(t in NEGATIONS for t in toks[self._first_item(toks) :]):
                found |= self._found_in(toks)
        right = tuple(self.names[i] for i in sorted(found) if i not in self._wrong_index)
        wrong = tuple(self.names[i] for i in sorted(found) if i in self._wrong_index)
        return ListCount(right, wrong)

    def _first_item(self, toks: list[str]) -> int:
        starts = (s for seq, _, _ in self._entries for s in range(len(toks) - len(seq) + 1) if _at(toks, s, seq))
        return min(starts, default=len(toks))

    def _found_in(self, toks: list[str]) -> set[int]:
        taken: set[int] = set()
        found: set[int] = set()
        for seq, index, _ in self._entries:
            n = len(seq)
            for start in range(len(toks) - n + 1):
                span = set(range(start, start + n))
                if not _at(toks, start, seq) or span & taken:
                    continue
                taken |= span
                if not any(w in NEGATIONS for w in toks[max(0, start - 2) : start]):
                    found.add(index)
        return found


def _at(toks: Sequence[str], start: int, seq: Sequence[str]) -> bool:
    """Whether ``seq`` is written at ``toks[start:]``, each word exactly or, when long, with one typo."""
    return all(_same(t, w) for t, w in zip(toks[start : start + len(seq)], seq, strict=True))


def _same(typed: str, word: str) -> bool:
    if typed == word:
        return True
    if min(len(typed), len(word)) < TYPO_MIN or abs(len(typed) - len(word)) > 1:
        return False
    return _one_edit(typed, word)


def _one_edit(a: str, b: str) -> bool:
    """One letter inserted, deleted, replaced, or two neighbours swapped (``a != b``)."""
    if len(a) > len(b):
        a, b = b, a
    i = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1])
