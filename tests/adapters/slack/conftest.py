"""The fake Slack server (tests/support/fake_slack.py), started for each Slack test that asks for it."""

from __future__ import annotations

import pytest


@pytest.fixture
async def fake():
    """A started fake Slack for the Slack tests (the Discord tests define their own ``fake``)."""
    from tests.support.fake_slack import FakeSlack

    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()

