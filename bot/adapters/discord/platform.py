"""Discord's entry in the platform registry: its settings (``DISCORD_*``), probe and start.

discord.py is imported inside ``start`` and ``probe``: reading this entry never loads the SDK.
"""

from __future__ import annotations

import asyncio
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

NAME = "discord"
PROBE_TIMEOUT_S = 15.0


class DiscordSettings(PlatformSettings):
    model_config = settings_config("DISCORD_")

    token: SecretStr | None = None
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = ""
    guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    shard_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    shard_count: int | None = None

    _split = field_validator("guild_ids", "shard_ids", mode="before")(split_list)


def _missing(settings: DiscordSettings) -> list[str]:
    return [] if secret(settings.token) else ["DISCORD_TOKEN"]


async def _probe(settings: DiscordSettings) -> ProbeResult:
    from bot.adapters.discord.client import DiscordStartError, check_token

    try:
        await asyncio.wait_for(check_token(secret(settings.token), settings.api_base_url), PROBE_TIMEOUT_S)
    except DiscordStartError as exc:
        return ProbeResult(
            ProbeStatus.FAIL, str(exc), "check DISCORD_TOKEN (Developer Portal > Bot > Reset Token)"
        )
    except TimeoutError:
        return ProbeResult(
            ProbeStatus.FAIL,
            f"no answer from {settings.api_base_url} in {PROBE_TIMEOUT_S:.0f} s",
            "check the network and DISCORD_API_BASE_URL",
        )
    return ProbeResult(ProbeStatus.OK, "token accepted (GET /users/@me)")


async def _start(settings: DiscordSettings, host: Host) -> Platform:
    from bot.adapters.discord.client import DiscordAdapter, DiscordStartError

    try:
        adapter = DiscordAdapter(
            host.bot,
            token=secret(settings.token),
            api_base_url=settings.api_base_url,
            gateway_url=settings.gateway_url,
            guild_ids=settings.guild_ids,
            shard_ids=settings.shard_ids,
            shard_count=settings.shard_count,
        )
        await adapter.start()
    except DiscordStartError as exc:
        raise PlatformError(str(exc)) from exc
    return adapter


PLATFORM_ENTRY = PlatformEntry(
    name=NAME,
    settings=DiscordSettings,
    start=_start,
    needs="DISCORD_TOKEN",
    missing=_missing,
    probe=_probe,
    probe_before_start=True,  # a bad token fails in a second, before the model loads
)
