"""Benchmark of the quiz engine (prints figures, asserts nothing).

1. 500 students answer one quiz at once, on SQLite (a file) and on PostgreSQL: the time until every
   answer is recorded (what the platforms' 3-second acknowledgement waits on: recording never waits for
   grading), the time until every answer is graded with points saved, and answers per second; then the
   same burst through the whole ``StudyBot.submit_answer`` path (record, batched grading, reply).
2. Leaderboards with 1,000,000 answers in PostgreSQL (one space, 10,000 students, 400 quizzes):
   ``/leaderboard week|month|all`` query p50/p99 (target <= 20 ms), beside the aggregate over the raw
   answers that the ``score_totals`` table avoids.

The real grader (sentence-transformers on CPU unless STUDYBOT_DEVICE says otherwise) is used unless
``--fake-grader``. PostgreSQL comes from STUDYBOT_BENCH_DATABASE_URL or STUDYBOT_TEST_DATABASE_URL (a
throw-away schema is created and dropped); without one, the PostgreSQL parts are skipped.

Usage: python bench/quiz.py [--users 500] [--answers 1000000] [--fake-grader] [--skip-leaderboard]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("STUDYBOT_BENCH_DATABASE_URL") or os.environ.get("STUDYBOT_TEST_DATABASE_URL", "")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def sample_answers(pack) -> dict[str, list[str]]:
    """Per question: its reference, answers from the grading eval set, and a wrong one."""
    out: dict[str, list[str]] = {item.id: [item.answer or ""] for item in pack.answered}
    path = ROOT.parent / "shared/eval/dev_grade.jsonl"
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                out.setdefault(row["question_id"], []).append(row["answer"])
    for answers in out.values():
        answers.append("I am not sure, something about computers")
    return out


def build_grader(fake: bool):
    from bot.app.settings import Settings

    if fake:
        from bot.app.core import load_course
        from tests.support.quiz import FakeGrader

        return load_course(Settings()), FakeGrader(), "fake grader"
    from bot.app.core import build_course_models, build_embedder, load_course

    settings = Settings()
    pack = load_course(settings)
    embedder = build_embedder(settings)
    _, grader = build_course_models(pack, embedder)
    grader.grade_many([(pack.answered[0], "warm up the model")])
    return pack, grader, f"real grader on {getattr(embedder, 'device', '?')}"


def postgres_schema(url: str) -> tuple[str, str, str]:
    import psycopg

    from storage.db import normalize_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    parsed = normalize_url(url)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    bound = parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    return bound, schema, conninfo


def drop_schema(conninfo: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def burst(url: str, label: str, pack, grader, users: int) -> None:
    from bot.app.quiz_wiring import build_quiz_feature
    from bot.core.types import ButtonAction, Place, User
    from storage.db import Database
    from tests.support.quiz import RecordingPlatform, make_bot, settings

    database = Database(url)
    bot = make_bot(pack)
    feature = build_quiz_feature(settings(), pack, grader, bot, database=database)
    platform = RecordingPlatform("bench")
    feature.platforms[platform.name] = platform
    place = Place("bench", "space", "channel")
    answers = sample_answers(pack)
    rng = random.Random(1)
    feature.service.rng = random.Random(0)  # the same questions on every database
    try:
        # --- the pipeline in two visible steps, as the answer handler runs it ---------------------
        quiz = await feature.service.post_now(place)
        texts = answers.get(quiz.question_id) or ["an answer"]
        recorded_at: list[float] = []
        graded_at: list[float] = []
        start = time.perf_counter()

        async def one(n: int) -> None:
            user = User("bench", f"u{n}", f"Student {n}")
            result = await feature.repos.answers.record(
                quiz.id, user, place, rng.choice(texts), feature.service.clock()
            )
            recorded_at.append(time.perf_counter() - start)
            await feature.worker.grade(result.answer)
            graded_at.append(time.perf_counter() - start)

        await asyncio.gather(*(one(n) for n in range(users)))
        all_recorded, all_graded = max(recorded_at), max(graded_at)
        print(
            f"{label}: {users} concurrent answers ({feature.repos.answers.recorder.batches} write transactions, "
            f"{feature.batcher.calls} grade_many calls)"
        )
        print(
            f"  recorded: all in {all_recorded * 1000:7.1f} ms   per answer p50 {pct(recorded_at, 50) * 1000:6.1f} ms"
            f"  p99 {pct(recorded_at, 99) * 1000:6.1f} ms   (platform ack deadline 3000 ms)"
        )
        print(f"  graded:   all in {all_graded * 1000:7.1f} ms   -> {users / all_graded:7.0f} answers/s")

        # --- the same burst through the facade the adapters call ----------------------------------
        quiz = await feature.service.post_now(place)
        texts = answers.get(quiz.question_id) or ["an answer"]
        start = time.perf_counter()
        replies = await asyncio.gather(
            *(
                bot.submit_answer(
                    User("bench", f"u{n}", f"S{n}"),
                    place,
                    ButtonAction.ANSWER_QUIZ,
                    quiz.id,
                    rng.choice(texts),
                )
                for n in range(users)
            )
        )
        took = time.perf_counter() - start
        kinds = {r.kind for r in replies}
        print(
            f"  StudyBot.submit_answer x{users}: all replies in {took * 1000:7.1f} ms ({users / took:5.0f}/s) kinds={sorted(kinds)}"
        )
    finally:
        await feature.scheduler.stop()
        await feature.worker.aclose()
        await feature.batcher.aclose()
        await feature.repos.aclose()
        database.close()


FILL_SQL = """
INSERT INTO quizzes (id, platform, space_id, channel_id, question_id, scheduled, slot_date, slot,
                     posted_at, closes_at, closed_at, message_id)
