"""The staff's corrections file: rows of the course kept, other courses and unknown questions skipped,
a malformed row refused with its file and line."""

from __future__ import annotations

import json

import pytest

from bot.core.grading_labels import parse_labels

QUESTIONS = {"1.2", "1.9"}


def line(**row) -> str:
    return json.dumps(row)


def test_rows_of_the_course_are_kept_with_their_verdicts():
    labels = parse_labels(
        [
            line(question_id="1.9", answer="parallel matrix maths", verdict="correct"),
            "",
            line(question_id="1.2", answer="they differ", verdict="incorrect", course="ose", extra=1),
            line(question_id="1.2", answer="explain vs predict", verdict="partial", course="ose"),
        ],
        course="ose",
        questions=QUESTIONS,
    )
    assert labels.rows == [
        {"question_id": "1.9", "answer": "parallel matrix maths", "verdict": "correct"},
        {"question_id": "1.2", "answer": "they differ", "verdict": "incorrect"},
        {"question_id": "1.2", "answer": "explain vs predict", "verdict": "partial"},
    ]
    assert (labels.other_course, labels.unknown_question) == (0, 0)


def test_other_courses_and_unknown_questions_are_skipped_and_counted():
    labels = parse_labels(
        [
            line(question_id="1.9", answer="gpus", verdict="correct", course="another-course"),
            line(question_id="7.7", answer="what", verdict="correct", course="ose"),
            line(question_id="1.9", answer="parallel", verdict="correct", course="ose"),
        ],
        course="ose",
        questions=QUESTIONS,
    )
    assert [r["answer"] for r in labels.rows] == ["parallel"]
    assert (labels.other_course, labels.unknown_question) == (1, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "expected an object"),
        (line(question_id="1.9", verdict="correct"), "answer must be a non-empty string"),
        (line(question_id="1.9", answer="  ", verdict="correct"), "answer must be a non-empty string"),
        (
            line(question_id="1.9", answer="gpus", verdict="right"),
            "verdict must be one of correct, partial, incorrect",
        ),
        (line(question_id=1.9, answer="gpus", verdict="correct"), "question_id must be a non-empty string"),
    ],
)
def test_a_bad_row_is_refused_with_its_place(text, message):
    ok = line(question_id="1.9", answer="gpus", verdict="correct")
    with pytest.raises(ValueError, match=f"^fixes.jsonl:3: {message}"):
        parse_labels([ok, "", text], course="ose", questions=QUESTIONS, source="fixes.jsonl")
