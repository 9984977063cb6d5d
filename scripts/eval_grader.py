"""Print the grading figures on every labelled set (see ``bot/core/grading_eval.py``).

    python scripts/eval_grader.py                 # every set present
    python scripts/eval_grader.py --show train    # also list the answers graded against their label

Never use ``--show`` on a held-out set: its lines must not steer the grader.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED_EVAL = next(
    (p / "shared/eval" for p in ROOT.parents if (p / "shared/eval").is_dir()), ROOT / "shared/eval"
)
SETS = {
    "dev": SHARED_EVAL / "dev_grade.jsonl",
    "dev-feedback": SHARED_EVAL / "dev_feedback.jsonl",
    "own": ROOT / "tests/data/grade_eval.jsonl",
    "own-extra": ROOT / "tests/data/grade_train_extra.jsonl",
    "train-feedback": ROOT / "tests/data/train_feedback.jsonl",
    "train-feedback-a": ROOT / "tests/data/train_feedback_a.jsonl",
    "train-feedback-c": ROOT / "tests/data/train_feedback_c.jsonl",
    "train-feedback-d": ROOT / "tests/data/train_feedback_d.jsonl",
    "train-feedback-e": ROOT / "tests/data/train_feedback_e.jsonl",
    "train-feedback-f": ROOT / "tests/data/train_feedback_f.jsonl",
    "train-feedback-g": ROOT / "tests/data/train_feedback_g.jsonl",
    "train-feedback-h": ROOT / "tests/data/train_feedback_h.jsonl",
    "train-feedback-i": ROOT / "tests/data/train_feedback_i.jsonl",
    "train-feedback-j": ROOT / "tests/data/train_feedback_j.jsonl",
    "train-feedback-k": ROOT / "tests/data/train_feedback_k.jsonl",
    "train-feedback-l": ROOT / "tests/data/train_feedback_l.jsonl",
    "holdout": ROOT / "tests/data/holdout_grade.jsonl",
    "holdout-feedback": ROOT / "tests/data/holdout_feedback.jsonl",
    "holdout-feedback-v2": ROOT / "tests/data/holdout_feedback_v2.jsonl",
    "holdout-feedback-v3": ROOT / "tests/data/holdout_feedback_v3.jsonl",
    "holdout-feedback-v4": ROOT / "tests/data/holdout_feedback_v4.jsonl",
    "holdout-feedback-v5": ROOT / "tests/data/holdout_feedback_v5.jsonl",
    "holdout-feedback-v6": ROOT / "tests/data/holdout_feedback_v6.jsonl",
    "holdout-feedback-v7": ROOT / "tests/data/holdout_feedback_v7.jsonl",
    "holdout-feedback-v8": ROOT / "tests/data/holdout_feedback_v8.jsonl",
    "holdout-feedback-v9": ROOT / "tests/data/holdout_feedback_v9.jsonl",
    "holdout-feedback-v10": ROOT / "tests/data/holdout_feedback_v10.jsonl",
    "holdout-feedback-v11": ROOT / "tests/data/holdout_feedback_v11.jsonl",
    "holdout-feedback-v12": ROOT / "tests/data/holdout_feedback_v12.jsonl",
    "holdout-feedback-v13": ROOT / "tests/data/holdout_feedback_v13.jsonl",
    "holdout-feedback-v14": ROOT / "tests/data/holdout_feedback_v14.jsonl",
}
HELD_OUT = {name for name in SETS if name.startswith("holdout")}


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", nargs="*", default=[], help="sets whose disagreements to list")
    parser.add_argument("--only", nargs="*", default=[], help="sets to evaluate (default: all present)")
    parser.add_argument("--no-veto", action="store_true", help="grade without the contradiction reader")
    parser.add_argument("--reader", default="", help="contradiction reader weights (default: the shipped ones)")
    parser.add_argument("--no-marked", action="store_true", help="grade without the course's marked answers")
    args = parser.parse_args()
    from bot.core.grading import MeaningGrader
    from bot.core.grading_eval import figures, label
    from bot.infra.embedding import SentenceTransformerEmbedder
    from content.loader import default_pack_path, load_pack
    from content.marked import marked_answers

    pack = load_pack(default_pack_path())
    reader = None
    if not args.no_veto:
        from bot.infra.contradiction import DEFAULT_WEIGHTS
        from bot.infra.reader_factory import load_reader

        reader = load_reader(args.reader or str(DEFAULT_WEIGHTS))
    embedder = SentenceTransformerEmbedder()
    marked = None if args.no_marked else marked_answers(pack, embedder)
    grader = MeaningGrader(pack.questions, embedder, reader=reader, marked=marked)
    for name, path in SETS.items():
        if not path.exists() or (args.only and name not in args.only):
            continue
        data = rows(path)
        # a set among the marked answers is graded without its own: each answer would find itself
        grades = grader.with_marked(marked and marked.without(path.stem)).grade_many([(pack.get(r["question_id"]), r["answer"]) for r in data])
        print(f"{name:17s}", figures(data, grades).line())
        if name in args.show and name not in HELD_OUT:
            for r, g in zip(data, grades, strict=True):
                if label(r) is not g.verdict or (r.get("contradicts") and g.covered and "You said" not in g.feedback):
                    flag = " CONTRA" if r.get("contradicts") else ""
                    print(f"  {r['question_id']:5s} {label(r).value:9s}-> {g.verdict.value:9s} {g.score:3d}{flag} | {r['answer'][:110]}")
                    print(f"        {g.feedback.splitlines()[0][:140]} | covered {len(g.covered)}/{len(g.covered) + len(g.missed)}")


if __name__ == "__main__":
    main()
