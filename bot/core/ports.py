"""Interfaces (Protocols) the core needs from the outside world, built by the composition root."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bot.core.types import Place, PostedMessage, Reply


class Embedder(Protocol):
    """Texts in, L2-normalised float32 vectors out (one row per text).

    ``encode`` is synchronous and CPU/GPU bound: async callers run it in a worker thread.
    """

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray: ...


class Platform(Protocol):
    """What the scheduler needs of a chat platform: post into a channel, reply to a post."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def post(self, place: Place, reply: Reply) -> PostedMessage: ...

    async def reply_to(self, message: PostedMessage, reply: Reply) -> PostedMessage: ...

    async def tell(self, place: Place, user_id: str, reply: Reply) -> None:
        """A private message to one user (Discord: a direct message; Slack: from the bot to the user),
        e.g. the decision on their dispute. ``place`` is where the matter began."""
