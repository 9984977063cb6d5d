"""Slack: slash commands, Block Kit posts, answer modals and the App Home tab (slack-bolt)."""

from bot.adapters.slack.app import (
    DEFAULT_API_BASE_URL,
    EVENTS_PATH,
    PLATFORM,
    SlackAdapter,
    SlackStartError,
)

__all__ = ["DEFAULT_API_BASE_URL", "EVENTS_PATH", "PLATFORM", "SlackAdapter", "SlackStartError"]
