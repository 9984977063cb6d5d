"""The Discord client and the adapter the rest of the bot sees (a ``Platform``).

Rules kept here for every interaction: acknowledge first (defer, or open the form), then ask the
core, then send the follow-up; mentions are off on every message; errors reach the user as one short
sentence and the log as a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

from bot.adapters.discord.commands import build_commands
from bot.adapters.discord.render import NO_MENTIONS, message_parts
from bot.adapters.discord.ui import AnswerButton, answer_form, is_button_id, parse_form_id, submitted_text
from bot.core.courses.model import MAX_UPLOAD_BYTES
from bot.core.studybot import BUTTON_GONE, StudyBot
from bot.core.text import shorten
from bot.core.types import ButtonAction, Command, Place, PostedMessage, Reply, User

log = logging.getLogger(__name__)

PLATFORM = "discord"
DM_SPACE = "@me"  # Place.space_id of a direct message (no guild)
DEFAULT_API_BASE_URL = Route.BASE
DEFAULT_GATEWAY_URL = DiscordWebSocket.DEFAULT_GATEWAY
SORRY = "Something went wrong on our side. Please try again in a moment."
PRIVATE_KINDS = frozenset({"error", "usage"})  # never shown to the channel, even when sharing
ATTACHMENT_READ_TIMEOUT_S = 30.0
UNREADABLE_ATTACHMENT = "Could not read `{name}` from Discord. Nothing changed; please attach it again."


class DiscordStartError(RuntimeError):
    """The bot could not log in or connect; the message says what to fix."""


def _raise_start_error(exc: BaseException, api_base_url: str) -> None:
    """Turn a login failure into a DiscordStartError that says what to fix; other errors pass."""
    if isinstance(exc, discord.LoginFailure):
        raise DiscordStartError(
            "Discord rejected the bot token (401 Unauthorized): check DISCORD_TOKEN "
            "(Developer Portal > your application > Bot > Reset Token)."
        ) from exc
    if isinstance(exc, aiohttp.ClientError | OSError):
        raise DiscordStartError(f"Cannot reach the Discord API at {api_base_url}: {exc}") from exc
    if isinstance(exc, discord.HTTPException):
        raise DiscordStartError(f"The Discord API refused the login: {exc}") from exc


async def check_token(token: str, api_base_url: str = DEFAULT_API_BASE_URL) -> None:
    """Log in over REST only (``GET /users/@me``): a bad token fails in a second, before the model loads."""
    Route.BASE = api_base_url.rstrip("/")
    http = HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
    except BaseException as exc:
        _raise_start_error(exc, api_base_url)
        raise
    finally:
        await http.close()


class StudyBotTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await self.client.adapter.report_error(interaction, error)  # type: ignore[attr-defined]


async def sent(send: Callable[..., Awaitable[Any]], reply: Reply, **options: Any) -> Any:
    """Send ``reply`` with ``send`` (a channel's, a user's or a follow-up's). Its buttons' view is
    stopped once sent: clicks are routed by custom id (``AnswerButton``), so no view needs to live on,
    and one kept per graded answer would pile up (an ephemeral one even runs a 15-minute timer)."""
    parts = message_parts(reply)
    try:
        return await send(**parts, **options)
    finally:
        view = parts.get("view")
        if view is not None:
            view.stop()


class StudyBotClient(discord.AutoShardedClient):
    """Needs no privileged intent: slash commands, buttons and forms all arrive as interactions."""

    def __init__(self, adapter: DiscordAdapter, *, guild_ready_timeout: float) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # never joins voice
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=NO_MENTIONS,
            shard_ids=list(adapter.shard_ids) or None,
            shard_count=adapter.shard_count,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.adapter = adapter
        self.tree = StudyBotTree(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnswerButton)
        for command in build_commands(self.adapter, self.adapter.bot.router.specs):
            self.tree.add_command(command)
        if self.adapter.gateway_url and self.shard_count is None:
            # Without a shard count discord.py connects to the URL Discord returns; ask for the count
            # only, so the configured gateway (a proxy) is used.
            self.shard_count, _url, _limits = await self.http.get_bot_gateway()
        if self.adapter.syncs_commands:
            await self._sync_commands()

    async def _sync_commands(self) -> None:
        try:
            if self.adapter.guild_ids:
                for guild_id in self.adapter.guild_ids:
                    guild = discord.Object(id=guild_id)
                    self.tree.copy_global_to(guild=guild)
                    synced = await self.tree.sync(guild=guild)
                    log.info("discord commands synced guild=%s commands=%d", guild_id, len(synced))
            else:
                synced = await self.tree.sync()
                log.info("discord commands synced globally commands=%d", len(synced))
        except discord.Forbidden as exc:
            raise DiscordStartError(
                "Discord refused to register the slash commands (403 Forbidden). Invite the bot with "
                "the 'applications.commands' scope, and check DISCORD_GUILD_IDS lists servers it is in."
            ) from exc

    async def on_ready(self) -> None:
        log.info(
            "discord connected user=%s guilds=%d shards=%s",
            self.user,
            len(self.guilds),
            self.shard_ids or list(range(self.shard_count or 1)),
        )

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Answer forms are handled here, from their custom_id, so they need no state in memory. A button
        or form that is not ours (any more) gets a short private message, never "interaction failed"."""
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        if interaction.type is discord.InteractionType.component:
            if not is_button_id(custom_id):  # ours are answered by AnswerButton
                await self.adapter.say_gone(interaction)
            return
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        parsed = parse_form_id(custom_id)
        if parsed is None:
            await self.adapter.say_gone(interaction)
        else:
            await self.adapter.submit_answer_form(interaction, *parsed)


class DiscordAdapter:
    """StudyBot on Discord: slash commands and answer forms in, embeds out; a ``Platform`` for the
    scheduler (``post`` a quiz, ``reply_to`` it with the reveal)."""

    name = PLATFORM

    def __init__(
        self,
        bot: StudyBot,
        *,
        token: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        gateway_url: str = "",
        guild_ids: Sequence[int] = (),
        shard_ids: Sequence[int] = (),
        shard_count: int | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        if shard_ids and shard_count is None:
            raise DiscordStartError(
                "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total over all processes)."
            )
        self.bot = bot
        self.token = token
        self.api_base_url = api_base_url.rstrip("/")
        self.gateway_url = gateway_url
        self.guild_ids = tuple(guild_ids)
        self.shard_ids = tuple(shard_ids)
        self.shard_count = shard_count
        # With shards split over processes, one process (the one holding shard 0) registers commands.
        self.syncs_commands = not shard_ids or 0 in shard_ids
        self._guild_ready_timeout = guild_ready_timeout
        self.client: StudyBotClient | None = None
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Log in, register the commands and connect; returns once connected (raises DiscordStartError)."""
        # discord.py reads both from class attributes, so they hold for the whole process.
        Route.BASE = self.api_base_url
        DiscordWebSocket.DEFAULT_GATEWAY = (
            yarl.URL(self.gateway_url) if self.gateway_url else DEFAULT_GATEWAY_URL
        )
        client = self.client = StudyBotClient(self, guild_ready_timeout=self._guild_ready_timeout)
        try:
            await client.login(self.token)  # also registers the commands (setup_hook)
        except BaseException as exc:
            await client.close()
            _raise_start_error(exc, self.api_base_url)
            raise
        self._task = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(client.wait_until_ready())
        await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            error = self._task.exception()
            await client.close()
            raise DiscordStartError(f"The Discord gateway connection ended before it was ready: {error!r}")

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def wait_closed(self) -> None:
        """Returns when the gateway connection ends for good (raises what ended it)."""
        if self._task is not None:
            await self._task

    # --- Platform -------------------------------------------------------------------------------
    async def post(self, place: Place, reply: Reply) -> PostedMessage:
        message = await sent(self._channel(place).send, reply)
        return PostedMessage(place=place, message_id=str(message.id))

    async def reply_to(self, message: PostedMessage, reply: Reply) -> PostedMessage:
        channel = self._channel(message.place)
        reference = channel.get_partial_message(int(message.message_id)).to_reference(
            fail_if_not_exists=False
        )
        sent_message = await sent(channel.send, reply, reference=reference, mention_author=False)
        return PostedMessage(place=message.place, message_id=str(sent_message.id))

    async def tell(self, place: Place, user_id: str, reply: Reply) -> None:
        """A direct message (the student may have closed DMs from the server: then it is logged)."""
        if self.client is None:
            raise RuntimeError("the Discord adapter is not started")
        user = self.client.get_user(int(user_id)) or await self.client.fetch_user(int(user_id))
        try:
            await sent(user.send, reply)
        except discord.Forbidden:
            log.warning("discord direct message refused user=%s", user_id)

    def _channel(self, place: Place) -> discord.PartialMessageable:
        if self.client is None:
            raise RuntimeError("the Discord adapter is not started")
        guild_id = int(place.space_id) if place.space_id.isdigit() else None
        return self.client.get_partial_messageable(int(place.channel_id), guild_id=guild_id)

    # --- interactions ---------------------------------------------------------------------------
    @staticmethod
    def who(interaction: discord.Interaction) -> tuple[User, Place]:
        """Admin = Manage Server or Administrator in this server (from the interaction, not a cache)."""
        perms = interaction.permissions
        in_guild = interaction.guild_id is not None
        user = User(
            platform=PLATFORM,
            user_id=str(interaction.user.id),
            display_name=interaction.user.display_name,
            is_admin=in_guild and (perms.manage_guild or perms.administrator),
        )
        space = str(interaction.guild_id) if in_guild else DM_SPACE
        return user, Place(platform=PLATFORM, space_id=space, channel_id=str(interaction.channel_id))

    async def run_command(
        self, interaction: discord.Interaction, name: str, args: str, *, share: bool | None = None
    ) -> None:
        """Defer (the 3-second rule), run the command in the core, send the reply as the follow-up.

        ``share`` (``/ask``) makes the answer public; otherwise the core's ``Reply.ephemeral`` decides.
        """
        deferred_public = bool(share)
        await interaction.response.defer(ephemeral=not deferred_public, thinking=True)
        user, place = self.who(interaction)
        args = args if isinstance(args, str) else str(args)  # an option synced with another type
        reply = await self.bot.handle(user, place, Command(name=name, args=args))
        public = not reply.ephemeral if share is None else share and reply.kind not in PRIVATE_KINDS
        if public != deferred_public:
            # The first follow-up would replace the "thinking…" message and keep its visibility.
            await interaction.delete_original_response()
        await sent(interaction.followup.send, reply, ephemeral=not public, wait=True)

    async def upload_course(self, interaction: discord.Interaction, attachment: discord.Attachment) -> None:
        """``/course upload file``: defer, read the attachment, let the core check and store it; a
        private progress message while the course is embedded.

        The file is not fetched when its declared size is over the limit (the core refuses it by
        ``size``, saying the limit) nor for a non-admin (the core refuses the upload whatever it holds).
        """
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            user, place = self.who(interaction)
            data = b""
            if user.is_admin and attachment.size <= MAX_UPLOAD_BYTES:
                try:
                    async with asyncio.timeout(ATTACHMENT_READ_TIMEOUT_S):
                        data = await attachment.read()
                except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("discord attachment not read error=%s", type(exc).__name__)
                    text = UNREADABLE_ATTACHMENT.format(name=shorten(attachment.filename, 80))
                    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
                    return

            async def progress(text: str) -> None:
                try:
                    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
                except discord.HTTPException:  # a lost progress note must not stop the upload
                    log.warning("discord could not send upload progress")

            reply = await self.bot.upload_course(
                user, place, attachment.filename, data, size=attachment.size, progress=progress
            )
            await sent(interaction.followup.send, reply, ephemeral=True, wait=True)
        except Exception as exc:
            await self.report_error(interaction, exc)

    async def open_answer_form(
        self, interaction: discord.Interaction, action: ButtonAction, value: str
    ) -> None:
        """A click on an answer button: opening the form is the acknowledgement."""
        try:
            question = None
            if interaction.message is not None and interaction.message.embeds:
                embed = interaction.message.embeds[0]
                question = embed.description or embed.title
            await interaction.response.send_modal(answer_form(action, value, question))
        except Exception as exc:
            await self.report_error(interaction, exc)

    async def submit_answer_form(
        self, interaction: discord.Interaction, action: ButtonAction, value: str
    ) -> None:
        """Defer at once (privately), grade in the core, answer with a private follow-up."""
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            user, place = self.who(interaction)
            text = submitted_text(interaction.data)
            reply = await self.bot.submit_answer(user, place, action, value, text)
            await sent(interaction.followup.send, reply, ephemeral=True, wait=True)
        except Exception as exc:
            await self.report_error(interaction, exc)

    async def say_gone(self, interaction: discord.Interaction) -> None:
        """A click or form the bot no longer knows: say so privately."""
        log.info("discord unknown component custom_id=%.100s", (interaction.data or {}).get("custom_id"))
        try:
            await interaction.response.send_message(BUTTON_GONE, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("discord could not answer an unknown component")

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """A short private message for the user, the traceback for the log; never "interaction failed"."""
        if isinstance(error, app_commands.CommandNotFound):
            log.warning("discord command not found command=%s", error.name)
            text = "That command is not available any more. Type `/` to see the current ones."
        elif isinstance(error, app_commands.CommandSignatureMismatch):  # options of an older version
            log.warning("discord command out of date command=%s", error.command.qualified_name)
            text = "That command has changed. Type `/` and pick it again."
        else:
            error = getattr(error, "original", error)  # app_commands.CommandInvokeError wraps it
            command = interaction.command.qualified_name if interaction.command else interaction.type.name
            log.error("discord interaction failed command=%s", command, exc_info=error)
            text = SORRY
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.exception("discord could not report an error to the user")
