"""The console's entry in the platform registry: no settings, never started unless named
(``studybot chat``, or ``studybot run --platform console``); the run ends with the input."""

from __future__ import annotations

import asyncio
import contextlib
import getpass

from bot.adapters.console.adapter import ConsoleAdapter, console_user
from bot.adapters.contract import Host, PlatformEntry, PlatformSettings, settings_config
from bot.core.ports import Platform

NAME = "console"


class ConsoleSettings(PlatformSettings):
    """No settings: the console needs no token. The user's name is the login name."""

    model_config = settings_config("STUDYBOT_CONSOLE_")


class _ConsoleRun:
    """The console adapter reading its input in a task; the end of the input ends the run."""

    def __init__(self, adapter: ConsoleAdapter, host: Host) -> None:
        self.adapter = adapter
        self.name = adapter.name
        self._task = asyncio.ensure_future(self._read(host))

    async def _read(self, host: Host) -> None:
        try:
            await self.adapter.run()
        finally:
            host.request_stop()

    async def stop(self) -> None:
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def post(self, place, reply):
        return await self.adapter.post(place, reply)

    async def reply_to(self, message, reply):
        return await self.adapter.reply_to(message, reply)


async def _start(settings: ConsoleSettings, host: Host) -> Platform:
    adapter = ConsoleAdapter(host.bot, console_user(getpass.getuser() or "student"))
    await adapter.start()
    return _ConsoleRun(adapter, host)


PLATFORM_ENTRY = PlatformEntry(
    name=NAME,
    settings=ConsoleSettings,
    start=_start,
    needs="nothing (`studybot chat`)",
    configured=lambda settings: False,  # only when named: it reads this terminal
)
