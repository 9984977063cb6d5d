"""StudyBot on Discord (discord.py): slash commands, daily quiz posts with answer forms, reveals.

``platform`` is the registry entry (settings, probe, start), ``client`` the adapter (a ``Platform``),
``commands`` the slash commands built from the core's router, ``ui`` the persistent answer button and
form, ``render`` Reply -> embed within Discord's limits. Importing this package loads no SDK.
"""

from bot.adapters.discord.platform import PLATFORM_ENTRY

__all__ = ["PLATFORM_ENTRY"]
