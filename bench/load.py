"""Load benchmark of the whole bot in one process (prints figures, asserts nothing but correctness).

The core is built exactly as ``studybot run`` builds it (``bot.app.core.build_core``: the real model,
the real grader, the rate limits, the database of ``DATABASE_URL``), with a recording platform in place
of Discord/Slack. Three parts:

1. **burst**: ``--students`` (1,000) answer one quiz each across ``--channels`` (10) channels, arriving
   evenly over ``--spread`` (10) seconds. Acknowledgement latency (submit -> stored, what a platform's
   3-second deadline waits on) p50/p99, time until every answer is graded, and a check that every answer
   is stored exactly once and graded.
2. **fairness**: 100 students answer while one user floods ``/ask`` (500 calls at once); the other
   students' reply latency p50/p99 without and with the flood, with the per-user limits on (as served)
   and off (what the limits protect against).
3. **soak**: ``--soak-seconds`` (600) of mixed ``/ask`` and answers; resident memory at the start and
   the end, and the request count.

Usage: DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/load.py
       [--students 1000] [--channels 10] [--spread 10] [--soak-seconds 600] [--parts burst,fairness,soak]
Without DATABASE_URL a throw-away SQLite file is used. On PostgreSQL a throw-away schema is used.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.quiz import drop_schema, pct, postgres_schema, sample_answers  # noqa: E402

ASKS = [
    "why do we train on GPUs?",
    "what is imbalanced data",
    "is softmax a good name",
    "what happens if the batch size is too large",
    "how do I cook pasta",
]


def rss_mib() -> float:
    """Resident memory now (Linux /proc), else the peak from getrusage."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(url: str, *, limits: bool):
    from bot.app.core import build_core
    from bot.app.settings import Settings

    values: dict[str, object] = {"DATABASE_URL": url}
    if not limits:
        values |= {"STUDYBOT_ASK_RATE_PER_MINUTE": 0, "STUDYBOT_ACTION_RATE_PER_MINUTE": 0}
    core = build_core(Settings(**values))  # type: ignore[arg-type]
    # warm up: the first calls of a fresh inference session are slow, and must not count as unfairness
    core.ask.ask_many(ASKS * 4)
    core.grader.grade_many([(item, item.answer or "") for item in core.pack.answered] * 2)
    return core


async def post_quizzes(core, channels: int):
    from bot.core.types import Place
    from tests.support.quiz import RecordingPlatform

    platform = RecordingPlatform("bench")
    await core.attach(platform)
    places = [Place("bench", "space", f"channel-{n}") for n in range(channels)]
    quizzes = [await core.quiz.service.post_now(place) for place in places]
    return places, quizzes


async def burst(core, students: int, channels: int, spread: float) -> None:
    from bot.core.types import ButtonAction, User
    from storage.db import Database

    places, quizzes = await post_quizzes(core, channels)
    answers = sample_answers(core.pack)
    rng = random.Random(1)
    acks: list[float] = []
    replies: list[float] = []
    kinds: dict[str, int] = {}
    start = time.perf_counter()

    async def one(n: int) -> None:
        await asyncio.sleep(spread * n / students)
        place, quiz = places[n % channels], quizzes[n % channels]
        sent = time.perf_counter()

        async def received() -> None:
            acks.append(time.perf_counter() - sent)

        reply = await core.bot.submit_answer(
            User("bench", f"s{n}", f"Student {n}"),
            place,
            ButtonAction.ANSWER_QUIZ,
            quiz.id,
            rng.choice(answers.get(quiz.question_id) or ["an answer"]),
            on_received=received,
        )
        replies.append(time.perf_counter() - sent)
        kinds[str(reply.kind)] = kinds.get(str(reply.kind), 0) + 1

    await asyncio.gather(*(one(n) for n in range(students)))
    all_graded = time.perf_counter() - start
    db: Database = core.quiz.database
    with db.read() as conn:
        from sqlalchemy import text

        stored = conn.execute(
            text(
                "SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT quiz_id, user_id FROM quiz_answers) d),"
                " count(graded_at) FROM quiz_answers"
            )
        ).one()
    print(f"burst: {students} students, {channels} channels, arriving over {spread:g} s ({db.dialect})")
    print(
        f"  acknowledged (stored): p50 {pct(acks, 50) * 1000:7.1f} ms  p99 {pct(acks, 99) * 1000:7.1f} ms"
        f"  max {max(acks) * 1000:7.1f} ms   (platform deadline 3000 ms)"
    )
    print(
        f"  graded reply:          p50 {pct(replies, 50) * 1000:7.1f} ms  p99 {pct(replies, 99) * 1000:7.1f} ms"
    )
    print(f"  all {students} graded {all_graded:6.2f} s after the first arrived; replies {kinds}")
    print(f"  stored {stored[0]} rows, {stored[1]} distinct (quiz, student), {stored[2]} graded")
    assert stored[0] == stored[1] == stored[2] == students, stored


