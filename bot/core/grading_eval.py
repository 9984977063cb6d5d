"""The figures a grading evaluation reports, from labelled answers and the grades given to them.

Labelled rows are either three-verdict (``"verdict": "correct" | "partial" | "incorrect"`` with
``"contradicts"``) or the older binary form (``"correct": true | false``, no partial).

- decided: answers not left to the staff (``review``);
- accuracy: over decided answers labelled correct or incorrect, graded ``correct`` exactly when right;
- wrong accepted: share of the decided wrong answers graded ``correct``;
- right rejected: share of the decided right answers graded ``incorrect``;
- agreement: over decided answers, the verdict equals the label (three verdicts);
- honest feedback: over answers that contradict the course, the share graded not correct whose feedback
  lists no contradicted point as covered: the grade names the contradiction ("You said ...", or
  ``SAID_OPPOSITE``: the point) or covers nothing (the writer's flag says a point is contradicted, not
  which one; so a covered point counts as honest only next to a named contradiction);
- review: share of all answers left to the staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.grade import SAID_OPPOSITE, Grade, Verdict


def label(row: dict) -> Verdict:
    if "verdict" in row:
        return Verdict(row["verdict"])
    return Verdict.CORRECT if row["correct"] else Verdict.INCORRECT


@dataclass(frozen=True)
class Figures:
    answers: int
    accuracy: float
    wrong_accepted: float
    right_rejected: float
    agreement: float
    honest: float | None  # None: no contradicting answers in the set
    review: float

    def line(self) -> str:
        honest = "n/a" if self.honest is None else f"{self.honest:.3f}"
        return (
            f"{self.answers} answers: decided accuracy {self.accuracy:.3f}, wrong accepted "
            f"{self.wrong_accepted:.3f}, right rejected {self.right_rejected:.3f}, three-verdict agreement "
            f"{self.agreement:.3f}, honest feedback {honest}, review {self.review:.3f}"
        )


def honest(grade: Grade) -> bool:
    if grade.verdict is Verdict.CORRECT:
        return False
    return not grade.covered or "You said" in grade.feedback or SAID_OPPOSITE in grade.feedback


def figures(rows: Sequence[dict], grades: Sequence[Grade]) -> Figures:
    pairs = list(zip([label(r) for r in rows], grades, strict=True))
    decided = [(gold, g) for gold, g in pairs if g.verdict is not Verdict.REVIEW]
    binary = [(gold, g) for gold, g in decided if gold is not Verdict.PARTIAL]
    wrong = [g for gold, g in decided if gold is Verdict.INCORRECT]
    right = [g for gold, g in decided if gold is Verdict.CORRECT]
    contradicting = [g for r, g in zip(rows, grades, strict=True) if r.get("contradicts")]

    def share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    return Figures(
        answers=len(rows),
        accuracy=share(sum((gold is Verdict.CORRECT) == g.correct for gold, g in binary), len(binary)),
        wrong_accepted=share(sum(g.correct for g in wrong), len(wrong)),
        right_rejected=share(sum(g.verdict is Verdict.INCORRECT for g in right), len(right)),
        agreement=share(sum(gold is g.verdict for gold, g in decided), len(decided)),
        honest=share(sum(honest(g) for g in contradicting), len(contradicting)) if contradicting else None,
        review=share(len(pairs) - len(decided), len(pairs)),
    )
