"""scripts/fit_grader.py: what it writes is grading_model.py's own format, and ``--labels`` files are
read for the shipped course only. (The fitting itself: tests/core/test_grading_fit.py.)"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from bot.core.grading_weights import SHIPPED

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("fit_grader", ROOT / "scripts" / "fit_grader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_weights_render_as_the_shipped_file(script):
    assert script.render(SHIPPED) == (ROOT / "bot" / "core" / "grading_model.py").read_text(encoding="utf-8")


def test_labels_files_are_read_for_the_shipped_course(script, course_pack, tmp_path, capsys):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(
        json.dumps({"question_id": "1.9", "answer": "parallel maths", "verdict": "correct"})
        + "\n"
        + json.dumps({"question_id": "1.9", "answer": "x", "verdict": "correct", "course": "other-course"})
        + "\n"
    )
    second.write_text(
        json.dumps(
            {"question_id": "1.2", "answer": "they differ", "verdict": "incorrect", "course": course_pack.id}
        )
    )
    rows = script.label_rows([first, second], course_pack)
    assert rows == [  # each file is its answers' source: a marked answer is compared with other files' only
        {"question_id": "1.9", "answer": "parallel maths", "verdict": "correct", "source": "a"},
        {"question_id": "1.2", "answer": "they differ", "verdict": "incorrect", "source": "b"},
    ]
    assert "1 labelled answers (1 of other courses" in capsys.readouterr().out


def test_a_bad_labels_file_stops_the_fit(script, course_pack, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question_id": "1.9", "answer": "gpus", "verdict": "yes"}) + "\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: verdict"):
        script.label_rows([bad], course_pack)


def test_a_refit_keeps_the_staffs_marked_answers_once(script):
    """Rows appended from `grade export-labels` (no source) survive a refit; ours are rewritten from the
    training rows, and a staff answer also given with --labels is written once, never beside itself."""
    from bot.core.grade import Verdict
    from bot.core.marked import MarkedAnswer

    existing = [
        MarkedAnswer("1.9", "GPUs do maths in parallel", Verdict.CORRECT, "grade_eval"),
        MarkedAnswer("1.9", "CPUs are faster", Verdict.INCORRECT, ""),
        MarkedAnswer("1.2", "They differ.", Verdict.PARTIAL, ""),
    ]
    train = [
        {"question_id": "1.9", "answer": "GPUs do maths in parallel", "verdict": "correct", "source": "grade_eval"},
        {"question_id": "1.2", "answer": "they differ", "verdict": "partial", "source": "staff"},
    ]
    assert script.kept_marked(existing, train) == [existing[1]]
