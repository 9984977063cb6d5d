"""How ``/ask`` reads to a student, on every platform: every text of the feature is here."""

from __future__ import annotations

from bot.core.ask import AskResult
from bot.core.text import shorten
from bot.core.types import Reply

NO_REFERENCE = "The course has no reference answer for this question yet — ask your TA."
ASK_USAGE = "Ask me a question about the course, e.g. `/ask why do we train on GPUs?`"


def too_long(chars: int, limit: int) -> Reply:
    return Reply(
        body=f"That question is {chars:,} characters long; please keep it under {limit:,} characters.",
        kind="usage",
    )


def slow_down(wait_s: float) -> Reply:
    return Reply(body=f"You're asking quickly! Please wait {int(wait_s) + 1} s before the next /ask.", kind="error")


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
