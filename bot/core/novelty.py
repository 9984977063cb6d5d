"""Lexical novelty: how much of a short query names technical concepts the course never mentions.

A sentence embedding scores "what is layer norm in transformers" 0.50 against the course's transformer
item: the shared word carries the match and the concept actually asked about ("norm") is ignored. When
no off-course anchor happens to cover that concept, the bot answers with the transformer item. Words
say what the embedding blurs: a concept the course's texts never name is probably not covered.

A query word is *novel* when it is
- not in the course's vocabulary (questions, answers, ``also_asked``, rubric key points; adjacent
  course words joined count too, so "dataset" is known from "data set", and a hyphenated compound is
  known when its parts are);
- not common (not among the most frequent words of the model's WordPiece vocabulary): "wrong" or
  "went" name no concept;
- technical: not a general English word at all ("backprop", "cnns", "wordpiece"), or a word of the
  off-course anchors ("temperature", "norm", "masked"): general English words such as "teammate" or
  "fraud" are scenario detail, not a topic.

The signal is the share of the query's content words that are novel, and only for a query of at most
``MAX_TOPIC_WORDS`` content words: a short query is about what it names, while a long one describes a
situation in the student's own words ("my spam filter flags nothing..."), where a new word is detail.
``bot.core.ask`` lowers the best item's score by a multiple of this share before its threshold and
anchor tests, so a strong semantic match still answers and a generic one is declined.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

from bot.core.answer_checks import STOPWORDS
from bot.core.lexical import stem
from bot.core.spelling import COMMON_WORDS, TEXT_SPEAK, edit_distance

MAX_TOPIC_WORDS = 5  # content words; longer queries are scenarios, whose new words are detail
_TOKEN = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")  # a code identifier ("requires_grad") is one word
_WORD = re.compile(r"[a-z0-9]+")
_PREFIXES = ("re", "un", "non", "pre", "mis", "dis")  # "reuse", "unfreezing": English, if rare ones
_ENDINGS = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"))
# British spellings to the American ones most courses use ("tokenisation", "optimise", "colour").
_SPELLINGS = (
    ("isation", "ization"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ising", "izing"),
    ("yse", "yze"),
    ("our", "or"),
)
# Chat words: they name no topic, whatever a word list or an anchor says ("vs", "lol").
CHAT_WORDS = frozenset(
    "vs ok okay lol lmao haha hey hi hello yo thanks thank omg tbh imo imho fyi btw idk etc eg ie pls plz ya "  # noqa: SIM905
    "yeah yep nope hmm um uh bro guys".split()
) | frozenset(TEXT_SPEAK)
MIN_ABBREVIATION = 5  # "param" is short for the course's "parameters"; "norm" is too short to say
MAX_ACRONYM = 4  # letters: "ffnn" for "feed-forward neural network"
MIN_TERM_USES = 2  # texts a run of words is in before its initials count as the course's acronym
# Of a course's words, the share a general English word list must know for the test to apply: its lists
# are English. The shipped course: 0.90; a few German and French Q&As: 0.24 and 0.41 (cognates count).
# Jargon lowers it ("sgd", "rmsprop"), and a course of a few lines says too little to judge.
MIN_ENGLISH_SHARE = 0.6
MIN_WORDS_TO_JUDGE = 30
MIN_TYPO_LENGTH = 6  # "importent" is "important" mistyped; short words are too often other words


@lru_cache(maxsize=1 << 16)  # the same words come back query after query
def _forms(word: str) -> frozenset[str]:
    """The word and its forms with a plural or verb ending undone ("machines" -> "machine")."""
    out = {word}
    for end, base in _ENDINGS:
        if word.endswith(end) and len(word) - len(end) >= 3:
            out.add(word[: -len(end)] + base)
    for form in list(out):
        for british, american in _SPELLINGS:
            if form.endswith(british) and len(form) - len(british) >= 3:
                out.add(form[: -len(british)] + american)
    return frozenset(out)


def _deletes_one(word: str) -> set[str]:
    """The word and every string one letter shorter: two words one edit apart always share one (some
    two edits apart do too, which ``edit_distance`` then rules out)."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _deletion_index(words: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Every word long enough to be mistyped, under itself and each of its one-letter deletions."""
    index: dict[str, list[str]] = {}
    for word in words:
        if len(word) >= MIN_TYPO_LENGTH - 1:
            for key in _deletes_one(word):
                index.setdefault(key, []).append(word)
    return {key: tuple(found) for key, found in index.items()}


_shared_deletion_index = lru_cache(maxsize=4)(_deletion_index)  # the common words: one copy per bot


def _terms(text: str) -> list[tuple[str, ...]]:
    """The text's runs of two to four content words (a hyphenated word gives one word a part)."""
    out = []
    for run in re.split(r"[^a-z0-9 -]+", text):
        parts = [p for p in re.split(r"[\s-]+", run) if p]
        for start in range(len(parts)):
            for width in range(2, MAX_ACRONYM + 1):
                window = tuple(parts[start : start + width])
                if len(window) < width or any(p in STOPWORDS or not p.isalpha() for p in window):
                    break
                out.append(window)
    return out


