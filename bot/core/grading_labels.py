"""Labelled answers from a JSON-lines file: the staff's corrections that the grader's model learns from.

One object a line::

    {"question_id": "1.9", "answer": "parallel matrix maths", "verdict": "correct", "course": "ose-intro-deep-learning"}

``verdict`` is ``correct``, ``partial`` or ``incorrect``; ``course`` is optional (rows of another
course are skipped, since their question ids mean other questions); so is ``source``, who marked or
wrote the answer (a course's marked answers, ``bot.core.marked``, use it). A row that breaks the format
stops the reading with its file and line: a typo must not quietly teach the grader."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

VERDICTS = ("correct", "partial", "incorrect")


class LabelError(ValueError):
    """A row that breaks the format: ``str()`` is "source:line: reason"; ``line`` and ``reason`` apart."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}:{line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class Labels:
    """The rows kept (``question_id``, ``answer``, ``verdict`` and ``source`` when given) and how many were
    skipped, and why."""

    rows: list[dict] = field(default_factory=list)
    other_course: int = 0
    unknown_question: int = 0


def parse_labels(
    lines: Iterable[str], *, course: str, questions: Collection[str], source: str = "labels"
) -> Labels:
    """Read the rows of ``course`` whose question is in ``questions``; raise ``ValueError`` on a bad row."""
    out = Labels()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelError(source, number, f"not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise LabelError(source, number, "expected an object with question_id, answer and verdict")
        for key in ("question_id", "answer", "verdict"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise LabelError(source, number, f"{key} must be a non-empty string")
        if row["verdict"] not in VERDICTS:
            raise LabelError(source, number, f"verdict must be one of {', '.join(VERDICTS)}, not {row['verdict']!r}")
        if not isinstance(row.get("source", ""), str):
            raise LabelError(source, number, "source must be a string")
        if row.get("course", course) != course:
            out.other_course += 1
        elif row["question_id"] not in questions:
            out.unknown_question += 1
        else:
            out.rows.append({key: row[key] for key in ("question_id", "answer", "verdict", "source") if key in row})
    return out
