"""``studybot grade``: bad lines become error objects, good lines are graded, order is kept."""

from __future__ import annotations

import json

from bot.cli.grading_lines import grade_lines
from bot.core.grading import MeaningGrader


def test_errors_and_results_keep_their_order(course_pack, fake_embedder):
    grader = MeaningGrader(course_pack.questions, fake_embedder)
    lines = [
        json.dumps({"question_id": "1.22", "answer": "BERT"}),
        "not json at all",
        json.dumps({"question_id": "9.99", "answer": "x"}),
        json.dumps({"question_id": "1.6", "answer": "words vs characters"}),
        json.dumps({"question_id": 1.3, "answer": "x"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"question_id": "1.22", "answer": "GPT-2"}),
    ]
    out = list(grade_lines(lines, course_pack, grader, batch=2))
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 8]
    assert out[0]["correct"] is True and out[0]["verdict"] == "correct"
    assert "not valid JSON" in out[1]["error"]
    assert "unknown question id" in out[2]["error"]
    assert "no reference answer" in out[3]["error"]
    assert "must be a string" in out[4]["error"]
    assert "expected an object" in out[5]["error"]
    assert out[6]["correct"] is False and out[6]["verdict"] == "incorrect"
    assert {"question_id", "correct", "verdict", "score", "covered", "missed"} <= out[0].keys()


def test_batches_call_the_model_once_per_batch(course_pack, fake_embedder):
    grader = MeaningGrader(course_pack.questions, fake_embedder)
    calls_before = fake_embedder.calls
    lines = [
        json.dumps({"question_id": "1.9", "answer": f"GPUs compute in parallel {i}."}) for i in range(10)
    ]
    out = list(grade_lines(lines, course_pack, grader, batch=5))
    assert len(out) == 10
    assert fake_embedder.calls - calls_before == 2
