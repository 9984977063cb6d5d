"""``/insights``: what the course's students answered, disputed and asked, for its staff.

Every ``/ask`` is counted without the asker's id; a declined one keeps its text and embedding for
``ask_log_days`` days (0: none), which is what the content gaps are grouped from. The figures are
computed by the database; the gaps by grouping at most ``MAX_GAP_QUESTIONS`` recent declined asks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from bot.core.ask import AskResult
from bot.core.courses.catalog import CourseCatalog
from bot.core.insights.gaps import group_by_meaning
from bot.core.insights.ports import AskRecord, ChartRenderer, Figures, InsightsRepository, Scope
from bot.core.insights.report import DayCount, InsightsReport, QuestionStats
from bot.core.insights.text import report_text
from bot.core.pack import CoursePack
from bot.core.types import Attachment, Place, Reply, ReplyKind

log = logging.getLogger(__name__)

PERIODS = {"week": (timedelta(days=7), "last 7 days"), "month": (timedelta(days=30), "last 30 days")}
ALL_TIME = "all time"
MAX_GAP_QUESTIONS = 1000  # grouping is quadratic: the most recent ones say what is missing now
PURGE_EVERY = timedelta(hours=1)
FLUSH_AFTER_S = 1.0  # an ask is in the log at most this long after it was answered
FLUSH_AT = 200  # or as soon as this many are waiting


class InsightsService:
    def __init__(
        self,
        *,
        store: InsightsRepository,
        courses: CourseCatalog,
        clock: Callable[[], datetime],
        chart: ChartRenderer | None = None,
        ask_log_days: int = 90,
    ) -> None:
        self.store = store
        self.courses = courses
        self.clock = clock
        self.chart = chart
        self.ask_log_days = ask_log_days
        self._purged: datetime | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._buffer: list[AskRecord] = []
        self._timer: asyncio.TimerHandle | None = None

    # --- the ask log ----------------------------------------------------------------------------
    def asked(self, place: Place, course_id: str, result: AskResult) -> None:
        """Record an ``/ask`` in the background: the answer never waits for the database.

        Asks are buffered and written together (after ``FLUSH_AFTER_S``, or at ``FLUSH_AT`` asks): one
        transaction per ask, run beside the next ask's encode, made a warm ``/ask`` 40 % slower."""
        keep = result.abstained and self.ask_log_days > 0
        vector = None
        if keep and result.vector is not None:
            vector = np.asarray(result.vector, dtype=np.float16).tobytes()
        self._buffer.append(
            AskRecord(
                place.platform,
                place.space_id,
                course_id,
                self.clock(),
                result.abstained,
                result.query if keep else None,
                vector,
            )
        )
        if len(self._buffer) >= FLUSH_AT:
            self._flush_now()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_AFTER_S, self._flush_now)

    def _flush_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        records, self._buffer = self._buffer, []
        if records:
            task = asyncio.get_running_loop().create_task(self._record(records))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _record(self, records: list[AskRecord]) -> None:
        try:
            await self.store.record_asks(records)
            now = records[-1].asked_at
            if self._purged is None or now - self._purged >= PURGE_EVERY:
                self._purged = now
                await self.store.forget_asks(now - timedelta(days=self.ask_log_days))
        except Exception:
            log.exception("recording asks failed asks=%d", len(records))

    async def drain(self) -> None:
        """Write the buffered asks and wait for every write under way (shutdown, tests)."""
        self._flush_now()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    # --- the report -----------------------------------------------------------------------------
    async def report(self, scope: Scope, pack: CoursePack, period_label: str) -> InsightsReport:
        figures, declined = await asyncio.gather(
            self.store.figures(scope), self.store.declined(scope, MAX_GAP_QUESTIONS)
        )
        gaps = await asyncio.to_thread(_gaps, declined)
        return replace(_report(pack, period_label, figures, gaps), grouped_asks=len(declined))

    async def insights(self, place: Place, period: str) -> Reply:
        """``/insights [week|month|all]`` for the course of ``place`` (admins: the router checks)."""
        since, label = self.period(period)
        course_id = await self.courses.course_id_for(place)  # the pack is enough: no model is built
        scope = Scope(place.platform, place.space_id, course_id, since)
        report = await self.report(scope, self.courses.pack(course_id), label)
        attachments: tuple[Attachment, ...] = ()
        if self.chart is not None and report.answers:
            png = await asyncio.to_thread(self.chart, report)
            attachments = (
                Attachment("insights.png", png, f"Accuracy per question and answers per day, {label}"),
            )
        return Reply(body=report_text(report), attachments=attachments, kind=ReplyKind.INFO)

    def period(self, word: str) -> tuple[datetime | None, str]:
        word = word.strip().lower() or "week"
        if word in ("all", "all-time", "alltime"):
            return None, ALL_TIME
        if word not in PERIODS:
            raise ValueError(f"`{word[:20]}` is not a period: use week, month or all.")
        span, label = PERIODS[word]
        return self.clock() - span, label


def _gaps(declined: list[tuple[str, bytes]]):  # type: ignore[no-untyped-def]
    rows = [(text, np.frombuffer(v, dtype=np.float16)) for text, v in declined]
    if not rows:
        return []
    width = len(rows[0][1])  # the newest; vectors of an earlier model (another width) are left out
    rows = [(text, v) for text, v in rows if len(v) == width]
    vectors = np.vstack([v for _, v in rows]).astype(np.float32)
    return group_by_meaning([text for text, _ in rows], vectors)


def _report(pack: CoursePack, label: str, figures: Figures, gaps) -> InsightsReport:  # type: ignore[no-untyped-def]
    per_question = []
    for f in figures.per_question:
        item = pack.get(f.question_id)
        question = item.question if item else f"question {f.question_id} (removed)"
        per_question.append(
            QuestionStats(f.question_id, question, f.answers, f.correct, f.partial, f.students)
        )
    return InsightsReport(
        course_title=pack.title,
        period_label=label,
        students=figures.students,
        answers=figures.answers,
        per_question=tuple(per_question),
        per_day=tuple(DayCount(day, n) for day, n in figures.per_day),
        disputes_opened=figures.disputes_opened,
        disputes_accepted=figures.disputes_accepted,
        disputes_rejected=figures.disputes_rejected,
        asks=figures.asks,
        declined_asks=figures.declined_asks,
        gaps=tuple(g for g in gaps if g.size > 1) or tuple(gaps[:5]),
    )
