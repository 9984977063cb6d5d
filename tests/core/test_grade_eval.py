"""Evaluation of the grader on every labelled set: the shared dev sets, our own labelled answers, the
training answers of a separate writer, and held-out sets written independently and never fitted on.

Prints, per set, the figures of ``bot/core/grading_eval.py`` (decided accuracy, wrong accepted, right
rejected, three-verdict agreement, honest feedback, review share) and fails below each set's floor,
set slightly below what the grader measured when the floor was written."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.core.grade import Grade, Verdict
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
    "train-feedback-a": DATA / "train_feedback_a.jsonl",  # two more writers, fitted on
    "train-feedback-c": DATA / "train_feedback_c.jsonl",
    "train-feedback-d": DATA / "train_feedback_d.jsonl",  # three more writers (1 Dec 2026), fitted on
    "train-feedback-e": DATA / "train_feedback_e.jsonl",
    "train-feedback-f": DATA / "train_feedback_f.jsonl",
    "train-feedback-g": DATA / "train_feedback_g.jsonl",  # three more (2 Dec 2026): measured once as held-out
    "train-feedback-h": DATA / "train_feedback_h.jsonl",  # before they joined the marked answers
    "train-feedback-i": DATA / "train_feedback_i.jsonl",
    "train-feedback-j": DATA / "train_feedback_j.jsonl",  # three more (2 Dec 2026, later): measured once as
    "train-feedback-k": DATA / "train_feedback_k.jsonl",  # held-out before they joined the marked answers
    "train-feedback-l": DATA / "train_feedback_l.jsonl",  # and the contradiction reader's check
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
    # a twelfth (2 Dec 2026), measured once with eight writers' marked answers (0.970 0.000 0.030 0.903
    # 1.000 0.075), then with eleven
    "holdout-feedback-v12": DATA / "holdout_feedback_v12.jsonl",
    # a thirteenth (2 Dec 2026), written before this change and measured once, after it
    "holdout-feedback-v13": DATA / "holdout_feedback_v13.jsonl",
    # a fourteenth (3 Dec 2026), written after the day's first grading changes and never read: 0.914 0.008
    # 0.092 0.873 1.000 0.041 with the grader of that morning, 0.927 0.008 0.062 0.883 1.000 0.047 before
    # the reader's refit, then as shipped (its writer's 1.6 and 1.11, which the course does not answer,
    # left out)
    "holdout-feedback-v14": DATA / "holdout_feedback_v14.jsonl",
}
# Floors: (min decided accuracy, max wrong accepted, max right rejected, min agreement, min honest,
# max review). None: not measured on that set (no contradicting answers).
FLOORS: dict[str, tuple[float, float, float, float, float | None, float]] = {
    # measured 3 Dec 2026 (afternoon) as the bot grades (list items by word family and turned round, items
    # denied; the model's unclear wrong answers read from 0.15; its right answers missing a point right when
    # the reader finds them clean; comparisons left to the claim checker): the contradiction reader fitted on all
    # fourteen training writers (own ... train-feedback-l) and the course's marked answers
    # (bot/core/marked.py: the same writers' answers); figures in the comments: accuracy, wrong accepted,
    # right rejected, agreement, honest, review (earlier figures: git log of this file). The issue's targets
    # (0.95, 0.02, 0.03, 0.85, 0.95, 0.10) are not all reached on every set. The training sets are graded
    # without their own marked answers, but the models were fitted on them: their figures flatter.
    # the two shared dev sets are small (25 and 15 answers): one answer's room
    "dev": (0.81, 0.09, 0.10, 0.81, None, 0.16),  # 0.870 0.000 0.000 0.870 n/a 0.080
    "dev-feedback": (0.80, 0.20, 0.20, 0.85, 0.75, 0.14),  # 0.900 0.000 0.000 0.929 1.000 0.067
    "own": (0.93, 0.03, 0.04, 0.88, None, 0.06),  # 0.965 0.000 0.010 0.913 n/a 0.038
    "own-extra": (0.93, 0.02, 0.05, 0.88, None, 0.06),  # 0.964 0.000 0.020 0.916 n/a 0.022
    "train-feedback": (0.93, 0.02, 0.06, 0.85, 0.96, 0.07),  # 0.961 0.000 0.024 0.881 0.987 0.052
    "train-feedback-a": (0.90, 0.02, 0.08, 0.82, 0.96, 0.08),  # 0.936 0.000 0.040 0.853 0.993 0.042
    "train-feedback-c": (0.90, 0.02, 0.08, 0.81, 0.94, 0.06),  # 0.934 0.000 0.040 0.847 0.986 0.040
    "train-feedback-d": (0.93, 0.02, 0.04, 0.86, 0.98, 0.05),  # 0.964 0.000 0.009 0.899 1.000 0.016
    "train-feedback-e": (0.94, 0.02, 0.05, 0.85, 0.97, 0.06),  # 0.967 0.000 0.018 0.883 1.000 0.040
    "train-feedback-f": (0.90, 0.07, 0.08, 0.83, 0.94, 0.10),  # 0.932 0.024 0.065 0.865 0.989 0.081
    "train-feedback-g": (0.93, 0.02, 0.04, 0.83, 0.97, 0.06),  # 0.967 0.000 0.009 0.869 0.989 0.031
    "train-feedback-h": (0.95, 0.02, 0.03, 0.85, 0.98, 0.07),  # 0.980 0.000 0.009 0.884 1.000 0.059
    "train-feedback-i": (0.95, 0.02, 0.04, 0.90, 0.97, 0.07),  # 0.979 0.000 0.010 0.929 0.989 0.040
    "train-feedback-j": (0.94, 0.03, 0.06, 0.88, 0.97, 0.08),  # 0.971 0.000 0.028 0.916 1.000 0.040
    "train-feedback-k": (0.96, 0.03, 0.03, 0.89, 0.97, 0.06),  # 0.996 0.000 0.000 0.926 1.000 0.040
    "train-feedback-l": (0.94, 0.03, 0.03, 0.86, 0.94, 0.07),  # 0.975 0.000 0.000 0.894 0.978 0.031
    # held-out sets, each from a blind writer, never fitted on (the dev sets above neither)
    "holdout": (0.95, 0.02, 0.05, 0.91, None, 0.08),  # 0.965 0.000 0.020 0.922 n/a 0.042
    "holdout-feedback": (0.92, 0.02, 0.06, 0.86, 0.97, 0.08),  # 0.956 0.008 0.041 0.898 0.981 0.054
    "holdout-feedback-v2": (0.88, 0.07, 0.06, 0.82, 0.86, 0.08),  # 0.913 0.041 0.028 0.850 0.907 0.047
    "holdout-feedback-v3": (0.93, 0.04, 0.05, 0.87, 0.90, 0.09),  # 0.965 0.033 0.019 0.900 0.932 0.065
    "holdout-feedback-v4": (0.91, 0.07, 0.06, 0.86, 0.87, 0.08),  # 0.941 0.046 0.028 0.895 0.915 0.053
    "holdout-feedback-v5": (0.88, 0.07, 0.05, 0.83, 0.89, 0.08),  # 0.907 0.054 0.037 0.869 0.913 0.050
    "holdout-feedback-v6": (0.95, 0.03, 0.03, 0.89, 0.97, 0.07),  # 0.983 0.000 0.000 0.922 0.989 0.050
    "holdout-feedback-v7": (0.91, 0.03, 0.08, 0.83, 0.97, 0.07),  # 0.945 0.000 0.048 0.866 0.978 0.047
    "holdout-feedback-v8": (0.95, 0.03, 0.05, 0.90, 0.97, 0.06),  # 0.983 0.008 0.019 0.935 0.989 0.037
    "holdout-feedback-v9": (0.92, 0.03, 0.09, 0.87, 0.96, 0.07),  # 0.958 0.007 0.058 0.905 0.989 0.053
    "holdout-feedback-v10": (0.94, 0.02, 0.05, 0.89, 0.96, 0.09),  # 0.979 0.000 0.019 0.922 0.990 0.050
    "holdout-feedback-v11": (0.93, 0.03, 0.06, 0.89, 0.97, 0.07),  # 0.963 0.007 0.029 0.919 1.000 0.037
    "holdout-feedback-v12": (0.94, 0.02, 0.03, 0.90, 0.98, 0.09),  # 0.975 0.000 0.000 0.938 1.000 0.053
    "holdout-feedback-v13": (0.94, 0.03, 0.07, 0.88, 0.97, 0.07),  # 0.971 0.008 0.038 0.919 0.989 0.047
    "holdout-feedback-v14": (0.91, 0.03, 0.08, 0.86, 0.97, 0.07),  # 0.941 0.008 0.042 0.894 1.000 0.047
}

pytestmark = pytest.mark.slow


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def grader(real_embedder, contradiction_reader, course_pack, shipped_marked) -> MeaningGrader:
    """As the bot grades: with the shipped contradiction veto and the course's marked answers."""
    assert shipped_marked is not None and len(shipped_marked) > 1000
    return MeaningGrader(course_pack.questions, real_embedder, reader=contradiction_reader, marked=shipped_marked)


