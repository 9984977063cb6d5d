"""What the dispute and review features say (platform-neutral)."""

from __future__ import annotations

from datetime import timedelta

from bot.core.disputes.model import Decision, Dispute, DisputeCounts, DisputeStatus
from bot.core.grade import Verdict
from bot.core.text import shorten
from bot.core.types import REASON_CHARS, Button, ButtonAction, Reply, ReplyKind

VERDICT_WORDS = {
    Verdict.CORRECT: "correct",
    Verdict.PARTIAL: "partly right",
    Verdict.INCORRECT: "not right",
    Verdict.REVIEW: "undecided",
}
DISPUTE_USAGE = "/dispute [REASON]"
REVIEW_USAGE = "/review | /review accept ID correct|partial [NOTE] | /review reject ID [NOTE]"


def _error(body: str) -> Reply:
    return Reply(body=body, kind=ReplyKind.ERROR)


def nothing_to_dispute() -> Reply:
    return _error("You have no graded answer here to dispute yet.")


def no_such_answer() -> Reply:
    return _error("That answer doesn't exist here.")


def not_graded_yet() -> Reply:
    return _error("That answer is not graded yet: you can dispute its grade once you have it.")


def not_yours() -> Reply:
    return _error("You can only dispute your own answers.")


def already_with_staff() -> Reply:
    return _error("This answer is already with the course staff: the grader left it to them.")


def expired(window: timedelta) -> Reply:
    days = window.days or 1
    return _error(
        f"Grades can be disputed for {days} day{'s' if days != 1 else ''} after grading; this one is older."
    )


def already_disputed() -> Reply:
    return _error("You already disputed this grade: one dispute per answer. `/stats` shows where it stands.")


def reason_too_long() -> Reply:
    return Reply(
        body=f"Please keep it under {REASON_CHARS} characters. Nothing was sent.", kind=ReplyKind.USAGE
    )


def admins_only() -> Reply:
    return _error("Sorry, only course admins can decide disputes.")


def no_such_dispute(dispute_id: int) -> Reply:
    return _error(f"There is no dispute #{dispute_id} here. `/review` lists the open ones.")


def decided_already(dispute: Dispute) -> Reply:
    return _error(f"Dispute #{dispute.id} was already {dispute.status.value}. `/review` lists the open ones.")


def decided_meanwhile(dispute_id: int) -> Reply:
    return _error(f"Another admin decided dispute #{dispute_id} a moment ago; your decision was not applied.")


def busy(dispute_id: int) -> Reply:
    return Reply(
        body=f"The student's answers changed while dispute #{dispute_id} was being decided, so nothing was "
        "changed. Please decide it again in a moment.",
        kind=ReplyKind.ERROR,
        retry=True,
    )


def dispute_opened(dispute: Dispute) -> Reply:
    return Reply(
        title=f"Dispute #{dispute.id} sent",
        body="The course staff will look at your answer again; you'll get a message when they decide. "
        "`/stats` shows your disputes.",
        kind=ReplyKind.INFO,
    )


def review_queue(waiting: list[Dispute], total: int) -> Reply:
    if not waiting:
        return Reply(title="Review", body="No open disputes. Nothing waits for you.", kind=ReplyKind.INFO)
    parts = [review_item_text(d) for d in waiting]
    more = total - len(waiting)
    footer = (
        "Decide with the buttons, or `/review accept ID correct|partial [NOTE]`, `/review reject ID [NOTE]`."
    )
    if more:
        footer = f"{more} more after these. " + footer
    buttons = tuple(b for d in waiting for b in review_buttons(d))
    return Reply(
        title=f"Review · {total} open",
        body="\n\n".join(parts),
        footer=footer,
        buttons=buttons,
        kind=ReplyKind.INFO,
    )


def review_item_text(dispute: Dispute) -> str:
    a = dispute.answer
    who = "left undecided by the grader" if dispute.opened_by == "grader" else f"disputed by {a.display_name}"
    lines = [
        f"**#{dispute.id}** · {a.kind.value} answer to question {a.question_id} ({a.course_id}) · {who}",
        f"Answer: {shorten(a.text, 400)}",
        f"Bot's verdict: {VERDICT_WORDS[a.verdict]} ({a.score}/100) — {shorten(a.feedback.splitlines()[0] if a.feedback else '', 200)}",
    ]
    if dispute.reason:
        lines.append(f"Reason: {shorten(dispute.reason, REASON_CHARS)}")
    return "\n".join(lines)


def review_buttons(dispute: Dispute) -> tuple[Button, ...]:
    value = str(dispute.id)
    return (
        Button(f"#{dispute.id} correct", ButtonAction.REVIEW_CORRECT, value),
        Button(f"#{dispute.id} partial", ButtonAction.REVIEW_PARTIAL, value),
        Button(f"#{dispute.id} reject", ButtonAction.REVIEW_REJECT, value),
    )


def decided(dispute: Dispute, decision: Decision, changed: int) -> Reply:
    word = "accepted" if decision.status is DisputeStatus.ACCEPTED else "rejected"
    body = (
        f"Dispute #{dispute.id} {word}: {dispute.answer.display_name}'s answer is "
        f"{VERDICT_WORDS[decision.verdict_after]} ({decision.points_before} → {decision.points_after} points)."
    )
    if changed > 1:
        body += f" Their streak changed too: {changed - 1} later answer(s) updated."
    return Reply(body=body + " The student has been told.", kind=ReplyKind.INFO)


def student_told(dispute: Dispute, decision: Decision) -> Reply:
    a = dispute.answer
    accepted = decision.status is DisputeStatus.ACCEPTED
    title = "Your dispute was accepted" if accepted else "Your dispute was not accepted"
    if dispute.opened_by == "grader":
        title = "Your answer was reviewed"
    body = f"Question {a.question_id}: your answer is now {VERDICT_WORDS[decision.verdict_after]}"
    if a.kind.value == "quiz":
        body += f" ({decision.points_after} points, was {decision.points_before})"
    body += "."
    if decision.note:
        body += f"\nNote from the course staff: {decision.note}"
    return Reply(title=title, body=body, kind=ReplyKind.INFO)


def reviewed_feedback(feedback: str, after: Verdict, note: str) -> str:
    extra = f"Reviewed by the course staff: {VERDICT_WORDS[after]}."
    if note:
        extra += f" {note}"
    return f"{feedback}\n\n{extra}" if feedback else extra


def counts_field(counts: DisputeCounts) -> tuple[str, str] | None:
    if not (counts.open or counts.accepted or counts.rejected):
        return None
    return ("Disputes", f"{counts.open} open, {counts.accepted} accepted, {counts.rejected} rejected")
