"""An insights report as a short markdown message: fits one chat message and renders in the console.

Sections: the totals, the hardest questions as a table (lowest accuracy first), answers per day as
bars, disputes, and the content gaps largest first. Long lists are cut ("… and 4 more") so that the
text stays under a chat message's limit (Discord's is 2,000 characters)."""

from __future__ import annotations

from bot.core.insights.report import InsightsReport, QuestionStats

MAX_QUESTIONS = 10
MAX_GAPS = 5
MAX_DAYS = 7  # the most recent days; older ones are summed up in one line
QUESTION_CHARS = 40
EXAMPLE_CHARS = 70
BAR_WIDTH = 12


def report_text(
    report: InsightsReport, *, max_questions: int = MAX_QUESTIONS, max_gaps: int = MAX_GAPS
) -> str:
    """The report as markdown: totals, hardest questions, answers per day, disputes, content gaps."""
    title = f"**Insights: {_cell(report.course_title, 80)}** ({_cell(report.period_label, 40)})"
    lines = [title, "", _totals(report)]
    lines += ["", *_questions(report, max_questions)]
    lines += ["", *_days(report)]
    lines += ["", _disputes(report)]
    lines += ["", *_gaps(report, max_gaps)]
    return "\n".join(lines).strip() + "\n"


def _totals(report: InsightsReport) -> str:
    asks = f"{_n(report.asks, '/ask question')}"
    if report.asks:
        asks += f", {report.declined_asks} not answered by the course ({_pct(report.declined_asks / report.asks)})"
    return f"{_n(report.students, 'student')} · {_n(report.answers, 'answer')} · {asks}"


def _questions(report: InsightsReport, limit: int) -> list[str]:
    hardest = report.hardest()
    if not hardest:
        return ["**Hardest questions**", "No answers yet."]
    rows = [
        "**Hardest questions** (share graded right)",
        "| # | Question | Right | Partly | Answers | Students |",
        "|---|---|---:|---:|---:|---:|",
    ]
    rows += [_question_row(q) for q in hardest[:limit]]
    if len(hardest) > limit:
        rows += ["", f"… and {len(hardest) - limit} more"]  # a blank line ends the table
    return rows


def _question_row(q: QuestionStats) -> str:
    return (
        f"| {_cell(q.question_id, 12)} | {_cell(q.question, QUESTION_CHARS)} | {_pct(q.accuracy)} | "
        f"{_pct(q.partial_share)} | {q.answers} | {q.students} |"
    )


def _days(report: InsightsReport) -> list[str]:
    days = sorted(report.per_day, key=lambda d: d.day)
    if not days:
        return ["**Answers per day**", "No answers yet."]
    shown, older = days[-MAX_DAYS:], days[:-MAX_DAYS]
    top = max(d.answers for d in shown) or 1
    rows = ["**Answers per day**", "```"]
    if older:
        rows.append(f"{len(older)} earlier days: {_n(sum(d.answers for d in older), 'answer')}")
    for d in shown:
        bar = "█" * round(BAR_WIDTH * d.answers / top) if d.answers else "·"
        rows.append(f"{d.day:%a %d %b}  {bar} {d.answers}")
    rows.append("```")
    return rows


def _disputes(report: InsightsReport) -> str:
    if not report.disputes_opened:
        return "**Disputes:** none"
    return (
        f"**Disputes:** {report.disputes_opened} opened, {report.disputes_accepted} accepted, "
        f"{report.disputes_rejected} rejected, {report.disputes_open} open"
    )


def _gaps(report: InsightsReport, limit: int) -> list[str]:
    gaps = report.gaps
    if not gaps and report.declined_asks:
        return [f"**Content gaps:** {_n(report.declined_asks, 'question')} not answered, none of them kept to group."]
    if not gaps:
        return ["**Content gaps:** none: the course answered every /ask question."]
    ordered = sorted(gaps, key=lambda g: -g.size)  # stable: equal sizes keep their order
    grouped = report.grouped_asks or sum(g.size for g in gaps)
    sample = f", from the latest {grouped:,} of {report.declined_asks:,}" if grouped < report.declined_asks else ""
    rows = [f"**Content gaps** (questions the course could not answer, grouped by meaning{sample})"]
    for n, gap in enumerate(ordered[:limit], start=1):
        rows.append(f"{n}. {_n(gap.size, 'question')}, e.g. “{_cell(gap.example, EXAMPLE_CHARS)}”")
    if len(ordered) > limit:
        rest = ordered[limit:]
        rows.append(f"… and {len(rest)} more ({_n(sum(g.size for g in rest), 'question')})")
    return rows


def _cell(text: str, limit: int) -> str:
    """User text on one line, cut at ``limit`` characters, safe inside a markdown table."""
    flat = " ".join(text.split()).replace("|", "/").replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _pct(share: float) -> str:
    return f"{round(100 * share)}%"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
