"""The checker reports every problem of a pack, including questions too alike to tell apart."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from content.checker import Problem, check_pack_file, check_packs
from content.loader import default_pack_path


class HashingEmbedder:
    """Bag-of-words hashing vectors: same words, same vector. Enough where meaning does not matter."""

    model_name = "test-bow"
    dimension = 256

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.sha1(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-9)
        return out


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MANY_PROBLEMS = """\
title: Broken
questions:
  - id: "1"
    question: What is overfitting?
    answer: Fitting noise.
  - id: 2
    question: What is a GPU?
  - id: "3"
    question: ""
  - id: "1"
    question: What is dropout?
  - id: "4"
    question: What is a tensor?
    answer: null
    accept: [array]
  - id: "5"
    question: What is a tensor?
    answer: An array.
    colour: red
"""


def test_reports_all_problems_not_just_the_first(tmp_path: Path):
    problems = check_pack_file(write(tmp_path, MANY_PROBLEMS))
    errors = [(p.line, p.item_id) for p in problems if p.severity == "error"]
    assert errors == [(6, "2"), (9, "3"), (10, "1"), (15, "4"), (19, "5")]
    assert all(p.file.endswith("p.yaml") for p in problems)


def test_problem_str_is_file_line_item_message():
    problem = Problem("content/packs/x.yaml", 12, "1.3", "error", "duplicate id 1.3 (also at line 4)")
    assert str(problem) == "content/packs/x.yaml:12: item 1.3: duplicate id 1.3 (also at line 4)"
    assert str(Problem("x.yaml", None, None, "warning", "hm")) == "x.yaml: warning: hm"


def test_broken_yaml_is_one_located_error(tmp_path: Path):
    problems = check_pack_file(write(tmp_path, "title: T\nquestions:\n  - id: 'a\n"))
    assert len(problems) == 1
    assert problems[0].severity == "error" and problems[0].line is not None
    assert "invalid YAML" in problems[0].message


GOOD = """\
title: Near duplicates
questions:
  - id: "1"
    question: What is overfitting in machine learning?
    answer: Fitting noise.
  - id: "2"
    question: What is a GPU good for?
    answer: Parallel arithmetic.
  - id: "3"
    question: In machine learning, what is overfitting?
    answer: Fitting noise.
"""


def test_without_an_embedder_a_clean_pack_has_no_problems(tmp_path: Path):
    assert check_pack_file(write(tmp_path, GOOD)) == []


def test_near_duplicate_questions_are_warnings_naming_both_items(tmp_path: Path):
    problems = check_pack_file(write(tmp_path, GOOD), HashingEmbedder())
    assert [(p.severity, p.line, p.item_id) for p in problems] == [("warning", 9, "3")]
    assert "item 1 (line 3" in problems[0].message


def test_threshold_controls_near_duplicates(tmp_path: Path):
    assert check_pack_file(write(tmp_path, GOOD), HashingEmbedder(), near_duplicate_threshold=1.01) == []


def test_same_question_text_is_flagged_even_without_a_model(tmp_path: Path):
    same = "What is overfitting in machine learning?"
    text = GOOD.replace("In machine learning, what is overfitting?", same)
    problems = check_pack_file(write(tmp_path, text))
    assert [(p.severity, p.item_id) for p in problems] == [("warning", "3")]
    assert "same question as item 1" in problems[0].message


def test_check_packs_goes_through_every_file(tmp_path: Path):
    good = write(tmp_path, GOOD, "good.yaml")
    bad = write(tmp_path, "title: [x]\nquestions: []\n", "bad.yaml")
    problems = check_packs([good, bad, tmp_path / "missing.yaml"])
    assert {Path(p.file).name for p in problems} == {"bad.yaml", "missing.yaml"}
    assert all(p.severity == "error" for p in problems)


def test_shipped_default_pack_has_no_errors_with_the_fake_embedder():
    assert [p for p in check_pack_file(default_pack_path(), HashingEmbedder()) if p.severity == "error"] == []


@pytest.fixture(scope="module")
def model(real_embedder):
    """The real sentence-transformers model (the session fixture of tests/conftest.py, loaded once)."""
    return real_embedder


@pytest.mark.slow
def test_real_model_flags_paraphrases_and_not_unrelated_questions(tmp_path: Path, model):
    text = """\
title: Real model
questions:
  - id: "1"
    question: What is overfitting?
    answer: Fitting noise.
  - id: "2"
    question: How do transformers use positional encodings?
    answer: Added to the token embeddings.
  - id: "3"
    question: What does overfitting mean?
    answer: Fitting noise.
  - id: "4"
    question: Which optimizer did we use in the first exercise?
    answer: Adam.
"""
    problems = check_pack_file(write(tmp_path, text), model)
    assert [(p.severity, p.item_id) for p in problems] == [("warning", "3")]
    assert "item 1 (line 3" in problems[0].message


@pytest.mark.slow
def test_real_model_tells_a_contrast_pair_from_a_duplicate(tmp_path: Path, model):
    """1.16/1.17 of the shipped pack differ in small/large: opposite questions, no warning. The
    rephrased duplicates around them still warn, whatever contrast words surround them."""
    text = """\
title: Contrast pairs
questions:
  - id: "1.16"
    question: What happens when the batch size during the optimization is set too small?
    answer: Training is slower and noisier.
  - id: "1.17"
    question: What happens when the batch size during the optimization is set too large?
    answer: Training is faster but may generalize worse.
  - id: "3"
    question: Why is training on a GPU faster than on a CPU?
    answer: Parallel arithmetic.
  - id: "4"
    question: Why is training faster on a GPU than on a CPU?
    answer: Parallel arithmetic.
  - id: "5"
    question: What is the purpose of DataLoaders in pytorch?
    answer: Batching and shuffling.
  - id: "6"
    question: What are DataLoaders in PyTorch used for?
    answer: Batching and shuffling.
"""
    problems = check_pack_file(write(tmp_path, text), model)
    assert [(p.severity, p.item_id) for p in problems] == [("warning", "4"), ("warning", "6")]


@pytest.mark.slow
def test_shipped_pack_has_no_near_duplicate_warning_for_its_contrast_pair(model):
    problems = check_pack_file(default_pack_path(), model)
    assert not [p for p in problems if p.item_id in {"1.16", "1.17"}]
