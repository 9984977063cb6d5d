"""The evaluations on each embedding backend, side by side (prints figures, asserts nothing).

torch (sentence-transformers), ONNX Runtime fp32 and ONNX Runtime dynamic int8, on every ask and
grading set of tests/core/test_ask_eval.py and test_grade_eval.py: /ask answered right and declined,
grading accuracy. int8 serves on CPU only when each of its figures is within 0.5 point of fp32's
(bot/infra/embedder_factory.py, QUANTIZE_ON_CPU); the last column says whether that holds.

Usage: python bench/backend_eval.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"
# the shared dev sets sit beside the main checkout (/work/shared), two levels up from a worktree
SHARED = next(
    (p / "shared" / "eval" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "eval").is_dir()),
    ROOT.parent / "shared" / "eval",
)
ASK_SETS = {
    "dev": SHARED / "dev_ask.jsonl",
    "dev_hard": SHARED / "dev_ask_hard.jsonl",
    "own": DATA / "ask_eval.jsonl",
    "own_hard": DATA / "ask_hard_dev.jsonl",
    "own_near": DATA / "ask_near_dev.jsonl",
    "own_dev2": DATA / "ask_hard_dev2.jsonl",
    "holdout": DATA / "holdout_ask.jsonl",
    "holdout_hard": DATA / "holdout_ask_hard.jsonl",
    **{f"holdout_hard_v{n}": DATA / f"holdout_ask_hard_v{n}.jsonl" for n in range(2, 9)},
}
GRADE_SETS = {
    "dev": SHARED / "dev_grade.jsonl",
    "dev-feedback": SHARED / "dev_feedback.jsonl",
    "own": DATA / "grade_eval.jsonl",
    "own-extra": DATA / "grade_train_extra.jsonl",
    "train-feedback": DATA / "train_feedback.jsonl",
    "train-feedback-a": DATA / "train_feedback_a.jsonl",
    "train-feedback-c": DATA / "train_feedback_c.jsonl",
    "holdout": DATA / "holdout_grade.jsonl",
    "holdout-feedback": DATA / "holdout_feedback.jsonl",
    "holdout-feedback-v2": DATA / "holdout_feedback_v2.jsonl",
    "holdout-feedback-v3": DATA / "holdout_feedback_v3.jsonl",
    "holdout-feedback-v4": DATA / "holdout_feedback_v4.jsonl",
}
LOWER_IS_BETTER = ("wrong accepted",)
TOLERANCE = 0.005  # half a point


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def figures(embedder, pack) -> dict[str, float]:
    """Every floor's figure for one embedder: ask right/declined per set, grading accuracy per set."""
    from bot.app.core import build_course_models
    from bot.core.grading import MeaningGrader
    from bot.core.grading_eval import figures as grading_figures

    out: dict[str, float] = {}
    service = build_course_models(pack, embedder)[0]
    for name, path in ASK_SETS.items():
        if not path.exists():
            continue
        rows = load(path)
        # one query at a time, as the bot serves them: dynamic int8 scales activations per batch, so a
        # query encoded beside others gets another vector than the one a student gets
        results = [service.ask_many([r["query"]])[0] for r in rows]
        inscope = [(r, x) for r, x in zip(rows, results, strict=True) if r["expect"] is not None]
        outscope = [x for r, x in zip(rows, results, strict=True) if r["expect"] is None]
        right = sum(1 for r, x in inscope if not x.abstained and x.item.id == r["expect"])
        out[f"ask {name}: answered right"] = right / max(1, len(inscope))
        out[f"ask {name}: declined"] = sum(x.abstained for x in outscope) / max(1, len(outscope))
    grader = MeaningGrader(pack.questions, embedder)
    for name, path in GRADE_SETS.items():
        if not path.exists():
            continue
        rows = load(path)
        grades = grader.grade_many([(pack.get(r["question_id"]), r["answer"]) for r in rows])
        found = grading_figures(rows, grades)
        out[f"grading {name}: accuracy"] = found.accuracy
        out[f"grading {name}: wrong accepted"] = found.wrong_accepted
        out[f"grading {name}: agreement"] = found.agreement
    return out


def main() -> None:
    from bot.infra.embedder_factory import onnx_embedder
    from bot.infra.embedding import SentenceTransformerEmbedder
    from content.loader import default_pack_path, load_pack

    pack = load_pack(default_pack_path())
    with tempfile.TemporaryDirectory() as root:
        embedders = {
            "torch": SentenceTransformerEmbedder(device="cpu"),
            "onnx fp32": onnx_embedder("", "cpu", export_root=Path(root), quantize=False),
            "onnx int8": onnx_embedder("", "cpu", export_root=Path(root), quantize=True),
        }
        table = {label: figures(embedder, pack) for label, embedder in embedders.items()}
    names = list(table["torch"])
    print(f"{'figure':40s} {'torch':>8s} {'fp32':>8s} {'int8':>8s}  int8 within 0.5 pt of fp32")
    holds = True
    for name in names:
        t, f, q = (table[label][name] for label in ("torch", "onnx fp32", "onnx int8"))
        ok = q <= f + TOLERANCE if name.endswith(LOWER_IS_BETTER) else q >= f - TOLERANCE
        holds &= ok
        print(f"{name:40s} {t:8.3f} {f:8.3f} {q:8.3f}  {'yes' if ok else 'NO'}")
    print(f"int8 {'qualifies' if holds else 'does not qualify'} (QUANTIZE_ON_CPU should be {holds})")


if __name__ == "__main__":
    main()
