"""Fit the grader's logistic model on our labelled answers and write ``bot/core/grading_model.py``.

    python scripts/fit_grader.py            # fit on tests/data/grade_eval.jsonl + the shared dev set
    python scripts/fit_grader.py --dry-run  # print the figures, write nothing

Only answers that no rule or guard decides are used (the model sees what it will see in use). The
held-out sets (tests/data/holdout_*.jsonl) are never fitted on, nor printed here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core import grading_model  # noqa: E402
from bot.core.grade import Verdict  # noqa: E402
from bot.core.grading import MeaningGrader, clauses  # noqa: E402
from bot.core.grading_eval import label  # noqa: E402
from bot.core.text import clean_text  # noqa: E402

TRAIN = [
    ROOT / "tests/data/grade_eval.jsonl",
    ROOT / "tests/data/grade_train_extra.jsonl",
    ROOT / "tests/data/train_feedback.jsonl",  # three verdicts: only "correct" counts as right here
]  # the shared dev sets and the held-out sets are evaluation only (scripts/eval_grader.py)


def rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def model_rows(grader: MeaningGrader, pack, data: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of the answers no rule decides; labels: right, and at least partly right (NaN: unknown)."""
    X, y, y_partial = [], [], []
    left = [(row, clean_text(row["answer"])) for row in data]
    left = [(row, text) for row, text in left if not grader.decided_by_rules(grader.rubric(row["question_id"]), text)]
    texts = [[text, *clauses(text)] for _, text in left]
    encoded = grader.embedder.encode([t for group in texts for t in group])  # one batch: fast
    starts = np.cumsum([0, *[len(group) for group in texts]])
    for (row, text), start, end in zip(left, starts[:-1], starts[1:], strict=True):
        rubric = grader.rubric(row["question_id"])
        vectors = encoded[start:end]
        features = grader.features(rubric, text, vectors)
        if grader.similarity_guards(features) is not None:
            continue
        X.append([features[name] for name in grading_model.FEATURES])
        y.append(1.0 if label(row) is Verdict.CORRECT else 0.0)
        three = "verdict" in row or label(row) is Verdict.CORRECT  # a binary "wrong" may be partly right
        y_partial.append(float(label(row) is not Verdict.INCORRECT) if three else np.nan)
    return np.array(X, dtype=np.float64), np.array(y), np.array(y_partial)


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (a few hundred rows, a dozen features)."""
    Xb = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(Xb.shape[1])
    reg = np.eye(Xb.shape[1]) * l2
    reg[-1, -1] = 0.0  # no penalty on the intercept
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Xb @ w)))
        gradient = Xb.T @ (p - y) + reg @ w
        hessian = (Xb * (p * (1 - p))[:, None]).T @ Xb + reg
        w -= np.linalg.solve(hessian, gradient)
    return w[:-1], float(w[-1])


def accuracy(grader: MeaningGrader, pack, data: list[dict]) -> str:
    if not data:
        return "n/a"
    grades = grader.grade_many([(pack.get(r["question_id"]), r["answer"]) for r in data])
    gold = [label(r) is Verdict.CORRECT for r in data]
    right = sum(g.correct == ok for g, ok in zip(grades, gold, strict=True))
    accepted = sum(g.correct and not ok for g, ok in zip(grades, gold, strict=True))
    rejected = sum(not g.correct and ok for g, ok in zip(grades, gold, strict=True))
    return f"accuracy {right / len(data):.3f} ({len(data)} answers, {accepted} wrong accepted, {rejected} right rejected)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--l2", type=float, default=0.1)
    args = parser.parse_args()
    from bot.infra.embedding import SentenceTransformerEmbedder
    from content.loader import default_pack_path, load_pack

    pack = load_pack(default_pack_path())
    grader = MeaningGrader(pack.questions, SentenceTransformerEmbedder())
    train = [r for path in TRAIN for r in rows(path)]
    X, y, y_partial = model_rows(grader, pack, train)
    weights, intercept = fit_logistic(X, y, l2=args.l2)
    known = ~np.isnan(y_partial)
    partial_weights, partial_intercept = fit_logistic(X[known], y_partial[known], l2=args.l2)
    print(f"partial model fitted on {int(known.sum())} answers with three-verdict labels")
    print(f"fitted on {len(y)} answers left to the model (of {len(train)}); l2={args.l2}")
    for name, w in zip(grading_model.FEATURES, weights, strict=True):
        print(f"  {name:28s} {w:+.3f}")
    print(f"  {'intercept':28s} {intercept:+.3f}")
    import bot.core.grading as grading

    for module in (grading_model, grading):
        module.WEIGHTS, module.INTERCEPT = tuple(weights), intercept
        module.PARTIAL_WEIGHTS, module.PARTIAL_INTERCEPT = tuple(partial_weights), partial_intercept
    print("train  ", accuracy(grader, pack, train))
    if args.dry_run:
        return
    lines = ",\n".join(f'    "{n}"' for n in grading_model.FEATURES)
    values = ", ".join(f"{w:.4f}" for w in weights)
    partial_values = ", ".join(f"{w:.4f}" for w in partial_weights)
    (ROOT / "bot/core/grading_model.py").write_text(
        '"""Weights of the grader\'s logistic model. Generated by ``scripts/fit_grader.py``; do not edit by hand."""\n\n'
        f"FEATURES = (\n{lines},\n)\nWEIGHTS = ({values})\nINTERCEPT = {intercept:.4f}\n"
        f"# at least partly right (fitted on the three-verdict labels)\n"
        f"PARTIAL_WEIGHTS = ({partial_values})\nPARTIAL_INTERCEPT = {partial_intercept:.4f}\n",
        encoding="utf-8",
    )
    print("wrote bot/core/grading_model.py")


if __name__ == "__main__":
    main()
