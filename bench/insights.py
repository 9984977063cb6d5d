"""Benchmark of ``/insights`` on PostgreSQL: 1,000,000 quiz answers and 100,000 asks in one course.

Fills a fresh schema (answers over 90 days from 5,000 students on 2,500 quizzes of the shipped course;
asks with 30 % declined, each declined one with its embedding), then times the whole ``/insights``
command path (the database's figures, the content gaps, the text and the PNG chart) for each period,
with its parts. Prints figures, asserts nothing.

Usage: python bench/insights.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]
       [--answers 1000000] [--asks 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLATFORM, SPACE, CHANNEL = "discord", "bench-guild", "bench-channel"
NOW = datetime.now(UTC)


def fill(conn, course_id: str, question_ids: list[str], answers: int, asks: int) -> None:
    from sqlalchemy import text

    quizzes = 2500
    conn.execute(
        text(
            "INSERT INTO quizzes (id, platform, space_id, channel_id, course_id, question_id, scheduled, "
            "posted_at, closes_at, closed_at) "
            "SELECT 'b' || g, :p, :s, :c, :course, (CAST(:qids AS text[]))[1 + g % :nq], false, "
            "  CAST(:now AS timestamptz) - (g * interval '52 minutes'), CAST(:now AS timestamptz) - (g * interval '52 minutes') + interval '1 day', "
            "  CAST(:now AS timestamptz) - (g * interval '52 minutes') + interval '1 day' "
            "FROM generate_series(1, :n) AS g"
        ),
        {"p": PLATFORM, "s": SPACE, "c": CHANNEL, "course": course_id, "qids": question_ids,
         "nq": len(question_ids), "now": NOW, "n": quizzes},
    )
    conn.execute(
        text(
            "INSERT INTO quiz_answers (quiz_id, platform, space_id, course_id, user_id, display_name, answer, "
            "submitted_at, graded_at, verdict, score, points, bonus, streak) "
            "SELECT 'b' || (1 + g % :nquiz), :p, :s, :course, 'u' || (g / :nquiz), 'Student', 'an answer', "
            "  CAST(:now AS timestamptz) - ((1 + g % :nquiz) * interval '52 minutes') + interval '1 hour', "
            "  CAST(:now AS timestamptz) - ((1 + g % :nquiz) * interval '52 minutes') + interval '1 hour', "
            "  (ARRAY['correct','partial','incorrect'])[1 + (g * 7 + g / 13) % 3], 50, 5, 0, 0 "
            "FROM generate_series(1, :n) AS g"
        ),
        {"p": PLATFORM, "s": SPACE, "course": course_id, "now": NOW, "n": answers, "nquiz": quizzes},
    )
    # what the grading transaction keeps beside each grade (storage/repositories/rollups.py)
    graded = "FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id WHERE a.graded_at IS NOT NULL"
    conn.execute(
        text(
            "INSERT INTO answer_daily (platform, space_id, course_id, question_id, day, answers, correct, partial) "
            "SELECT a.platform, a.space_id, a.course_id, q.question_id, date(a.submitted_at), count(*), "
            "sum(CASE WHEN a.verdict = 'correct' THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN a.verdict = 'partial' THEN 1 ELSE 0 END) {graded} "
            "GROUP BY a.platform, a.space_id, a.course_id, q.question_id, date(a.submitted_at)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO answer_students (platform, space_id, course_id, question_id, user_id, last_at) "
            f"SELECT a.platform, a.space_id, a.course_id, q.question_id, a.user_id, max(a.submitted_at) {graded} "
            "GROUP BY a.platform, a.space_id, a.course_id, q.question_id, a.user_id"
        )
    )
    rng = np.random.default_rng(1)
    topics = rng.standard_normal((40, 384)).astype(np.float32)
    rows = []
    for n in range(asks):
        declined = n % 10 < 3
        vector = query = None
        if declined:
            topic = n % 40
            v = topics[topic] + 0.6 * rng.standard_normal(384).astype(np.float32)
            vector = (v / np.linalg.norm(v)).astype(np.float16).tobytes()
            query = f"question about topic {topic} number {n}"
        rows.append(
            {"p": PLATFORM, "s": SPACE, "course": course_id, "at": NOW - timedelta(minutes=1.3 * n),
             "d": declined, "q": query, "v": vector}
        )
    conn.execute(
        text(
            "INSERT INTO ask_log (platform, space_id, course_id, asked_at, declined, query, vector) "
            "VALUES (:p, :s, :course, :at, :d, :q, :v)"
        ),
        rows,
    )
    conn.execute(text("ANALYZE"))


async def measure(service, place, periods: list[str]) -> None:
    from bot.core.insights.ports import Scope
    from bot.core.insights.service import MAX_GAP_QUESTIONS, _gaps

    course_id = await service.courses.course_id_for(place)
    for period in periods:
        since, _ = service.period(period)
        scope = Scope(place.platform, place.space_id, course_id, since)
        started = time.perf_counter()
        figures = await service.store.figures(scope)
        t_figures = time.perf_counter() - started
        started = time.perf_counter()
        declined = await service.store.declined(scope, MAX_GAP_QUESTIONS)
        t_declined = time.perf_counter() - started
        started = time.perf_counter()
        gaps = _gaps(declined)
        t_gaps = time.perf_counter() - started
        started = time.perf_counter()
        reply = await service.insights(place, period)
        total = time.perf_counter() - started
        started = time.perf_counter()
        service.chart(await service.report(scope, service.courses.pack(course_id), period))
        t_chart = time.perf_counter() - started
        print(
            f"/insights {period:5}: {total * 1000:6.0f} ms in all — figures {t_figures * 1000:.0f} ms over "
            f"{figures.answers:,} answers and {figures.asks:,} asks; {len(declined):,} declined asks read in "
            f"{t_declined * 1000:.0f} ms, grouped into {len(gaps)} gaps in {t_gaps * 1000:.0f} ms; "
            f"report and chart again {t_chart * 1000:.0f} ms ({len(reply.attachments[0].data) // 1024} kB PNG)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("STUDYBOT_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--asks", type=int, default=100_000)
    args = parser.parse_args()

    from sqlalchemy import text

    from bot.app.courses import build_catalog
    from bot.app.quiz_wiring import build_insights
    from bot.app.settings import Settings
    from bot.core.types import Place
    from content.loader import default_pack_path, load_pack
    from storage.db import Database, normalize_url
    from storage.migrate import upgrade
    from storage.repositories import Repositories

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = Database(args.url)
    with admin.write() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(args.url).update_query_dict({"options": f"-csearch_path={schema}"})
    db = Database(url.render_as_string(hide_password=False))
    try:
        upgrade(db)
        pack = load_pack(default_pack_path())
        started = time.perf_counter()
        with db.write() as conn:
            fill(conn, pack.id, [q.id for q in pack.answered], args.answers, args.asks)
        print(f"filled {args.answers:,} answers and {args.asks:,} asks in {time.perf_counter() - started:.0f} s")
        settings = Settings(_env_file=None)
        repos = Repositories.build(db)

        courses = build_catalog(settings, embedder=None, packs=[pack])  # type: ignore[arg-type]  # no model needed
        service = build_insights(settings, courses, repos)
        asyncio.run(measure(service, Place(PLATFORM, SPACE, CHANNEL), ["week", "month", "all"]))
    finally:
        db.close()
        with admin.write() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.close()


if __name__ == "__main__":
    main()
