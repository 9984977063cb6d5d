"""Replies of the quiz, leaderboard, schedule and practice features (platform-neutral text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.grade import Verdict
from bot.core.pack import QAItem
from bot.core.quiz.model import GradedResult, Leaderboard, Quiz, QuizSummary, Schedule, Totals
from bot.core.quiz.schedule import format_window
from bot.core.quiz.scoring import period_title
from bot.core.types import Button, ButtonAction, Reply

_VERDICT_TITLE = {
    Verdict.CORRECT: "Correct",
    Verdict.PARTIAL: "Partly right",
    Verdict.INCORRECT: "Not right",
    Verdict.REVIEW: "With the course staff",
}
REVIEW_NOTE = (
    "The grader could not decide on this answer, so it is with the course staff: no points until they "
    "have looked at it. What the grader saw so far:"
)


def when_text(moment: datetime, timezone: str = "UTC") -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a %d %b %Y, %H:%M} {timezone}"


def when_local_and_utc(moment: datetime, timezone: str) -> str:
    text = when_text(moment, timezone)
    if timezone != "UTC":
        text += f" ({moment.astimezone(UTC):%H:%M} UTC)"
    return text


def quiz_post(quiz: Quiz, item: QAItem, window: timedelta) -> Reply:
    return Reply(
        title=f"Quiz · question {item.id}",
        body=item.question,
        footer=f"One answer each · closes in {format_window(window)} · press Answer or type /answer TEXT",
        buttons=(Button("Answer", ButtonAction.ANSWER_QUIZ, quiz.id),),
        ephemeral=False,
        kind="quiz",
    )


def reveal(quiz: Quiz, item: QAItem | None, summary: QuizSummary | None) -> Reply:
    """``summary`` is None when the figures could not be read: the answer is revealed anyway."""
    question = item.question if item else f"question {quiz.question_id}"
    reference = item.answer if item and item.answer else "(no longer in the course pack)"
    if summary is None:
        return Reply(
            title=f"Quiz closed · question {quiz.question_id}",
            body=f"**{question}**\n\nReference answer: {reference}",
            ephemeral=False,
            kind="reveal",
        )
    fields: list[tuple[str, str]] = [("Answers", str(summary.answered))]
    if summary.graded:
        share = round(100 * summary.correct / summary.graded)
        fields.append(("Correct", f"{summary.correct} of {summary.graded} ({share}%)"))
    if summary.first_correct:
        fields.append(("First correct", ", ".join(summary.first_correct)))
    return Reply(
        title=f"Quiz closed · question {quiz.question_id}",
        body=f"**{question}**\n\nReference answer: {reference}",
        fields=tuple(fields),
        ephemeral=False,
        kind="reveal",
    )


def _points_text(result: GradedResult) -> str:
    if result.bonus:
        base = result.points - result.bonus
        return f"+{result.points} ({base} + {result.bonus} streak bonus, streak {result.streak})"
    return f"+{result.points}"


def graded(
    result: GradedResult,
    reference: str | None,
    *,
    heading: str | None = None,
    points: bool = True,
    already: bool = False,
    dispute: str | None = None,
) -> Reply:
    """The grade of an answer; ``already``: a repeat submission, shown with the earlier verdict.
    ``dispute``: what a "Dispute this grade" button carries (``quiz:ID``); none on an undecided answer,
    which is with the course staff already."""
    body = result.feedback
    if reference and reference not in body:
        body += f"\nReference answer: {reference}"
    if result.verdict is Verdict.REVIEW:
        body = f"{REVIEW_NOTE}\n{body}"
    if heading:
        body = f"{heading}\n\n{body}"
    fields: list[tuple[str, str]] = [("Score", f"{result.score}/100")]
    if points and result.verdict is not Verdict.REVIEW:
        fields.append(("Points", _points_text(result)))
    if result.covered and "; ".join(result.covered) not in body:
        fields.append(("Covered", "; ".join(result.covered)))
    if result.missed and "; ".join(result.missed) not in body:
        fields.append(("Missed", "; ".join(result.missed)))
    return Reply(
        title=(
            f"Already answered — your earlier answer: {_VERDICT_TITLE[result.verdict]}, {result.score}/100"
            if already
            else f"{_VERDICT_TITLE[result.verdict]} — {result.score}/100"
        ),
        body=body,
        fields=tuple(fields),
        buttons=dispute_buttons(result.verdict, dispute),
        kind="grade",
    )


def dispute_buttons(verdict: Verdict, dispute: str | None) -> tuple[Button, ...]:
    if dispute is None or verdict is Verdict.REVIEW:
        return ()
    return (Button("Dispute this grade", ButtonAction.DISPUTE, dispute),)


def late(quiz: Quiz, item: QAItem | None) -> Reply:
    closed = quiz.closed_at or quiz.closes_at
    reference = f"\nReference answer: {item.answer}" if item and item.answer else ""
    return Reply(
        body=f"This quiz closed on {when_text(closed)}: answers are no longer accepted, so this one earns "
        f"no points.{reference}\nTry `/practice` to review questions any time.",
        title="Quiz closed",
        kind="error",
    )


def leaderboard(board: Leaderboard) -> Reply:
    lines = [f"{row.rank}. {row.display_name} — {row.points} pts" for row in board.rows]
    if not lines:
        lines = ["No points yet in this period: answer the next quiz to get on the board!"]
    footer = None
    if board.me is not None:
        listed = any(row.user_id == board.me.user_id for row in board.rows)
        you = f"You: #{board.me.rank} of {board.players} with {board.me.points} pts"
        if not listed:
            lines.append("…")
        footer = you
    else:
        footer = "You have no points in this period yet."
    return Reply(
        title=f"Leaderboard · {period_title(board.period, board.period_key)}",
        body="\n".join(lines),
        footer=footer,
        kind="info",
    )


def stats(
    name: str,
    totals: Totals,
    current_streak: int,
    best_streak: int,
    extra: tuple[tuple[str, str], ...] = (),
) -> Reply:
    """``extra``: fields other features add (the student's disputes)."""
    accuracy = f"{round(100 * totals.correct / totals.answers)}%" if totals.answers else "—"
    rank = f"#{totals.rank} of {totals.players}" if totals.rank else "not ranked yet"
    return Reply(
        title=f"Stats · {name}",
        body="Your quiz record in this space (practice is not counted).",
        fields=(
            ("Points", str(totals.points)),
            ("Rank", rank),
            ("Accuracy", f"{accuracy} ({totals.correct} of {totals.answers} correct)"),
            ("Streak", f"{current_streak} now, best {best_streak}"),
            ("Answers given", str(totals.answers)),
            *extra,
        ),
        kind="info",
    )


def schedule_status(schedule: Schedule | None, next_fire: datetime | None, open_quiz: Quiz | None) -> Reply:
    fields: list[tuple[str, str]] = []
    if schedule is None:
        body = (
            "No quiz is scheduled in this channel. An admin can set one, e.g. "
            "`/quiz schedule 09:00 mon-fri Europe/Berlin`."
        )
    else:
        state = "paused (`/quiz resume` restarts it)" if schedule.paused else "active"
        window = format_window(schedule.answer_window)
        body = f"Quiz {schedule.rule.describe()}, answers open for {window} — {state}."
        if next_fire is not None and not schedule.paused:
            fields.append(("Next quiz", when_local_and_utc(next_fire, schedule.rule.timezone)))
    if open_quiz is not None:
        fields.append(
            ("Open quiz", f"question {open_quiz.question_id}, closes {when_text(open_quiz.closes_at)}")
        )
    return Reply(title="Quiz schedule", body=body, fields=tuple(fields), kind="info")


def practice_question(
    item: QAItem, due: datetime | None, now: datetime, reviews: int, course_id: str
) -> Reply:
    if reviews == 0:
        note = "New question."
    elif due is not None and due <= now:
        note = "Due for review."
    else:
        note = "Nothing is due: here is the next one, a little early."
    return Reply(
        title=f"Practice · question {item.id}",
        body=f"{item.question}\n\n{note}",
        footer="Answer with /practice answer TEXT or press Answer · practice earns no leaderboard points",
        buttons=(Button("Answer", ButtonAction.ANSWER_PRACTICE, practice_value(course_id, item.id)),),
        kind="quiz",
    )


def practice_value(course_id: str, question_id: str) -> str:
    """What a practice button carries: the course too, so a course switch cannot swap the question."""
    return f"{course_id}/{question_id}"


def next_review_text(due: datetime, now: datetime) -> str:
    delta = due - now
    if delta < timedelta(hours=1):
        minutes = max(1, round(delta.total_seconds() / 60))
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    if delta < timedelta(days=1):
        hours = round(delta.total_seconds() / 3600)
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    days = round(delta.total_seconds() / 86400)
    return f"in {days} day{'s' if days != 1 else ''} ({due:%d %b %Y})"
