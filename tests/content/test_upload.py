"""A course uploaded from chat: any bytes in, a pack with its YAML or located problems out, never a crash."""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.checker import check_pack_file
from content.loader import default_pack_path
from content.schema import parse_pack_text
from content.upload import MAX_UPLOAD_BYTES, check_upload, course_slug

MARKDOWN = """\
# Tiny course

Written by the course staff.

## 1.1 What is a tensor?

A multi-dimensional array.

## 1.2 Why train on GPUs?

They do many multiplications at once.
"""

YAML_PACK = """\
id: tiny-course
title: Tiny course
ask_threshold: 0.5
questions:
  - id: "1"
    question: What is a tensor?
    answer: A multi-dimensional array.
"""

LATIN_1 = "# T\n\n1.1 What is a caf\xe9?\n".encode("latin-1")


def lines_of(text: str, *needles: str) -> list[int]:
    """1-based lines where each needle first appears, found in the text rather than written by hand."""
    rows = text.splitlines()
    return [next(n for n, row in enumerate(rows, 1) if needle in row) for needle in needles]


def test_markdown_becomes_a_pack_and_its_yaml():
    result = check_upload("Tiny Course.md", MARKDOWN.encode())
    assert result.errors == [] and result.pack is not None and result.yaml_text is not None
    assert (result.pack.id, result.pack.title) == ("tiny-course", "Tiny course")
    assert [q.id for q in result.pack.questions] == ["1.1", "1.2"]
    # items point into the uploaded document, where the author will look
    assert [q.line for q in result.pack.questions] == lines_of(MARKDOWN, "## 1.1", "## 1.2")
    stored = parse_pack_text(result.yaml_text, file="stored.yaml", default_id="other")
    assert stored.errors == []
    assert [(q.id, q.question, q.answer) for q in stored.pack.questions] == [
        (q.id, q.question, q.answer) for q in result.pack.questions
    ]
    assert stored.pack.id == "tiny-course"


def test_yaml_is_stored_as_uploaded_and_keeps_its_own_id_and_threshold():
    result = check_upload("whatever.yml", YAML_PACK.encode())
    assert result.errors == []
    assert result.yaml_text == YAML_PACK
    assert (result.pack.id, result.pack.ask_threshold) == ("tiny-course", 0.5)


def test_yaml_without_id_takes_the_file_names_slug():
    text = YAML_PACK.replace("id: tiny-course\n", "")
    assert check_upload("Deep Learning 101.yaml", text.encode()).pack.id == "deep-learning-101"


def test_a_utf8_byte_order_mark_is_accepted():
    result = check_upload("tiny.md", codecs.BOM_UTF8 + MARKDOWN.encode())
    assert result.errors == [] and not result.yaml_text.startswith("\ufeff")


# libyaml (used when PyYAML has it) stops deep nesting itself, where it starts; pure PyYAML overflows
NESTED = ("nesting depth", 1) if yaml.__with_libyaml__ else ("nested too deeply", None)


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("pack", YAML_PACK, "yaml"),  # no extension: sniffed
        ("notes", MARKDOWN, "markdown"),
        ("notes.txt", MARKDOWN, "markdown"),
        ("C:\\Users\\me\\notes.markdown", MARKDOWN, "markdown"),
    ],
)
def test_format_by_extension_else_by_content(name: str, text: str, kind: str):
    result = check_upload(name, text.encode())
    assert result.errors == []
    assert (result.yaml_text == text) is (kind == "yaml")


