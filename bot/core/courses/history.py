"""A new version of a course keeps its history: removed questions stay readable as ``retired``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.pack import CoursePack, QAItem


def with_history(current: CoursePack, earlier: Sequence[CoursePack]) -> CoursePack:
    """``current`` with the questions of ``earlier`` versions (oldest first) that it no longer has,
    each in the last form it had. A question that is still there shows its new text."""
    kept = {item.id for item in current.questions}
    retired: dict[str, QAItem] = {}
    for pack in earlier:
        for item in (*pack.retired, *pack.questions):
            if item.id not in kept:
                retired[item.id] = item
    return replace(current, retired=tuple(retired.values()), _by_id={})


def changes(old: CoursePack | None, new: CoursePack) -> tuple[int, int, int]:
    """(added, changed, removed) questions from ``old`` to ``new``."""
    before = {item.id: item for item in old.questions} if old else {}
    after = {item.id: item for item in new.questions}
    added = sum(1 for qid in after if qid not in before)
    removed = sum(1 for qid in before if qid not in after)
    changed = sum(
        1
        for qid, item in after.items()
        if qid in before and (before[qid].question, before[qid].answer) != (item.question, item.answer)
    )
    return added, changed, removed