SELECT 'b' || q, 'discord', 'big', 'chan', '1.' || (q % 20 + 1), true, DATE '2024-01-01' + q, '09:00',
       TIMESTAMPTZ '2024-01-01 09:00+00' + q * INTERVAL '1 day',
       TIMESTAMPTZ '2024-01-02 09:00+00' + q * INTERVAL '1 day',
       TIMESTAMPTZ '2024-01-02 09:00+00' + q * INTERVAL '1 day', 'm' || q
FROM generate_series(0, :quizzes - 1) AS q;

INSERT INTO quiz_answers (quiz_id, platform, space_id, user_id, display_name, answer, submitted_at, graded_at,
                          verdict, score, covered, missed, feedback, points, bonus, streak)
SELECT 'b' || q, 'discord', 'big', 'u' || ((q * 7919 + k) % :students), 'Student ' || ((q * 7919 + k) % :students),
       'an answer', TIMESTAMPTZ '2024-01-01 09:00+00' + q * INTERVAL '1 day' + k * INTERVAL '1 second',
       TIMESTAMPTZ '2024-01-01 09:00+00' + q * INTERVAL '1 day' + k * INTERVAL '1 second',
       v.verdict, v.score, '[]', '[]', 'ok', v.points, 0, 0
FROM generate_series(0, :quizzes - 1) AS q, generate_series(0, :per_quiz - 1) AS k,
     LATERAL (SELECT CASE WHEN (q + k) % 10 < 6 THEN 'correct' WHEN (q + k) % 10 < 8 THEN 'partial'
                          ELSE 'incorrect' END AS verdict,
                     CASE WHEN (q + k) % 10 < 6 THEN 100 WHEN (q + k) % 10 < 8 THEN 50 ELSE 0 END AS score,
                     CASE WHEN (q + k) % 10 < 6 THEN 10 WHEN (q + k) % 10 < 8 THEN 5 ELSE 0 END AS points) AS v;

INSERT INTO score_totals (platform, space_id, period, period_key, user_id, display_name, points, answers, correct)
SELECT platform, space_id, p.period, p.key, user_id, max(display_name), sum(points), count(*),
       sum(CASE WHEN verdict = 'correct' THEN 1 ELSE 0 END)
