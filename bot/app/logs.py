"""Logging for a command: the bot's level and format, every platform's secrets redacted (from the registry)."""

from __future__ import annotations

from bot.adapters.contract import PlatformSettings
from bot.app.platforms import platform_settings
from bot.app.settings import Settings
from bot.infra.logging_setup import configure_logging


def configured_secrets(settings: Settings, platforms: dict[str, PlatformSettings] | None = None) -> list[str]:
    """The values that must never be written: every platform's secret settings, the database password."""
    platforms = platform_settings() if platforms is None else platforms
    secrets = [value for entry in platforms.values() for value in entry.secrets()]
    if settings.database_url:
        try:
            from sqlalchemy.engine import make_url

            password = make_url(settings.database_url).password
        except Exception:  # a malformed URL is reported by load_settings
            password = None
        if password:
            secrets.append(str(password))
    return secrets


def setup_logging(
    settings: Settings, platforms: dict[str, PlatformSettings] | None = None, *, level: str | None = None
) -> None:
    """Configure the root logger for this process (``level`` overrides ``STUDYBOT_LOG_LEVEL``)."""
    configure_logging(level or settings.log_level, settings.log_format, configured_secrets(settings, platforms))
