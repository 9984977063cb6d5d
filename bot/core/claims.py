"""Which side of the course's contrasts a sentence takes: the check embeddings cannot make.

MiniLM places "the RNN has the longer memory" next to "the Transformer has the longer memory": the
same words, the opposite claim. A course author names the terms the course sets against each other
(``contrasts: ["Transformer vs RNN | LSTM"]``); together with general opposites (faster/slower) a
clause of the answer is compared with each clause of a key point:

- for each contrast both mention, does the answer pick the same member as the key point, or the
  other one ("not the RNN" picks the other side of a two-sided contrast)? In a comparison that names
  both ("the Transformer ... better than an RNN") the first one named is the side the point asserts;
- a clause-level negation ("GPUs are not faster") flips once more.

An odd number of flips over two or more shared contrasts (or one shared contrast and a shared content
word) is a contradiction: "the RNN remembers longer" flips the subject and keeps "longer"; "GPT-2 is a
decoder model" flips both and is a true statement about something else.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.answer_checks import NEGATIONS, STOPWORDS

TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# a clause ends at sentence punctuation and before a conjunction that starts a new claim
CLAUSE_BREAK = re.compile(
    r"[.;!?:,\n]*\s*\b(?:while|whereas|but|so|because|since|although|though|however|whilst|which)\b\s+"
    r"|[.;!?:,]+(?:\s+|$)|\n+",
    re.IGNORECASE,
)

# General opposites; a course adds its own terms through ``contrasts``.
GENERAL_CONTRASTS = (
    "faster | quicker | fast | quick vs slower | slow",
    "more | higher | larger | bigger | greater vs less | fewer | lower | smaller",
    "longer vs shorter",
    "better vs worse",
    "increase | increases | grow | grows vs decrease | decreases | shrink | shrinks",
    "cheap | cheaper | efficient vs expensive | costly | costlier",
    "discrete vs continuous",
    "overfitting vs underfitting",
    "vanish | vanishes | vanishing | tiny vs explode | explodes | exploding | huge | blow up",
    "stable vs noisy | unstable",
    "remember | remembers | keep | keeps | retain | retains | capture | captures vs forget | forgets | lose | loses",
    "parallel vs sequential | one at a time | one by one",
)


_NOT_PLURAL = frozenset(["corpus", "focus", "status", "bonus", "virus", "plus", "minus", "thus", "versus", "bias"])


def stem(token: str) -> str:
    """A crude stem so "Transformers" meets "Transformer" (plural s only: verbs keep their form)."""
    token = token.replace("’", "'")
    if token.endswith("'s"):
        token = token[:-2]
    if len(token) > 4 and token.endswith(("ches", "shes", "sses", "xes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "is")) and token not in _NOT_PLURAL:
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    return [stem(t) for t in TOKEN.findall(text.lower().replace("-", " "))]


def split_clauses(text: str) -> list[str]:
    return [c.strip(" ,") for c in CLAUSE_BREAK.split(text) if c and c.strip(" ,")]


@dataclass(frozen=True)
class Contrast:
    """Two or more members; each member is a few alternative spellings, each a token sequence."""

    members: tuple[tuple[tuple[str, ...], ...], ...]

    @classmethod
    def parse(cls, spec: str) -> Contrast:
        members = []
        for member in re.split(r"\s+vs\.?\s+", spec.strip()):
            alternatives = tuple(tuple(tokens(a)) for a in member.split("|") if tokens(a))
            if alternatives:
                members.append(tuple(sorted(alternatives, key=len, reverse=True)))
        return cls(tuple(members))


@functools.cache
def _general_contrasts() -> tuple[Contrast, ...]:
    """Parsed once and shared by every rubric of every course (they are immutable)."""
    return tuple(Contrast.parse(s) for s in GENERAL_CONTRASTS)


@dataclass(frozen=True)
class _Mention:
    member: int
    position: int
    negated: bool
    end: int  # the position just after it


def _mentions(toks: list[str], contrast: Contrast, taken: set[int]) -> list[_Mention]:
    """Longest-first, non-overlapping mentions of the contrast's members (positions in ``taken`` are used)."""
    found: list[_Mention] = []
    spans = sorted(
        ((len(alt), m, alt) for m, alts in enumerate(contrast.members) for alt in alts), reverse=True
    )
    for length, member, alt in spans:
        for start in range(len(toks) - length + 1):
            if tuple(toks[start : start + length]) != alt:
                continue
            span = set(range(start, start + length))
            if span & taken:
                continue
            taken |= span
            # "worse than fine-tuning" says fine-tuning is the better one: a term after "than" is
            # the side compared against, read like a negated one
            # "can't do as fast": a negation up to three words before flips the term, as ``_clause_negated``
            # counts it
            before = toks[max(0, start - 3) : start]
            negated = any(w in NEGATIONS for w in before) and "only" not in before  # "not only X"
            compared = "than" in toks[max(0, start - 2) : start]
            found.append(_Mention(member, start, negated or compared, start + length))
    found.sort(key=lambda m: m.position)
    # "not the RNN or an LSTM": a negation reaches over the alternatives listed after it
    for i in range(1, len(found)):
        gap = toks[found[i - 1].end : found[i].position]
        if found[i - 1].negated and not found[i].negated and gap and set(gap) <= {"or", "nor", "and", "an", "a", "the"}:
            found[i] = _Mention(found[i].member, found[i].position, True, found[i].end)
    return found


