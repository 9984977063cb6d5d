"""StudyBot on Discord (discord.py): slash commands, daily quiz posts with answer forms, reveals.

``client`` holds the adapter (a ``Platform``), ``commands`` the slash commands built from the core's
router, ``ui`` the persistent answer button and form, ``render`` Reply -> embed within Discord's limits.
"""

from bot.adapters.discord.client import DiscordAdapter, DiscordStartError, check_token

__all__ = ["DiscordAdapter", "DiscordStartError", "check_token"]