@pytest.fixture(scope="module")
def graded(grader, course_pack) -> Callable[[str], tuple[list[dict], list[Grade]]]:
    """A set's rows and grades, graded once for all the tests of this module (thousands of answers)."""
    done: dict[str, tuple[list[dict], list[Grade]]] = {}

    def rows_and_grades(name: str) -> tuple[list[dict], list[Grade]]:
        if name not in done:
            path = SETS[name]
            rows = load(path)
            # our training sets are among the marked answers: each is graded without its own (it would find
            # itself)
            own = grader.with_marked(grader.marked.without(path.stem))
            done[name] = rows, own.grade_many([(course_pack.get(r["question_id"]), r["answer"]) for r in rows])
        return done[name]

    return rows_and_grades


@pytest.mark.parametrize("name", sorted(SETS))
def test_grading_figures(graded, name):
    if not SETS[name].exists():
        pytest.skip(f"{SETS[name]} not present")
    rows, grades = graded(name)
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


@pytest.mark.parametrize(
    ("item_id", "answer"),
    [
        ("1.22", "google's masked language model, I forget what it's called"),
        ("1.25", "query, key and value vectors"),
    ],
)
def test_a_pick_described_without_its_name_is_partial(grader, course_pack, item_id, answer):
    """Answers like these were marked partial by our writers: their marked neighbours say so."""
    g = grader.grade(course_pack.get(item_id), answer)
    assert g.verdict is Verdict.PARTIAL and not g.covered
    assert "doesn't name an answer the course accepts" in g.feedback


