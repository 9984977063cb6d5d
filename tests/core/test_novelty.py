"""Lexical novelty (bot/core/novelty.py) and how /ask uses it (a fake embedder: only words matter)."""

from __future__ import annotations

import numpy as np

from bot.core.ask import AskService, course_novelty
from bot.core.novelty import MAX_TOPIC_WORDS, Novelty
from bot.core.pack import QAItem
from bot.core.search import SemanticIndex

COURSE = [
    "What is the fundamental component of the transformer architecture?",
    "Self-attention lets every word look at every other word.",
    "A data set with skewed class proportions is called imbalanced.",
    "Which model has a longer memory: an RNN or a transformer?",
]
ANCHORS = ["batch normalization and layer norm", "sampling temperature when generating text", "U-Net"]
ENGLISH = frozenset(
    [
        "what",
        "is",
        "the",
        "in",
        "how",
        "does",
        "layer",
        "norm",
        "temperature",
        "teammate",
        "fraud",
        "use",
        "net",
    ]
)
COMMON = frozenset(["what", "is", "the", "in", "how", "does", "use"])


def novelty() -> Novelty:
    return Novelty(COURSE, ANCHORS, english=ENGLISH, common=COMMON)


def test_a_concept_the_course_never_names_is_novel():
    n = novelty()
    assert n.novel_words("what is layer norm in transformers") == ["layer", "norm"]  # anchor words
    assert n.novel_words("what is zero-shot learning") == ["zero-shot", "learning"]  # not English
    assert n.novel_words("how does temperature change sampling") == ["temperature", "change", "sampling"]


def test_course_words_their_forms_and_joined_pairs_are_not_novel():
    n = novelty()
    assert n.novel_words("transformers self-attention") == []  # plural, hyphenated parts
    assert n.novel_words("imbalanced dataset") == []  # "data set" in the course
    assert n.novel_words("class proportion") == []


def test_a_code_identifier_is_one_word_novel_unless_the_course_writes_it():
    n = Novelty([*COURSE, "Check torch.cuda.is_available() first."], ANCHORS, english=ENGLISH, common=COMMON)
    assert n.novel_words("what does requires_grad do") == ["requires_grad"]  # not "requires" and "grad"
    assert n.novel_words("is_available") == []  # the course's own code


def test_general_english_and_common_words_are_not_novel():
    n = novelty()
    assert n.novel_words("teammate fraud") == []  # English, not in the anchors: scenario detail
    assert n.novel_words("how does it use") == []
    assert n.novel_words("net") == []  # "U-Net" is one name in the anchors, not the word "net"


def test_long_queries_are_scenarios_and_get_no_novelty():
    n = novelty()
    short = "what is zero-shot learning"
    long = " ".join(["zero-shot"] * (MAX_TOPIC_WORDS + 1))
    assert n.share(short) == 1.0
    assert n.share(long) == 0.0
    assert n.share("what is the") == 0.0


def test_course_novelty_reads_what_items_teach_not_their_misconceptions():
    item = QAItem(
        "1",
        "Name a few optimizers",
        "SGD and Adam.",
        key_points=("optimizers include RMSprop",),
        misconceptions=("dropout and batch normalization",),
        also_asked=("list of optimizers",),
    )
    n = course_novelty([item], ANCHORS, english=ENGLISH, common=COMMON)
    assert n.novel_words("rmsprop adam") == []
    assert n.novel_words("dropout") == ["dropout"]


class OneHot:
    """Texts naming "transformer" point one way, everything else the other: a fixed, known score."""

    dimension = 2

    def encode(self, texts, *, batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), 2), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = (0.6, 0.8) if "transformer" in text.lower() else (1.0, 0.0)
        return out


def test_novelty_lowers_a_generic_match_below_the_threshold():
    items = [QAItem("1.25", "What is the transformer's component?", "self-attention")]
    index = SemanticIndex.build(items, OneHot())
    query = "what is layer norm in transformers"  # scores 1.0: only "transformer" counts for the fake
    plain = AskService(index, OneHot(), threshold=0.9)
    assert not plain.ask_many([query])[0].abstained
    aware = AskService(index, OneHot(), threshold=0.9, novelty=novelty())
    result = aware.ask_many([query])[0]
    assert result.abstained and result.score == plain.ask_many([query])[0].score  # raw score reported
    assert not aware.ask_many(["what is the transformer"])[0].abstained


def test_chat_words_british_spellings_abbreviations_and_typos_are_not_novel():
    course = [*COURSE, "Tune the hyperparameters of a tokenization step.", "An important point."]
    n = Novelty(course, ANCHORS, english=ENGLISH | {"versus"}, common=COMMON | {"important"})
    assert n.novel_words("rnn vs transformer lol") == []  # chat words name no topic
    assert n.novel_words("tokenisation") == []  # the British spelling of a course word
    assert n.novel_words("hyperparams") == []  # short for a course word
    assert n.novel_words("importent transformer") == []  # one edit from a common word
    assert n.novel_words("norm") == ["norm"]  # too short to abbreviate "normal..." (not in the course here)
    assert n.novel_words("backprop") == ["backprop"]  # no course or common word one edit away
    assert n.novel_words("wordpiece") == ["wordpiece"]


def test_initials_of_a_term_the_course_repeats_are_its_acronym():
    course = [
        *COURSE,
        "A random forest is tuned by search.",
        "Why not gradient descent for a random forest?",
        "Each random forest votes.",
        "Better name: soft argmax.",
        "A better name, then.",
    ]
    n = Novelty(course, ANCHORS, english=ENGLISH, common=COMMON)
    assert n.novel_words("rf hyperparams") == ["hyperparams"]  # "rf": random forest, in three texts
    assert n.novel_words("rfs") == []
    assert n.novel_words("bn") == ["bn"]  # "better name" is in two: two letters are easily chance


def test_a_course_not_written_in_english_gets_no_novelty_test():
    """Its words are all unknown to English word lists: every query would look like a new concept."""
    from content.vocabulary import load_common_words, load_english_words

    def items(pairs: list[tuple[str, str]]) -> list[QAItem]:
        return [QAItem(id=str(n), question=q, answer=a) for n, (q, a) in enumerate(pairs, 1)]

    german = items(
        [
            ("Warum trainieren wir neuronale Netze auf Grafikkarten?", "Sie rechnen viele Matrizen parallel."),
            ("Was ist ein unausgewogener Datensatz?", "Eine Klasse ist viel seltener als die anderen."),
            ("Wozu dient ein DataLoader?", "Er teilt die Daten in Stapel, mischt sie und lädt sie nebenbei."),
            ("Warum braucht ein Netz Aktivierungsfunktionen?", "Ohne sie bleibt jedes Netz eine lineare Abbildung."),
            ("Was passiert bei sehr kleinen Stapeln?", "Die Gradienten schwanken stark und das Training wird unruhig."),
        ]
    )
    english = items(
        [
            ("Why do we train neural networks on graphics cards?", "They multiply many matrices in parallel."),
            ("What is an imbalanced data set?", "One class is much rarer than the others."),
            ("What is a DataLoader for?", "It splits the data into batches, shuffles them and loads them ahead."),
            ("Why does a network need activation functions?", "Without them every network stays a linear map."),
            ("What happens with very small batches?", "The gradients swing widely and training becomes unsteady."),
        ]
    )
    words, common = load_english_words(), load_common_words()
    assert course_novelty(german, english=words, common=common) is None
    assert isinstance(course_novelty(english, english=words, common=common), Novelty)
