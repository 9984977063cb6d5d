"""The on-disk pack embedding cache: a restart encodes nothing it encoded before."""

from __future__ import annotations

import numpy as np

from bot.infra.embedding_cache import CachedEmbedder


def test_second_run_encodes_nothing(tmp_path, fake_embedder):
    texts = ["alpha beta", "gamma", "alpha beta"]
    first = CachedEmbedder(fake_embedder, tmp_path / "cache.sqlite3")
    vectors = first.encode(texts)
    first.close()
    assert first.misses == 2  # the duplicate text is encoded once

    again = CachedEmbedder(fake_embedder, tmp_path / "cache.sqlite3")
    calls_before = fake_embedder.calls
    assert np.allclose(again.encode(texts), vectors)
    assert again.misses == 0 and fake_embedder.calls == calls_before


def test_only_new_texts_are_encoded(tmp_path, fake_embedder):
    cache = CachedEmbedder(fake_embedder, tmp_path / "c.sqlite3")
    cache.encode(["one", "two"])
    before = fake_embedder.texts_encoded
    cache.encode(["one", "two", "three"])
    assert fake_embedder.texts_encoded - before == 1


def test_cache_is_keyed_by_model(tmp_path, fake_embedder):
    class OtherModel(type(fake_embedder)):
        model_name = "other"

    CachedEmbedder(fake_embedder, tmp_path / "c.sqlite3").encode(["same text"])
    other = CachedEmbedder(OtherModel(), tmp_path / "c.sqlite3")
    other.encode(["same text"])
    assert other.misses == 1
