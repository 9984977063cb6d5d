"""The separation report: how far a course's questions sit from each other and from off-course questions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from bot.core.pack import QAItem
from content.schema import parse_pack_text
from content.separation import (
    PROBES_PATH,
    WARN_SHARE,
    load_off_course_probes,
    question_gaps,
    separation_report,
)
from content.topics import load_off_course_topics


class TableEmbedder:
    """Fixed vectors per text, so the expected similarities are known exactly."""

    model_name = "table"

    def __init__(self, table: dict[str, Sequence[float]]) -> None:
        self.table = table

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        return np.asarray([self.table[text] for text in texts], dtype=np.float32)


@dataclass(frozen=True)
class Outcome:
    abstained: bool


class AnswersOnly:
    """An /ask stand-in that answers exactly the queries it is told to and declines the rest."""

    def __init__(self, answered: set[str]) -> None:
        self.answered = answered

    def ask_many(self, queries: list[str]) -> list[Outcome]:
        return [Outcome(query not in self.answered) for query in queries]


def items(*questions: str) -> list[QAItem]:
    return [QAItem(id=f"q{n}", question=q, answer="x") for n, q in enumerate(questions, 1)]


def test_gaps_are_one_minus_the_nearest_neighbours_cosine():
    # a-b at cosine 0.8, b-c at 0.6, a-c at 0: nearest a->b 0.8, b->a 0.8, c->b 0.6
    embedder = TableEmbedder({"a": (1.0, 0.0), "b": (0.8, 0.6), "c": (0.0, 1.0)})
    median, minimum, closest = question_gaps(items("a", "b", "c"), embedder)
    expected = sorted(1.0 - s for s in (0.8, 0.8, 0.6))
    assert median == pytest.approx(expected[1])
    assert minimum == pytest.approx(expected[0])
    assert closest == ("q1", "q2")


def test_unnormalised_vectors_are_compared_by_angle():
    embedder = TableEmbedder({"a": (3.0, 0.0), "b": (0.0, 0.5), "c": (2.0, 2.0)})
    _, minimum, closest = question_gaps(items("a", "b", "c"), embedder)
    assert minimum == pytest.approx(1.0 - np.cos(np.pi / 4), abs=1e-6)
    assert closest in {("q1", "q3"), ("q2", "q3")}


def test_one_question_has_no_gaps():
    report = separation_report(items("a"), TableEmbedder({"a": (1.0,)}), AnswersOnly(set()), probes=["x?"])
    assert (report.median_gap, report.min_gap, report.closest) == (None, None, None)
    assert "too few" in report.lines()[0]


@pytest.mark.parametrize("answered", [0, 1, 4, 5, 20])
def test_warning_only_above_five_percent_of_probes_answered(answered: int):
    probes = [f"off-course question {n}?" for n in range(80)]
    report = separation_report(items(), TableEmbedder({}), AnswersOnly(set(probes[:answered])), probes=probes)
    assert report.answered == tuple(probes[:answered])
    assert f"{answered} of 80 answered" in report.lines()[1]
    problems = report.problems("c.yaml")
    assert bool(problems) is (answered > WARN_SHARE * len(probes))
    for problem in problems:
        assert (problem.file, problem.line, problem.severity) == ("c.yaml", None, "warning")
        assert problem.message.startswith(
            f"this course is likely to answer off-topic questions: {answered} of 80 off-course probes "
            f"were answered (e.g. '{probes[0]}'"
        )
        assert problem.message.endswith("raise ask_threshold or add questions")


def test_no_probes_no_warning():
    report = separation_report(items(), TableEmbedder({}), AnswersOnly(set()), probes=[])
    assert report.probes == 0 and report.problems("c.yaml") == []


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_probes_are_many_distinct_questions_none_copied_from_the_anchors():
    probes = load_off_course_probes()
    assert len(probes) >= 70
    assert len({_key(p) for p in probes}) == len(probes)
    assert all(p.endswith("?") for p in probes)
    anchors = {_key(a) for a in load_off_course_topics()}
    assert not [p for p in probes if _key(p) in anchors]
    raw = PROBES_PATH.read_text(encoding="utf-8").splitlines()
    assert sum(1 for row in raw if row.strip() and not row.startswith("#")) == len(probes)


# --- with the real model ---------------------------------------------------------------------------

VAGUE = """\
title: Vague course
ask_threshold: {threshold}
questions:
  - id: "1"
    question: What is it?
    answer: A thing.
  - id: "2"
    question: How do I do that?
    answer: Like this.
  - id: "3"
    question: Why does this happen?
    answer: Because.
  - id: "4"
    question: Where can I find it?
    answer: Over there.
"""


def real_report(pack, embedder):
    from bot.app.core import build_course_models

    ask, _ = build_course_models(pack, embedder, threshold=pack.ask_threshold)
    return separation_report(pack.questions, embedder, ask)


@pytest.mark.slow
def test_shipped_pack_declines_the_off_course_probes(course_pack, real_embedder):
    report = real_report(course_pack, real_embedder)
    assert report.probes == len(load_off_course_probes())
    assert not report.too_many_answered, report.answered
    assert report.problems("pack.yaml") == []
    # its closest pair is the minimal pair the README describes (batch size too small / too large)
    assert report.closest == ("1.16", "1.17") and report.min_gap < 0.05
    assert report.min_gap <= report.median_gap < 1.0


@pytest.mark.slow
def test_vague_questions_with_a_low_threshold_answer_off_course_questions(real_embedder):
    def report(threshold: str):
        pack = parse_pack_text(VAGUE.format(threshold=threshold), file="v.yaml", default_id="v").pack
        return real_report(pack, real_embedder)

    low = report("0.1")
    [warning] = low.problems("v.yaml")
    assert "off-course probes were answered" in warning.message
    default = report("null")  # raising the threshold is the advice: it must help
    assert len(default.answered) < len(low.answered)
