"""Makes the fake platform servers in this folder (fake_discord.py, ...) importable by its tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture
async def fake():
    """A started fake Slack for the Slack tests (the Discord tests define their own ``fake``)."""
    from fake_slack import FakeSlack

    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()