@pytest.mark.parametrize(
    ("name", "data", "says", "line"),
    [
        (
            "big.md",
            b"x" * (MAX_UPLOAD_BYTES + 1),
            f"({MAX_UPLOAD_BYTES + 1:,} bytes): the limit is 1 MB",
            None,
        ),
        ("shot.md", bytes.fromhex("89504e470d0a1a0a0000000d49484452"), "PNG image", None),
        ("slides.md", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document", None),
        ("notes.docx", b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive", None),
        ("utf16.md", "1.1 What?".encode("utf-16"), "UTF-16", None),
        (
            "latin.md",
            LATIN_1,
            f"not UTF-8 text (byte 0xe9 at offset {LATIN_1.index(0xE9)})",
            3,
        ),
        ("nul.md", b"# T\n1.1 What?\x00\n", "binary", 2),
        ("blank.md", b"  \n\n", "empty", 1),
        ("story.md", b"It was a dark and stormy night.\nThe rain fell.\n", "no numbered questions", None),
        (
            "recipe.md",
            b"# Pancakes\n\n1. Mix flour.\n2. Add milk.\n3. Fry.\n",
            "none of its 3 numbered items",
            None,
        ),
        ("export", json.dumps({"questions": ["What?"]}).encode(), "JSON file", None),
        ("compose.yaml", b"services:\n  web:\n    image: nginx\n", "not a course pack", 1),
        ("essay.yaml", b"Just some prose, no mapping at all.\n", "must be a mapping", 1),
        ("broken.yaml", b"title: T\nquestions:\n  - id: '1\n", "invalid YAML", 4),
        ("nested.yaml", b"[" * 50_000, *NESTED),
        ("twice.md", b"## 1.1 What?\nA.\n\n## 1.1 Why?\nB.\n", "numbered twice", 4),
        ("###.md", MARKDOWN.encode(), "cannot make a course id from the file name '###'", None),
        ("###.yaml", YAML_PACK.replace("id: tiny-course\n", "").encode(), "add 'id: my-course'", None),
        ("x.yaml", YAML_PACK.replace("tiny-course", "Tiny Course").encode(), "e.g. 'tiny-course'", 1),
        ("x.yaml", YAML_PACK.replace("0.5", "1.5").encode(), "'ask_threshold' must be a number", 3),
    ],
)
def test_unusable_uploads_get_one_clear_located_error(name: str, data: bytes, says: str, line: int | None):
    result = check_upload(name, data)
    assert (result.pack, result.yaml_text) == (None, None)
    assert len(result.errors) == 1, result.problems
    error = result.errors[0]
    assert says in error.message
    assert error.line == line
    assert error.file == Path(name.replace("\\", "/")).name


def test_an_upload_of_exactly_the_limit_is_not_refused_for_its_size():
    padding = "#" * (MAX_UPLOAD_BYTES - len(YAML_PACK.encode()) - 1) + "\n"
    data = (YAML_PACK + padding).encode()
    assert len(data) == MAX_UPLOAD_BYTES
    assert check_upload("tiny.yaml", data).errors == []


@pytest.mark.parametrize(
    ("stem", "slug"),
    [
        ("OSE Intro: Deep Learning (2024)", "ose-intro-deep-learning-2024"),
        ("Économie_générale", "economie-generale"),
        ("--a--b--", "a-b"),
        ("x" * 70, "x" * 64),
        ("a" * 63 + " b", "a" * 63),  # cut at 64, no dangling '-'
        ("数学", ""),
    ],
)
def test_course_slug(stem: str, slug: str):
    assert course_slug(stem) == slug


def test_markdown_problems_point_at_the_markdown_lines(fake_embedder):
    text = """\
# T

## 1.1
```
print("a code block is no question")
```

## 1.2 What is a tensor?
An array.

## 1.3 What is a tensor?
An array.
"""
    result = check_upload("notes.md", text.encode(), embedder=fake_embedder)
    found = {(p.severity, p.item_id, p.line) for p in result.problems}
    empty, first, second = lines_of(text, "## 1.1", "## 1.2", "## 1.3")
    assert ("error", "1.1", empty) in found
    assert ("warning", "1.3", second) in found
    same = next(p for p in result.problems if p.item_id == "1.3")
    assert f"(line {first})" in same.message  # the earlier item's Markdown line, not the YAML's
    assert result.pack is None


def test_yaml_uploads_get_exactly_the_checks_of_content_check(tmp_path: Path, fake_embedder):
    text = """\
title: Broken
questions:
  - id: "1"
    question: What is overfitting?
    answer: Fitting noise.
  - id: 2
    question: What is a GPU?
  - id: "3"
    question: What is overfitting?
    answer: "  "
    colour: red
"""
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")

    def key(problems):
        return [(p.line, p.item_id, p.severity, p.message) for p in problems]

    uploaded = check_upload("broken.yaml", text.encode(), embedder=fake_embedder).problems
    assert key(uploaded) == key(check_pack_file(path, fake_embedder))
    assert {p.severity for p in uploaded} == {"error", "warning"}


@dataclass(frozen=True)
class Outcome:
    abstained: bool


class AnswersEverything:
    """An /ask stand-in that answers every query: the worst course there is."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def ask_many(self, queries: list[str]) -> list[Outcome]:
        self.asked.extend(queries)
        return [Outcome(False) for _ in queries]


def test_separation_warning_joins_the_problems_but_keeps_the_pack(fake_embedder):
    asks: list[AnswersEverything] = []

    def factory(pack):
        asks.append(AnswersEverything())
        return asks[-1]

    result = check_upload("tiny.md", MARKDOWN.encode(), embedder=fake_embedder, ask_factory=factory)
    assert result.errors == [] and result.pack is not None
    assert result.separation is not None and result.separation.questions == 2
    [warning] = [p for p in result.problems if "off-topic" in p.message]
    assert warning.severity == "warning" and warning.line is None
    assert f"{len(asks[0].asked)} of {len(asks[0].asked)} off-course probes were answered" in warning.message


def test_no_separation_report_for_a_pack_with_errors(fake_embedder):
    def factory(pack):
        raise AssertionError("a broken pack must not be built into /ask")

    result = check_upload("x.yaml", b"title: T\nquestions: []\n", embedder=fake_embedder, ask_factory=factory)
    assert result.errors and result.separation is None


def test_the_shipped_pack_uploads_cleanly():
    result = check_upload(default_pack_path().name, default_pack_path().read_bytes())
    assert result.errors == [] and result.pack.id == default_pack_path().stem


names = st.one_of(
    st.sampled_from(["a.md", "a.yaml", "a.yml", "a.txt", "a.json", "a", ".md", "", "a.MD", "../../x.yaml"]),
    st.text(max_size=20),
)
contents = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.lists(
        st.sampled_from(
            ["title: T", "questions:", "  - id: '1'", "    question: What?", "## 1.1 What?", "A.", "{", ""]
        ),
        max_size=12,
    ).map(lambda rows: "\n".join(rows).encode()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names, contents)
def test_any_upload_is_a_pack_or_errors_never_an_exception(name: str, data: bytes):
    result = check_upload(name, data)
    if result.errors:
        assert result.pack is None and result.yaml_text is None
        assert all(p.message for p in result.errors)
    else:
        assert result.pack is not None and result.pack.questions and result.yaml_text
        assert parse_pack_text(result.yaml_text, file="again.yaml", default_id=result.pack.id).errors == []


@pytest.mark.parametrize(
    "numbered",
    [
        "## Q{n}: {q}",
        "# {n} {q}",
        "Question {n}. {q}",
        "{n}) {q}",
    ],
)
def test_common_ways_of_numbering_questions_are_read(numbered: str):
    questions = ["What is a servo motor?", "What does a PID controller do?"]
    answers = ["A motor with position feedback.", "It corrects an error: 1. now 2. before 3. next."]
    text = "# Robotics\n\n" + "".join(
        f"{numbered.format(n=n, q=q)}\n\n{a}\n\n" for n, (q, a) in enumerate(zip(questions, answers, strict=True), 1)
    )
    result = check_upload("robotics.md", text.encode())
    assert result.errors == [], result.problems
    assert [(q.id, q.question, q.answer) for q in result.pack.questions] == [
        ("1", questions[0], answers[0]),
        ("2", questions[1], answers[1]),
    ]