FROM quiz_answers,
     LATERAL (VALUES ('week', to_char(date_trunc('week', submitted_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')),
                     ('month', to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM')),
                     ('all', 'all')) AS p(period, key)
GROUP BY platform, space_id, p.period, p.key, user_id;
"""


async def leaderboard_bench(url: str, total_answers: int) -> None:
    from sqlalchemy import func, select, text

    from bot.app.quiz_wiring import build_quiz_feature
    from bot.core.quiz.model import Period
    from bot.core.types import Place, User
    from storage.db import Database
    from storage.models import answers
    from tests.support.quiz import make_bot, settings, small_pack

    students, quizzes = 10_000, 400
    per_quiz = total_answers // quizzes
    database = Database(url)
    feature = build_quiz_feature(settings(), small_pack(), None, make_bot(small_pack()), database=database)  # type: ignore[arg-type]
    try:
        start = time.perf_counter()
        with database.write() as conn:
            for statement in FILL_SQL.split(";\n"):
                if statement.strip():
                    sql = statement.replace(":quizzes", str(quizzes)).replace(":students", str(students))
                    conn.execute(text(sql.replace(":per_quiz", str(per_quiz))))
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))  # steady state, as autovacuum keeps it
        with database.read() as conn:
            count = conn.execute(select(func.count()).select_from(answers)).scalar_one()
        print(
            f"\nleaderboards on PostgreSQL: {count:,} answers, {students:,} students, {quizzes} quizzes "
            f"(filled in {time.perf_counter() - start:.1f} s)"
        )
        scores = feature.repos.scores
        keys = {
            Period.WEEK: "2025-01-27",
            Period.MONTH: "2025-01",
            Period.ALL: "all",
        }  # the last period filled
        rng = random.Random(3)
        for period, key in keys.items():
            for _ in range(20):  # warm the pool and the caches
                await scores.leaderboard("discord", "big", period, key, f"u{rng.randrange(students)}")
            times = []
            for _ in range(300):
                t0 = time.perf_counter()
                board = await scores.leaderboard("discord", "big", period, key, f"u{rng.randrange(students)}")
                times.append((time.perf_counter() - t0) * 1000)
            print(
                f"  /leaderboard {period.value:5s} query p50 {pct(times, 50):6.2f} ms  p99 {pct(times, 99):6.2f} ms"
                f"  (players {board.players:,}; target <= 20 ms)"
            )
        # the whole command path: StudyBot.handle -> service (space timezone) -> repository -> reply
        bot = make_bot(small_pack())
        from bot.core.quiz.commands import register

        register(bot, feature.service)
        place = Place("discord", "big", "chan")
        times = []
        from bot.core.types import Command

        for _ in range(200):
            user = User("discord", f"u{rng.randrange(students)}", "x")
            t0 = time.perf_counter()
            await bot.handle(user, place, Command("leaderboard", "all"))
            times.append((time.perf_counter() - t0) * 1000)
        print(
            f"  /leaderboard all via StudyBot.handle p50 {pct(times, 50):6.2f} ms  p99 {pct(times, 99):6.2f} ms"
        )
        raw = []
        for _ in range(5):
            t0 = time.perf_counter()
            with database.read() as conn:
                conn.execute(
                    select(answers.c.user_id, func.sum(answers.c.points).label("p"))
                    .where(answers.c.platform == "discord", answers.c.space_id == "big")
                    .group_by(answers.c.user_id)
                    .order_by(text("p DESC"))
                    .limit(10)
                ).all()
            raw.append((time.perf_counter() - t0) * 1000)
        print(
            f"  (for comparison: all-time top 10 aggregated from the raw answers: median {statistics.median(raw):.0f} ms)"
        )
    finally:
        await feature.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--fake-grader", action="store_true")
    parser.add_argument("--skip-leaderboard", action="store_true")
    args = parser.parse_args()

    pack, grader, grader_name = build_grader(args.fake_grader)
    print(f"quiz benchmark · {grader_name} · {os.cpu_count()} CPUs\n")
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(burst(f"sqlite:///{tmp}/bench.db", "SQLite (WAL file)", pack, grader, args.users))
    if not PG_URL:
        print("\nPostgreSQL parts skipped: set STUDYBOT_BENCH_DATABASE_URL or STUDYBOT_TEST_DATABASE_URL")
        return
    url, schema, conninfo = postgres_schema(PG_URL)
    try:
        print()
        asyncio.run(burst(url, "PostgreSQL", pack, grader, args.users))
    finally:
        drop_schema(conninfo, schema)
    if not args.skip_leaderboard:
        url, schema, conninfo = postgres_schema(PG_URL)
        try:
            asyncio.run(leaderboard_bench(url, args.answers))
        finally:
            drop_schema(conninfo, schema)


if __name__ == "__main__":
    main()
