"""The insights picture: a real PNG of the expected size, hardest questions on top, that changes with
the data, and a clear picture (not a crash) for a period with no answers."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from PIL import Image

from bot.core.insights import ContentGap, DayCount, InsightsReport, QuestionStats
from bot.infra.charts import HEIGHT_PX, WIDTH_PX, insights_figure, render_insights_png


def sample(course_pack) -> InsightsReport:
    questions = course_pack.answered
    stats = tuple(
        QuestionStats(q.id, q.question, 10 + n, (7 * n) % 11, n % 3, 8 + n % 5)
        for n, q in enumerate(questions)
    )
    days = tuple(DayCount(date(2026, 11, 17) + timedelta(days=n), 5 + (13 * n) % 40) for n in range(14))
    return InsightsReport(
        course_title=course_pack.title,
        period_label="17-30 Nov 2026",
        students=34,
        answers=sum(s.answers for s in stats),
        per_question=stats,
        per_day=days,
        disputes_opened=4,
        disputes_accepted=1,
        disputes_rejected=2,
        asks=90,
        declined_asks=12,
        gaps=(ContentGap(2, "cuda out of memory", ("cuda out of memory", "CUDA OOM?")),),
    )


def pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    return np.asarray(image.convert("RGB"))


def test_a_png_of_the_promised_size(course_pack):
    image = pixels(render_insights_png(sample(course_pack)))
    assert image.shape == (HEIGHT_PX, WIDTH_PX, 3) == (700, 1000, 3)
    assert (image < 128).any()  # something is drawn, not a blank page


def test_the_same_data_gives_the_same_picture(course_pack):
    assert render_insights_png(sample(course_pack)) == render_insights_png(sample(course_pack))


def test_the_picture_changes_with_the_data(course_pack):
    report = sample(course_pack)
    before = pixels(render_insights_png(report))
    easier = tuple(replace(q, correct=q.answers, partial=0) for q in report.per_question)
    busier = tuple(replace(d, answers=d.answers * 2 + 1) for d in report.per_day)
    top, bottom = before.shape[0] * 55 // 100, before.shape[0] * 60 // 100  # between the two panels
    accuracy = pixels(render_insights_png(replace(report, per_question=easier)))
    per_day = pixels(render_insights_png(replace(report, per_day=busier)))
    assert (accuracy[:top] != before[:top]).any()
    assert (per_day[bottom:] != before[bottom:]).any()


def test_hardest_questions_are_on_top_and_capped(course_pack):
    report = sample(course_pack)
    figure = insights_figure(report, max_questions=5)
    accuracy = figure.axes[0]
    rows = sorted(zip(accuracy.get_yticks(), (t.get_text() for t in accuracy.get_yticklabels()), strict=True))
    assert [label for _, label in rows] == [q.question_id for q in report.hardest()[:5]]
    assert accuracy.yaxis_inverted()  # the first row drawn at the top
    assert accuracy.get_title(loc="left").startswith(f"Hardest 5 of {len(report.per_question)} questions")
    assert figure.get_suptitle() == f"{course_pack.title}: 17-30 Nov 2026"


def test_no_answers_is_a_clear_picture_not_a_crash(course_pack):
    empty = replace(sample(course_pack), per_question=(), per_day=(), answers=0, students=0)
    png = render_insights_png(empty)
    assert pixels(png).shape == (HEIGHT_PX, WIDTH_PX, 3)
    texts = [t.get_text() for ax in insights_figure(empty).axes for t in ax.texts]
    assert "No answers yet" in texts
    days_only = replace(empty, per_day=(DayCount(date(2026, 11, 30), 0),))
    assert "No answers yet" in [t.get_text() for ax in insights_figure(days_only).axes for t in ax.texts]


def test_one_day_and_one_question_still_draw(course_pack):
    report = sample(course_pack)
    small = replace(report, per_question=report.per_question[:1], per_day=report.per_day[-1:])
    assert pixels(render_insights_png(small)).shape == (HEIGHT_PX, WIDTH_PX, 3)
    assert [t.get_text() for t in insights_figure(small).axes[1].get_xticklabels()] == ["Mon\n30 Nov"]
