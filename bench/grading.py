"""Benchmark of grading throughput (prints figures, asserts nothing).

500 answers (our labelled answers, cycled) graded at batch size 1, 32 and 128, beside the bare encode
rate of the same texts: a burst right after the daily post is the normal load, and batching the
encodes is what makes it cheap.

Usage: python bench/grading.py [--answers 500]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=500)
    args = parser.parse_args()
    from bot.cli import _quiet_libraries

    _quiet_libraries()
    from bot.core.grading import MeaningGrader, clauses
    from bot.embedding import SentenceTransformerEmbedder
    from content.loader import default_pack_path, load_pack

    pack = load_pack(default_pack_path())
    embedder = SentenceTransformerEmbedder()
    grader = MeaningGrader(pack.questions, embedder)
    rows = [
        json.loads(line) for line in (ROOT / "tests/data/grade_eval.jsonl").read_text().splitlines() if line
    ]
    work = [
        (pack.get(r["question_id"]), r["answer"])
        for r in itertools.islice(itertools.cycle(rows), args.answers)
    ]
    texts = [t for _, a in work for t in ([a, *clauses(a)] if a.strip() else [])]
    grader.grade_many(work[:32])  # warm-up

    print(
        f"{len(work)} answers ({len(texts)} texts to encode with their sentences), device {embedder.device}"
    )
    for batch in (1, 32, 128):
        start = time.perf_counter()
        for i in range(0, len(texts), batch):
            embedder.encode(texts[i : i + batch], batch_size=batch)
        encode_rate = len(work) / (time.perf_counter() - start)
        start = time.perf_counter()
        for i in range(0, len(work), batch):
            grader.grade_many(work[i : i + batch])
        rate = len(work) / (time.perf_counter() - start)
        print(
            f"  batch {batch:4d}: graded {rate:7.1f} answers/s ({1000 / rate:5.1f} ms per answer)   "
            f"bare encode of the same texts {encode_rate:7.1f} answers/s"
        )


if __name__ == "__main__":
    main()
