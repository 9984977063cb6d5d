"""The insights report as a chat message: hardest questions first, rows capped, gaps largest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.core.insights import ContentGap, DayCount, InsightsReport, QuestionStats, report_text


def stats(
    qid: str, answers: int, correct: int, partial: int = 0, students: int | None = None
) -> QuestionStats:
    return QuestionStats(qid, f"Question {qid}?", answers, correct, partial, students or answers)


def report(**changes) -> InsightsReport:
    base = InsightsReport(
        course_title="OSE - Introduction to Deep Learning",
        period_label="last 7 days",
        students=12,
        answers=60,
        per_question=(stats("1.1", 20, 18), stats("1.2", 10, 2, 3), stats("1.3", 30, 15, 5)),
        per_day=tuple(DayCount(date(2026, 11, 24) + timedelta(days=n), n * 3) for n in range(7)),
        disputes_opened=5,
        disputes_accepted=2,
        disputes_rejected=1,
        asks=40,
        declined_asks=8,
        gaps=(
            ContentGap(2, "CUDA out of memory", ("CUDA out of memory", "cuda oom fix")),
            ContentGap(5, "can someone explain backpropagation??", ("how does backprop work",) * 5),
        ),
    )
    return replace(base, **changes)


def test_accuracy_is_the_share_graded_right():
    assert stats("1.2", 10, 2, 3).accuracy == 0.2
    assert stats("1.2", 10, 2, 3).partial_share == 0.3
    assert stats("1.9", 0, 0).accuracy == 0.0


def test_hardest_questions_come_first_with_their_participation():
    text = report_text(report())
    rows = [line for line in text.splitlines() if line.startswith("| 1.")]
    assert [row.split("|")[1].strip() for row in rows] == ["1.2", "1.3", "1.1"]
    assert rows[0] == "| 1.2 | Question 1.2? | 20% | 30% | 10 | 10 |"
    assert "12 students · 60 answers · 40 /ask questions, 8 not answered by the course (20%)" in text


def test_unanswered_questions_are_not_the_hardest():
    text = report_text(report(per_question=(stats("1.1", 4, 3), stats("1.5", 0, 0))))
    assert "| 1.1 |" in text
    assert "| 1.5 |" not in text


def test_long_lists_are_cut_and_counted():
    many = tuple(stats(f"2.{n}", 10, n % 10) for n in range(25))
    gaps = tuple(ContentGap(n + 1, f"gap {n}", (f"gap {n}",) * (n + 1)) for n in range(8))
    text = report_text(report(per_question=many, gaps=gaps))
    assert sum(line.startswith("| 2.") for line in text.splitlines()) == 10
    assert "… and 15 more" in text
    assert [line[:3] for line in text.splitlines() if line[:1].isdigit() and line[1:3] == ". "] == [
        f"{n}. " for n in range(1, 6)
    ]
    assert "1. 8 questions, e.g. “gap 7”" in text  # largest first
    assert "… and 3 more (6 questions)" in text  # sizes 3, 2, 1
    assert len(text) < 2000  # one chat message


def test_gaps_largest_first_with_size_and_example():
    text = report_text(report())
    first, second = (
        text.index("5 questions, e.g. “can someone explain"),
        text.index("2 questions, e.g. “CUDA"),
    )
    assert first < second


def test_user_text_cannot_break_the_table():
    nasty = QuestionStats("1.1", "What | is\nthis `code`? " + "x" * 200, 3, 1, 0, 2)
    text = report_text(report(per_question=(nasty,)))
    row = next(line for line in text.splitlines() if line.startswith("| 1.1"))
    assert row.count("|") == 7
    assert "…" in row and "`" not in row


def test_answers_per_day_scale_to_the_busiest_day_and_fold_older_days():
    days = tuple(DayCount(date(2026, 11, 1) + timedelta(days=n), 10 if n == 9 else 1) for n in range(10))
    text = report_text(report(per_day=days))
    assert "3 earlier days: 3 answers" in text
    assert "Tue 10 Nov  ████████████ 10" in text  # the busiest day: a full bar
    assert "Mon 09 Nov  █ 1" in text
    assert "Tue 03 Nov" not in text  # folded into the earlier days


def test_an_empty_period_says_so():
    empty = report(
        students=0,
        answers=0,
        per_question=(),
        per_day=(),
        disputes_opened=0,
        disputes_accepted=0,
        disputes_rejected=0,
        asks=0,
        declined_asks=0,
        gaps=(),
    )
    text = report_text(empty)
    assert "0 students · 0 answers · 0 /ask questions" in text
    assert text.count("No answers yet.") == 2
    assert "**Disputes:** none" in text
    assert "Content gaps:** none" in text


def test_disputes_count_the_open_ones():
    assert "5 opened, 2 accepted, 1 rejected, 2 open" in report_text(report())
