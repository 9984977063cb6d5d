"""``studybot run``: every platform of the process on one core, one model, one database, one scheduler.

Start: the HTTP server first when one is wanted (a platform that receives HTTP, such as Slack in HTTP
mode, or ``STUDYBOT_HTTP_PORT`` set), before the core is even built when ``serve`` is given a builder:
``/healthz`` answers "starting" and Slack's ``/slack/events`` 503 with ``Retry-After`` (which Slack
retries) while the model loads and the platforms connect, instead of refusing connections; a SIGTERM
then stops the start-up cleanly;
then each platform through its registry entry (bot/app/platforms.py), attached to the core as it comes
up (quizzes post through it, its schedules fire). Every platform, the real ones and a test's, goes
through this same code.

Stop (SIGTERM or SIGINT, or a platform connection that ends): within ``SHUTDOWN_S`` seconds,

1. take no new work: ``/healthz`` says "stopping" (503), the HTTP server stops accepting connections,
   new commands get "restarting, try again", the scheduler fires nothing more;
2. finish the work in flight: commands, answers being graded, posts being sent (``StudyBot.in_flight``);
3. stop the platforms, the HTTP server, then the core (grading workers, scheduler, database pool).

A platform whose work is done (the console at the end of its input) ends the run the same way.
The steps are written out rather than left to an ``AsyncExitStack`` because each has its own time bound.

Answers stored but not yet graded when a process dies are graded at its next start (bot/infra/scheduler.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.adapters.contract import Host, PlatformSettings
from bot.app.platforms import PLATFORMS, PlatformError
from bot.app.settings import Settings
from bot.infra.http_server import HttpServer

if TYPE_CHECKING:
    from bot.app.core import Core

log = logging.getLogger("studybot")

DEFAULT_HTTP_PORT = 3000  # when a platform receives HTTP and STUDYBOT_HTTP_PORT is not set
SHUTDOWN_S = 9.0  # everything, from the signal to the end (the promise is 10 s)
DRAIN_S = 5.0  # of which: waiting for the work in flight
DB_CHECK_S = 3.0


def http_paths(platforms: dict[str, PlatformSettings]) -> list[str]:
    """The paths the platforms of this run serve on the HTTP server (``/slack/events`` in HTTP mode)."""
    paths = (PLATFORMS[name].http_path(settings) for name, settings in platforms.items())
    return [path for path in paths if path]


def http_port(settings: Settings, platforms: dict[str, PlatformSettings]) -> int | None:
    """The HTTP server's port, or ``None`` when this run needs no HTTP server."""
    if settings.http_port is not None:
        return settings.http_port
    return DEFAULT_HTTP_PORT if http_paths(platforms) else None


class Health:
    """``/healthz``: serving, the database answers ``SELECT 1``, the model is loaded."""

    def __init__(self, core: Core | None) -> None:
        self.core = core  # None while it is being built
        self.state = "starting"
        self.platforms: list[str] = []

    async def __call__(self) -> dict:
        if self.core is None:
            return {"ok": False, "status": self.state, "platforms": [], "model": {"ok": False}}
        embedder = self.core.embedder
        model_ok = embedder is not None and int(getattr(embedder, "dimension", 0) or 0) > 0
        report: dict = {
            "status": self.state,
            "platforms": self.platforms,
            "model": {
                "ok": model_ok,
                "name": getattr(embedder, "model_name", None),
                "device": str(getattr(embedder, "device", "unknown")),
            },
        }
        database = self.core.quiz.database if self.core.quiz is not None else None
        if database is None:
            db_ok = True
            report["database"] = {"ok": True, "detail": "not used"}
        else:
            try:
                await asyncio.wait_for(database.run(_ping, database), DB_CHECK_S)
                db_ok = True
                report["database"] = {"ok": True, "dialect": database.dialect}
            except Exception as exc:
                db_ok = False
                detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                report["database"] = {"ok": False, "error": detail[:300]}
        report["ok"] = self.state == "serving" and db_ok and model_ok
        return report


def _metrics_of(core: Core | Callable[[], Core]):
    """The metrics ``/metrics`` shows: the core's, or while it is built a registry of the process's own."""
    if not callable(core):
        return core.bot.metrics
    from bot.infra.metrics import prometheus_metrics

    return prometheus_metrics()


def _ping(database) -> None:
    with database.read() as conn:
        conn.exec_driver_sql("SELECT 1")


