"""The Markdown importer on document shapes the seed does not have (and a few it does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.errors import PackError
from content.importer import dump_pack_yaml, import_markdown, split_question_answer
from content.loader import load_pack

MIXED = """\
# Course X: Transformers

Jane Doe, 2024

## 2 Attention

## 2.1 What is attention?

Attention weighs the tokens of a sequence
against each other.

It is computed with a **softmax**.

* 2.2 What is a token?
A token is a piece of text.

2.3 Why do we scale dot products? Because large values saturate the softmax.

+ 2.4 Show code for a softmax over the last axis.

```python
import torch
probs = torch.softmax(logits, dim=-1)

print(probs.sum(-1))
```

###### 2.5 How much faster is a GPU?
About

2.5 times faster in this course's exercise, measured

on the same batch.

- 2.6 Why use multi-head attention? Name two benefits.
- 2.7 List the parts of a transformer block.

- layer norm
- attention
- feed-forward

### 3 Appendix

This text belongs to no question.

#### 2.10 What is a positional encoding?

~~~
PE(pos, 2i) = sin(pos / 10000^(2i/d))
~~~
"""


@pytest.fixture(scope="module")
def mixed() -> dict:
    return import_markdown(MIXED, pack_id="course-x")


def by_id(data: dict) -> dict[str, dict]:
    return {q["id"]: q for q in data["questions"]}


def test_items_under_any_heading_level_bullet_or_bare_line(mixed):
    assert [q["id"] for q in mixed["questions"]] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.10"]


def test_title_and_description_come_from_the_front_matter(mixed):
    assert mixed["id"] == "course-x"
    assert mixed["title"] == "Course X: Transformers"
    assert mixed["description"] == "Jane Doe, 2024"


def test_title_argument_wins_over_the_first_heading():
    assert import_markdown(MIXED, pack_id="x", title="Given")["title"] == "Given"


def test_multi_paragraph_answer_with_soft_wrapped_lines(mixed):
    assert by_id(mixed)["2.1"] == {
        "id": "2.1",
        "question": "What is attention?",
        "answer": "Attention weighs the tokens of a sequence against each other.\n\n"
        "It is computed with a softmax.",
    }


def test_answer_right_under_a_bullet_item(mixed):
    assert by_id(mixed)["2.2"]["answer"] == "A token is a piece of text."


def test_answer_on_the_question_line(mixed):
    item = by_id(mixed)["2.3"]
    assert item["question"] == "Why do we scale dot products?"
    assert item["answer"] == "Because large values saturate the softmax."


def test_fenced_code_with_language_tag_is_kept_verbatim(mixed):
    assert by_id(mixed)["2.4"]["answer"] == (
        "```python\nimport torch\nprobs = torch.softmax(logits, dim=-1)\n\nprint(probs.sum(-1))\n```"
    )


def test_tilde_fence_is_kept(mixed):
    assert by_id(mixed)["2.10"]["answer"] == "~~~\nPE(pos, 2i) = sin(pos / 10000^(2i/d))\n~~~"


def test_number_inside_an_answer_is_not_an_item_and_broken_sentences_are_joined(mixed):
    assert by_id(mixed)["2.5"]["answer"] == (
        "About\n\n2.5 times faster in this course's exercise, measured on the same batch."
    )


def test_question_with_an_instruction_after_the_question_mark_stays_whole(mixed):
    item = by_id(mixed)["2.6"]
    assert item["question"] == "Why use multi-head attention? Name two benefits."
    assert item["answer"] is None


def test_list_answer_keeps_its_lines_and_a_section_heading_ends_the_answer(mixed):
    assert by_id(mixed)["2.7"]["answer"] == "- layer norm\n- attention\n- feed-forward"


def test_plain_numbering_without_mistaking_a_list_in_an_answer():
    text = "# Quiz\n\n1. What is X?\n\nX has two parts:\n\n1. First\n2. Second\n\n2) What is Z?\nZ is 3.\n"
    data = import_markdown(text, pack_id="quiz")
    assert by_id(data) == {
        "1": {"id": "1", "question": "What is X?", "answer": "X has two parts:\n\n1. First\n2. Second"},
        "2": {"id": "2", "question": "What is Z?", "answer": "Z is 3."},
    }


def test_item_number_alone_on_a_heading_takes_the_next_paragraph_as_question():
    data = import_markdown("## 4.1\n\nWhat is a tensor?\n\nAn array.\n", pack_id="t")
    assert data["questions"] == [{"id": "4.1", "question": "What is a tensor?", "answer": "An array."}]


def test_document_without_items_is_a_clear_error():
    with pytest.raises(PackError, match="no numbered questions found"):
        import_markdown("# Notes\n\nJust some prose, no questions.\n", pack_id="notes")


def test_item_numbered_twice_is_an_error_with_both_lines():
    with pytest.raises(PackError) as info:
        import_markdown("# T\n\n## 1.1 A?\n\na\n\n## 1.1 B?\n\nb\n", pack_id="t")
    assert info.value.line == 7
    assert "also at line 3" in str(info.value)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("What is X? X is Y.", ("What is X?", "X is Y.")),
        ("Is it good? Why or why not?", ("Is it good? Why or why not?", None)),
        ("Is it good? Why or why not? It depends.", ("Is it good? Why or why not?", "It depends.")),
        ("Why? Explain briefly.", ("Why? Explain briefly.", None)),
        ("What is X? (Hint: think of Y.)", ("What is X? (Hint: think of Y.)", None)),
        ("Describe X.", ("Describe X.", None)),
    ],
)
def test_split_question_answer(line: str, expected: tuple[str, str | None]):
    assert split_question_answer(line) == expected


def test_dump_round_trips_through_the_loader(tmp_path: Path, mixed):
    path = tmp_path / "course-x.yaml"
    text = dump_pack_yaml(mixed)
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path)
    assert (pack.id, pack.title, pack.description) == (mixed["id"], mixed["title"], mixed["description"])
    assert [(q.id, q.question, q.answer) for q in pack.questions] == [
        (q["id"], q["question"], q["answer"]) for q in mixed["questions"]
    ]
    assert '- id: "2.10"' in text  # quoted: unquoted 2.10 would read back as the number 2.1
    assert "answer: |-\n    ```python\n" in text  # multi-line text as a block literal
