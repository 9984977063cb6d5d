"""``studybot run`` in-process (bot/app/serve.py, bot/infra/http_server.py): HTTP endpoints, several platforms on one
core, graceful shutdown. The fake embedder keeps it fast; real processes are in test_run_*.py."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bot.adapters.contract import PlatformSettings, settings_config
from bot.adapters.discord.platform import DiscordSettings
from bot.adapters.slack.platform import SlackSettings
from bot.app.core import build_core
from bot.app.platforms import PLATFORMS, PlatformEntry, PlatformError
from bot.app.serve import http_port, serve
from bot.app.settings import Settings
from bot.core.commands import CommandSpec
from bot.core.studybot import RESTARTING
from bot.core.types import Command, Place, PostedMessage, Reply, User
from bot.infra.http_server import HttpServer
from bot.infra.metrics import prometheus_metrics

ANA = User("fake", "U1", "ana")


class NoSettings(PlatformSettings):
    model_config = settings_config("FAKE_")


class FakePlatform:
    def __init__(self, name: str, ends: BaseException | bool = False) -> None:
        self.name = name
        self.started = self.stopped = False
        self.posts: list[Reply] = []
        self._ends = ends
        self._closed = asyncio.Event()

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def post(self, place: Place, reply: Reply) -> PostedMessage:
        self.posts.append(reply)
        return PostedMessage(place, str(len(self.posts)))

    async def reply_to(self, message: PostedMessage, reply: Reply) -> PostedMessage:
        return await self.post(message.place, reply)

    async def wait_closed(self) -> None:
        if self._ends is False:
            await self._closed.wait()
        elif isinstance(self._ends, BaseException):
            raise self._ends


@pytest.fixture
def platforms(monkeypatch):
    made: dict[str, FakePlatform] = {}

    def add(name: str, ends=False) -> None:
        async def start(settings, host):
            platform = made[name] = FakePlatform(name, ends)
            await platform.start()
            return platform

        monkeypatch.setitem(PLATFORMS, name, PlatformEntry(name, NoSettings, start))

    return made, add


@pytest.fixture
def core(tmp_path, fake_embedder):
    settings = Settings(
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
        http_host="127.0.0.1",
        http_port=0,
        _env_file=None,
    )
    return build_core(settings, embedder=fake_embedder)


async def wait_serving(core, task: asyncio.Task) -> str:
    for _ in range(500):
        if task.done():
            task.result()
        if core.http is not None and core.http.bound_port:
            base = f"http://127.0.0.1:{core.http.bound_port}"
            async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as r:
                if r.status == 200:
                    return base
        await asyncio.sleep(0.02)
    raise AssertionError("never served")


async def test_two_platforms_share_one_core_health_metrics_and_a_graceful_stop(core, platforms, caplog):
    caplog.set_level("INFO", logger="studybot")
    made, add = platforms
    add("fake1")
    add("fake2")
    release, started = asyncio.Event(), asyncio.Event()

    async def slow(user, place, args):
        started.set()
        await release.wait()
        return Reply(body="finished")

    core.bot.router.register(CommandSpec("slow", "/slow", "waits", slow))
    stop = asyncio.Event()
    task = asyncio.ensure_future(serve(core, ["fake1", "fake2"], stop))
    base = await wait_serving(core, task)
    assert made["fake1"].started and made["fake2"].started
    assert set(core.quiz.platforms) == {"fake1", "fake2"}  # one scheduler, both platforms attached
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as r:
            report = await r.json()
        assert report["ok"] and report["status"] == "serving" and report["platforms"] == ["fake1", "fake2"]
        assert report["database"]["ok"] and report["model"]["ok"]
        # each event in its own task, as discord.py and bolt run them (the task is the work in flight)
        await asyncio.ensure_future(
            core.bot.handle(ANA, Place("fake1", "S", "C"), Command("ask", "why GPUs?"))
        )
        async with session.get(f"{base}/metrics") as r:
            assert r.headers["Content-Type"].startswith("text/plain; version=")
            metrics = await r.text()
        assert "studybot_asks_total 1" in metrics and "studybot_search_seconds_count 1" in metrics
        async with session.post(f"{base}/slack/events") as r:
            assert r.status == 404  # nothing mounted there without Slack

    in_flight = asyncio.ensure_future(core.bot.handle(ANA, Place("fake1", "S", "C"), Command("slow")))
    await started.wait()
    stop.set()  # what SIGTERM does
    for _ in range(200):
        if core.bot.in_flight.closing:
            break
        await asyncio.sleep(0.01)
    refused = await asyncio.ensure_future(core.bot.handle(ANA, Place("fake2", "S", "C"), Command("help")))
    assert refused.body == RESTARTING
    assert not task.done()  # waiting for the command in flight
    release.set()
    await asyncio.wait_for(task, 15)
    assert "unfinished=0" in "\n".join(caplog.messages)
    assert (await in_flight).body == "finished"
    assert made["fake1"].stopped and made["fake2"].stopped


async def test_a_platform_connection_that_ends_ends_the_run(core, platforms):
    made, add = platforms
    add("steady")
    add("flaky", ends=True)
    with pytest.raises(PlatformError, match="flaky connection ended"):
        await asyncio.wait_for(serve(core, ["steady", "flaky"], asyncio.Event()), 15)
    assert made["steady"].stopped and made["flaky"].stopped


async def test_a_platform_that_fails_to_start_stops_the_ones_started(core, platforms, monkeypatch):
    made, add = platforms
    add("good")

    async def broken(settings, host):
        raise PlatformError("Slack rejected SLACK_BOT_TOKEN (invalid_auth)")

    monkeypatch.setitem(PLATFORMS, "bad", PlatformEntry("bad", NoSettings, broken))
    closed: list[bool] = []
    core.closing.callback(closed.append, True)
    with pytest.raises(PlatformError, match="invalid_auth"):
        await serve(core, ["good", "bad"], asyncio.Event())
    assert made["good"].stopped
    assert closed == [True]  # the core was closed too


async def test_healthz_is_503_when_the_database_does_not_answer(core, platforms, monkeypatch):
    _made, add = platforms
    add("fake1")
    stop = asyncio.Event()
    task = asyncio.ensure_future(serve(core, ["fake1"], stop))
    base = await wait_serving(core, task)

    def unreachable():
        raise ConnectionRefusedError("connection to server at 127.0.0.1 port 5432 failed")

    monkeypatch.setattr(core.quiz.database, "read", unreachable)
    async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as r:
        assert r.status == 503
        report = await r.json()
    assert report["ok"] is False and "5432" in report["database"]["error"]
    monkeypatch.undo()
    stop.set()
    await asyncio.wait_for(task, 15)


async def test_a_taken_port_is_a_clear_error(core, platforms):
    _made, add = platforms
    add("fake1")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        core.settings = core.settings.model_copy(update={"http_port": taken.getsockname()[1]})
        with pytest.raises(PlatformError, match="STUDYBOT_HTTP_PORT"):
            await serve(core, ["fake1"], asyncio.Event())


def test_http_runs_for_slack_http_mode_or_an_explicit_port():
    s = Settings(_env_file=None)
    slack_http = {"slack": SlackSettings(_env_file=None, bot_token="xoxb-1", signing_secret="s3cret")}
    socket_mode = {"slack": SlackSettings(_env_file=None, bot_token="xoxb-1", app_token="xapp-1")}
    assert http_port(s, {"discord": DiscordSettings(_env_file=None, token="t")}) is None
    assert http_port(s, slack_http) == 3000
    assert http_port(s, socket_mode) is None
    assert http_port(s.model_copy(update={"http_port": 8080}), {}) == 8080


async def test_http_server_mounts_routes_after_start_and_refuses_work_when_closing():
    server = HttpServer("127.0.0.1", 0, metrics=prometheus_metrics())
    await server.start()
    base = f"http://127.0.0.1:{server.bound_port}"
    try:

        async def hello(request):
            from aiohttp import web

            return web.Response(text=f"hello {request.method}")

        async with aiohttp.ClientSession() as session:
            async with session.post(f"{base}/hook") as r:  # starting: maybe a route not mounted yet
                assert r.status == 503 and r.headers["Retry-After"] and await r.text() == "starting"
            server.ready = True
            async with session.post(f"{base}/hook") as r:  # serving: nobody mounts it
                assert r.status == 404
            server.mount("/hook", hello)
            async with session.post(f"{base}/hook") as r:
                assert (r.status, await r.text()) == (200, "hello POST")
            async with session.get(f"{base}/healthz") as r:
                assert r.status == 200
            server.closing = True
            async with session.post(f"{base}/hook") as r:
                assert r.status == 503 and r.headers["Retry-After"]
            async with session.get(f"{base}/healthz") as r:
                assert r.status == 503 and (await r.json())["status"] == "stopping"
    finally:
        await server.stop()
