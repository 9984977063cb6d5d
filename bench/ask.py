"""Benchmark of /ask, ONNX Runtime (the CPU serving path) beside sentence-transformers on torch.

Prints figures side by side in one run, asserts nothing:
1. Warm single-query ``/ask`` p50/p99 through the whole core path (StudyBot.handle: clean, rate limit,
   worker thread, encode, search, anchors, judge, reply) beside the bare sentence-transformers (torch)
   encode of the same query, and their ratio (target <= 0.35), with the bare ONNX encode for reference;
   with the answerability judge on, the same queries without it too, and what the judge adds (target
   at most +20 %).
2. A one-query ``studybot ask`` process, from process start to its first answer (first run: the model
   is exported and the course encoded; then a restart), beside ``python -c "import
   sentence_transformers"`` (target: the restart at most 0.6x of that import).
3. The course's first-time embedding (empty cache) on each backend (target ONNX >= 3x torch).
4. A synthetic pack: index build on each backend at ``--compare-items`` questions (target >= 3x),
   then ONNX alone at ``--items`` (100,000 by default): build time, memory, search p99.

Usage: python bench/ask.py [--items 100000] [--compare-items 2000] [--skip-cold] [--skip-large]
       [--queries clean|hard]     (STUDYBOT_ASK_JUDGE=off: without the answerability judge)
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


QUERY_SETS = {
    "clean": (ROOT / "tests/data/ask_eval.jsonl", ROOT.parent / "shared/eval/dev_ask.jsonl"),
    # as students type, 60 % of them questions the course does not answer: the answerability judge
    # (STUDYBOT_ASK_JUDGE) reads the weaker matches, so these pay for it more often
    "hard": (ROOT / "tests/data/ask_hard_dev3.jsonl", ROOT / "tests/data/ask_hard_dev4.jsonl"),
}


def queries(kind: str = "clean") -> list[str]:
    out = []
    for path in QUERY_SETS[kind]:
        if path.exists():
            out += [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]
    return out or ["why do we train on GPUs?"] * 50


def warm_ask(cache_dir: str, torch_embedder, query_set: str = "clean") -> None:
    from bot.app.core import build_core
    from bot.app.settings import Settings
    from bot.core.types import Command, Place, User

    with tempfile.TemporaryDirectory() as data_dir:
        core = build_core(Settings(STUDYBOT_DATA_DIR=data_dir, STUDYBOT_CACHE_DIR=cache_dir))
        qs = queries(query_set)
        user = User("console", "bench", "bench", True)
        place = Place("console", "console", "console")
        ask = core.courses.prepare(core.courses.default_id).ask
        reader = ask.judge
        judge = "on" if reader is not None else "off"
        for q in qs[:10]:  # warm-up: first calls pay for lazy initialisation
            core.embedder.encode([q])
            torch_embedder.encode([q])
        ask.ask_many(qs[:40])  # and the judge's first readings

        async def timed_asks(chunk: list[str], judged: bool, into: list[float]) -> None:
            """``chunk`` asked through the core, with the course's judge or (for its cost) without it."""
            ask.judge = reader if judged else None
            for q in chunk:
                start = time.perf_counter()
                await core.bot.handle(user, place, Command("ask", q))
                into.append((time.perf_counter() - start) * 1000)
            ask.judge = reader
            time.sleep(0.3)

        async def measure() -> tuple[list[float], list[float], list[float], list[float]]:
            """Interleaved by blocks of queries, so all of them see the same machine load; a pause between
            blocks lets the previous library's worker threads stop spinning (torch's OpenMP threads
            busy-wait after each call and would otherwise steal the CPU from whatever runs next). With a
            judge, each block is also asked without it (which goes first alternates): the judge's cost."""
            asks, unjudged, torch_ms, onnx_ms = [], [], [], []
            for n, block in enumerate(range(0, len(qs), 24)):
                chunk = qs[block : block + 24]
                runs = [(True, asks)] + ([(False, unjudged)] if reader is not None else [])
                for judged, into in runs[:: 1 if n % 2 == 0 else -1]:
                    await timed_asks(chunk, judged, into)
                for q in chunk:
                    start = time.perf_counter()
                    torch_embedder.encode([q])
                    torch_ms.append((time.perf_counter() - start) * 1000)
                time.sleep(0.3)
                for q in chunk:
                    start = time.perf_counter()
                    core.embedder.encode([q])
                    onnx_ms.append((time.perf_counter() - start) * 1000)
                time.sleep(0.3)
            return asks, unjudged, torch_ms, onnx_ms

        ask_ms, unjudged_ms, torch_ms, onnx_ms = asyncio.run(measure())
        asyncio.run(core.aclose())
    backend = getattr(core.embedder, "backend", "torch")
    print(
        f"warm single-query /ask over {len(qs)} {query_set} queries (core on {backend}, {core.embedder.device}, "
        f"answerability judge {judge}):"
    )
    print(
        f"  /ask through the core  p50 {pct(ask_ms, 50):7.2f} ms   p99 {pct(ask_ms, 99):7.2f} ms   "
        f"mean {sum(ask_ms) / len(ask_ms):7.2f} ms"
    )
    if unjudged_ms:
        mean = sum(ask_ms) / len(ask_ms)
        bare = sum(unjudged_ms) / len(unjudged_ms)
        print(
            f"  /ask without the judge p50 {pct(unjudged_ms, 50):7.2f} ms   p99 {pct(unjudged_ms, 99):7.2f} ms   "
            f"mean {bare:7.2f} ms"
        )
        growth = {
            name: 100 * (a / b - 1)
            for name, a, b in (
                ("p50", pct(ask_ms, 50), pct(unjudged_ms, 50)),
                ("mean", mean, bare),
                ("p99", pct(ask_ms, 99), pct(unjudged_ms, 99)),
            )
        }
        print(
            "  the judge's share      "
            + "   ".join(f"{k} {v:+.0f} %" for k, v in growth.items())
            + "   (target <= +20 %)"
        )
    print(f"  bare torch encode      p50 {pct(torch_ms, 50):7.2f} ms   p99 {pct(torch_ms, 99):7.2f} ms")
    print(f"  bare ONNX encode       p50 {pct(onnx_ms, 50):7.2f} ms   p99 {pct(onnx_ms, 99):7.2f} ms")
    print(
        f"  /ask / torch encode    p50 {pct(ask_ms, 50) / pct(torch_ms, 50):7.2f}      "
        f"p99 {pct(ask_ms, 99) / pct(torch_ms, 99):7.2f}   (target <= 0.35)"
    )