async def fairness(url: str, *, limits: bool) -> tuple[list[float], list[float]]:
    from bot.core.types import ButtonAction, User

    core = build(url, limits=limits)
    try:
        places, quizzes = await post_quizzes(core, 1)
        answers = sample_answers(core.pack)[quizzes[0].question_id]
        out = []
        for flood in (False, True):
            latencies: list[float] = []

            async def student(n: int, tag: str, latencies=latencies) -> None:
                await asyncio.sleep(n * 0.02)
                sent = time.perf_counter()
                await core.bot.submit_answer(
                    User("bench", f"{tag}{n}", f"S{n}"),
                    places[0],
                    ButtonAction.ANSWER_QUIZ,
                    quizzes[0].id,
                    answers[n % len(answers)],
                )
                latencies.append(time.perf_counter() - sent)

            async def flooder() -> None:
                me = User("bench", "flooder", "Flooder")
                await asyncio.gather(
                    *(core.bot.handle_line(me, places[0], f"/ask {ASKS[n % len(ASKS)]} {n}") for n in range(500))
                )

            tag = "f" if flood else "q"
            work = [student(n, tag) for n in range(100)] + ([flooder()] if flood else [])
            await asyncio.gather(*work)
            out.append(latencies)
        return out[0], out[1]
    finally:
        await core.aclose()


async def soak(core, seconds: float) -> None:
    from bot.core.types import ButtonAction, User

    places, quizzes = await post_quizzes(core, 4)
    answers = sample_answers(core.pack)
    rng = random.Random(7)
    start_rss, start = rss_mib(), time.monotonic()
    done = 0
    n = 0
    samples: list[tuple[float, float]] = [(0.0, start_rss)]
    while time.monotonic() - start < seconds:
        batch = []
        for _ in range(20):
            n += 1
            place, quiz = places[n % len(places)], quizzes[n % len(quizzes)]
            user = User("bench", f"soak{n}", f"S{n}")
            if n % 2:
                batch.append(core.bot.handle_line(user, place, f"/ask {rng.choice(ASKS)}"))
            else:
                text = rng.choice(answers.get(quiz.question_id) or ["an answer"])
                batch.append(core.bot.submit_answer(user, place, ButtonAction.ANSWER_QUIZ, quiz.id, text))
        await asyncio.gather(*batch)
        done += len(batch)
        elapsed = time.monotonic() - start
        if elapsed - samples[-1][0] >= max(5.0, seconds / 10):
            samples.append((elapsed, rss_mib()))
    end_rss = rss_mib()
    # the first tenth warms up (allocator pools, thread stacks, tokenizer caches): growth counts after it
    warm = next((m for t, m in samples if t >= seconds / 10), samples[-1][1])
    print(f"soak: {done} requests (half /ask, half answers) in {time.monotonic() - start:.0f} s")
    print("  resident memory MiB: " + ", ".join(f"{t:.0f}s {m:.0f}" for t, m in samples) + f", end {end_rss:.0f}")
    print(
        f"  start {start_rss:.0f} MiB, after warm-up {warm:.0f} MiB, end {end_rss:.0f} MiB "
        f"({end_rss - warm:+.0f} MiB since warm-up)"
    )


async def main_async(args: argparse.Namespace) -> None:
    base = os.environ.get("DATABASE_URL", "")
    cleanup = None
    if base.startswith("postgres"):
        url, schema, conninfo = postgres_schema(base)
        cleanup = lambda: drop_schema(conninfo, schema)  # noqa: E731
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='studybot-load-')}/load.db"
    try:
        if "burst" in args.parts:
            core = build(url, limits=True)
            try:
                await burst(core, args.students, args.channels, args.spread)
            finally:
                await core.aclose()
        for limits in (True, False) if "fairness" in args.parts else ():
            quiet, flooded = await fairness(url, limits=limits)
            print(
                f"fairness (per-user limits {'on' if limits else 'off'}): other students' reply "
                f"p50 {pct(quiet, 50) * 1000:6.1f} ms p99 {pct(quiet, 99) * 1000:6.1f} ms without a flood; "
                f"p50 {pct(flooded, 50) * 1000:6.1f} ms p99 {pct(flooded, 99) * 1000:6.1f} ms with one user "
                "sending 500 /ask at once"
            )
        if "soak" in args.parts:
            core = build(url, limits=False)
            try:
                await soak(core, args.soak_seconds)
            finally:
                await core.aclose()
    finally:
        if cleanup:
            cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--spread", type=float, default=10.0)
    parser.add_argument("--soak-seconds", type=float, default=600.0)
    parser.add_argument("--parts", default="burst,fairness,soak", help="comma-separated: burst, fairness, soak")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
