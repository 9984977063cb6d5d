"""Slack: slash commands, Block Kit posts, answer modals and the App Home tab (slack-bolt).

``platform`` is the registry entry (settings, probe, start), ``app`` the adapter, ``blocks`` the Block
Kit rendering. Importing this package loads no SDK.
"""

from bot.adapters.slack.platform import PLATFORM_ENTRY

__all__ = ["PLATFORM_ENTRY"]
