"""Every shipped pack obeys the schema, and the seed pack is exactly what the importer makes of the seed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from content.checker import check_pack_file
from content.importer import import_markdown
from content.loader import default_pack_path, load_pack, shipped_pack_paths

ROOT = Path(__file__).resolve().parents[2]
SEED_COPY = ROOT / "content" / "sources" / "ose-intro-deep-learning.md"
SEED_SHARED = ROOT.parent / "shared" / "seed" / "ose-intro-deep-learning-qa.md"


def test_there_are_shipped_packs_and_the_default_is_one_of_them():
    assert default_pack_path() in shipped_pack_paths()
    assert all(p.suffix == ".yaml" for p in shipped_pack_paths())


@pytest.mark.parametrize("path", shipped_pack_paths(), ids=lambda p: p.name)
def test_shipped_pack_loads_and_has_no_schema_errors(path: Path):
    pack = load_pack(path)
    assert pack.id == path.stem
    assert pack.title.strip()
    assert pack.questions
    assert all(q.line is not None for q in pack.questions)
    assert [p for p in check_pack_file(path) if p.severity == "error"] == []


@pytest.mark.parametrize("path", shipped_pack_paths(), ids=lambda p: p.name)
def test_shipped_pack_item_ids_are_quoted_strings(path: Path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert all(isinstance(q["id"], str) for q in raw["questions"])


@pytest.fixture(scope="module")
def seed_pack():
    return load_pack(default_pack_path())


@pytest.fixture(scope="module")
def seed_import() -> dict:
    return import_markdown(SEED_COPY.read_text(encoding="utf-8"), pack_id="ose-intro-deep-learning")


def test_seed_copy_in_repo_matches_the_shared_seed():
    if not SEED_SHARED.exists():
        pytest.skip("the shared seed document is not next to this checkout")
    assert SEED_COPY.read_bytes() == SEED_SHARED.read_bytes()


def test_shipped_pack_is_reproducible_from_the_seed(seed_pack, seed_import):
    imported = [(q["id"], q["question"], q["answer"]) for q in seed_import["questions"]]
    shipped = [(q.id, q.question, q.answer) for q in seed_pack.questions]
    assert imported == shipped
    assert seed_import["title"] == seed_pack.title == "OSE - Introduction to Deep Learning"


def test_seed_has_25_items_numbered_in_order(seed_pack):
    assert [q.id for q in seed_pack.questions] == [f"1.{n}" for n in range(1, 26)]


def test_answer_on_the_question_line_is_split_at_the_question_mark(seed_pack):
    item = seed_pack.get("1.5")
    assert item.question == "Why are samples split into training and test data in machine learning?"
    assert item.answer == "In machine learning, data splitting is typically done to avoid overfitting."


def test_code_answer_stays_a_fenced_block(seed_pack):
    answer = seed_pack.get("1.10").answer
    assert answer.startswith("```") and answer.endswith("```")
    assert "import torch\ndevice = torch.device('cuda' if torch.cuda.is_available() else 'cpu')" in answer


def test_two_sentence_question_and_page_broken_answer(seed_pack):
    item = seed_pack.get("1.12")
    assert item.question == (
        "Why are nonlinearities used in neural networks? Name at least three different nonlinearities."
    )
    assert "Nonlinearities allow neural networks to capture" in item.answer
    assert "\n" not in item.answer
    assert item.answer.endswith("Hyperbolic Tangent (Tanh)")


def test_bold_answer_loses_its_marks(seed_pack):
    assert seed_pack.get("1.22").answer == "BERT"


def test_unanswered_items_keep_a_null_answer(seed_pack):
    assert seed_pack.get("1.6").answer is None
    assert seed_pack.get("1.11").answer is None
    assert {q.id for q in seed_pack.questions if not q.answered} == {"1.6", "1.11"}


def test_no_conversion_debris_left(seed_pack):
    for q in seed_pack.questions:
        for text in (q.question, q.answer or ""):
            assert "**" not in text, q.id
            assert not text.startswith(("#", "- ", "* ")), q.id
            assert text == text.strip(), q.id
        assert "#" not in q.question, q.id
        assert not q.question[0].isdigit(), q.id


def test_item_lines_point_at_the_item_in_the_yaml(seed_pack):
    lines = default_pack_path().read_text(encoding="utf-8").splitlines()
    for q in seed_pack.questions:
        assert lines[q.line - 1] == f'- id: "{q.id}"'
