"""Slack's entry in the platform registry: its settings (``SLACK_*``), probe and start.

slack-sdk and slack-bolt are imported inside ``start`` and ``probe``: reading this entry never loads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from bot.adapters.contract import (
    Host,
    PlatformEntry,
    PlatformError,
    PlatformSettings,
    ProbeResult,
    ProbeStatus,
    secret,
    settings_config,
    split_list,
)
from bot.core.ports import Platform

NAME = "slack"
EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000  # HTTP mode, when STUDYBOT_HTTP_PORT is not set
PROBE_TIMEOUT_S = 15


class SlackSettings(PlatformSettings):
    model_config = settings_config("SLACK_")

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    api_base_url: str = "https://slack.com/api/"
    admin_user_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)

    _split = field_validator("admin_user_ids", mode="before")(split_list)

    @property
    def http_mode(self) -> bool:
        """HTTP mode (Slack calls us) unless an app token asks for Socket Mode."""
        return not secret(self.app_token)


def _missing(settings: SlackSettings) -> list[str]:
    missing = []
    if not secret(settings.bot_token):
        missing.append("SLACK_BOT_TOKEN")
    if not secret(settings.app_token) and not secret(settings.signing_secret):
        missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
    return missing


async def _probe(settings: SlackSettings) -> ProbeResult:
    import aiohttp
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.adapters.slack.api_errors import error_code

    base = settings.api_base_url if settings.api_base_url.endswith("/") else settings.api_base_url + "/"
    client = AsyncWebClient(token=secret(settings.bot_token), base_url=base, timeout=PROBE_TIMEOUT_S)

    async def call(setting: str, fn: Callable) -> tuple[dict | None, ProbeResult | None]:
        try:
            return (await fn()).data, None
        except SlackApiError as exc:
            error = error_code(exc)
            return None, ProbeResult(
                ProbeStatus.FAIL,
                f"Slack rejected {setting} ({error})",
                f"check {setting} and the app's scopes (docs/slack.md)",
            )
        except (aiohttp.ClientError, OSError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return None, ProbeResult(
                ProbeStatus.FAIL, f"cannot reach {base} ({first})", "check the network and SLACK_API_BASE_URL"
            )

    auth, failed = await call("SLACK_BOT_TOKEN", client.auth_test)
    if failed:
        return failed
    assert auth is not None
    detail = f"auth.test ok: team {auth.get('team') or auth.get('team_id')}, bot user {auth.get('user_id')}"
    app_token = secret(settings.app_token)
    if app_token:
        _, failed = await call("SLACK_APP_TOKEN", lambda: client.apps_connections_open(app_token=app_token))
        if failed:
            return failed
        detail += "; Socket Mode token ok"
    elif not secret(settings.signing_secret):
        return ProbeResult(ProbeStatus.FAIL, detail + "; no SLACK_SIGNING_SECRET", "set SLACK_SIGNING_SECRET")
    return ProbeResult(ProbeStatus.OK, detail)


async def _start(settings: SlackSettings, host: Host) -> Platform:
    from bot.adapters.slack.app import SlackAdapter, SlackStartError

    adapter = SlackAdapter(
        host.bot,
        bot_token=secret(settings.bot_token),
        signing_secret=secret(settings.signing_secret),
        app_token=secret(settings.app_token) or None,
        api_base_url=settings.api_base_url,
        admin_user_ids=settings.admin_user_ids,
        host=host.http_host,
        port=host.http_port or DEFAULT_PORT,
        serve_http=host.http is None,
    )
    try:
        await adapter.start()
    except SlackStartError as exc:
        await adapter.stop()
        raise PlatformError(str(exc)) from exc
    if host.http is not None and settings.http_mode:
        host.http.mount(EVENTS_PATH, adapter.handle_http)
    return adapter


PLATFORM_ENTRY = PlatformEntry(
    name=NAME,
    settings=SlackSettings,
    start=_start,
    needs="SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)",
    missing=_missing,
    probe=_probe,
    http_path=lambda settings: EVENTS_PATH if settings.http_mode else None,
)
