"""Slash-command routing shared by every adapter.

Adapters turn platform input into a :class:`~bot.core.types.Command`; the router finds the handler,
enforces admin-only commands and turns bad usage into a help reply instead of an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.types import Command, Place, Reply, User

log = logging.getLogger(__name__)

Handler = Callable[[User, Place, str], Awaitable[Reply]]


class UsageError(Exception):
    """Raised by a handler when its arguments are wrong; the router answers with the usage text."""


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str  # e.g. "/ask TEXT"
    summary: str
    handler: Handler
    admin_only: bool = False
    admin_subcommands: frozenset[str] = frozenset()  # e.g. {"schedule", "pause"} of /quiz


def parse_command_line(line: str) -> Command | None:
    """``/ask what is x`` -> Command("ask", "what is x"); a line without a leading slash -> None."""
    text = line.strip()
    if not text.startswith("/") or len(text) < 2:
        return None
    name, _, args = text[1:].partition(" ")
    return Command(name=name.lower(), args=args.strip())


def usage_reply(spec: CommandSpec, problem: str | None = None) -> Reply:
    body = f"Usage: `{spec.usage}`\n{spec.summary}"
    if problem:
        body = f"{problem}\n\n{body}"
    return Reply(body=body, title=f"/{spec.name}", kind="usage")


class CommandRouter:
    def __init__(self) -> None:
        self._specs: dict[str, CommandSpec] = {}

    def register(self, spec: CommandSpec) -> None:
        self._specs[spec.name] = spec

    @property
    def specs(self) -> list[CommandSpec]:
        return list(self._specs.values())

    def get(self, name: str) -> CommandSpec | None:
        return self._specs.get(name)

    def help_reply(self, user: User) -> Reply:
        lines = []
        for spec in self._specs.values():
            if spec.admin_only and not user.is_admin:
                continue
            lines.append(f"`{spec.usage}` — {spec.summary}")
        return Reply(body="\n".join(lines), title="StudyBot commands", kind="help")

    async def dispatch(self, user: User, place: Place, command: Command) -> Reply:
        spec = self._specs.get(command.name)
        if spec is None:
            return Reply(
                body=f"Unknown command `/{command.name[:40]}`. Type `/help` for the list.", kind="usage"
            )
        subcommand = (command.args.split(maxsplit=1) or [""])[0].lower()  # as the handlers split it
        needs_admin = spec.admin_only or subcommand in spec.admin_subcommands
        if needs_admin and not user.is_admin:
            what = f"/{spec.name}" if spec.admin_only else f"/{spec.name} {subcommand}"
            return Reply(body=f"Sorry, only course admins can use `{what}`.", kind="error")
        try:
            return await spec.handler(user, place, command.args)
        except UsageError as exc:
            return usage_reply(spec, str(exc) or None)
