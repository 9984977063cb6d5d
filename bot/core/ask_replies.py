"""How an ``/ask`` result reads to a student, on every platform."""

from __future__ import annotations

from bot.core.ask import AskResult
from bot.core.text import shorten
from bot.core.types import Reply

NO_REFERENCE = "The course has no reference answer for this question yet — ask your TA."


def _related_line(result: AskResult) -> str:
    return "\n".join(f"• {hit.item.id} — {shorten(hit.item.question, 150)}" for hit in result.related)


def ask_reply(result: AskResult) -> Reply:
    if result.abstained or result.item is None:
        body = "The course material doesn't cover that."
        if result.related:
            body += "\n\nClosest topics in the course:\n" + _related_line(result)
        return Reply(body=body, title="Not in the course", kind="abstain")
    item = result.item
    body = item.answer if item.answered else NO_REFERENCE
    fields: tuple[tuple[str, str], ...] = ()
    if result.related:
        fields = (("Related", _related_line(result)),)
    return Reply(
        body=body or "",
        title=f"{item.id} · {item.question}",
        fields=fields,
        footer=f"From the course Q&A, item {item.id} (match {result.score:.2f})",
        kind="answer",
    )
