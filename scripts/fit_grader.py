"""Fit the grader's logistic model on our labelled answers and write ``bot/core/grading_model.py``, and the
same answers as the shipped course's marked answers (``content/packs/<course>.marked.jsonl``).

    python scripts/fit_grader.py            # fit on tests/data/grade_eval.jsonl + the shared dev set
    python scripts/fit_grader.py --dry-run  # print the figures, write nothing
    python scripts/fit_grader.py --marked-only  # refit only the models over the marked answers
    python scripts/fit_grader.py --labels corrections.jsonl [--labels more.jsonl]
                                            # also fit on the staff's corrections (bot/core/grading_labels.py)

Only answers that no rule or guard decides are used (the model sees what it will see in use). The
held-out sets (tests/data/holdout_*.jsonl) are never fitted on, nor printed here. Each labelled answer
is also a marked answer (``bot.core.marked``): the second pair of models reads an answer's closest marked
answers from the other files (its ``source`` is its file), as it will read a new student's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.grade import Verdict  # noqa: E402
from bot.core.grading import MeaningGrader  # noqa: E402
from bot.core.grading_eval import label  # noqa: E402
from bot.core.grading_fit import DEFAULT_L2, training_set  # noqa: E402
from bot.core.grading_fit import fit as fit_models  # noqa: E402
from bot.core.grading_labels import parse_labels  # noqa: E402
from bot.core.grading_weights import SHIPPED, GradingWeights  # noqa: E402
from bot.core.marked import MarkedAnswer, MarkedAnswers  # noqa: E402
from bot.core.text import clean_text  # noqa: E402

TRAIN = [
    ROOT / "tests/data/grade_eval.jsonl",
    ROOT / "tests/data/grade_train_extra.jsonl",
    ROOT / "tests/data/train_feedback.jsonl",  # three verdicts: only "correct" counts as right here
    ROOT / "tests/data/train_feedback_a.jsonl",  # two more writers, many answers in the course's own words
    ROOT / "tests/data/train_feedback_c.jsonl",
    ROOT / "tests/data/train_feedback_d.jsonl",  # three more (1 Dec 2026), for the marked answers
    ROOT / "tests/data/train_feedback_e.jsonl",
    ROOT / "tests/data/train_feedback_f.jsonl",
    ROOT / "tests/data/train_feedback_g.jsonl",  # three more (2 Dec 2026), each measured once as held-out first
    ROOT / "tests/data/train_feedback_h.jsonl",
    ROOT / "tests/data/train_feedback_i.jsonl",
    ROOT / "tests/data/train_feedback_j.jsonl",  # three more (2 Dec 2026), each measured once as held-out first
    ROOT / "tests/data/train_feedback_k.jsonl",
    ROOT / "tests/data/train_feedback_l.jsonl",
]  # the shared dev sets and the held-out sets are evaluation only (scripts/eval_grader.py)


def rows(path: Path) -> list[dict]:
    """A labelled file's rows, each with its ``source`` (the file's name)."""
    if not path.is_file():
        return []
    out = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{**row, "source": row.get("source") or path.stem} for row in out]


def label_rows(paths: list[Path], pack) -> list[dict]:
    """The rows of ``--labels`` files that belong to ``pack``; says what it skipped."""
    out: list[dict] = []
    questions = {q.id for q in pack.answered}
    for path in paths:
        labels = parse_labels(
            path.read_text(encoding="utf-8").splitlines(), course=pack.id, questions=questions, source=str(path)
        )
        print(
            f"{path}: {len(labels.rows)} labelled answers ({labels.other_course} of other courses and "
            f"{labels.unknown_question} of unknown or unanswered questions skipped)"
        )
        out += [{**row, "source": row.get("source") or path.stem} for row in labels.rows]
    return out


def kept_marked(existing: Sequence[MarkedAnswer], train: list[dict]) -> list[MarkedAnswer]:
    """The marked answers already in the file that the refit keeps: the staff's rows, appended from
    ``grade export-labels``, are never lost; those of our sources, or answers fitted on again (a staff
    file given with ``--labels`` too), are written from ``train`` once, so none is its own neighbour."""
    def same(question_id: str, answer: str) -> tuple[str, str]:
        return question_id, clean_text(answer).casefold().strip(" .!?")

    ours = {r["source"] for r in train}
    fitted = {same(r["question_id"], r["answer"]) for r in train}
    return [m for m in existing if m.source not in ours and same(m.question_id, m.answer) not in fitted]


def render(weights: GradingWeights) -> str:
    """``grading_model.py``'s text for ``weights``."""
    if weights.marked is None:
        raise ValueError("no model over the marked answers to write")
    lines = ",\n".join(f'    "{n}"' for n in weights.features)

    def values(w: tuple[float, ...]) -> str:
        return ", ".join(f"{x:.4f}" for x in w)

    marked = weights.marked
    return (
        '"""Weights of the grader\'s logistic model. Generated by ``scripts/fit_grader.py``; do not edit by hand."""\n\n'
        f"FEATURES = (\n{lines},\n)\nWEIGHTS = ({values(weights.weights)})\nINTERCEPT = {weights.intercept:.4f}\n"
        f"# at least partly right (fitted on the three-verdict labels)\n"
        f"PARTIAL_WEIGHTS = ({values(weights.partial_weights)})\nPARTIAL_INTERCEPT = {weights.partial_intercept:.4f}\n"
        f"# both again over FEATURES + bot.core.marked.MARKED_FEATURES, for questions with marked answers\n"
        f"MARKED_WEIGHTS = ({values(marked.weights)})\nMARKED_INTERCEPT = {marked.intercept:.4f}\n"
        f"MARKED_PARTIAL_WEIGHTS = ({values(marked.partial_weights)})\n"
        f"MARKED_PARTIAL_INTERCEPT = {marked.partial_intercept:.4f}\n"
    )


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
    parser.add_argument(
        "--marked-only", action="store_true",
        help="keep the shipped models without marked answers (what other courses grade with); refit the others",
    )
    parser.add_argument("--l2", type=float, default=DEFAULT_L2)
    parser.add_argument(
        "--labels", type=Path, action="append", default=[], metavar="FILE.jsonl",
        help="extra labelled answers (question_id, answer, verdict[, course]); repeatable",
    )
    args = parser.parse_args()
    from bot.infra.embedding import SentenceTransformerEmbedder
    from content.loader import default_pack_path, load_pack
    from content.marked import load_marked, marked_path

    pack = load_pack(default_pack_path())
    embedder = SentenceTransformerEmbedder()
    train = [r for path in TRAIN for r in rows(path)] + label_rows(args.labels, pack)
    # an empty answer is no example: the rules decide it
    marked = [MarkedAnswer(r["question_id"], r["answer"], label(r), r["source"]) for r in train if r["answer"].strip()]
    kept = kept_marked(load_marked(pack), train)
    if kept:
        print(f"kept {len(kept)} marked answers of other sources (the staff's) beside ours")
    marked += kept
    bank = MarkedAnswers(marked, embedder.encode([clean_text(m.answer) for m in marked]))
    grader = MeaningGrader(pack.questions, embedder, marked=bank)
    training = training_set(grader, train)
    weights = fit_models(training, l2=args.l2)
    if args.marked_only:
        weights = replace(SHIPPED, marked=weights.marked)
    print(f"partial model fitted on {training.partly_known} answers with three-verdict labels")
    print(f"fitted on {len(training)} answers left to the model (of {len(train)}); l2={args.l2}")
    for name, w in zip(weights.features, weights.weights, strict=True):
        print(f"  {name:28s} {w:+.3f}")
    print(f"  {'intercept':28s} {weights.intercept:+.3f}")
    if weights.marked is not None:
        print(f"with marked answers: {int((~np.isnan(training.marked_rows).any(axis=1)).sum())} answers")
        for name, w in zip(weights.marked.features, weights.marked.weights, strict=True):
            print(f"  {name:28s} {w:+.3f}")
    # without marked answers: with them, each answer would find itself among them
    print("train  ", accuracy(grader.with_weights(weights).with_marked(None), pack, train), "(model without marked answers)")
    if args.dry_run:
        return
    (ROOT / "bot/core/grading_model.py").write_text(render(weights), encoding="utf-8")
    print("wrote bot/core/grading_model.py")
    out = marked_path(pack.source or default_pack_path())
    out.write_text(
        "".join(
            json.dumps({"question_id": m.question_id, "answer": m.answer, "verdict": m.verdict.value, "source": m.source})
            + "\n"
            for m in marked
        ),
        encoding="utf-8",
    )
    print(f"wrote {out.relative_to(ROOT)} ({len(marked)} marked answers)")


if __name__ == "__main__":
    main()
