"""Benchmark of grading throughput, ONNX Runtime beside torch (prints figures, asserts nothing).

1. 500 answers (our labelled answers, cycled) graded at batch size 1, 32 and 128 by the same grader
   on each backend: answers per second, and the ratio ONNX / torch (target >= 3x).
2. 500 quiz answers submitted at once through ``GradeBatcher`` (what the quiz worker grades with): the
   time until every one has its grade (target <= 3 s), on each backend.

The "torch" and "onnx fp32" graders use the one embedder only; "+reader" is the ONNX grader with the
contradiction reader as the bot serves it on a CPU (a cross-encoder on ONNX Runtime reading the answers
found right, those a rule finds contradicting, the model's unsure ones, those praised for a point, and
those points one by one), so it shows what the second reading costs; "+marked" is the bot's grader: that
one reading the course's marked answers too (``bot/core/marked.py``: the closest of them, per answer).

Usage: python bench/grading.py [--answers 500] [--int8]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rate(grader, work: list, batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(work), batch):
        grader.grade_many(work[i : i + batch])
    return len(work) / (time.perf_counter() - start)


async def burst(grader, work: list) -> tuple[float, float]:
    """Seconds until all of ``work``, submitted at once, is graded; and the CPU seconds it took."""
    from bot.core.quiz.worker import GradeBatcher

    batcher = GradeBatcher(grader)
    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(batcher.grade(item, answer) for item, answer in work))
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--int8", action="store_true", help="ONNX Runtime with dynamic int8 as well")
    args = parser.parse_args()
    from bot.cli.commands import _quiet_libraries

    _quiet_libraries()
    from bot.core.grading import MeaningGrader
    from bot.infra.embedder_factory import onnx_embedder
    from bot.infra.embedding import SentenceTransformerEmbedder
    from content.loader import default_pack_path, load_pack
    from content.marked import marked_answers

    pack = load_pack(default_pack_path())
    rows = [
        json.loads(line) for line in (ROOT / "tests/data/grade_eval.jsonl").read_text().splitlines() if line
    ]
    work = [
        (pack.get(r["question_id"]), r["answer"])
        for r in itertools.islice(itertools.cycle(rows), args.answers)
    ]
    with tempfile.TemporaryDirectory() as root:
        embedders = {
            "torch": SentenceTransformerEmbedder(device="cpu"),
            "onnx fp32": onnx_embedder("", "cpu", export_root=Path(root), quantize=False),
        }
        if args.int8:
            embedders["onnx int8"] = onnx_embedder("", "cpu", export_root=Path(root), quantize=True)
        from bot.infra.contradiction import DEFAULT_WEIGHTS
        from bot.infra.reader_factory import load_reader

        reader = load_reader(str(DEFAULT_WEIGHTS), "cpu", root)  # ONNX Runtime, as the bot on a CPU
    graders = {name: MeaningGrader(pack.questions, e) for name, e in embedders.items()}
    graders["+reader"] = MeaningGrader(pack.questions, embedders["onnx fp32"], reader=reader)
    marked = marked_answers(pack, embedders["onnx fp32"])
    graders["+marked"] = MeaningGrader(pack.questions, embedders["onnx fp32"], reader=reader, marked=marked)
    for grader in graders.values():
        grader.grade_many(work[:32])  # warm-up

    print(f"{len(work)} answers graded on CPU, answers per second (higher is better):")
    print(f"  {'batch':>5s} " + " ".join(f"{name:>10s}" for name in graders) + "   onnx/torch")
    for batch in (1, 32, 128):
        rates = {name: rate(grader, work, batch) for name, grader in graders.items()}  # same load for each
        print(
            f"  {batch:5d} "
            + " ".join(f"{r:10.1f}" for r in rates.values())
            + f"   {rates['onnx fp32'] / rates['torch']:5.2f}x (target >= 3x)"
        )
    print(f"{len(work)} quiz answers submitted at once (GradeBatcher), seconds until all are graded:")
    for name, grader in graders.items():
        seconds, cpu = asyncio.run(burst(grader, work))
        print(f"  {name:10s} {seconds:6.2f} s (target <= 3 s), {cpu:6.2f} CPU s over {os.cpu_count()} cores")
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
