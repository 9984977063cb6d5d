"""The loader reads good packs completely and refuses bad ones with the file, line and item to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.errors import PackError
from content.loader import load_pack

GOOD = """\
title: Tiny course
description: Two questions.
questions:
  - id: "1.1"
    question: What is a tensor?
    answer: |-
      A multi-dimensional array.

      With a dtype and a device.
    key_points: [multi-dimensional, array]
    misconceptions: [a tensor is always 2-D]
    accept: [an n-d array]
  - id: "1.10"
    question: Why GPUs?
    answer: null
"""


def write(tmp_path: Path, text: str, name: str = "tiny.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> PackError:
    path = write(tmp_path, text)
    with pytest.raises(PackError) as info:
        load_pack(path)
    assert "tiny.yaml" in info.value.file
    return info.value


def test_good_pack_loads_every_field(tmp_path: Path):
    path = write(tmp_path, GOOD)
    pack = load_pack(path)
    assert (pack.id, pack.title, pack.description, pack.source) == (
        "tiny", "Tiny course", "Two questions.", str(path)
    )
    first, second = pack.questions
    assert first.answer == "A multi-dimensional array.\n\nWith a dtype and a device."
    assert first.key_points == ("multi-dimensional", "array")
    assert first.misconceptions == ("a tensor is always 2-D",)
    assert first.accept == ("an n-d array",)
    assert (first.line, second.line) == (4, 13)
    assert second.id == "1.10" and second.answer is None and not second.answered
    assert pack.get("1.10") is second


def test_explicit_pack_id_wins_over_the_file_stem(tmp_path: Path):
    assert load_pack(write(tmp_path, "id: course-x\n" + GOOD)).id == "course-x"


def test_ask_threshold_is_read_and_defaults_to_none(tmp_path: Path):
    assert load_pack(write(tmp_path, GOOD)).ask_threshold is None
    assert load_pack(write(tmp_path, "ask_threshold: 0.42\n" + GOOD)).ask_threshold == 0.42
    assert load_pack(write(tmp_path, "ask_threshold: null\n" + GOOD)).ask_threshold is None


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.3", "0.0", '"0.4"', ".nan", ".inf", "[0.4]", "high"])
def test_ask_threshold_must_be_a_number_strictly_between_0_and_1(tmp_path: Path, value: str):
    text = GOOD.replace("description: Two questions.\n", f"description: Two questions.\nask_threshold: {value}\n")
    error = load_error(tmp_path, text)
    assert error.line == GOOD.splitlines().index("description: Two questions.") + 2
    assert "'ask_threshold' must be a number between 0 and 1" in error.message


def test_unquoted_yes_no_answers_keep_their_text(tmp_path: Path):
    text = "title: T\nquestions:\n  - id: a\n    question: Is it?\n    answer: No\n"
    assert load_pack(write(tmp_path, text)).questions[0].answer == "No"


def test_broken_yaml_names_file_and_line(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace('    question: Why GPUs?', '    question: "Why GPUs?'))
    assert error.line is not None and error.line >= 14
    assert "invalid YAML" in error.message
    assert str(error).startswith(f"{error.file}:{error.line}: invalid YAML")


def test_broken_indentation_is_located(tmp_path: Path):
    error = load_error(tmp_path, "title: T\nquestions:\n  - id: '1'\n    question: Q?\n   answer: A\n")
    assert error.line == 5


def test_numeric_id_tells_to_quote_it(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace('id: "1.10"', "id: 1.10"))
    assert error.line == 13
    assert error.item_id == "1.10"
    assert 'quote it (id: "1.10")' in error.message
    assert str(error) == f"{error.file}:13: item 1.10: {error.message}"


def test_id_longer_than_a_button_can_carry(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace('id: "1.10"', f'id: "{"x" * 65}"'))
    assert error.line == 13 and "longer than 64 characters" in error.message
    assert load_pack(write(tmp_path, GOOD.replace('id: "1.10"', f'id: "{"x" * 64}"'))).get("x" * 64)


def test_missing_question(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace("    question: Why GPUs?\n", ""))
    assert (error.line, error.item_id, error.message) == (13, "1.10", "missing 'question'")


def test_empty_question(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace("question: Why GPUs?", 'question: "  "'))
    assert (error.line, error.item_id) == (14, "1.10")
    assert "'question' is empty" in error.message


def test_unknown_key_suggests_the_right_one(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace("    answer: null", "    anwser: null"))
    assert (error.line, error.item_id) == (15, "1.10")
    assert "unknown key 'anwser'" in error.message and "did you mean 'answer'" in error.message


def test_unknown_top_level_key(tmp_path: Path):
    error = load_error(tmp_path, "author: me\n" + GOOD)
    assert error.line == 1 and "unknown key 'author'" in error.message


def test_duplicate_ids_name_both_lines(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace('id: "1.10"', 'id: "1.1"'))
    assert (error.line, error.item_id) == (13, "1.1")
    assert "duplicate id 1.1 (also at line 4)" in error.message


def test_duplicate_key_in_an_item_is_an_error_not_a_silent_override(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace("    answer: null", "    answer: null\n    question: Again?"))
    assert error.line == 16 and "duplicate key 'question' (also at line 14)" in error.message


def test_rubric_on_an_unanswered_item(tmp_path: Path):
    text = GOOD.replace("    answer: null", "    answer: null\n    key_points: [speed]")
    error = load_error(tmp_path, text)
    assert (error.line, error.item_id) == (16, "1.10")
    assert "'key_points' given but the item has no answer" in error.message


def test_rubric_must_be_a_list_of_non_empty_texts(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace("accept: [an n-d array]", "accept: an n-d array"))
    assert "'accept' must be a list of texts" in error.message
    error = load_error(tmp_path, GOOD.replace("accept: [an n-d array]", "accept: ['', x]"))
    assert "'accept' has an empty entry" in error.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("- just\n- a list\n", "a pack must be a mapping"),
        ("services:\n  web: {image: nginx}\n", "this YAML is not a course pack"),
        ("questions:\n  - {id: a, question: Q}\n", "missing 'title'"),
        ("title: T\n", "missing 'questions'"),
        ("title: T\nquestions: []\n", "'questions' is empty"),
        ("title: T\nquestions:\n  - What is X?\n", "must be a mapping"),
        ("title: T\nquestions:\n  - {question: Q}\n", "has no 'id'"),
        ("title: T\nquestions:\n  - {id: a, question: [Q]}\n", "'question' must be text, not a list"),
    ],
)
def test_shape_errors(tmp_path: Path, text: str, message: str):
    assert message in load_error(tmp_path, text).message


def test_first_error_mentions_how_many_more(tmp_path: Path):
    error = load_error(tmp_path, "title: T\nquestions:\n  - {id: 1}\n  - {id: 2}\n")
    assert "more errors: run `studybot content check" in error.message


def test_missing_file_is_a_pack_error(tmp_path: Path):
    with pytest.raises(PackError, match="no such pack file"):
        load_pack(tmp_path / "nope.yaml")


def test_also_asked_is_read_for_answered_and_unanswered_items(tmp_path: Path):
    text = GOOD.replace(
        "    accept: [an n-d array]\n",
        "    accept: [an n-d array]\n    also_asked: [my array has three axes, n-d arrays]\n",
    ).replace("    answer: null\n", "    answer: null\n    also_asked:\n      - my CPU is too slow\n")
    first, second = load_pack(write(tmp_path, text)).questions
    assert first.also_asked == ("my array has three axes", "n-d arrays")
    assert second.also_asked == ("my CPU is too slow",)


def test_also_asked_must_be_a_list_of_texts(tmp_path: Path):
    error = load_error(tmp_path, GOOD.replace("    answer: null\n", "    answer: null\n    also_asked: {a: b}\n"))
    assert "also_asked" in str(error)
