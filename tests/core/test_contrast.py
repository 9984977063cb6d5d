"""Contrast words: which way a text leans, and /ask breaking a near-tie by them."""

from __future__ import annotations

from bot.core.ask import AskService
from bot.core.contrast import directions, opposed
from bot.core.pack import QAItem
from bot.core.search import SemanticIndex


def test_directions_of_words_and_numbers():
    assert directions("what if the batch size is too small") == {"size": -1}
    assert directions("huge batches train faster") == {"size": 1, "speed": 1}
    assert directions("batches of 4096 examples") == {"size": 1}
    assert directions("a batch of 2") == {"size": -1}
    assert directions("a paper from 2015") == {}  # a year is not a size
    assert directions("pros and cons of word tokenization") == {}  # both ways cancel out


def test_opposed_needs_an_axis_both_lean_on():
    assert opposed({"size": -1}, {"size": 1})
    assert not opposed({"size": -1}, {"size": -1, "speed": 1})
    assert not opposed({"size": -1}, {"speed": 1})


def test_contrast_words_pick_between_two_items_the_embedding_cannot_tell_apart(fake_embedder):
    class DirectionBlind(type(fake_embedder)):
        """Like the model, blind to direction: every size word lands on the same vector."""

        def encode(self, texts, *, batch_size=64):
            blind = [t.replace("large", "small").replace("huge", "small").replace("tiny", "small") for t in texts]
            return super().encode(blind, batch_size=batch_size)

    blind = DirectionBlind()
    small = QAItem("s", "What happens when the batch size is too small?", "Training is slow.")
    large = QAItem("l", "What happens when the batch size is too large?", "Training is fast.")
    for items in ([large, small], [small, large]):  # whichever the index ranks first
        service = AskService(SemanticIndex.build(items, blind), blind, threshold=0.0)
        assert service.ask_many(["huge batch size effect"])[0].item.id == "l"
        assert service.ask_many(["tiny batch size effect"])[0].item.id == "s"