def _side(mentions: list[_Mention], n_members: int) -> int | None:
    """The member a clause asserts: the first one named without a negation before it; a negated member
    of a two-sided contrast asserts the other one."""
    plain = [m for m in mentions if not m.negated]
    if plain:
        return plain[0].member
    negated = {m.member for m in mentions}
    if n_members == 2 and len(negated) == 1:
        return 1 - next(iter(negated))
    return None


def _clause_negated(toks: list[str], term_positions: set[int]) -> bool:
    """A negation that does not sit just before a contrast term (that one flips the term instead)."""
    for i, tok in enumerate(toks):
        if tok in NEGATIONS and not any(p in term_positions for p in range(i + 1, i + 4)):
            return True
    return False


@dataclass(frozen=True)
class Reading:
    """What one clause says in terms of the contrasts: a side per contrast, negation, content words."""

    text: str
    sides: dict[int, int]
    negated: bool
    content: frozenset[str]
    both: frozenset[int] = frozenset()  # contrasts whose two sides it names ("A ... better than B")


def read(clause: str, contrasts: Sequence[Contrast]) -> Reading:
    toks = tokens(clause)
    if toks and toks[0] in ("yes", "no"):  # the yes/no itself is checked apart, by polarity
        toks = toks[1:]
    taken: set[int] = set()
    sides: dict[int, int] = {}
    both: set[int] = set()
    for index, contrast in enumerate(contrasts):
        mentions = _mentions(toks, contrast, taken)
        side = _side(mentions, len(contrast.members))
        if side is not None:
            sides[index] = side
        if len({m.member for m in mentions}) > 1:
            both.add(index)
    content = frozenset(
        t for i, t in enumerate(toks) if i not in taken and t not in STOPWORDS and t not in NEGATIONS and len(t) > 2
    )
    return Reading(clause, sides, _clause_negated(toks, taken), content, frozenset(both))


def contradicts(said: Reading, point: Reading, *, picks: bool = False) -> bool:
    """Whether ``said`` takes the other side of ``point``: an odd number of flips over two or more
    contrasts both take a side on, or over one when the answer names nothing else ("The RNN.").
    A negation counts as a flip only when the answer restates the point otherwise (most of its words)."""
    # a contrast one of them names on both sides ("from the output layers to the earlier layers") is
    # compared only when both do: the order then says which way round the claim goes
    shared = [c for c in said.sides if c in point.sides and (c in point.both) == (c in said.both)]
    # "The RNN." answers a which-one question (``picks``) with one side of a contrast
    bare_pick = picks and len(said.sides) == 1 and not said.content and not said.negated
    # one shared contrast is enough when the answer turns round an order or comparison the point
    # states with both sides ("'cpu' if torch.cuda.is_available() else 'cuda'")
    overlap = bool(said.content & point.content)
    strong = overlap and any(said.sides[c] != point.sides[c] and c in point.both for c in shared)
    if len(shared) < 2 and not (shared and (bare_pick or strong)):
        return False
    flips = sum(said.sides[c] != point.sides[c] for c in shared)
    restated = len(said.content & point.content) >= max(1, round(0.6 * len(point.content)))
    if said.negated != point.negated and (restated or bare_pick):
        flips += 1
    return flips % 2 == 1


class ClaimChecker:
    """Contradictions between an answer and a question's key points, from the rubric's contrasts."""

    def __init__(
        self, contrasts: Sequence[str], key_points: Sequence[str], *, picks: bool = False, reference: str | None = None
    ) -> None:
        """``picks``: a which-one question (it has an ``accept`` list), where a bare term is an answer.
        ``reference``: the course's answer; a key point it seems to contradict is one these rules misread,
        so it is not checked (the course's own answer must always pass)."""
        self.picks = picks
        self.contrasts = [*(Contrast.parse(s) for s in contrasts), *_general_contrasts()]
        self.contrasts = [c for c in self.contrasts if len(c.members) >= 2]
        self.points = [[read(c, self.contrasts) for c in split_clauses(p)] for p in key_points]
        if reference:
            for index, _ in self.contradictions(reference):
                self.points[index] = []

    def contradictions(self, answer: str) -> list[tuple[int, str]]:
        """(key point index, the answer's clause) for each key point a clause of the answer contradicts."""
        found: list[tuple[int, str]] = []
        readings = [read(c, self.contrasts) for c in split_clauses(answer)]
        for index, clauses in enumerate(self.points):
            for said in readings:
                if any(contradicts(said, point, picks=self.picks) for point in clauses):
                    found.append((index, said.text))
                    break
        return found
