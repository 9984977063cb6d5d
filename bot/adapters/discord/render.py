"""Reply -> Discord message parts, cut to Discord's limits with a visible ellipsis.

Every message the bot sends goes through :func:`message_parts`, so the limits and the "ping nobody"
rule live in one place.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord.ui import AnswerButton
from bot.core.text import shorten
from bot.core.types import Button, Reply

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
    view = discord.ui.View(timeout=None)
    for button in buttons[:MAX_BUTTONS]:
        view.add_item(AnswerButton(button.action, button.value, button.label))
    return view


def message_parts(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for ``send``/``followup.send``: an error is a plain message, anything else an
    embed; buttons become persistent answer buttons; mentions are always off."""
    parts: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if reply.kind == "error" and not reply.buttons:
        parts["content"] = reply_text(reply)
    else:
        parts["embed"] = reply_embed(reply)
    if reply.buttons:
        parts["view"] = answer_view(reply.buttons)
    return parts
