"""A second reading of an ``/ask`` match: does the item found actually answer the question asked?

The embedding puts a follow-up question next to the item it follows ("what is an example of a
decoder-only model" sits beside 1.22 "which model is encoder-only?"), so a score threshold cannot tell
a question the course answers from a deeper one on the same topic that it does not. An
``AnswerJudge`` (a cross-encoder, ``bot.infra.contradiction``'s reader with weights of its own fitted by
``scripts/fit_answerability.py``) reads the question and the item together and gives the probability
that the item's answer answers it. It never answers alone: it only turns an answer the score would give
into a decline (the closest topics are still shown), when it finds that probability below
``VETO_BELOW``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bot.core.pack import QAItem

VETO_BELOW = 0.1  # probability that the item answers the question under which /ask declines instead


class AnswerJudge(Protocol):
    def probabilities(self, pairs: Sequence[tuple[str, str]], *, batch_size: int = 32) -> np.ndarray:
        """P(the item answers the question) for each (question as normalised for search, ``item_text``)."""
        ...


def item_text(item: QAItem) -> str:
    """What the judge reads a question against: the item's question and its answer (or only the question,
    for an item the course lists without an answer)."""
    return f"{item.question} | {item.answer or ''}"
