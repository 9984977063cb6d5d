"""Cheap text checks that catch what embeddings are blind to: non-answers, gibberish, keyword lists
without a statement, yes/no polarity and negated short answers ("not BERT")."""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?", re.IGNORECASE)

NON_ANSWERS = {
    "idk",
    "i dont know",
    "i don't know",
    "dont know",
    "don't know",
    "no idea",
    "not sure",
    "pass",
    "skip",
    "dunno",
    "?",
    "??",
    "???",
    "...",
    "no clue",
    "nothing",
    "n/a",
    "na",
    "none",
    "-",
    "x",
    "no comment",
    "i have no idea",
    "i'm not sure",
    "im not sure",
    "whatever",
    "test",
    "asdf",
    "i do not know",
    "do not know",
    "i really don't know",
    "i really dont know",
    "not a clue",
    "unknown",
    "i forgot",
    "forgot",
    "don't remember",
    "dont remember",
    "i don't remember",
    "can't remember",
    "cant remember",
    "no answer",
    "i give up",
    "sorry",
    "sorry i don't know",
    "no se",
    "keine ahnung",
    "hmm",
    "hm",
    "um",
}

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "as",
        "at",
        "from",
        "and",
        "or",
        "but",
        "not",
        "no",
        "nor",
        "so",
        "because",
        "since",
        "if",
        "then",
        "than",
        "when",
        "while",
        "which",
        "who",
        "whom",
        "what",
        "why",
        "how",
        "can",
        "cannot",
        "could",
        "would",
        "should",
        "will",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "them",
        "their",
        "our",
        "your",
        "my",
        "me",
        "us",
        "there",
        "here",
        "into",
        "over",
        "under",
        "about",
        "also",
        "more",
        "less",
        "most",
        "much",
        "many",
        "very",
        "too",
        "only",
        "just",
        "such",
        "each",
        "both",
        "all",
        "any",
        "some",
        "other",
        "its",
        "it's",
        "don't",
        "doesn't",
        "isn't",
        "aren't",
        "can't",
        "won't",
    ]
)

NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "cannot",
        "can't",
        "cant",
        "doesn't",
        "doesnt",
        "don't",
        "dont",
        "isn't",
        "isnt",
        "aren't",
        "arent",
        "won't",
        "wont",
        "shouldn't",
        "shouldnt",
        "wouldn't",
        "wouldnt",
        "couldn't",
        "couldnt",
        "neither",
        "nor",
        "without",
    ]
)

YES_WORDS = frozenset(
    ["yes", "yeah", "yep", "yup", "sure", "definitely", "absolutely", "correct", "true", "agree"]
)
NO_WORDS = frozenset(["no", "nope", "nah", "false", "disagree"])
YES_NO_STARTS = re.compile(
    r"^\s*(can|could|is|are|do|does|did|should|would|will|has|have|was|were)\b|\bdo you agree\b",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in WORD.findall(text)]


def is_non_answer(text: str) -> bool:
    """``idk``, ``?``, an empty string: nothing to grade."""
    normalized = " ".join(words(text))
    stripped = text.strip().lower().rstrip(".!")
    return not normalized or normalized in NON_ANSWERS or stripped in NON_ANSWERS


def looks_like_gibberish(text: str) -> bool:
    """Keyboard mash: most 'words' have no vowel run a language would have, or repeat one letter."""
    tokens = [w for w in words(text) if not w.isdigit()]
    if not tokens:
        return True

    def odd(word: str) -> bool:
        if len(word) <= 3:
            return False
        vowels = sum(ch in "aeiouy" for ch in word)
        return (
            vowels == 0
            or vowels / len(word) < 0.15
            or re.search(r"(.)\1\1", word) is not None
            or bool(re.search(r"[bcdfghjklmnpqrstvwxz]{5,}", word))
        )

    return sum(odd(w) for w in tokens) / len(tokens) >= 0.5


# what makes a few words a statement or a list rather than a bag of keywords: list marks ("1.", "2)",
# "- ", " + ", " / "), an arrow or "=" ("stats = probability models"), "vs", and "however"
_STRUCTURE = re.compile(r"(?:^|\s)(?:\d+[.)]|[-*•])\s|\s[+/=]\s|->|=>|\bvs\.?\b|\bhowever\b", re.IGNORECASE)
# the common verbs students state a claim with ("gradients get really small", "training takes long")
_PLAIN_VERBS = frozenset(
    [
        "get",
        "gets",
        "getting",
        "got",
        "become",
        "becomes",
        "became",
        "take",
        "takes",
        "took",
        "make",
        "makes",
        "made",
        "use",
        "uses",
        "used",
        "need",
        "needs",
        "help",
        "helps",
        "give",
        "gives",
        "let",
        "lets",
        "keep",
        "keeps",
        "allow",
        "allows",
        "learn",
        "learns",
        "forget",
        "forgets",
    ]
)


