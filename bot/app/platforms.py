"""The platform registry: every adapter package's ``PLATFORM_ENTRY`` (bot/adapters/contract.py).

``studybot run``, ``doctor``, log redaction and ``.env.example`` read platforms from here, never by
name: a new platform is one package under ``bot/adapters/`` plus one line in ``_ENTRIES``.
"""

from __future__ import annotations

from bot.adapters import console, discord, slack
from bot.adapters.contract import PlatformEntry, PlatformError, PlatformSettings

__all__ = [
    "PLATFORMS",
    "PlatformEntry",
    "PlatformError",
    "configured_names",
    "load_platform_settings",
    "platform_settings",
]

_ENTRIES: tuple[PlatformEntry, ...] = (console.PLATFORM_ENTRY, discord.PLATFORM_ENTRY, slack.PLATFORM_ENTRY)
PLATFORMS: dict[str, PlatformEntry] = {entry.name: entry for entry in _ENTRIES}


def platform_settings(names: list[str] | None = None) -> dict[str, PlatformSettings]:
    """Each platform's settings, read from the environment and ``.env`` (all platforms by default)."""
    return {name: PLATFORMS[name].load_settings() for name in names or PLATFORMS}


def configured_names(settings: dict[str, PlatformSettings]) -> list[str]:
    """The platforms whose settings say "run me" (``studybot run`` without ``--platform``)."""
    return [name for name, entry in PLATFORMS.items() if name in settings and entry.is_configured(settings[name])]


def load_platform_settings() -> dict[str, PlatformSettings]:
    """Every platform's settings; a bad value raises ``SettingsError`` naming it (``DISCORD_SHARD_COUNT``)."""
    from pydantic import ValidationError

    from bot.app.settings import SettingsError, validation_line

    out: dict[str, PlatformSettings] = {}
    for name, entry in PLATFORMS.items():
        try:
            out[name] = entry.load_settings()
        except ValidationError as exc:
            names = {field: entry.settings.env_name(field) for field in entry.settings.model_fields}
            raise SettingsError(validation_line(exc, names)) from None
    return out
