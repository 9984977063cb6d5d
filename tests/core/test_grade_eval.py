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

from bot.core.grade import Verdict
from bot.core.grading import MeaningGrader
from bot.core.grading_eval import figures
from content.marked import marked_answers

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
    "train-feedback-a": DATA / "train_feedback_a.jsonl",  # two more writers, fitted on
    "train-feedback-c": DATA / "train_feedback_c.jsonl",
    "train-feedback-d": DATA / "train_feedback_d.jsonl",  # three more writers (1 Dec 2026), fitted on
    "train-feedback-e": DATA / "train_feedback_e.jsonl",
    "train-feedback-f": DATA / "train_feedback_f.jsonl",
    "holdout": DATA / "holdout_grade.jsonl",
    "holdout-feedback": DATA / "holdout_feedback.jsonl",  # three verdicts; never fitted on
    "holdout-feedback-v2": DATA / "holdout_feedback_v2.jsonl",  # two blind writers of 30 Nov 2026, never fitted on
    "holdout-feedback-v3": DATA / "holdout_feedback_v3.jsonl",
    "holdout-feedback-v4": DATA / "holdout_feedback_v4.jsonl",  # a fourth blind writer, measured once at the end
    "holdout-feedback-v5": DATA / "holdout_feedback_v5.jsonl",  # a fifth (1 Dec 2026)
    "holdout-feedback-v6": DATA / "holdout_feedback_v6.jsonl",  # a sixth, written after the veto was made
    "holdout-feedback-v7": DATA / "holdout_feedback_v7.jsonl",  # a seventh, measured once at the end
    "holdout-feedback-v8": DATA / "holdout_feedback_v8.jsonl",  # two more, written 1 Dec after the last
    "holdout-feedback-v9": DATA / "holdout_feedback_v9.jsonl",  # change: measured once with, once without
    "holdout-feedback-v10": DATA / "holdout_feedback_v10.jsonl",  # a tenth (1 Dec 2026), measured once, unchanged grader
    # an eleventh (1 Dec 2026), measured once before and once after the marked answers
    "holdout-feedback-v11": DATA / "holdout_feedback_v11.jsonl",
}
# Floors: (min decided accuracy, max wrong accepted, max right rejected, min agreement, min honest,
# max review). None: not measured on that set (no contradicting answers).
FLOORS: dict[str, tuple[float, float, float, float, float | None, float]] = {
    # measured 1 Dec 2026 as the bot grades: the contradiction reader and the course's marked answers
    # (bot/core/marked.py: eight training writers' answers; figures in the comments: accuracy, wrong
    # accepted, right rejected, agreement, honest, review; "was": the same grader without marked answers,
    # measured at the stop before). The issue's targets (0.95, 0.02, 0.03, 0.85, 0.95, 0.10) are not all
    # reached yet. The reader is fitted on own ... train-feedback-c and the marked-answer model on all eight
    # training sets, each of which is graded without its own marked answers: their figures still flatter.
    "dev": (0.85, 0.05, 0.16, 0.84, None, 0.17),  # 0.909 0.000 0.100 0.909 n/a 0.120; was 0.739 0.000 0.182 0.652
    "dev-feedback": (0.83, 0.05, 0.05, 0.86, 0.95, 0.19),  # 0.889 0.000 0.000 0.923 1.000 0.133; was 0.778 .. 0.692
    "own": (0.89, 0.02, 0.08, 0.82, None, 0.10),  # 0.914 0.000 0.054 0.855 n/a 0.071; was 0.893 0.000 0.033 0.808
    "own-extra": (0.92, 0.02, 0.07, 0.83, None, 0.08),  # 0.940 0.000 0.043 0.867 n/a 0.052; was 0.900 .. 0.775
    "train-feedback": (0.90, 0.03, 0.05, 0.80, 0.96, 0.09),  # 0.925 0.005 0.025 0.837 0.981 0.062; was 0.895 .. 0.758
    "train-feedback-a": (0.87, 0.03, 0.08, 0.77, 0.95, 0.09),  # 0.899 0.005 0.055 0.801 0.972 0.062; was 0.841 .. 0.720
    "train-feedback-c": (0.88, 0.03, 0.07, 0.76, 0.92, 0.08),  # 0.905 0.009 0.041 0.797 0.943 0.054; was 0.845 .. 0.716
    "train-feedback-d": (0.90, 0.02, 0.06, 0.81, 0.98, 0.06),  # 0.925 0.000 0.039 0.848 1.000 0.037
    "train-feedback-e": (0.93, 0.02, 0.07, 0.82, 0.98, 0.11),  # 0.953 0.000 0.049 0.851 1.000 0.081
    "train-feedback-f": (0.91, 0.05, 0.09, 0.80, 0.94, 0.14),  # 0.938 0.023 0.062 0.838 0.968 0.118
    # held-out sets, each from a blind writer, never fitted on; "was": accuracy, wrong accepted, right
    # rejected, agreement without marked answers (earlier history: git log of this file)
    "holdout": (0.91, 0.02, 0.02, 0.86, None, 0.10),  # 0.937 0.000 0.000 0.892 n/a 0.075; was 0.884 0.000 0.000 0.750
    "holdout-feedback": (0.92, 0.02, 0.08, 0.83, 0.97, 0.10),  # 0.941 0.000 0.054 0.862 0.990 0.080; was .883 0 .075 .738
    "holdout-feedback-v2": (0.85, 0.08, 0.08, 0.77, 0.85, 0.09),  # 0.870 0.057 0.060 0.803 0.872 0.068; was .839 .058 .041 .716
    "holdout-feedback-v3": (0.90, 0.05, 0.08, 0.81, 0.91, 0.10),  # 0.929 0.024 0.059 0.842 0.932 0.078; was .889 .034 .051 .758
    "holdout-feedback-v4": (0.88, 0.06, 0.06, 0.81, 0.88, 0.09),  # 0.909 0.038 0.039 0.841 0.902 0.062; was .835 .078 .078 .739
    "holdout-feedback-v5": (0.87, 0.08, 0.07, 0.79, 0.89, 0.11),  # 0.893 0.053 0.043 0.823 0.913 0.090; was .834 .063 .010 .732
    "holdout-feedback-v6": (0.92, 0.02, 0.04, 0.84, 0.98, 0.10),  # 0.948 0.000 0.020 0.876 1.000 0.071; was .900 0 .021 .770
    "holdout-feedback-v7": (0.88, 0.03, 0.10, 0.77, 0.96, 0.11),  # 0.907 0.007 0.076 0.801 0.989 0.081; was .869 0 .045 .722
    "holdout-feedback-v8": (0.93, 0.04, 0.08, 0.83, 0.94, 0.09),  # 0.957 0.015 0.059 0.864 0.967 0.062; was .910 .016 .057 .751
    "holdout-feedback-v9": (0.90, 0.05, 0.10, 0.81, 0.94, 0.11),  # 0.925 0.023 0.074 0.840 0.967 0.087; was .888 .032 .062 .753
    "holdout-feedback-v10": (0.91, 0.03, 0.09, 0.83, 0.97, 0.09),  # 0.936 0.007 0.069 0.864 0.990 0.065; was .913 0 .088 .774
    # written after the marked answers' design was fixed, measured once without them (0.909 0.008 0.071
    # 0.768 0.989 0.078), once with five writers' (0.938 0.015 0.038 0.864 0.978 0.043), then with eight
    "holdout-feedback-v11": (0.92, 0.04, 0.07, 0.84, 0.95, 0.08),  # 0.946 0.015 0.049 0.876 0.978 0.050
}

