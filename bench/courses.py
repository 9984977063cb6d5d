"""Benchmark of many courses in one bot: start-up, memory, first use, and /ask latency as courses grow.

Writes ``--courses`` synthetic packs of ``--questions`` questions each, then, through the real
composition root (``build_core``: packs loaded, the database migrated, the default course built):
1. start-up time and memory with every pack in the catalog (only the default course's models built);
2. the first use of another course (its embeddings computed once) and of the same course after a restart
   (the embedding cache: nothing encoded again);
3. warm ``/ask`` p50/p99 in one space with one course loaded, then with every course loaded: the latency
   must not depend on how many courses the bot serves;
4. memory with every course loaded, per course.

Prints figures, asserts nothing. Usage: python bench/courses.py [--courses 100] [--questions 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOPICS = [
    "photosynthesis", "supply chains", "tax law", "plate tectonics", "medieval trade", "enzymes",
    "jazz harmony", "bridge design", "sleep", "vaccines", "compilers", "glaciers", "poetry metre",
    "monetary policy", "optics", "soil", "ethics", "probability", "urban planning", "volcanoes",
]
ASKS = ["What is", "Why does", "How do we measure", "When should we use", "What limits", "Who first described"]
ASPECTS = ["the role of", "the cost of", "the history of", "a common mistake about", "the main idea of"]


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux), else its peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_packs(folder: Path, courses: int, questions: int) -> None:
    import yaml

    rng = random.Random(7)
    for c in range(courses):
        topic = TOPICS[c % len(TOPICS)]
        items = []
        for q in range(questions):
            subject = f"{rng.choice(ASPECTS)} {topic} part {q // 10} idea {rng.randint(1, 10_000)}"
            items.append(
                {
                    "id": f"{c}.{q}",
                    "question": f"{rng.choice(ASKS)} {subject}?",
                    "answer": f"In {topic}, {subject} matters because of factor {rng.randint(1, 99)}.",
                }
            )
        pack = {"id": f"course-{c:03d}", "title": f"Course {c}: {topic}", "questions": items}
        (folder / f"course-{c:03d}.yaml").write_text(yaml.safe_dump(pack, sort_keys=False), encoding="utf-8")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def ask_latency(core, place, queries: list[str]) -> tuple[float, float]:
    from bot.core.types import Command, User

    user = User(place.platform, "bench", "bench", True)
    for query in queries[:5]:  # warm-up
        await core.bot.handle(user, place, Command("ask", query))
    times = []
    for query in queries:
        started = time.perf_counter()
        await core.bot.handle(user, place, Command("ask", query))
        times.append((time.perf_counter() - started) * 1000)
    return pct(times, 50), pct(times, 99)


async def measure(core, courses: int) -> None:
    from bot.core.types import Place

    here = Place("console", "bench-space", "bench-channel")
    queries = [f"{ask} {aspect} {topic}?" for ask in ASKS for aspect in ASPECTS for topic in TOPICS[:4]]
    p50, p99 = await ask_latency(core, here, queries)
    print(f"warm /ask, 1 course loaded: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({len(queries)} queries)")

    started = time.perf_counter()
    other = await core.courses.get(core.courses.ids()[1])
    print(f"first use of another course ({len(other.pack.questions)} questions): {time.perf_counter() - started:.2f} s")

    before = rss_mb()
    started = time.perf_counter()
    for course_id in core.courses.ids():
        await core.courses.get(course_id)
    loaded = time.perf_counter() - started
    print(f"every course loaded: {len(core.courses.loaded())} courses in {loaded:.1f} s")
    added = rss_mb() - before
    print(f"memory with every course loaded: RSS {rss_mb():.0f} MB (+{added:.0f} MB, {added / courses:.2f} MB/course)")
    await core.bot.courses.choose(here, core.courses.ids()[-1], _now())
    p50_all, p99_all = await ask_latency(core, here, queries)
    print(f"warm /ask, {courses} courses loaded: p50 {p50_all:.2f} ms, p99 {p99_all:.2f} ms (x{p50_all / p50:.2f} of 1 course)")


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def build(folder: Path, data_dir: str, cache_dir: str):
    from bot.app.core import build_core
    from bot.app.settings import Settings

    settings = Settings(
        _env_file=None,
        STUDYBOT_PACKS=str(folder),
        STUDYBOT_DATA_DIR=data_dir,
        STUDYBOT_CACHE_DIR=cache_dir,
        STUDYBOT_ASK_RATE_PER_MINUTE=1_000_000,
    )
    started = time.perf_counter()
    core = build_core(settings)
    return core, time.perf_counter() - started


def phase(name: str, folder: Path, tmp: Path, courses: int) -> None:
    """One phase in this process: ``prepare`` (cold: export the model, embed the default course) or
    ``measure`` (a fresh process starting warm, as a restarted bot does)."""
    base = rss_mb()
    core, seconds = build(folder, str(tmp / "data"), str(tmp / "cache"))
    if name == "prepare":
        print(f"start-up, cold (model export, default course embedded): {seconds:.1f} s")
        asyncio.run(core.aclose())
        return
    print(
        f"start-up, warm ({courses} packs parsed, the default course from the cache): {seconds:.2f} s, "
        f"RSS {rss_mb():.0f} MB (the interpreter before: {base:.0f} MB)"
    )

    async def run() -> None:
        try:
            await measure(core, courses)
        finally:
            await core.aclose()

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--phase", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args.phase, args.dir / "packs", args.dir, args.courses)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "packs"
        folder.mkdir()
        write_packs(folder, args.courses, args.questions)
        print(f"{args.courses} courses x {args.questions} questions")
        for name in ("prepare", "measure"):
            subprocess.run(
                [sys.executable, __file__, "--phase", name, "--dir", tmp, "--courses", str(args.courses)],
                check=True,
            )


if __name__ == "__main__":
    main()