def is_keyword_list(text: str) -> bool:
    """Several content words with no function word, no negation, no common verb and no list marks: words,
    not a statement.

    An enumeration ("translation, summarization, ...", "1. reduced cost 2. reduced data ...", "reduced
    cost + reduced data") is a list answer, not stuffing; "early layers dont learn" is a claim.
    """
    tokens = words(text)
    if len(tokens) < 4 or "," in text or ";" in text or "\n" in text.strip() or _STRUCTURE.search(text):
        return False
    return not any(t in STOPWORDS or t in NEGATIONS or t in _PLAIN_VERBS for t in tokens)


def is_yes_no_question(question: str) -> bool:
    return YES_NO_STARTS.search(question) is not None


# what students put before their yes or no ("I agree", "I'd say no", "honestly, I don't agree")
_LEAD_IN = frozenset(
    [
        "i",
        "i'd",
        "id",
        "well",
        "hmm",
        "um",
        "uh",
        "ok",
        "okay",
        "so",
        "honestly",
        "personally",
        "would",
        "say",
        "think",
    ]
)
_LEAD_IN_MAX = 4
_NO_THEN = re.compile(
    r"no\s*(?:[,.;:!?)]|$|because\b|since\b|as\b|it\b|i\b|you\b|we\b|that\b|this\b|not\b)", re.I
)


def _side_word(text: str) -> tuple[re.Match[str], int] | None:
    """The word that says yes or no up front, after a lead-in, and its side (+1, -1)."""
    found = list(WORD.finditer(text))
    tokens = [m.group().lower().replace("’", "'") for m in found]  # as ``words``
    start = 0
    while start < min(len(tokens), _LEAD_IN_MAX) and tokens[start] in _LEAD_IN:
        start += 1
    head = tokens[start : start + 4]
    if not head:
        return None
    if head[0] in YES_WORDS:
        return found[start], 1
    if head[0] in NO_WORDS:
        if head[1:2] in (["idea"], ["clue"]):  # "no idea" takes no side
            return None
        if start and head[0] == "no" and len(head) > 1 and not _NO_THEN.match(text, found[start].start()):
            return None  # "I think no single layer...": a determiner, not an answer
        return found[start], -1
    for n in (1, 2, 3):  # "don't agree", "do not agree"
        if (
            head[n : n + 1] == ["agree"]
            and all(w in NEGATIONS or w == "do" for w in head[:n])
            and head[n - 1] != "do"
        ):
            return found[start + n], -1
    return None


def polarity(text: str) -> int | None:
    """+1 for an answer that says yes, -1 for no, None when it does not take a side up front (after a
    lead-in of a few words such as "I", "I'd say", "honestly"; "I don't agree" says no)."""
    found = _side_word(text)
    return found[1] if found else None


def side_taken(text: str) -> str | None:
    """The answer's own words up to its yes or no ("I agree", "Well, no", "I don't agree"), to quote."""
    found = _side_word(text)
    return text[: found[0].end()].strip() if found else None


def mentions(text: str, term: str) -> bool:
    """Whole-word, case-insensitive mention of ``term`` that is not negated just before it."""
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(term.lower())}(?![a-z0-9])")
    lowered = text.lower().replace("’", "'")
    for match in pattern.finditer(lowered):
        before = words(lowered[: match.start()])[-3:]
        if not any(w in NEGATIONS for w in before):
            return True
    return False


# Opposites that embeddings place side by side ("training gets faster" ~ "training gets slower").
_ANTONYMS = [
    ("fast", "slow"),
    ("faster", "slower"),
    ("large", "small"),
    ("larger", "smaller"),
    ("big", "small"),
    ("bigger", "smaller"),
    ("increase", "decrease"),
    ("increases", "decreases"),
    ("higher", "lower"),
    ("better", "worse"),
    ("longer", "shorter"),
    ("cheap", "expensive"),
    ("cheaper", "costlier"),
    ("discrete", "continuous"),
    ("overfitting", "underfitting"),
    ("vanish", "explode"),
    ("tiny", "huge"),
]
OPPOSITE: dict[str, set[str]] = {}
for _a, _b in _ANTONYMS:
    OPPOSITE.setdefault(_a, set()).add(_b)
    OPPOSITE.setdefault(_b, set()).add(_a)


def contradiction(
    answer: str, statement: str, course: frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """A word of ``answer`` whose opposite ``statement`` uses, while neither text uses both sides, nor the
    course itself in ``course`` (the words of all its key points: where one point says "discrete, not
    continuous", "SGD needs continuous parameters" is no clash with another point's "discrete").

    "Training gets faster" against "makes training slow" -> ("faster", "slow"). A word that compares ("worse
    than fine-tuning") is left to the claim checker (``bot/core/claims.py``): which way the comparison
    goes depends on which side stands before "than", and "scratch is worse than fine-tuning" says what
    "fine-tuning is better" does."""
    said_words = words(answer)
    said, stated = set(said_words), set(words(statement))
    comparing = {w for i, w in enumerate(said_words) if "than" in said_words[i + 1 : i + 4]}
    for word in sorted(said & OPPOSITE.keys()):
        if word in stated or word in comparing or word in course:
            continue
        clash = OPPOSITE[word] & stated
        if clash and not (OPPOSITE[word] & said):
            return word, sorted(clash)[0]
    return None
