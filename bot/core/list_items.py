"""Counting the items of a list answer ("List five tasks of NLP"), for partial credit per item.

A course author lists the items that count (``list_items``, spellings separated by ``|``) and, if they
like, items that do not belong (``wrong_items``: "image classification" is not an NLP task). Matching is
whole-word on the crude stems of ``claims.tokens``, longest item first, so "image classification" is
not also counted as "classification"; a two-word item may be turned round ("model topics", "extraction
of relations"). Words meet by family (``family``: "translating" is "translation",
"summaries" is "summarization", "classify" is "classification"), for students name tasks by what is
done as often as by the task's noun; a long word (``TYPO_MIN`` letters or more) may be one typo away
("tranlation", "clasification"), since students type lists fast and a short word one typo away is
often another word ("parsing", "passing"). An item named after a negation ("not regression"), or in a clause
that denies it after naming it ("topic modelling isn't really NLP"), is not given; a right item denied
so is ``denied``, for such an answer says the opposite of the course.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.answer_checks import NEGATIONS
from bot.core.claims import split_clauses, tokens

TYPO_MIN = 8
FAMILY_MIN = 4  # a suffix is taken off only when this many letters remain ("parsing" -> "pars")
# longest first; each ending is cut to its replacement: "classification" and "classify" both end "classif"
_ENDINGS = (
    ("ifications", "if"), ("ification", "if"), ("isations", ""), ("izations", ""), ("isation", ""),
    ("ization", ""), ("ations", "at"), ("ation", "at"), ("itions", ""), ("ition", ""), ("ions", ""), ("ion", ""),
    ("ising", ""), ("izing", ""), ("ises", ""), ("izes", ""), ("ised", ""), ("ized", ""), ("ise", ""),
    ("ize", ""), ("ying", ""), ("ings", ""), ("ing", ""), ("ies", ""), ("ied", ""), ("ie", ""), ("ed", ""), ("es", ""),
    ("y", ""), ("e", ""),
)


@dataclass(frozen=True)
class ListCount:
    right: tuple[str, ...]  # the items given (first spelling of each), in rubric order
    wrong: tuple[str, ...]
    denied: tuple[str, ...] = ()  # right items the answer says are not among them ("X isn't NLP")


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
                    for seq in _word_orders(_words(alternative)):
                        self._entries.append((seq, len(self.names) - 1, kind))
        self._entries.sort(key=lambda e: len(e[0]), reverse=True)
        self._wrong_index = {i for _, i, w in self._entries if w}

    def mentions_any(self, text: str) -> bool:
        count = self.count_in(text)
        return bool(count.right or count.wrong)

    def count_in(self, text: str) -> ListCount:
        found: set[int] = set()
        denied: set[int] = set()
        for clause in split_clauses(text) or [text]:
            toks = _words(clause)
            named, negated = self._found_in(toks)
            # "topic modelling isn't really NLP": a negation after the first item denies the clause's items
            if any(_negates(toks, i) for i in range(self._first_item(toks), len(toks))):
                named, negated = set(), named | negated
            found |= named
            denied |= negated
        right = tuple(self.names[i] for i in sorted(found) if i not in self._wrong_index)
        wrong = tuple(self.names[i] for i in sorted(found) if i in self._wrong_index)
        said_not = tuple(self.names[i] for i in sorted(denied - found) if i not in self._wrong_index)
        return ListCount(right, wrong, said_not)

    def _first_item(self, toks: Sequence[Word]) -> int:
        starts = (s for seq, _, _ in self._entries for s in range(len(toks) - len(seq) + 1) if _at(toks, s, seq))
        return min(starts, default=len(toks))

    def _found_in(self, toks: Sequence[Word]) -> tuple[set[int], set[int]]:
        """The items named, and those named after a negation ("not regression")."""
        taken: set[int] = set()
        found: set[int] = set()
        negated: set[int] = set()
        for seq, index, _ in self._entries:
            n = len(seq)
            for start in range(len(toks) - n + 1):
                span = set(range(start, start + n))
                if not _at(toks, start, seq) or span & taken:
                    continue
                taken |= span
                if any(_negates(toks, i) for i in range(max(0, start - 2), start)):
                    negated.add(index)
                else:
                    found.add(index)
        return found, negated


Word = tuple[str, str]  # a token as written (crude stem) and its family
NOT_A_DENIAL = frozenset(["only", "just", "merely", "simply", "limited"])  # "not only translation"


def _negates(toks: Sequence[Word], i: int) -> bool:
    """Whether the word at ``i`` denies: a negation, but not "not only ..." nor the "not" of "spam or not
    spam" (a word of the clause said again)."""
    word = toks[i][0]
    if word not in NEGATIONS:
        return False
    after = toks[i + 1][0] if i + 1 < len(toks) else ""
    return not (after in NOT_A_DENIAL or (after and any(t[0] == after for t in toks[:i])))


def _word_orders(seq: tuple[Word, ...]) -> list[tuple[Word, ...]]:
    """A two-word item as written and turned round, as a verb phrase or with "of" ("topic modelling":
    "model topics", "modelling of topics")."""
    if len(seq) != 2:
        return [seq]
    return [seq, (seq[1], seq[0]), (seq[1], ("of", "of"), seq[0])]


def _words(text: str) -> tuple[Word, ...]:
    return tuple((t, family(t)) for t in tokens(text))


def family(word: str) -> str:
    """What a word's family shares once its ending is cut ("summarising", "summary" -> "summar"), with a
    doubled last letter made single ("modelling" -> "model", "tagging" -> "tag")."""
    for ending, replacement in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= FAMILY_MIN:
            word = word[: len(word) - len(ending)] + replacement
            break
    if len(word) >= FAMILY_MIN and word[-1] == word[-2] and word[-1] not in "aeious":
        word = word[:-1]
    return word


def _at(toks: Sequence[Word], start: int, seq: Sequence[Word]) -> bool:
    """Whether ``seq`` is written at ``toks[start:]``, each word of its family or, when long, one typo away."""
    return all(_same(t, w) for t, w in zip(toks[start : start + len(seq)], seq, strict=True))


def _same(typed_word: Word, rubric_word: Word) -> bool:
    (typed, typed_family), (word, word_family) = typed_word, rubric_word
    if typed == word or typed_family == word_family:
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
