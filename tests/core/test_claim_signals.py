"""The weak signs of a turned-round claim (``bot/core/claim_signals.py``) and how the grader uses them."""

from __future__ import annotations

import numpy as np

from bot.core.answer_checks import words
from bot.core.claim_signals import absolute_claim, point_signs, read_points
from bot.core.claims import _general_contrasts

POINTS = ("the Transformer has the longer memory", "attention links every pair of positions")
CONTRASTS = _general_contrasts()


def signs(sentences: list[str], sims: list[list[float]]):
    return point_signs(sentences, np.array(sims, dtype=np.float32), read_points(POINTS, CONTRASTS), CONTRASTS)


def test_a_negated_restatement_flips_the_point_it_resembles():
    got = signs(["the Transformer does not have the longer memory"], [[0.9, 0.2]])
    assert got.negation == (True, False)
    assert got.doubtful(0) and not got.doubtful(1)


def test_a_sentence_far_from_a_point_says_nothing_about_it():
    got = signs(["the Transformer does not have the longer memory"], [[0.3, 0.2]])
    assert got.negation == (False, False) and got.side == (False, False)


def test_the_other_side_of_a_general_contrast_is_a_side_flip():
    got = signs(["the Transformer has the shorter memory"], [[0.85, 0.1]])
    assert got.side == (True, False)
    assert not signs(["the Transformer keeps the longer memory"], [[0.85, 0.1]]).side[0]


def test_the_closest_sentence_is_the_one_read():
    # the whole answer, then its two clauses: the negated clause is not the one closest to point 0
    sentences = ["It has the longer memory. It does not forget.", "the Transformer has the longer memory", "x"]
    got = signs(sentences, [[0.7, 0.1], [0.95, 0.1], [0.2, 0.1]])
    assert got.negation == (False, False)


def test_sweeping_words_count_only_when_the_course_does_not_use_them():
    optimizers = frozenset(words("Adam, RMSprop and SGD are optimizers"))
    assert absolute_claim("Adam only, the others are schedulers", optimizers)
    assert not absolute_claim("it only uses the encoder", frozenset(words("BERT only uses the encoder stack")))
    assert not absolute_claim("Adam and RMSprop", optimizers)


def test_a_sentence_closer_to_a_misconception_than_to_the_point_is_a_misreading():
    sentences = ["the RNN has the longer memory"]
    sims = np.array([[0.8, 0.1]], dtype=np.float32)
    points = read_points(POINTS, CONTRASTS)
    closer = point_signs(sentences, sims, points, CONTRASTS, np.array([[0.95]], dtype=np.float32))
    farther = point_signs(sentences, sims, points, CONTRASTS, np.array([[0.6]], dtype=np.float32))
    assert closer.misread == (True, False) and closer.doubtful(0)
    assert farther.misread == (False, False)
