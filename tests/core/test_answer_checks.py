"""Which side of a yes/no question an answer takes (bot/core/answer_checks.polarity), and what reads as a
bag of keywords rather than a statement."""

from __future__ import annotations

import pytest

from bot.core.answer_checks import is_keyword_list, polarity, side_taken


@pytest.mark.parametrize(
    ("answer", "side"),
    [
        ("Yes, because the gradients vanish.", 1),
        ("No.", -1),
        ("I agree, training from scratch always gives the best results.", 1),
        ("Honestly I agree", 1),
        ("I disagree: transfer learning usually wins.", -1),
        ("I don't agree.", -1),
        ("I do not agree with this sentence.", -1),
        ("Hmm I would say no, at least not only that.", -1),
        ("i'd say no, deep learning changed a lot since then", -1),
    ],
)
def test_a_side_taken_up_front_after_a_short_lead_in(answer, side):
    assert polarity(answer) == side


@pytest.mark.parametrize(
    "answer",
    [
        "hmm no idea",
        "I think it is about data",
        "I'm not sure",
        "not sure",
        "I use RNNs for that",
        "",
        "In the end I would say no",
    ],
)
def test_no_side_taken(answer):
    assert polarity(answer) is None


@pytest.mark.parametrize(
    ("answer", "quoted"),
    [
        ("I agree, training from scratch always gives the best results.", "I agree"),
        ("Well, yes. SGD can tune it.", "Well, yes"),
        ("Honestly, yes, it works", "Honestly, yes"),
        ("I don't agree at all", "I don't agree"),
        ("No.", "No"),
    ],
)
def test_the_side_taken_is_quoted_in_the_students_words(answer, quoted):
    assert side_taken(answer) == quoted


def test_a_no_that_starts_a_noun_phrase_after_a_lead_in_takes_no_side():
    assert polarity("I think no single layer can do it") is None
    assert polarity("I think no, it cannot") == -1


@pytest.mark.parametrize(
    ("answer", "statement", "clash"),
    [
        ("Training gets slower", "it makes training faster", ("slower", "faster")),
        ("a small batch is cheap", "small batches are computationally expensive", ("cheap", "expensive")),
    ],
)
def test_a_word_whose_opposite_the_course_uses_clashes(answer, statement, clash):
    from bot.core.answer_checks import contradiction

    assert contradiction(answer, statement) == clash


def test_a_word_the_course_itself_uses_elsewhere_is_no_clash():
    """One key point says "discrete, not continuous": "SGD needs continuous parameters" agrees with the
    course, though another point says only "discrete"."""
    from bot.core.answer_checks import contradiction

    answer = "forest depth is an integer and SGD needs continuous parameters"
    statement = "there is no gradient with respect to discrete hyperparameters"
    assert contradiction(answer, statement) == ("continuous", "discrete")
    assert contradiction(answer, statement, frozenset({"discrete", "not", "continuous"})) is None


def test_a_comparison_is_left_to_the_claim_checker():
    """ "Scratch is worse than fine-tuning" says what "fine-tuning is better" does: the side before "than"
    decides, which a word match cannot see."""
    from bot.core.answer_checks import contradiction

    statement = "fine-tuning a pretrained model often works better than training from scratch"
    assert contradiction("training from scratch often performs worse than fine-tuning", statement) is None
    assert contradiction("training from scratch often performs worse", statement) == ("worse", "better")


@pytest.mark.parametrize(
    "answer",
    [
        "GPU parallel matrix CUDA neural network cores hardware",
        "encoder decoder seq2seq sequence translation attention",
        "feed-forward sequence language modelling RNN transformer",
    ],
)
def test_a_bag_of_course_words_is_a_keyword_list(answer):
    assert is_keyword_list(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "1. reduced computational cost 2. reduced data requirement 3. reduced overfitting risk",
        "- reduced computational cost - reduced data requirement - reduced overfitting risk",
        "reduced cost + reduced data requirement + reduced overfitting",
        "stats = probability models. ml = algorithms",
        "u get fast training times however lower accuracy",
        "early layers dont learn",
        "gradients get really small",
    ],
)
def test_a_marked_list_or_a_plain_claim_is_no_keyword_list(answer):
    assert not is_keyword_list(answer)
