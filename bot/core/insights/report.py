"""The values of an insights report: per question, per day, disputes, /ask and its content gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class QuestionStats:
    """How one quiz question was answered in the period: answers by verdict, and how many students."""

    question_id: str
    question: str
    answers: int
    correct: int
    partial: int
    students: int

    @property
    def accuracy(self) -> float:
        """Share of the answers graded correct (0.0 when nobody answered: check ``answers`` first)."""
        return self.correct / self.answers if self.answers else 0.0

    @property
    def partial_share(self) -> float:
        """Share of the answers graded partly right."""
        return self.partial / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class DayCount:
    """Answers given on one day (the course's time zone is the caller's choice)."""

    day: date
    answers: int


@dataclass(frozen=True)
class ContentGap:
    """Questions ``/ask`` could not answer that mean the same thing: something the course lacks.

    ``questions`` holds every member as asked, repeats included, so ``size == len(questions)``;
    ``example`` is the member closest to the group's centre of meaning."""

    size: int
    example: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class InsightsReport:
    """One course over one period (``period_label``: "last 7 days", "week 47", ...)."""

    course_title: str
    period_label: str
    students: int  # distinct students who answered or asked
    answers: int  # quiz and practice answers graded in the period
    per_question: tuple[QuestionStats, ...]
    per_day: tuple[DayCount, ...]
    disputes_opened: int
    disputes_accepted: int
    disputes_rejected: int
    asks: int  # /ask questions
    declined_asks: int  # /ask questions the course could not answer (the source of ``gaps``)
    gaps: tuple[ContentGap, ...]
    grouped_asks: int = 0  # how many declined asks the gaps were grouped from (the latest; 0: all of them)

    def hardest(self) -> list[QuestionStats]:
        """Answered questions, hardest first: lowest accuracy, then most answers, then question order."""
        answered = [(i, q) for i, q in enumerate(self.per_question) if q.answers]
        answered.sort(key=lambda pair: (pair[1].accuracy, -pair[1].answers, pair[0]))
        return [q for _, q in answered]

    @property
    def disputes_open(self) -> int:
        """Disputes opened in the period and not settled yet."""
        return max(0, self.disputes_opened - self.disputes_accepted - self.disputes_rejected)
