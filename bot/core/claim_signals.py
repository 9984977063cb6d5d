"""Signs that an answer says something other than the key point it resembles, for the grader's model.

A sentence embedding puts "the earlier layers stop learning" next to "the earlier layers learn
fastest" and "it is NOT an approximation of arg max" next to "it is an approximation of arg max". The
veto in ``claims.py`` catches the cases it can read for sure; these weaker signs go to the logistic
model as features, which learns from labelled answers how much each one weighs:

- ``negation_flip``: the answer's sentence closest to a key point negates it, or the point is negated
  and the sentence is not;
- ``side_flip``: a sentence takes the other side of one of the course's contrasts than a key point
  does, sharing a content word with it (the veto needs two such flips, or a stronger form);
- ``absolute``: the answer makes a sweeping claim ("only", "never", "always") the course does not.

The same signs keep a point off the "You got" list of an answer that is not right, and so does a closest
sentence that is closer still to one of the rubric's misconceptions (``misread``): praise must not land
on the point the answer gets backwards. Cross-validated by writer, that last check raised honest feedback
from 0.72 to 0.81; in true partial answers the points praised fell from 149 to 106.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.answer_checks import NEGATIONS, words
from bot.core.claims import Contrast, Reading, read, split_clauses

ABSOLUTES = frozenset(["only", "never", "always", "none", "nothing", "impossible", "completely", "entirely"])
RESEMBLES = 0.45  # a sentence this close to a key point is read as a claim about it


def _negated(text: str) -> bool:
    """An odd number of negations: "not" and "can't" flip a claim, "not only ... not" does not."""
    return sum(w in NEGATIONS for w in words(text)) % 2 == 1


def _flips_side(said: Reading, point: Reading) -> bool:
    # a contrast named on both sides ("from the output layers to the earlier layers") states an order:
    # compared only with a sentence that names both too, as in ``claims.contradicts``
    shared = [c for c in said.sides if c in point.sides and (c in point.both) == (c in said.both)]
    return bool(said.content & point.content) and any(said.sides[c] != point.sides[c] for c in shared)


@dataclass(frozen=True)
class PointReading:
    """A key point read once, when the rubric is built: its negation and the sides its clauses take."""

    negated: bool
    clauses: tuple[Reading, ...]


def read_points(key_points: Sequence[str], contrasts: Sequence[Contrast]) -> tuple[PointReading, ...]:
    return tuple(
        PointReading(_negated(point), tuple(read(c, contrasts) for c in split_clauses(point))) for point in key_points
    )


@dataclass(frozen=True)
class PointSigns:
    """For each key point, whether the answer's closest sentence turns it round (negation or side) or reads
    more like a misconception than like the point (misread)."""

    negation: tuple[bool, ...]
    side: tuple[bool, ...]
    misread: tuple[bool, ...]

    def doubtful(self, index: int) -> bool:
        return self.negation[index] or self.side[index] or self.misread[index]


def point_signs(
    sentences: Sequence[str],
    sims: np.ndarray,
    points: Sequence[PointReading],
    contrasts: Sequence[Contrast],
    misconception_sims: np.ndarray | None = None,
) -> PointSigns:
    """``sentences``: the answer then its clauses (the rows of ``sims``, one column per key point, and of
    ``misconception_sims``, one column per misconception); ``points``: ``read_points`` of the key points."""
    negation, side, misread = [], [], []
    for index, point in enumerate(points):
        column = sims[:, index]
        best = int(np.argmax(column))
        close = float(column[best]) >= RESEMBLES
        sentence = sentences[best]
        negation.append(close and _negated(sentence) != point.negated)
        said_readings = [read(c, contrasts) for c in split_clauses(sentence)]
        side.append(close and any(_flips_side(s, p) for s in said_readings for p in point.clauses))
        wrong = misconception_sims is not None and misconception_sims.shape[1] > 0
        misread.append(close and wrong and float(misconception_sims[best].max()) > float(column[best]))
    return PointSigns(tuple(negation), tuple(side), tuple(misread))


def absolute_claim(answer: str, course_words: frozenset[str]) -> bool:
    """A sweeping word in the answer that the course's own answer and key points never use."""
    return any(w in ABSOLUTES and w not in course_words for w in words(answer))
