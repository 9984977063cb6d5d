"""Part of the composition root: what the command line reads from the database without serving a
platform — the insights report with its chart, and the decided disputes as labelled answers."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

from bot.app.courses import load_packs
from bot.app.settings import Settings, StartupError


@dataclass(frozen=True)
class WrittenReport:
    text: str
    chart: Path | None  # None when the period has no answers to draw


def _storage(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.app.quiz_wiring import open_storage

    packs = load_packs(settings)
    database, repos = open_storage(settings, legacy_course=packs[0].id)
    return packs, database, repos


def insights_report(
    settings: Settings,
    *,
    output: Path | None,
    period: str = "week",
    course_id: str | None = None,
    platform: str | None = None,
    space_id: str | None = None,
) -> WrittenReport:
    """The course's insights (every space, or one), the chart written to ``output``."""
    from bot.core.insights.ports import Scope
    from bot.core.insights.service import InsightsService
    from bot.core.insights.text import report_text

    packs, database, repos = _storage(settings)
    try:
        pack = next((p for p in packs if p.id == (course_id or packs[0].id)), None)
        if pack is None:
            raise StartupError(f"no course {course_id!r} (courses: {', '.join(p.id for p in packs)})")
        service = InsightsService(store=repos.insights, courses=None, clock=_now)  # type: ignore[arg-type]
        try:
            since, label = service.period(period)
        except ValueError as exc:
            raise StartupError(str(exc).replace("`", "")) from None
        report = asyncio.run(service.report(Scope(platform, space_id, pack.id, since), pack, label))
    finally:
        database.close()
    chart = None
    if output is not None and report.answers:
        from bot.infra.charts import render_insights_png

        output.write_bytes(render_insights_png(report))
        chart = output
    return WrittenReport(report_text(report), chart)


def export_labels(settings: Settings, output: Path, course_id: str | None = None) -> int:
    """Write the decided disputes as JSON lines (``course``, ``question_id``, ``answer``, ``verdict``)."""
    _, database, repos = _storage(settings)
    try:
        rows = asyncio.run(repos.disputes.labels(course_id))
    finally:
        database.close()
    output.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return len(rows)


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)
