"""content/marked.py: a pack's marked answers are read from the file beside it, and a broken line stops the
start with its file and line, as a broken pack does."""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from bot.core.grade import Verdict
from bot.core.marked import usable_questions
from content.errors import PackError
from content.loader import default_pack_path, load_pack
from content.marked import load_marked, marked_answers, marked_path


@pytest.fixture
def pack_copy(tmp_path):
    path = tmp_path / "course.yaml"
    shutil.copy(default_pack_path(), path)
    return path


def test_the_shipped_course_has_marked_answers_for_every_answered_question():
    pack = load_pack(default_pack_path())
    answers = load_marked(pack)
    assert len(answers) > 1000
    assert {a.question_id for a in answers} == {q.id for q in pack.answered}
    assert {a.verdict for a in answers} == set(Verdict) - {Verdict.REVIEW}
    assert len({a.source for a in answers}) >= 5  # each writer a source: fitted across writers


def test_a_pack_without_a_file_has_none(pack_copy, fake_embedder):
    pack = load_pack(pack_copy)
    assert marked_path(pack_copy) == pack_copy.with_name("course.marked.jsonl")
    assert load_marked(pack) == ()
    assert marked_answers(pack, fake_embedder) is None


def test_rows_of_other_courses_and_unknown_questions_are_skipped(pack_copy, fake_embedder, caplog):
    pack = load_pack(pack_copy)
    rows = [
        {
            "question_id": "1.9",
            "answer": "GPUs do matrix maths in parallel",
            "verdict": "correct",
            "source": "ta",
        },
        {"question_id": "1.9", "answer": "x", "verdict": "correct", "course": "another-course"},
        {"question_id": "9.9", "answer": "y", "verdict": "partial"},
        # a row of `studybot grade export-labels` (the staff's decision on a contested grade), appended
        {"course": pack.id, "question_id": "1.2", "answer": "they differ", "verdict": "incorrect"},
    ]
    marked_path(pack_copy).write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="content.marked"):
        answers = load_marked(pack)
    assert "other_course=1 unknown_question=1" in caplog.text
    assert [(a.question_id, a.verdict, a.source) for a in answers] == [
        ("1.9", Verdict.CORRECT, "ta"),
        ("1.2", Verdict.INCORRECT, ""),
    ]
    assert len(marked_answers(pack, fake_embedder)) == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        (json.dumps({"question_id": "1.9", "answer": "a", "verdict": "right"}), "verdict must be one of"),
        (
            json.dumps({"question_id": "1.9", "answer": " ", "verdict": "correct"}),
            "answer must be a non-empty",
        ),
        (
            json.dumps({"question_id": "1.9", "answer": "a", "verdict": "correct", "source": 3}),
            "source must be",
        ),
    ],
)
def test_a_broken_line_names_its_file_and_line(pack_copy, line, message):
    good = json.dumps({"question_id": "1.9", "answer": "parallel maths", "verdict": "correct"})
    marked_path(pack_copy).write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(PackError, match=message) as raised:
        load_marked(load_pack(pack_copy))
    assert raised.value.line == 2
    assert "course.marked.jsonl" in str(raised.value)


def test_content_check_reports_a_broken_marked_answers_file(pack_copy):
    from content.checker import check_pack_file

    marked_path(pack_copy).write_text('{"question_id": "1.9"}\n', encoding="utf-8")
    problems = [p for p in check_pack_file(pack_copy) if p.severity == "error"]
    assert [(p.file.endswith("course.marked.jsonl"), p.line) for p in problems] == [(True, 1)]
    assert "answer must be a non-empty string" in str(problems[0])


def test_every_answered_question_of_the_shipped_course_has_enough_marked_answers_to_read():
    pack = load_pack(default_pack_path())
    assert usable_questions(load_marked(pack)) == {q.id for q in pack.answered}


def test_an_answer_marked_again_by_the_same_source_keeps_its_last_verdict(pack_copy):
    rows = [
        {"question_id": "1.9", "answer": "GPUs do maths in parallel", "verdict": "partial", "source": "ta"},
        {"question_id": "1.9", "answer": "GPUs do maths in parallel", "verdict": "correct", "source": "ta"},
        {
            "question_id": "1.9",
            "answer": "GPUs do maths in parallel",
            "verdict": "incorrect",
            "source": "other",
        },
    ]
    marked_path(pack_copy).write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    answers = load_marked(load_pack(pack_copy))
    assert sorted((a.source, a.verdict) for a in answers) == [
        ("other", Verdict.INCORRECT),
        ("ta", Verdict.CORRECT),
    ]


def test_a_broken_marked_answers_file_stops_the_start(pack_copy):
    from bot.app.courses import load_packs
    from bot.app.settings import Settings

    marked_path(pack_copy).write_text(
        '{"question_id": "1.9", "answer": "a", "verdict": "maybe"}\n', encoding="utf-8"
    )
    with pytest.raises(PackError, match="verdict must be one of") as raised:
        load_packs(Settings(_env_file=None, packs=str(pack_copy)))
    assert raised.value.line == 1
