"""The result of grading one free-text answer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.core.pack import QAItem


class Verdict(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    REVIEW = "review"  # the grader could not decide: the answer waits for the course staff


# the feedback line that names key points the answer turns round (beside "You said ...; the course says")
SAID_OPPOSITE = "You seem to have said the opposite of"


@dataclass(frozen=True)
class Grade:
    """A verdict with what the student got, what they missed and feedback ending with the reference."""

    verdict: Verdict
    score: int  # 0-100
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    feedback: str

    @property
    def correct(self) -> bool:
        return self.verdict is Verdict.CORRECT


class Grader(Protocol):
    """Grades answers by meaning. Batched: a burst of answers costs one encode call."""

    def grade_many(self, items: list[tuple[QAItem, str]]) -> list[Grade]: ...
