"""Benchmark of /ask (prints figures, asserts nothing).

1. Warm ``/ask`` p50/p99 through the whole core path (StudyBot.handle: clean, rate limit, worker
   thread, search, reply) beside the bare model encode of the same queries, and their ratio.
2. Cold start: a fresh ``studybot ask`` process, from process start to its first answer, with an
   empty embedding cache and again with the cache filled by the first run.
3. A synthetic pack of 100,000 questions: index build time (progress bar), memory, search p99.

Usage: python bench/ask.py [--items 100000] [--skip-cold] [--skip-large]
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def queries() -> list[str]:
    out = []
    for path in (ROOT / "tests/data/ask_eval.jsonl", ROOT.parent / "shared/eval/dev_ask.jsonl"):
        if path.exists():
            out += [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]
    return out or ["why do we train on GPUs?"] * 50


def warm_ask() -> None:
    from bot.app.core import build_core
    from bot.app.settings import Settings
    from bot.core.types import Command, Place, User

    with tempfile.TemporaryDirectory() as data_dir:
        core = build_core(Settings(STUDYBOT_DATA_DIR=data_dir))
        qs = queries()
        user = User("console", "bench", "bench", True)
        place = Place("console", "console", "console")
        for q in qs[:10]:  # warm-up: first calls pay for lazy initialisation
            core.embedder.encode([q])

        async def measure() -> tuple[list[float], list[float]]:
            """Interleaved, so both see the same machine load."""
            asks, encodes = [], []
            for q in qs:
                start = time.perf_counter()
                await core.bot.handle(user, place, Command("ask", q))
                asks.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                core.embedder.encode([q])
                encodes.append((time.perf_counter() - start) * 1000)
            return asks, encodes

        ask_ms, encode_ms = asyncio.run(measure())
    a50, a99, e50, e99 = pct(ask_ms, 50), pct(ask_ms, 99), pct(encode_ms, 50), pct(encode_ms, 99)
    print(f"warm /ask over {len(qs)} queries (device {core.embedder.device}):")
    print(f"  /ask   p50 {a50:7.2f} ms   p99 {a99:7.2f} ms")
    print(f"  encode p50 {e50:7.2f} ms   p99 {e99:7.2f} ms")
    print(f"  ratio  p50 {a50 / e50:7.2f}      p99 {a99 / e99:7.2f}   (target <= 1.2)")


def cold_start() -> None:
    exe = str(Path(sys.executable).with_name("studybot"))
    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(os.environ, STUDYBOT_DATA_DIR=data_dir)
        for label in ("empty cache", "warm cache (restart)"):
            start = time.perf_counter()
            proc = subprocess.Popen(
                [exe, "ask", "--json", "why do we train on GPUs?"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            first = proc.stdout.readline()
            elapsed = time.perf_counter() - start
            proc.wait()
            ok = json.loads(first)["id"] if first else "no answer"
            print(f"cold start, {label}: {elapsed:6.2f} s from process start to first answer (id {ok})")


WORDS = [
    "gradient",
    "loss",
    "layer",
    "tensor",
    "batch",
    "optimizer",
    "epoch",
    "kernel",
    "attention",
    "token",
    "embedding",
    "encoder",
    "decoder",
    "dropout",
    "regularization",
    "overfitting",
    "variance",
    "bias",
    "convolution",
    "pooling",
    "recurrent",
    "transformer",
    "softmax",
    "activation",
    "sigmoid",
    "relu",
    "momentum",
    "learning",
    "rate",
    "schedule",
    "dataset",
    "split",
    "validation",
    "metric",
    "precision",
    "recall",
    "accuracy",
    "classifier",
    "regression",
    "cluster",
    "feature",
    "vector",
    "matrix",
    "probability",
    "sampling",
    "inference",
]


def synthetic_items(n: int):
    from bot.core.pack import QAItem

    rng = random.Random(7)
    starts = ["What is", "Why does", "How can", "When should", "Explain", "Describe"]
    items = []
    for i in range(n):
        words = " ".join(rng.sample(WORDS, 5))
        items.append(
            QAItem(
                id=f"s.{i}",
                question=f"{rng.choice(starts)} {words} number {i}?",
                answer=f"The {words} answer {i} " + " ".join(rng.sample(WORDS, 8)),
            )
        )
    return items


def large_pack(n: int) -> None:
    from tqdm import tqdm

    from bot.core.search import SemanticIndex
    from bot.infra.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    items = synthetic_items(n)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    with tqdm(total=2 * n, unit="text", desc="index build", file=sys.stderr) as bar:
        index = SemanticIndex.build(items, embedder, batch_size=128, progress=bar.update)
    build_s = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    qs = queries()[:200]
    vectors = embedder.encode(qs)
    search_ms, exact_ms, total_ms, agree = [], [], [], 0
    for q, v in zip(qs, vectors, strict=True):
        start = time.perf_counter()
        hits = index.search(v, k=3)
        search_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        exact = index.search(v, k=3, exact=True)
        exact_ms.append((time.perf_counter() - start) * 1000)
        agree += hits[0].item.id == exact[0].item.id
        start = time.perf_counter()
        index.search(embedder.encode([q])[0], k=3)
        total_ms.append((time.perf_counter() - start) * 1000)
    print(f"synthetic pack of {n:,} questions:")
    print(f"  index build {build_s:7.1f} s ({2 * n / build_s:,.0f} texts/s, device {embedder.device})")
    print(
        f"  index memory {index.nbytes / 2**20:6.1f} MiB of vectors; peak RSS {rss_before:,.0f} -> "
        f"{rss_after:,.0f} MiB"
    )
    mode = "partitioned (IVF)" if index.approximate else "exact"
    print(
        f"  search, {mode}: p50 {pct(search_ms, 50):6.2f} ms  p99 {pct(search_ms, 99):6.2f} ms  (target p99 <= 25 ms)"
    )
    print(f"  search, exact: p50 {pct(exact_ms, 50):6.2f} ms  p99 {pct(exact_ms, 99):6.2f} ms")
    print(f"  top-1 agreement of the search used with exact search: {agree / len(qs):.3f}")
    print(f"  encode+search p50 {pct(total_ms, 50):6.2f} ms  p99 {pct(total_ms, 99):6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    from bot.cli.commands import _quiet_libraries

    _quiet_libraries()
    warm_ask()
    if not args.skip_cold:
        cold_start()
    if not args.skip_large:
        large_pack(args.items)


if __name__ == "__main__":
    main()
