"""``studybot run [--platform NAME ...]``: a registry of per-platform start functions.

Each platform registers a ``start`` function (build its adapter from the core and the settings, start
it, return it as a ``Platform``) and a ``missing`` check that names the settings it lacks, so a
misconfigured run fails in a second, before the model loads. Adapters are imported inside the start
functions: running one platform never imports another platform's SDK. ``configured`` says whether the
user meant to run it (some of its settings are set): ``studybot run`` without ``--platform`` starts those.
The serving itself (several platforms, HTTP, graceful shutdown) is bot/app/serve.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.app.settings import Settings
from bot.core.ports import Platform

if TYPE_CHECKING:
    from bot.app.core import Core

log = logging.getLogger("studybot")

StartFunction = Callable[["Core"], Awaitable[Platform]]
Preflight = Callable[[Settings], Awaitable[None]]


@dataclass(frozen=True)
class PlatformEntry:
    name: str
    start: StartFunction
    missing: Callable[[Settings], list[str]]  # names of required settings that are not set
    preflight: Preflight | None = None  # a quick check of the credentials, before the model loads
    configured: Callable[[Settings], bool] | None = None  # any of its settings set (default: none missing)
    needs: str = ""  # what to set, for the "nothing configured" message

    def is_configured(self, settings: Settings) -> bool:
        return self.configured(settings) if self.configured else not self.missing(settings)


PLATFORMS: dict[str, PlatformEntry] = {}


class PlatformError(RuntimeError):
    """A platform could not start (bad token, unreachable API...) or stopped on its own; the message
    says what to fix. ``studybot run`` prints it and exits with status 1."""


def _nothing_missing(settings: Settings) -> list[str]:
    return []


def register(
    name: str,
    start: StartFunction,
    missing: Callable[[Settings], list[str]] = _nothing_missing,
    preflight: Preflight | None = None,
    *,
    configured: Callable[[Settings], bool] | None = None,
    needs: str = "",
) -> None:
    PLATFORMS[name] = PlatformEntry(name, start, missing, preflight, configured, needs)


async def run_platform(name: str, core: Core, stop: asyncio.Event | None = None) -> None:
    """Serve one platform until ``stop`` is set (SIGINT/SIGTERM set it), then shut down (bot/app/serve.py)."""
    from bot.app.serve import serve

    await serve(core, [name], stop)


# --- Slack ------------------------------------------------------------------------------------------
def _slack_missing(settings: Settings) -> list[str]:
    missing = []
    if not settings.slack_bot_token:
        missing.append("SLACK_BOT_TOKEN")
    if not settings.slack_app_token and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
    return missing


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value else ""


async def _start_slack(core: Core) -> Platform:
    from bot.adapters.slack import EVENTS_PATH, SlackAdapter, SlackStartError

    s = core.settings
    http = getattr(core, "http", None)  # studybot run's server (bot/infra/http_server.py), when it has one
    adapter = SlackAdapter(
        core.bot,
        bot_token=_secret(s.slack_bot_token),
        signing_secret=_secret(s.slack_signing_secret),
        app_token=_secret(s.slack_app_token) or None,
        api_base_url=s.slack_api_base_url,
        admin_user_ids=s.slack_admin_user_ids,
        host=s.http_host,
        port=s.http_port or 3000,
        serve_http=http is None,
    )
    try:
        await adapter.start()
    except SlackStartError as exc:
        await adapter.stop()
        raise PlatformError(str(exc)) from exc
    if http is not None and adapter.app_token is None:
        http.mount(EVENTS_PATH, adapter.handle_http)
    return adapter


def _slack_configured(settings: Settings) -> bool:
    return any(
        _secret(v).strip()
        for v in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
    )


register(
    "slack",
    _start_slack,
    _slack_missing,
    configured=_slack_configured,
    needs="SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)",
)


# --- Discord ----------------------------------------------------------------------------------------
def _discord_missing(settings: Settings) -> list[str]:
    return [] if _secret(settings.discord_token).strip() else ["DISCORD_TOKEN"]


async def _discord_preflight(settings: Settings) -> None:
    from bot.adapters.discord import DiscordStartError, check_token

    try:
        await check_token(_secret(settings.discord_token), settings.discord_api_base_url)
    except DiscordStartError as exc:
        raise PlatformError(str(exc)) from exc


async def _start_discord(core: Core) -> Platform:
    from bot.adapters.discord import DiscordAdapter, DiscordStartError

    s = core.settings
    try:
        adapter = DiscordAdapter(
            core.bot,
            token=_secret(s.discord_token),
            api_base_url=s.discord_api_base_url,
            gateway_url=s.discord_gateway_url,
            guild_ids=s.discord_guild_ids,
            shard_ids=s.discord_shard_ids,
            shard_count=s.discord_shard_count,
        )
        await adapter.start()
    except DiscordStartError as exc:
        raise PlatformError(str(exc)) from exc
    return adapter


register(
    "discord",
    _start_discord,
    _discord_missing,
    _discord_preflight,
    configured=lambda settings: bool(_secret(settings.discord_token).strip()),
    needs="DISCORD_TOKEN",
)
