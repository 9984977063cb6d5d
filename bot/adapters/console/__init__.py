"""The console: the whole bot in a terminal, no tokens (``studybot chat``)."""

from bot.adapters.console.platform import PLATFORM_ENTRY

__all__ = ["PLATFORM_ENTRY"]
