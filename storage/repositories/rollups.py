"""The rollups ``/insights`` reads instead of the answers: graded answers per question and UTC day, and
when each student last answered each question. Kept in the transaction that grades (and in the one that
applies a dispute's decision), like the leaderboard totals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func

from bot.core.grade import Verdict
from storage.db import Database
from storage.models import answer_daily, answer_students
from storage.repositories._common import _insert


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def add_to_rollups(db: Database, conn: Connection, graded: Sequence[tuple[Any, Verdict]]) -> None:
    """``graded``: (row with platform, space_id, course_id, question_id, user_id, submitted_at; verdict)."""
    if not graded:
        return
    daily: dict[tuple, dict[str, Any]] = {}
    students: dict[tuple, dict[str, Any]] = {}
    for row, verdict in graded:
        scope = (row.platform, row.space_id, row.course_id, row.question_id)
        entry = daily.setdefault(
            (*scope, _day(row.submitted_at)),
            dict(
                zip(("platform", "space_id", "course_id", "question_id"), scope, strict=True),
                day=_day(row.submitted_at),
                answers=0,
                correct=0,
                partial=0,
            ),
        )
        entry["answers"] += 1
        entry["correct"] += int(verdict is Verdict.CORRECT)
        entry["partial"] += int(verdict is Verdict.PARTIAL)
        key = (*scope, row.user_id)
        seen = students.get(key)
        if seen is None or seen["last_at"] < row.submitted_at:
            students[key] = dict(
                zip(("platform", "space_id", "course_id", "question_id"), scope, strict=True),
                user_id=row.user_id,
                last_at=row.submitted_at,
            )
    ins = _insert(db, answer_daily)
    conn.execute(
        ins.on_conflict_do_update(
            index_elements=["platform", "space_id", "course_id", "question_id", "day"],
            set_={
                "answers": answer_daily.c.answers + ins.excluded.answers,
                "correct": answer_daily.c.correct + ins.excluded.correct,
                "partial": answer_daily.c.partial + ins.excluded.partial,
            },
        ),
        [daily[k] for k in sorted(daily)],  # fixed order: no deadlocks
    )
    ins = _insert(db, answer_students)
    greatest = func.max if db.dialect == "sqlite" else func.greatest  # SQLite's two-argument max()
    conn.execute(
        ins.on_conflict_do_update(
            index_elements=["platform", "space_id", "course_id", "question_id", "user_id"],
            set_={"last_at": greatest(answer_students.c.last_at, ins.excluded.last_at)},
        ),
        [students[k] for k in sorted(students)],
    )


def move_verdict(conn: Connection, row: Any, before: Verdict, after: Verdict) -> None:
    """A decision changed an answer's verdict: its day's counts follow."""
    if before is after:
        return
    c = answer_daily.c
    conn.execute(
        answer_daily.update()
        .where(
            c.platform == row.platform,
            c.space_id == row.space_id,
            c.course_id == row.course_id,
            c.question_id == row.question_id,
            c.day == _day(row.submitted_at),
        )
        .values(
            correct=c.correct + int(after is Verdict.CORRECT) - int(before is Verdict.CORRECT),
            partial=c.partial + int(after is Verdict.PARTIAL) - int(before is Verdict.PARTIAL),
        )
    )
