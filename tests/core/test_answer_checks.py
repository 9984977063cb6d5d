"""Which side of a yes/no question an answer takes (bot/core/answer_checks.polarity)."""

from __future__ import annotations

import pytest

from bot.core.answer_checks import polarity, side_taken


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
