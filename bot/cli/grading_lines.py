"""``studybot grade``: JSON lines in, one result object per line out, in order, in batches.

A bad line (not JSON, unknown id, a question without a reference answer) yields an error object for
that line; the other lines are still graded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from bot.core.grading import MeaningGrader
from bot.core.pack import CoursePack, QAItem
from bot.core.text import MAX_ANSWER_CHARS


def _parse(number: int, line: str, pack: CoursePack) -> tuple[QAItem, str] | dict[str, object]:
    def error(message: str, question_id: object = None) -> dict[str, object]:
        return {"line": number, "question_id": question_id, "error": message}

    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return error(f"not valid JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(record, dict):
        return error('expected an object like {"question_id": "1.3", "answer": "..."}')
    question_id, answer = record.get("question_id"), record.get("answer")
    if not isinstance(question_id, str):
        return error('"question_id" must be a string such as "1.3"', question_id)
    if not isinstance(answer, str):
        return error('"answer" must be a string', question_id)
    item = pack.get(question_id)
    if item is None:
        return error(f"unknown question id {question_id!r}", question_id)
    if not item.answered:
        return error(f"question {question_id} has no reference answer, so it cannot be graded", question_id)
    return item, answer[: MAX_ANSWER_CHARS * 4]


def grade_lines(
    lines: Iterable[str], pack: CoursePack, grader: MeaningGrader, *, batch: int = 64
) -> Iterator[dict[str, object]]:
    pending: list[tuple[int, QAItem, str] | dict[str, object]] = []

    def flush() -> Iterator[dict[str, object]]:
        work = [p for p in pending if not isinstance(p, dict)]
        grades = iter(grader.grade_many([(item, answer) for _, item, answer in work]))
        for entry in pending:
            if isinstance(entry, dict):
                yield entry
                continue
            number, item, _ = entry
            g = next(grades)
            yield {
                "line": number,
                "question_id": item.id,
                "correct": g.correct,
                "verdict": g.verdict.value,
                "score": g.score,
                "covered": list(g.covered),
                "missed": list(g.missed),
                "feedback": g.feedback,
            }
        pending.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = _parse(number, line, pack)
        pending.append(parsed if isinstance(parsed, dict) else (number, *parsed))
        if sum(1 for p in pending if not isinstance(p, dict)) >= batch:
            yield from flush()
    yield from flush()
