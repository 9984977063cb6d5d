"""The process's one HTTP server (aiohttp): ``/healthz``, ``/metrics`` and the routes platforms mount.

``studybot run`` starts it when Slack runs in HTTP mode (Slack's ``/slack/events`` is mounted here) or
when ``STUDYBOT_HTTP_PORT`` is set. Routes can be mounted after the server started, so it listens first
(``/healthz`` says "starting" until every platform is up) and platforms join as they start.

- ``GET /healthz``: 200 with ``{"ok": true, ...}`` when serving, the database answers and the model is
  loaded; 503 with what is wrong otherwise (starting, stopping, database unreachable).
- ``GET /metrics``: the Prometheus text format (prometheus_client, bot/infra/metrics.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.core.metrics import Metrics

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HealthCheck = Callable[[], Awaitable[dict]]  # {"ok": bool, ...details}


class HttpServer:
    def __init__(self, host: str, port: int, *, metrics: Metrics, health: HealthCheck | None = None) -> None:
        self.host, self.port = host, port
        self.metrics = metrics
        self.health = health
        self.closing = False  # set at shutdown: mounted routes answer 503, /healthz too
        # Until every platform is up, a path nobody mounted yet may be one a platform is about to mount
        # (Slack's /slack/events): 503 with Retry-After, which Slack retries, instead of a 404 it counts
        # as a failure against the app.
        self.ready = False
        self.bound_port: int | None = None
        self._mounts: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.app = web.Application()
        self.app.router.add_get(HEALTH_PATH, self._healthz)
        self.app.router.add_get(METRICS_PATH, self._metrics)
        self.app.router.add_route("*", "/{path:.*}", self._dispatch)

    def mount(self, path: str, handler: Handler) -> None:
        """Serve every request to ``path`` (any method) with ``handler``; allowed after ``start``."""
        self._mounts[path] = handler

    async def start(self) -> None:
        """Listen; raises ``OSError`` (with the address in the message) when the port is taken."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await self._site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise OSError(
                exc.errno,
                f"cannot listen on {self.host}:{self.port} ({exc.strerror or exc}); "
                "set STUDYBOT_HTTP_HOST / STUDYBOT_HTTP_PORT",
            ) from exc
        self.bound_port = self._runner.addresses[0][1]
        log.info(
            "http listening host=%s port=%s paths=%s,%s",
            self.host,
            self.bound_port,
            HEALTH_PATH,
            METRICS_PATH,
        )

    async def stop_listening(self) -> None:
        """Take no new connections (requests already received are answered)."""
        self.closing = True
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def stop(self) -> None:
        self.closing = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- handlers ---------------------------------------------------------------------------------------
    async def _healthz(self, request: web.Request) -> web.Response:
        if self.health is None:
            report: dict = {"ok": not self.closing}
        else:
            try:
                report = await self.health()
            except Exception as exc:  # a broken check is a failed check, never a 500
                report = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        if self.closing:
            report = {**report, "ok": False, "status": "stopping"}
        return web.json_response(report, status=200 if report.get("ok") else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.render(), headers={"Content-Type": self.metrics.content_type})

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        handler = self._mounts.get(request.path)
        if self.closing:
            return web.Response(status=503, text="stopping", headers={"Retry-After": "5"})
        if handler is None and not self.ready:
            return web.Response(status=503, text="starting", headers={"Retry-After": "5"})
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)
