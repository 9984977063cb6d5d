"""Platform adapters: thin translators between a platform's events and ``bot.core``."""