pytestmark = pytest.mark.slow


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def grader(real_embedder, contradiction_reader, course_pack) -> MeaningGrader:
    """As the bot grades: with the shipped contradiction veto and the course's marked answers."""
    marked = marked_answers(course_pack, real_embedder)
    assert marked is not None and len(marked) > 1000
    return MeaningGrader(course_pack.questions, real_embedder, reader=contradiction_reader, marked=marked)


@pytest.mark.parametrize("name", sorted(SETS))
def test_grading_figures(grader, course_pack, name):
    path = SETS[name]
    if not path.exists():
        pytest.skip(f"{path} not present")
    rows = load(path)
    # our training sets are among the marked answers: each is graded without its own (it would find itself)
    grader = grader.with_marked(grader.marked.without(path.stem))
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


def test_the_courses_own_answers_are_right_with_the_reader(grader, course_pack):
    """The reader misreads some short references (1.5's covers one point of two) as contradicting: the
    course's answer restated must still be right, never sent to the staff."""
    items = course_pack.answered
    grades = grader.grade_many([(item, item.answer) for item in items])
    assert [item.id for item, g in zip(items, grades, strict=True) if g.verdict is not Verdict.CORRECT] == []


@pytest.mark.parametrize(
    "answer",
    [
        "Transformers forget distant tokens quickly, while an RNN keeps them in its hidden state, so the RNN "
        "remembers longer.",
        "The RNN has a longer memory because it has a hidden state that carries information.",
    ],
)
def test_the_issues_swapped_memory_claims_praise_no_point(grader, course_pack, answer):
    """Both 1.24 points say the Transformer remembers longer: an answer saying the RNN does gets neither."""
    g = grader.grade(course_pack.get("1.24"), answer)
    assert g.verdict is Verdict.INCORRECT and g.covered == () and g.feedback.startswith("You said")


def test_a_reason_and_one_example_of_three_is_partial(grader, course_pack):
    g = grader.grade(course_pack.get("1.12"), "To add nonlinearity. ReLU.")
    assert g.verdict is Verdict.PARTIAL and "You named 1 of the 3" in g.feedback


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
