"""The console adapter: the whole bot in a terminal, no tokens needed (``studybot chat``).

Like Hubot's shell adapter it is the embedded default and takes an injectable input stream, so a
conversation test drives exactly what a user types. Rich rendering on a terminal, plain text when piped.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from bot.core.courses.model import MAX_UPLOAD_BYTES
from bot.core.studybot import StudyBot
from bot.core.types import Place, PostedMessage, Reply, User

PLATFORM = "console"
CONSOLE_PLACE = Place(platform=PLATFORM, space_id="console", channel_id="console")
EXIT_WORDS = {"/quit", "/exit"}
UPLOAD = re.compile(r"^/course\s+upload\s+(?P<path>\S.*)$", re.IGNORECASE)
MAX_UPLOAD_READ = MAX_UPLOAD_BYTES + 1  # enough to tell that a file is too big
_STYLE = {"error": "red", "usage": "yellow", "abstain": "yellow", "answer": "green", "quiz": "cyan"}


def console_user(name: str) -> User:
    """The console user is the course admin: it is their own machine."""
    return User(platform=PLATFORM, user_id=name, display_name=name, is_admin=True)


class ConsoleAdapter:
    """Reads commands line by line and prints replies; also a ``Platform`` the scheduler can post to."""

    name = PLATFORM

    def __init__(
        self,
        bot: StudyBot,
        user: User,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.bot = bot
        self.user = user
        self.place = CONSOLE_PLACE
        self._in = stdin or sys.stdin
        out = stdout or sys.stdout
        self.interactive = self._in.isatty() if interactive is None else interactive
        self.console = Console(
            file=out, force_terminal=self.interactive or None, soft_wrap=not self.interactive
        )
        self._message_ids = itertools.count(1)

    # --- Platform --------------------------------------------------------------------------------
    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def post(self, place: Place, reply: Reply) -> PostedMessage:
        self.render(reply)
        return PostedMessage(place=place, message_id=f"console-{next(self._message_ids)}")

    async def reply_to(self, message: PostedMessage, reply: Reply) -> PostedMessage:
        return await self.post(message.place, reply)

    async def tell(self, place: Place, user_id: str, reply: Reply) -> None:
        """The console has one user: a private message is printed like any other."""
        self.render(reply)

    # --- REPL ------------------------------------------------------------------------------------
    async def run(self) -> None:
        if self.interactive:
            self.console.print(
                f"[bold]StudyBot[/bold] · {await self.bot.course_title(self.place)} — type [cyan]/help[/cyan], "
                "[cyan]/quit[/cyan] to leave."
            )
        while True:
            line = await asyncio.to_thread(self._read_line)
            if line is None:
                break
            line = line.strip()
            if not line:
                continue
            if line.lower() in EXIT_WORDS:
                break
            await self.handle(line)

    async def handle(self, line: str) -> Reply:
        """One typed line: a slash command, or plain text taken as a question for ``/ask``."""
        if not line.startswith("/"):
            line = f"/ask {line}"
        upload = UPLOAD.match(line)
        if upload:
            reply = await self.upload(upload.group("path").strip().strip("'\""))
        else:
            found = await self.bot.handle_line(self.user, self.place, line)
            assert found is not None  # a line starting with "/" is always a command
            reply = found
        self.render(reply)
        return reply

    async def upload(self, path_text: str) -> Reply:
        """``/course upload PATH``: the file's bytes go to the core, which checks them."""
        path = Path(path_text).expanduser()
        try:
            with path.open("rb") as file:
                size = path.stat().st_size
                data = await asyncio.to_thread(file.read, MAX_UPLOAD_READ)
        except OSError as exc:
            return Reply(body=f"Cannot read `{path_text}`: {exc.strerror or exc}.", kind="error")

        async def progress(text: str) -> None:
            self.render(Reply(body=text, kind="info"))

        return await self.bot.upload_course(
            self.user, self.place, path.name, data, size=size, progress=progress
        )

    def _read_line(self) -> str | None:
        if self.interactive:
            try:
                return self.console.input("[bold cyan]you>[/bold cyan] ")
            except EOFError:
                return None
        line = self._in.readline()
        return line if line else None

    def render(self, reply: Reply) -> None:
        if not self.interactive:
            self.console.print(Text(reply.as_text()))
            self.console.print(Text(""))
            return
        parts: list = [Markdown(reply.body)] if reply.body else []
        for name, value in reply.fields:
            parts.append(Text(f"\n{name}", style="bold"))
            parts.append(Text(value))
        if reply.buttons:
            parts.append(Text("\n" + "  ".join(f"[{b.label}]" for b in reply.buttons), style="bold cyan"))
        from rich.console import Group

        self.console.print(
            Panel(
                Group(*parts),
                title=Text(reply.title) if reply.title else None,
                subtitle=Text(reply.footer) if reply.footer else None,
                border_style=_STYLE.get(reply.kind, "blue"),
            )
        )
