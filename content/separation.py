"""How well a course's questions stand apart, from each other and from what the course does not cover.

``/ask`` answers a question with the course item closest in meaning, unless the score is below the
pack's ``ask_threshold`` or an off-course anchor is closer. A course of vague questions ("What is
it?") sits close to everything, so it answers questions it has nothing to say about. This report
makes that visible before students see it: the gap between each question and its nearest
neighbour, and how many everyday off-course questions (``topics/off_course_probes.txt``, kept apart
from the anchors so the probes test them instead of repeating them) the course would answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.core.pack import CoursePack, QAItem
from bot.core.ports import Embedder
from content.errors import PackError, Problem
from content.similarity import cosine_matrix

PROBES_PATH = Path(__file__).resolve().parent / "topics" / "off_course_probes.txt"
WARN_SHARE = 0.05  # more than this share of probes answered: the course answers off-topic questions
EXAMPLES = 2  # answered probes quoted in the warning


class AskOutcome(Protocol):
    @property
    def abstained(self) -> bool: ...


class AskLike(Protocol):
    """What the report needs of ``/ask`` (``bot.core.ask.AskService`` is one)."""

    def ask_many(self, queries: list[str]) -> Sequence[AskOutcome]: ...


AskFactory = Callable[[CoursePack], AskLike]


def load_off_course_probes(path: Path = PROBES_PATH) -> list[str]:
    """One probe question a line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(str(path), f"cannot read off-course probes: {exc}") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class SeparationReport:
    """A gap is 1 - the cosine similarity of a question to its nearest other question."""

    questions: int
    median_gap: float | None  # None: fewer than two questions
    min_gap: float | None
    closest: tuple[str, str] | None  # ids of the pair with the smallest gap
    probes: int
    answered: tuple[str, ...]  # the probes /ask answered instead of declining

    @property
    def too_many_answered(self) -> bool:
        return len(self.answered) > WARN_SHARE * self.probes

    def lines(self) -> list[str]:
        """The report as ``content check`` prints it: one line for each half."""
        if self.median_gap is None or self.min_gap is None or self.closest is None:
            apart = f"{self.questions} question(s): too few to measure gaps"
        else:
            apart = (
                f"{self.questions} questions; gap to the nearest other question (1 - cosine): "
                f"median {self.median_gap:.2f}, min {self.min_gap:.2f} "
                f"(items {self.closest[0]} and {self.closest[1]})"
            )
        off = f"off-course probes: {len(self.answered)} of {self.probes} answered"
        if self.answered:
            off += f" (e.g. {_quoted(self.answered)})"
        return [f"separation: {apart}", f"separation: {off}"]

    def problems(self, file: str) -> list[Problem]:
        """The warning, when there is one: a pack-wide finding, so no line."""
        if not self.too_many_answered:
            return []
        message = (
            f"this course is likely to answer off-topic questions: {len(self.answered)} of "
            f"{self.probes} off-course probes were answered (e.g. {_quoted(self.answered)}); "
            "raise ask_threshold or add questions"
        )
        return [Problem(file, None, None, "warning", message)]


def _quoted(texts: Sequence[str]) -> str:
    return ", ".join(f"'{text}'" for text in texts[:EXAMPLES])


def question_gaps(items: Sequence[QAItem], embedder: Embedder) -> tuple[float, float, tuple[str, str]] | None:
    """(median gap, min gap, the closest pair's ids), or None for fewer than two questions."""
    if len(items) < 2:
        return None
    similarity = cosine_matrix([item.question for item in items], embedder)
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.max(axis=1)
    i = int(nearest.argmax())
    j = int(similarity[i].argmax())
    first, second = sorted((i, j))
    gaps = 1.0 - nearest
    return float(np.median(gaps)), float(gaps.min()), (items[first].id, items[second].id)


def separation_report(
    items: Sequence[QAItem], embedder: Embedder, ask: AskLike, probes: Sequence[str] | None = None
) -> SeparationReport:
    """Measure both separations of a course; ``probes`` default to ``off_course_probes.txt``."""
    probes = list(probes) if probes is not None else load_off_course_probes()
    outcomes = ask.ask_many(probes) if probes else []
    answered = tuple(probe for probe, outcome in zip(probes, outcomes, strict=True) if not outcome.abstained)
    gaps = question_gaps(items, embedder)
    return SeparationReport(
        questions=len(items),
        median_gap=gaps[0] if gaps else None,
        min_gap=gaps[1] if gaps else None,
        closest=gaps[2] if gaps else None,
        probes=len(probes),
        answered=answered,
    )