class ConstantReader:
    """A contradiction reader that reads every pair alike."""

    def __init__(self, p: float) -> None:
        self.p = p

    def probabilities(self, pairs, *, batch_size: int = 32) -> np.ndarray:
        return np.full(len(pairs), self.p)


@pytest.mark.parametrize(("p", "verdict"), [(None, Verdict.INCORRECT), (0.0, Verdict.PARTIAL), (0.9, Verdict.INCORRECT)])
def test_a_described_pick_is_partial_only_when_a_reader_sees_no_contradiction(
    real_embedder, course_pack, shipped_marked, p, verdict
):
    reader = None if p is None else ConstantReader(p)
    grader = MeaningGrader(course_pack.questions, real_embedder, reader=reader, marked=shipped_marked)
    answer = "google's masked language model, I forget what it's called"
    assert grader.grade(course_pack.get("1.22"), answer).verdict is verdict


@pytest.mark.parametrize(
    ("item_id", "answer"),
    [
        ("1.22", "ResNet"),
        ("1.22", "GPT"),
        ("1.22", "T5"),
        ("1.24", "RNN"),
        ("1.24", "the LSTM"),
        ("1.25", "the LSTM cell"),
        ("1.13", "softmax"),
        ("1.10", "device = 'cuda'"),
    ],
)
def test_a_wrong_pick_stays_wrong(grader, course_pack, item_id, answer):
    assert grader.grade(course_pack.get(item_id), answer).verdict is Verdict.INCORRECT


def test_every_grade_is_consistent(graded):
    """Verdict, score, covered and missed agree, on every answer we have."""
    pairs = [pair for name, path in SETS.items() if path.exists() for pair in zip(*graded(name), strict=True)]
    assert len(pairs) > 4000  # our training sets alone; the held-out and dev sets add theirs
    for row, g in pairs:
        assert_consistent(row, g)


def test_a_marked_answer_sent_again_word_for_word_is_graded_consistently(grader, course_pack):
    """With every marked answer, one of them submitted again finds itself (closest at 1.0): the rule that
    makes a right answer beside answers marked right count every point must still agree with its score."""
    rows = load(SETS["train-feedback-g"])
    grades = grader.grade_many([(course_pack.get(r["question_id"]), r["answer"]) for r in rows])
    for row, g in zip(rows, grades, strict=True):
        assert_consistent(row, g)
    marked_right = [g for r, g in zip(rows, grades, strict=True) if r["verdict"] == "correct"]
    # measured 0.846 (99 of 117): the marks are 3 features of the model, not a lookup; the rest are left
    # to the staff or partial, but for 2 misspelt one-word names ("bret") that the names rule rejects first
    assert sum(g.verdict is Verdict.CORRECT for g in marked_right) >= 0.8 * len(marked_right)
    assert sum(g.verdict is Verdict.INCORRECT for g in marked_right) <= 0.03 * len(marked_right)


def assert_consistent(row: dict, g: Grade) -> None:
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