def _acronyms(texts: Iterable[str]) -> set[str]:
    """Initials, plural too, of the terms the course repeats: "rf" of "random forest", "ffnn" of
    "feed-forward neural network". A run said once is no term ("like random" is no "lr")."""
    counts = Counter(term for text in texts for term in set(_terms(text.lower())))
    out: set[str] = set()
    for term, count in counts.items():
        if count >= MIN_TERM_USES + (len(term) == 2):  # two letters are easily a chance pair
            initials = "".join(word[0] for word in term)
            out |= {initials, initials + "s"}
    return out


def english_share(texts: Iterable[str], english: Iterable[str]) -> float:
    """Share of the distinct words of three letters or more in ``texts`` that ``english`` knows, in one
    of their forms (1.0 below ``MIN_WORDS_TO_JUDGE`` of them): whether a course is written in English,
    so that the novelty test can read it."""
    known = english if isinstance(english, frozenset) else frozenset(english)
    words = {w for text in texts for w in _WORD.findall(text.lower()) if len(w) >= 3 and w.isalpha()}
    words -= STOPWORDS
    if len(words) < MIN_WORDS_TO_JUDGE:
        return 1.0  # too few to tell: taken as English, like the word lists
    return sum(1 for w in words if _forms(w) & known) / len(words)


@lru_cache(maxsize=1 << 16)
def _keys(word: str) -> frozenset[str]:
    """Stems of the word's forms: what a course word and a query word are matched by."""
    return frozenset(stem(form) for form in _forms(word))


class Novelty:
    """Built once per course (all lookups are set lookups, a few microseconds a query)."""

    def __init__(
        self,
        course_texts: Iterable[str],
        off_course_texts: Iterable[str] = (),
        *,
        english: Iterable[str] = (),
        common: Iterable[str] = (),
    ) -> None:
        """``course_texts``: what the course says; ``off_course_texts``: the anchors' topics;
        ``english``: general English words; ``common``: the most frequent of them."""
        texts = list(course_texts)
        course: set[str] = set()
        spelled: set[str] = set()
        for text in texts:
            words = _WORD.findall(text.lower())
            spelled.update(words)
            for word in words:
                course |= _keys(word)
            for first, second in pairwise(words):
                course |= _keys(first + second)
            for identifier in (t for t in _TOKEN.findall(text.lower()) if "_" in t):
                course |= _keys(identifier)  # the course's code: "is_available" is no new concept
        self._course = frozenset(course | _acronyms(texts))
        self._spelled = sorted(spelled)  # for abbreviations: "hyperparam" of "hyperparameters"
        self._english = english if isinstance(english, frozenset) else frozenset(english)
        self._common = frozenset(common) | COMMON_WORDS | STOPWORDS | CHAT_WORDS
        # typo targets: the course's words, and the common words in an index every course shares
        self._typo_indexes = (_deletion_index(frozenset(spelled)), _shared_deletion_index(self._common))
        anchors: set[str] = set()
        for text in off_course_texts:  # a compound is one name: "U-Net" is no "net"
            for token in _TOKEN.findall(text.lower()):
                anchors |= _keys(token.replace("-", ""))
        self._anchor = frozenset(anchors - course)

    def _abbreviates(self, word: str) -> bool:
        """Whether ``word`` begins a longer course word ("params" of "parameters")."""
        for form in _forms(word):
            if len(form) >= MIN_ABBREVIATION:
                at = bisect_left(self._spelled, form)
                if at < len(self._spelled) and self._spelled[at].startswith(form):
                    return True
        return False

    def _mistyped(self, word: str) -> bool:
        """Whether ``word`` is one edit from a course word or a common one: a typo the speller left alone
        ("importent"). Rarer English words are too often a technical term's neighbour ("backdrop")."""
        if len(word) < MIN_TYPO_LENGTH:
            return False
        return any(
            edit_distance(word, target, 1) <= 1
            for key in _deletes_one(word)
            for index in self._typo_indexes
            for target in index.get(key, ())
        )

    def _known(self, token: str) -> bool:
        if _keys(token.replace("-", "")) & self._course or self._abbreviates(token.replace("-", "")):
            return True
        parts = [p for p in token.split("-") if p]
        return len(parts) > 1 and all(p in self._common or _keys(p) & self._course for p in parts)

    def is_novel(self, token: str) -> bool:
        """Whether a (lower-case) query word names a technical concept the course never mentions."""
        if token.isdigit() or self._known(token):
            return False
        forms = _forms(token.replace("-", ""))
        if forms & self._common:
            return False
        general = "-" not in token and any(
            form in self._english or form[len(p) :] in self._english
            for form in forms
            for p in ("", *_PREFIXES)
            if form.startswith(p) and len(form) - len(p) >= 3
        )
        if general:
            return bool(_keys(token.replace("-", "")) & self._anchor)
        return "-" in token or not self._mistyped(token)

    def content_words(self, text: str) -> list[str]:
        """The query's words less the common ones: what it is about."""
        return [w for w in _TOKEN.findall(text.lower()) if len(w) > 1 and w not in self._common]

    def novel_words(self, text: str) -> list[str]:
        """The query's novel words, or none when the query is too long to be about what it names."""
        words = self.content_words(text)
        return [w for w in words if self.is_novel(w)] if len(words) <= MAX_TOPIC_WORDS else []

    def share(self, text: str) -> float:
        """Share of the query's content words that are novel (0 for a long query, see the module)."""
        words = self.content_words(text)
        return len(self.novel_words(text)) / len(words) if words else 0.0