def cold_start() -> None:
    exe = str(Path(sys.executable).with_name("studybot"))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sentence_transformers"], check=True, capture_output=True)
    import_s = time.perf_counter() - start
    print(f'python -c "import sentence_transformers": {import_s:6.2f} s')
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if k not in ("STUDYBOT_CACHE_DIR", "DATABASE_URL")}
        env["STUDYBOT_DATA_DIR"] = data_dir
        for label in ("first run (export + course encode)", "restart", "restart again"):
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
            print(
                f"one-query `studybot ask`, {label}: {elapsed:6.2f} s to the first answer (id {ok}), "
                f"{elapsed / import_s:4.2f}x the import (target <= 0.6 on a restart)"
            )


def course_embedding(embedders: dict) -> None:
    """The course's first-time embedding (empty cache), as ``build_core`` does it, on each backend: its
    texts and its marked answers (``content/marked.py``)."""
    from bot.app.core import build_course_models, load_course
    from bot.app.settings import Settings

    pack = load_course(Settings())
    seconds = {}
    for name, embedder in embedders.items():
        with tempfile.TemporaryDirectory() as cache:
            start = time.perf_counter()
            build_course_models(pack, embedder, cache_path=Path(cache) / "embeddings.sqlite3")
            seconds[name] = time.perf_counter() - start
    from content.marked import load_marked

    print(
        f"course first-time embedding ({len(pack.questions)} questions and {len(load_marked(pack))} marked "
        "answers, empty cache): "
        + ", ".join(f"{name} {s:5.2f} s" for name, s in seconds.items())
        + f"; torch/onnx {seconds['torch'] / seconds['onnx']:4.2f}x (target >= 3x)"
    )


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


def compare_build(n: int, embedders: dict) -> None:
    """The same synthetic pack indexed on each backend (100,000 on torch takes tens of minutes here)."""
    from bot.core.search import SemanticIndex

    items = synthetic_items(n)
    seconds = {}
    for name, embedder in embedders.items():
        start = time.perf_counter()
        SemanticIndex.build(items, embedder, batch_size=128)
        seconds[name] = time.perf_counter() - start
    print(
        f"synthetic pack of {n:,} questions ({2 * n:,} texts), index build: "
        + ", ".join(f"{name} {s:6.1f} s ({2 * n / s:,.0f} texts/s)" for name, s in seconds.items())
        + f"; torch/onnx {seconds['torch'] / seconds['onnx']:4.2f}x (target >= 3x)"
    )


def large_pack(n: int, embedder) -> None:
    from tqdm import tqdm

    from bot.core.search import SemanticIndex

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
    backend = getattr(embedder, "backend", "torch")
    print(f"  index build {build_s:7.1f} s ({2 * n / build_s:,.0f} texts/s, {backend} on {embedder.device})")
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
    parser.add_argument("--compare-items", type=int, default=2_000)
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--queries", choices=sorted(QUERY_SETS), default="clean", help="the warm /ask queries")
    args = parser.parse_args()
    from bot.cli.commands import _quiet_libraries

    _quiet_libraries()
    from bot.infra.embedder_factory import onnx_embedder
    from bot.infra.embedding import SentenceTransformerEmbedder

    with tempfile.TemporaryDirectory() as cache_dir:
        embedders = {
            "torch": SentenceTransformerEmbedder(device="cpu"),
            "onnx": onnx_embedder("", "cpu", export_root=Path(cache_dir) / "onnx", quantize=False),
        }
        warm_ask(cache_dir, embedders["torch"], args.queries)
        if not args.skip_cold:
            cold_start()
        course_embedding(embedders)
        compare_build(args.compare_items, embedders)
        if not args.skip_large:
            large_pack(args.items, embedders["onnx"])
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