def _install_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stop.is_set():  # a second Ctrl-C: the user does not want to wait
            log.warning("second signal=%s: exiting now", signal.Signals(signum).name)
            os._exit(130)
        log.info("signal=%s: shutting down", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows / not main thread
            loop.add_signal_handler(sig, on_signal, sig)


async def serve(
    core: Core | Callable[[], Core],
    names: list[str],
    stop: asyncio.Event | None = None,
    *,
    settings: dict[str, PlatformSettings] | None = None,
    app_settings: Settings | None = None,
) -> None:
    """Serve ``names`` (keys of ``bot.app.platforms.PLATFORMS``) until ``stop`` is set, then shut down.

    ``core``: the built core, or a function that builds it (run in a thread once the HTTP server
    listens; then ``app_settings`` are the settings it is built from). ``settings``: each platform's
    settings (read from the environment when not given).
    """
    stop = stop or asyncio.Event()
    _install_signals(stop)
    chosen = {name: (settings or {}).get(name) or PLATFORMS[name].load_settings() for name in names}
    build = core if callable(core) else None
    app_settings = app_settings or (core.settings if not callable(core) else None)
    assert app_settings is not None, "serve(builder) needs the app_settings it builds from"
    health = Health(None if build else core)  # type: ignore[arg-type]
    server: HttpServer | None = None
    started: list[tuple[str, object]] = []
    port = http_port(app_settings, chosen)
    if port is not None:
        server = HttpServer(app_settings.http_host, port, metrics=_metrics_of(core), health=health)
        try:
            await server.start()
        except OSError as exc:
            if not callable(core):
                await _bounded(core.aclose(), 3.0, "closing the core")
            raise PlatformError(str(exc.strerror or exc)) from exc
    if build is not None:
        try:
            core = await asyncio.to_thread(build)
        except BaseException:
            if server is not None:
                await server.stop()
            raise
        health.core = core
        if server is not None:
            server.metrics = core.bot.metrics
    assert not callable(core)
    if stop.is_set():  # stopped while starting: nothing is in flight yet
        log.info("stopped during start-up")
        await shutdown(core, started, server, health)
        return
    try:
        core.http = server
        host = Host(
            bot=core.bot,
            http=server,
            http_host=core.settings.http_host,
            http_port=port,
            request_stop=stop.set,
        )
        for name in names:
            platform = await PLATFORMS[name].start(chosen[name], host)
            started.append((name, platform))
            health.platforms.append(name)
            await core.attach(platform)  # quizzes post and reveal through it; its schedules fire
    except BaseException:
        await shutdown(core, started, server, health)
        raise
    health.state = "serving"
    if server is not None:
        server.ready = True
    log.info("serving platforms=%s http_port=%s", ",".join(names), server.bound_port if server else "off")
    stopped = asyncio.ensure_future(stop.wait())
    closings: dict[asyncio.Future, str] = {}
    for name, platform in started:
        wait_closed = getattr(platform, "wait_closed", None)  # optional: returns (or raises) when it ends
        if wait_closed is not None:
            closings[asyncio.ensure_future(wait_closed())] = name
    waits = [stopped, *closings]
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a platform that ended with an error ends the run with it
        if not stop.is_set():
            ended = ", ".join(closings[t] for t in done if t in closings)
            raise PlatformError(f"the {ended} connection ended")
    finally:
        for task in waits:
            task.cancel()
        await shutdown(core, started, server, health)


async def shutdown(
    core: Core, started: list[tuple[str, object]], server: HttpServer | None, health: Health
) -> None:
    """Stop taking work, finish what is in flight, close everything; bounded by ``SHUTDOWN_S``."""
    t0 = time.monotonic()
    deadline = t0 + SHUTDOWN_S

    def left(cap: float) -> float:
        return max(0.1, min(cap, deadline - time.monotonic()))

    health.state = "stopping"
    core.bot.in_flight.closing = True
    if server is not None:
        await _bounded(server.stop_listening(), 1.0, "closing the HTTP listener")
    scheduler = core.quiz.scheduler.apscheduler if core.quiz is not None else None
    if scheduler is not None:
        with contextlib.suppress(Exception):
            scheduler.pause()  # no new scheduled posts; a post already started is in flight
    in_flight = len(core.bot.in_flight)
    still = await core.bot.in_flight.drain(left(DRAIN_S))
    log.info("shutdown: work in flight=%d finished=%d unfinished=%d", in_flight, in_flight - still, still)
    for name, platform in reversed(started):
        await _bounded(platform.stop(), left(2.0), f"stopping {name}")
    if server is not None:
        await _bounded(server.stop(), left(1.0), "stopping the HTTP server")
    await _bounded(core.aclose(), left(3.0), "closing the core")
    log.info("stopped seconds=%.2f", time.monotonic() - t0)


async def _bounded(step: Awaitable, seconds: float, what: str) -> None:
    try:
        await asyncio.wait_for(step, seconds)
    except TimeoutError:
        log.warning("shutdown: %s took over %.1fs; going on", what, seconds)
    except Exception:
        log.exception("shutdown: %s failed", what)
