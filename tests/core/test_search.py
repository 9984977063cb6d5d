"""SemanticIndex and AskService mechanics (a fake embedder: meaning does not matter here)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.ask import AskService
from bot.core.pack import QAItem
from bot.core.search import SemanticIndex

ITEMS = [
    QAItem("1", "Why are neural networks trained on GPUs?", "GPUs run the many matrix products in parallel."),
    QAItem("2", "What is imbalanced data?", "A data set with skewed class proportions."),
    QAItem("3", "Describe word and character tokenization.", None),
]


def test_best_of_question_and_answer_similarity(fake_embedder):
    index = SemanticIndex.build(ITEMS, fake_embedder)
    # words only in item 2's answer: the answer side must find it
    hits = index.search(fake_embedder.encode(["skewed class proportions"])[0], k=3)
    assert hits[0].item.id == "2"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_unanswered_item_is_found_by_its_question(fake_embedder):
    service = AskService(SemanticIndex.build(ITEMS, fake_embedder), fake_embedder, threshold=0.3)
    result = service.ask_many(["word and character tokenization"])[0]
    assert not result.abstained and result.item.id == "3" and not result.item.answered


def test_abstains_below_threshold_and_lists_related(fake_embedder):
    service = AskService(SemanticIndex.build(ITEMS, fake_embedder), fake_embedder, threshold=0.99)
    result = service.ask_many(["why GPUs for neural networks"])[0]
    assert result.abstained and result.item is None
    assert result.related and result.related[0].item.id == "1"
    assert result.to_json()["id"] is None and result.to_json()["related"][0] == "1"


def test_related_excludes_the_answer_and_has_at_most_two(fake_embedder):
    service = AskService(SemanticIndex.build(ITEMS, fake_embedder), fake_embedder, threshold=0.1)
    result = service.ask_many(["GPUs data set tokenization"])[0]
    assert len(result.related) <= 2
    assert result.item.id not in [h.item.id for h in result.related]


def test_index_rejects_offsets_that_do_not_fit():
    with pytest.raises(ValueError):
        SemanticIndex(ITEMS, np.zeros((2, 4), np.float32), [0, 1, 5])
    with pytest.raises(ValueError):
        SemanticIndex(ITEMS, np.zeros((4, 4), np.float32), [0, 1])


def test_key_points_are_views_of_their_item(fake_embedder):
    item = QAItem(
        "9", "Which model remembers longer?", "The Transformer.", key_points=("attention spans everything",)
    )
    index = SemanticIndex.build([*ITEMS, item], fake_embedder)
    assert index.search(fake_embedder.encode(["attention spans everything"])[0], k=1)[0].item.id == "9"
    assert len(index.question_vectors) == 4


def clustered_vectors(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(40, 32)).astype(np.float32)
    vectors = centers[rng.integers(0, 40, n)] + 0.5 * rng.normal(size=(n, 32)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_large_index_searches_a_partition_and_finds_what_exact_search_finds(monkeypatch):
    import bot.core.search as search

    monkeypatch.setattr(search, "APPROXIMATE_ABOVE", 1000)
    vectors = clustered_vectors(6000)
    items = [QAItem(str(i), f"question {i}", "answer") for i in range(3000)]
    index = SemanticIndex(items, vectors, list(range(0, 6000, 2)))
    assert index.approximate
    queries = clustered_vectors(100, seed=2)
    agree = 0
    for q in queries:
        approx, exact = index.search(q, k=3), index.search(q, k=3, exact=True)
        assert [h.score for h in approx] == sorted((h.score for h in approx), reverse=True)
        agree += approx[0].item.id == exact[0].item.id
        assert approx[0].score <= exact[0].score + 1e-6  # never better than the truth
    assert agree >= 95


def test_small_index_is_always_exact():
    vectors = clustered_vectors(200)
    index = SemanticIndex([QAItem(str(i), "q") for i in range(100)], vectors, list(range(0, 200, 2)))
    assert not index.approximate


def test_off_course_anchor_declines_but_one_the_course_covers_is_dropped(fake_embedder):
    index = SemanticIndex.build(ITEMS, fake_embedder)
    anchors = fake_embedder.encode(["weather forecast rain sunshine", "What is imbalanced data?"])
    service = AskService(index, fake_embedder, threshold=0.0, off_course=anchors)
    assert len(service.off_course) == 1  # the anchor that is a course question was dropped
    assert service.ask_many(["weather forecast for the rain"])[0].abstained
    assert not service.ask_many(["what is imbalanced data"])[0].abstained


def test_word_overlap_breaks_a_near_tie(fake_embedder):
    class DirectionBlind(type(fake_embedder)):
        """Like the model: "large" and "small" land on the same vector, so the two items tie."""

        def encode(self, texts, *, batch_size=64):
            return super().encode([t.replace("large", "small") for t in texts], batch_size=batch_size)

    blind = DirectionBlind()
    small = QAItem("s", "What happens when the batch size is too small?", "Training is slow.")
    large = QAItem("l", "What happens when the batch size is too large?", "Training is slow.")
    service = AskService(SemanticIndex.build([large, small], blind), blind, threshold=0.0)
    assert service.ask_many(["batch size too small what happens"])[0].item.id == "s"
    assert service.ask_many(["batch size too large what happens"])[0].item.id == "l"


def test_also_asked_texts_are_search_views_of_their_item(fake_embedder):
    plain = QAItem("1", "What is the vanishing gradient problem?", "Gradients shrink layer by layer.")
    situated = QAItem(
        "1", plain.question, plain.answer, also_asked=("my first layers barely learn while the last ones do",)
    )
    other = QAItem("2", "Why are neural networks trained on GPUs?", "Parallel arithmetic.")
    query = fake_embedder.encode(["first layers barely learn"])[0]
    without = SemanticIndex.build([plain, other], fake_embedder).search(query, k=1)[0]
    with_views = SemanticIndex.build([situated, other], fake_embedder).search(query, k=1)[0]
    assert with_views.item.id == "1" and with_views.score > without.score + 0.3


def test_ask_embeds_the_spelling_normalised_query(fake_embedder):
    from bot.core.ask import course_speller

    index = SemanticIndex.build(ITEMS, fake_embedder)
    plain = AskService(index, fake_embedder, threshold=0.5)
    spelled = AskService(index, fake_embedder, threshold=0.5, speller=course_speller(ITEMS))
    query = "wat is imbalenced dta"
    assert plain.ask_many([query])[0].abstained
    result = spelled.ask_many([query])[0]
    assert not result.abstained and result.item.id == "2" and result.query == query
