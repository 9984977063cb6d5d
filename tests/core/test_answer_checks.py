"""Which side of a yes/no question an answer takes (bot/core/answer_checks.polarity)."""

from __future__ import annotations

import pytest

from bot.core.answer_checks import polarity


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
