"""A platform defined here, registered through the contract, run end to end by the real start-up and
shutdown code (bot/app/serve.py), and seen by the generic users of the registry: ``studybot run``'s
choice of platforms, log redaction and ``doctor``."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from bot.adapters.contract import (
    Host,
    PlatformEntry,
    PlatformSettings,
    ProbeResult,
    ProbeStatus,
    secret,
    settings_config,
)
from bot.app import checks
from bot.app.core import build_core
from bot.app.logs import configured_secrets
from bot.app.platforms import PLATFORMS, configured_names, platform_settings
from bot.app.serve import serve
from bot.app.settings import Settings
from bot.core.types import Place, PostedMessage, Reply, User

TOKEN = "echo-token-0123456789"


class EchoSettings(PlatformSettings):
    model_config = settings_config("ECHO_")

    token: SecretStr | None = None
    script: str = "/help;/ask why do we train on GPUs?"


class EchoPlatform:
    """Types its script's lines as one user, keeps every reply, then ends the run (``request_stop``)."""

    name = "echo"

    def __init__(self, settings: EchoSettings, host: Host) -> None:
        self.lines = [line for line in settings.script.split(";") if line]
        self.host = host
        self.user = User("echo", "u1", "Ana")
        self.place = Place("echo", "space", "channel")
        self.replies: list[Reply] = []
        self.stopped = False
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._talk())

    async def _talk(self) -> None:
        for line in self.lines:
            reply = await self.host.bot.handle_line(self.user, self.place, line)
            assert reply is not None
            self.replies.append(reply)
        self.host.request_stop()

    async def stop(self) -> None:
        self.stopped = True
        if self._task is not None:
            await self._task

    async def post(self, place: Place, reply: Reply) -> PostedMessage:
        self.replies.append(reply)
        return PostedMessage(place, str(len(self.replies)))

    async def reply_to(self, message: PostedMessage, reply: Reply) -> PostedMessage:
        return await self.post(message.place, reply)


@pytest.fixture
def echo(monkeypatch):
    made: list[EchoPlatform] = []

    async def start(settings: EchoSettings, host: Host) -> EchoPlatform:
        platform = EchoPlatform(settings, host)
        await platform.start()
        made.append(platform)
        return platform

    async def probe(settings: EchoSettings) -> ProbeResult:
        if secret(settings.token) == TOKEN:
            return ProbeResult(ProbeStatus.OK, "token accepted")
        return ProbeResult(ProbeStatus.FAIL, "token refused", "check ECHO_TOKEN")

    entry = PlatformEntry(
        name="echo",
        settings=EchoSettings,
        start=start,
        needs="ECHO_TOKEN",
        missing=lambda s: [] if secret(s.token) else ["ECHO_TOKEN"],
        probe=probe,
    )
    monkeypatch.setitem(PLATFORMS, "echo", entry)
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return made


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.chdir(tmp_path)  # no .env
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", _env_file=None)


async def test_a_test_platform_runs_end_to_end_through_the_real_start_and_shutdown(
    echo, settings, fake_embedder
):
    core = build_core(settings, embedder=fake_embedder)
    closed: list[bool] = []
    core.closing.callback(closed.append, True)
    await asyncio.wait_for(
        serve(core, ["echo"], asyncio.Event(), settings={"echo": EchoSettings(token=TOKEN)}), 60
    )
    [platform] = echo
    assert len(platform.replies) == 2
    assert "/ask" in platform.replies[0].as_text()  # /help lists the commands
    assert platform.replies[1].body  # /ask answered from the course
    assert platform.stopped and closed == [True]  # stopped by the same shutdown as the real platforms
    assert "echo" in core.quiz.platforms  # attached: quizzes post through it


def test_the_registry_users_see_the_new_platform(echo, settings, monkeypatch):
    monkeypatch.setenv("ECHO_TOKEN", TOKEN)
    platforms = platform_settings()
    assert configured_names(platforms) == ["echo"]  # `studybot run` without --platform starts it
    assert TOKEN in configured_secrets(settings, platforms)  # its SecretStr field is redacted in logs
    found = {c.name: c for c in checks._platform_checks(settings, network=True)}
    assert found["echo"].status is checks.Status.OK and found["echo"].detail == "token accepted"
    monkeypatch.setenv("ECHO_TOKEN", "wrong-token-value")
    found = {c.name: c for c in checks._platform_checks(settings, network=True)}
    assert found["echo"].status is checks.Status.FAIL and found["echo"].fix == "check ECHO_TOKEN"
