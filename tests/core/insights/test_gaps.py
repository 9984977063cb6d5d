"""Content gaps: declined /ask questions grouped by meaning, with the real model and with a fake."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.insights import group_by_meaning

# Declined /ask questions as students type them: five ask about backpropagation, three about
# overfitting, two about CUDA memory, one about something else.
ASKED = {
    "backprop": [
        "how does backprop work",
        "can someone explain backpropagation??",
        "what is back propagation in neural nets",
        "how do gradients get computed backwards through the layers",
        "backprop chain rule explanation pls",
    ],
    "overfitting": [
        "what is overfitting",
        "how do i stop my model from overfitting",
        "why does my net overfit the training data",
    ],
    "cuda": ["CUDA out of memory error", "RuntimeError: CUDA out of memory, how do i fix it"],
    "exam": ["when is the exam"],
}


@pytest.mark.slow
def test_questions_that_mean_the_same_are_grouped(real_embedder):
    topic = {text: name for name, texts in ASKED.items() for text in texts}
    texts = [text for name in ("cuda", "backprop", "exam", "overfitting") for text in ASKED[name]]
    texts = texts[::2] + texts[1::2]  # interleaved, as they come in
    gaps = group_by_meaning(texts, real_embedder.encode(texts))
    assert [gap.size for gap in gaps] == [5, 3, 2, 1]
    assert [{topic[q] for q in gap.questions} for gap in gaps] == [
        {"backprop"},
        {"overfitting"},
        {"cuda"},
        {"exam"},
    ]
    for gap in gaps:
        assert gap.example in gap.questions
        assert list(gap.questions) == [t for t in texts if t in gap.questions]  # in the order asked


@pytest.mark.slow
def test_near_but_different_topics_stay_apart(real_embedder):
    texts = [
        "what is dropout",
        "how does attention work",
        "what learning rate should i use",
        "when is the exam",
    ]
    assert [gap.size for gap in group_by_meaning(texts, real_embedder.encode(texts))] == [1, 1, 1, 1]


def test_nothing_declined_gives_no_gaps(fake_embedder):
    assert group_by_meaning([], np.zeros((0, fake_embedder.dimension))) == []
    assert group_by_meaning([], fake_embedder.encode([])) == []


def test_one_question_is_one_gap(fake_embedder):
    [gap] = group_by_meaning(["what is a tensor"], fake_embedder.encode(["what is a tensor"]))
    assert (gap.size, gap.example, gap.questions) == (1, "what is a tensor", ("what is a tensor",))


def test_identical_questions_count_every_time_they_were_asked(fake_embedder):
    texts = ["what is a tensor", "when is the exam", "what is a tensor", "what is a tensor"]
    gaps = group_by_meaning(texts, fake_embedder.encode(texts))
    assert [(g.size, g.example) for g in gaps] == [(3, "what is a tensor"), (1, "when is the exam")]
    assert gaps[0].questions == ("what is a tensor",) * 3


def test_the_example_is_the_member_nearest_the_centre():
    # three vectors on a plane: the middle one is closest to the group's centre
    angles = np.radians([0.0, 20.0, 40.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    [gap] = group_by_meaning(["a", "b", "c"], vectors, threshold=0.8)
    assert gap.example == "b"


def test_the_threshold_decides_what_is_alike():
    angles = np.radians([0.0, 50.0])  # cosine 0.64
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    assert [g.size for g in group_by_meaning(["a", "b"], vectors, threshold=0.6)] == [2]
    assert [g.size for g in group_by_meaning(["a", "b"], vectors, threshold=0.7)] == [1, 1]


def test_groups_are_judged_on_average_not_by_chaining():
    # a-b and b-c are alike (cos 0.77), a-c is not (0.17): a chain must not become one group
    angles = np.radians([0.0, 40.0, 80.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    sizes = [g.size for g in group_by_meaning(["a", "b", "c"], vectors, threshold=0.7)]
    assert sizes == [2, 1]


def test_same_input_same_groups(fake_embedder):
    texts = [f"question about topic {n % 4} number {n}" for n in range(30)]
    vectors = fake_embedder.encode(texts)
    assert group_by_meaning(texts, vectors) == group_by_meaning(list(texts), vectors.copy())


def test_a_zero_vector_stays_alone():
    vectors = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    assert [g.size for g in group_by_meaning(["a", "b", "c"], vectors)] == [2, 1]


def test_vectors_must_match_the_texts():
    with pytest.raises(ValueError, match="expected 2 vectors"):
        group_by_meaning(["a", "b"], np.ones((3, 4)))


def _full_scan(unit: np.ndarray, threshold: float) -> list[list[int]]:
    """Average linkage the slow, obvious way: scan every pair before each merge (the reference)."""
    groups = [[i] for i in range(len(unit))]
    while len(groups) > 1:
        pairs = [
            (float(unit[a].sum(axis=0) @ unit[b].sum(axis=0)) / (len(a) * len(b)), x, y)
            for x, a in enumerate(groups)
            for y, b in enumerate(groups)
            if x < y
        ]
        value, x, y = max(pairs, key=lambda p: (p[0], -p[1], -p[2]))
        if value < threshold:
            break
        groups[x] = sorted(groups[x] + groups[y])
        del groups[y]
    return groups


@pytest.mark.parametrize("seed", range(12))
def test_the_fast_grouping_merges_exactly_as_a_full_scan_would(seed):
    from bot.core.insights.gaps import _cluster

    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((int(rng.integers(1, 6)), 12))
    rows = [topics[rng.integers(len(topics))] + rng.uniform(0.2, 1.5) * rng.standard_normal(12) for _ in range(30)]
    vectors = np.vstack(rows)
    if seed % 3 == 0:
        vectors = np.round(vectors)  # ties
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for threshold in (0.2, 0.4, 0.6):
        assert sorted(_cluster(unit.copy(), threshold)) == sorted(_full_scan(unit, threshold))
