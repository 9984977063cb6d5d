"""Instructor insight: what a course's students answered and asked, as plain values and text.

- ``report``: the frozen dataclasses of one insights report (``InsightsReport`` and its parts);
- ``text``: ``report_text(report)``, the report as a short markdown message for a chat or the console;
- ``gaps``: ``group_by_meaning(texts, vectors)``, the questions ``/ask`` declined, grouped by meaning.

The numbers come from the database and the vectors from the embedder; both are the app's to fetch,
so nothing here does I/O.
"""

from bot.core.insights.gaps import group_by_meaning
from bot.core.insights.report import ContentGap, DayCount, InsightsReport, QuestionStats
from bot.core.insights.text import report_text

__all__ = [
    "ContentGap",
    "DayCount",
    "InsightsReport",
    "QuestionStats",
    "group_by_meaning",
    "report_text",
]
