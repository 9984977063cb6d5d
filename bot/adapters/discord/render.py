"""Reply -> Discord message parts, cut to Discord's limits with a visible ellipsis.

Every message the bot sends goes through :func:`message_parts`, so the limits and the "ping nobody"
rule live in one place.
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import Any

import discord

from bot.adapters.discord.ui import AnswerButton
from bot.core.text import shorten
from bot.core.types import Attachment, Button, Reply

# Discord's limits (https://discord.com/developers/docs/resources/message, .../interactions).
MESSAGE_CHARS = 2000
EMBED_TITLE_CHARS = 256
EMBED_DESCRIPTION_CHARS = 4096
EMBED_FIELD_NAME_CHARS = 256
EMBED_FIELD_VALUE_CHARS = 1024
EMBED_FOOTER_CHARS = 2048
EMBED_TOTAL_CHARS = 6000
EMBED_MAX_FIELDS = 25
MAX_BUTTONS = 25
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
MAX_FILES = 10
FILE_DESCRIPTION_CHARS = 1024

NO_MENTIONS = discord.AllowedMentions.none()
"""Sent with every message: user text (``@everyone``, ``<@id>``) is shown but pings nobody."""

_COLOURS = {
    "answer": discord.Colour.green(),
    "abstain": discord.Colour.gold(),
    "usage": discord.Colour.gold(),
    "error": discord.Colour.red(),
    "quiz": discord.Colour.blurple(),
    "reveal": discord.Colour.teal(),
    "grade": discord.Colour.teal(),
}


def reply_embed(reply: Reply) -> discord.Embed:
    """Title, body, fields and footer of a reply as one embed within every per-part and total limit."""
    title = shorten(reply.title, EMBED_TITLE_CHARS) if reply.title else None
    footer = shorten(reply.footer, EMBED_FOOTER_CHARS) if reply.footer else None
    fields = [
        (shorten(name, EMBED_FIELD_NAME_CHARS) or "\u200b", shorten(value, EMBED_FIELD_VALUE_CHARS) or "—")
        for name, value in reply.fields[:EMBED_MAX_FIELDS]
    ]
    used = len(title or "") + len(footer or "") + sum(len(n) + len(v) for n, v in fields)
    room = min(EMBED_DESCRIPTION_CHARS, EMBED_TOTAL_CHARS - used)
    embed = discord.Embed(
        title=title,
        description=shorten(reply.body, max(room, 1)) if reply.body else None,
        colour=_COLOURS.get(reply.kind, discord.Colour.dark_grey()),
    )
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=False)
    if footer:
        embed.set_footer(text=footer)
    return embed


def reply_text(reply: Reply) -> str:
    """A reply as one plain message (Discord markdown), within the 2,000-character message limit."""
    parts = [f"**{reply.title}**"] if reply.title else []
    if reply.body:
        parts.append(reply.body)
    parts.extend(f"**{name}:** {value}" for name, value in reply.fields)
    if reply.footer:
        parts.append(f"-# {reply.footer}")
    return shorten("\n".join(parts), MESSAGE_CHARS)


def answer_view(buttons: tuple[Button, ...]) -> discord.ui.View:
    """Persistent buttons; the buttons of one item (same value: a dispute's three decisions) share a
    row when every group fits in one, else Discord's own layout (five a row, in order)."""
    buttons = buttons[:MAX_BUTTONS]
    groups = [list(group) for _, group in groupby(buttons, key=lambda b: b.value)]
    by_value = len(groups) <= MAX_ROWS and all(len(g) <= BUTTONS_PER_ROW for g in groups)
    view = discord.ui.View(timeout=None)
    for row, group in enumerate(groups):
        for button in group:
            view.add_item(AnswerButton(button.action, button.value, button.label, row=row if by_value else None))
    return view


def attachment_files(attachments: tuple[Attachment, ...]) -> list[discord.File]:
    """New ``discord.File`` objects each time: one is consumed by the request that sends it."""
    return [
        discord.File(
            io.BytesIO(a.data),
            filename=a.filename,
            description=shorten(a.description, FILE_DESCRIPTION_CHARS) if a.description else None,
        )
        for a in attachments[:MAX_FILES]
    ]


def message_parts(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for ``send``/``followup.send``: an error is a plain message, anything else an
    embed; buttons become persistent buttons, attachments files; mentions are always off."""
    parts: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if reply.kind == "error" and not reply.buttons:
        parts["content"] = reply_text(reply)
    else:
        parts["embed"] = reply_embed(reply)
    if reply.buttons:
        parts["view"] = answer_view(reply.buttons)
    if reply.attachments:
        parts["files"] = attachment_files(reply.attachments)
    return parts
