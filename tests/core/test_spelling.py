"""Spelling normalisation of /ask queries: misspelt course words corrected, real words left alone."""

from __future__ import annotations

import pytest

from bot.core.spelling import Speller, edit_distance

COURSE = [
    "What is imbalanced data and why can it be a problem?",
    "What is the purpose of DataLoaders in pytorch?",
    "Why does fine-tuning usually give a better model than feature extraction?",
    "What is the vanishing gradient problem?",
]
ENGLISH = ["loss", "pizza", "catches", "positive", "train", "fire", "rare", "town"]


@pytest.fixture
def speller() -> Speller:
    return Speller(COURSE, known=ENGLISH)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("wat is imbalenced data", "what is imbalanced data"),  # text-speak and one substitution
        ("purpose of dataloaders in pytroch", "purpose of dataloaders in pytorch"),  # a swap is one edit
        ("y is finetuning better", "why is fine-tuning better"),  # a compound written as one word
        ("vanishin gradiant", "vanishing gradient"),
        ("fundamentel gradiantt problme", "fundamentel gradient problem"),  # far from every course word
    ],
)
def test_misspelt_course_words_are_corrected(speller: Speller, typed: str, meant: str):
    assert speller.normalise(typed) == meant


@pytest.mark.parametrize(
    "query",
    [
        "my loss catches fire",  # English words near course words ("less", "batches") stay
        "best pizza in town",
        "my positives are rare",  # an inflection of a known word is not a misspelling
        "Why does fine-tuning usually give a better model?",  # clean text comes back unchanged
    ],
)
def test_known_words_and_clean_questions_are_left_alone(speller: Speller, query: str):
    assert speller.normalise(query) == query


def test_a_short_word_keeps_its_first_letter():
    speller = Speller(["Why is ReLU a nonlinearity?", "What is a good learning rate?"])
    assert speller.normalise("what is gelu") == "what is gelu"  # another activation, not "relu" mistyped
    assert speller.normalise("what is rleu") == "what is relu"  # a swap inside the word is still a typo
    assert speller.normalise("nonlinaerity of gelu") == "nonlinearity of gelu"


def test_code_identifiers_are_one_word_and_never_corrected():
    speller = Speller(["Set requires_grad on the grid of parameters", "torch.cuda.is_available()"])
    assert speller.correct_word("requires_grad") == "requires_grad"
    assert speller.normalise("what does requires_grad do") == "what does requires_grad do"
    assert speller.normalise("n_estimators for the gird") == "n_estimators for the grid"


def test_case_and_punctuation_of_unchanged_words_are_kept(speller: Speller):
    assert speller.normalise("Imbalenced DATA, pls?") == "imbalanced DATA, please?"


def test_edit_distance_counts_a_swap_as_one_edit_and_stops_at_the_limit():
    assert edit_distance("pytroch", "pytorch", 2) == 1
    assert edit_distance("gradiant", "gradient", 2) == 1
    assert edit_distance("pizza", "pytorch", 2) == 3  # limit + 1: "more than allowed"
