"""The insights report as a picture: accuracy per question and answers per day, as one PNG.

matplotlib's object API on the Agg canvas: no pyplot, so no global figure state and no display,
safe to call from a worker thread. 1000 x 700 pixels, readable in a chat client's preview."""

from __future__ import annotations

import io
import math
import textwrap
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from bot.core.insights import InsightsReport, QuestionStats

WIDTH_PX, HEIGHT_PX, DPI = 1000, 700, 100
MAX_QUESTIONS = 12
MIN_SLOTS_QUESTIONS, MIN_SLOTS_DAYS = 6, 7  # few bars keep a sensible thickness instead of filling the panel
MAX_DAY_LABELS = 10
RIGHT, PARTLY, DAYS = "#2e7d32", "#f2b84b", "#3f6fb5"


def render_insights_png(report: InsightsReport, *, max_questions: int = MAX_QUESTIONS) -> bytes:
    """A PNG: the hardest ``max_questions`` questions' accuracy (bars, hardest on top) above the
    answers per day; a "no answers yet" picture of the same size when the period has none."""
    out = io.BytesIO()
    fig = insights_figure(report, max_questions=max_questions)
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})  # no version: same data, same bytes
    return out.getvalue()


def insights_figure(report: InsightsReport, *, max_questions: int = MAX_QUESTIONS) -> Figure:
    """The figure behind ``render_insights_png`` (for tests, or another format)."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    title = textwrap.shorten(report.course_title, 70, placeholder="…")
    period = textwrap.shorten(report.period_label, 40, placeholder="…")
    fig.suptitle(f"{title}: {period}", fontsize=15, parse_math=False)  # a course title may hold "$"
    hardest = report.hardest()
    if not hardest and not any(d.answers for d in report.per_day):
        _empty(fig)
    else:
        top, bottom = fig.subplots(2, 1, height_ratios=(3, 2))
        _accuracy(top, report, hardest[:max_questions], len(hardest))
        _per_day(bottom, report)
    return fig


def _empty(fig: Figure) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.55, "No answers yet", ha="center", va="center", fontsize=28, color="#555555")
    ax.text(
        0.5,
        0.42,
        "The charts appear once students answer quizzes.",
        ha="center",
        va="center",
        fontsize=13,
        color="#777777",
    )


def _accuracy(ax: Axes, report: InsightsReport, hardest: list[QuestionStats], answered: int) -> None:
    which = (
        "Hardest questions" if len(hardest) == answered else f"Hardest {len(hardest)} of {answered} questions"
    )
    ax.set_title(f"{which}: share of answers graded right", fontsize=12, loc="left")
    if not hardest:
        ax.set_axis_off()
        ax.text(
            0.5, 0.5, "No quiz answers in this period", ha="center", va="center", fontsize=13, color="#777777"
        )
        return
    rows = range(len(hardest))
    right = [100 * q.accuracy for q in hardest]
    partly = [100 * q.partial_share for q in hardest]
    ax.barh(rows, right, color=RIGHT, label="right", height=0.7)
    ax.barh(rows, partly, left=right, color=PARTLY, label="partly right", height=0.7)
    for row, q, end in zip(rows, hardest, (r + p for r, p in zip(right, partly, strict=True)), strict=True):
        label = f"{round(100 * q.accuracy)}% right, {q.answers} answers"
        ax.text(end + 1, row, label, va="center", fontsize=9, color="#333333")
    ax.set_yticks(list(rows), [q.question_id for q in hardest], fontsize=10)
    ax.set_ylim(max(len(hardest), MIN_SLOTS_QUESTIONS) - 0.5, -0.5)  # hardest on top
    ax.set_xlim(0, 122)  # room for the label right of a full bar
    ax.set_xticks(range(0, 101, 20))
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylabel("question")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower right", fontsize=9, frameon=False, ncols=2, bbox_to_anchor=(1.0, 1.0))


def _per_day(ax: Axes, report: InsightsReport) -> None:
    students = f"{report.students} student" + ("" if report.students == 1 else "s")
    ax.set_title(f"Answers per day ({report.answers} in all, from {students})", fontsize=12, loc="left")
    days = sorted(report.per_day, key=lambda d: d.day)
    if not days:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            "No daily counts for this period",
            ha="center",
            va="center",
            fontsize=13,
            color="#777777",
        )
        return
    first = days[0].day
    x = [(d.day - first).days for d in days]  # a day missing from the data shows as a gap
    ax.bar(x, [d.answers for d in days], width=0.8, color=DAYS)
    span = x[-1] + 1
    step = math.ceil(span / MAX_DAY_LABELS)
    ticks = list(range(0, span, step))
    weekday = span <= 2 * MAX_DAY_LABELS  # "Tue\n17 Nov" while there is room, "17 Nov" beyond
    ax.set_xticks(ticks, [_day_label(first + timedelta(days=t), weekday) for t in ticks], fontsize=9)
    slots = max(span, MIN_SLOTS_DAYS)
    centre = (span - 1) / 2
    ax.set_xlim(centre - slots / 2, centre + slots / 2)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("answers")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)


def _day_label(day: date, weekday: bool) -> str:
    label = f"{day.day} {day:%b}"
    return f"{day:%a}\n{label}" if weekday else label
