"""A fake Discord (REST + gateway) on 127.0.0.1 that the real discord.py talks to.

It answers what the bot calls (login, application, command sync, interaction callbacks, follow-ups,
channel messages), records every call, and dispatches interactions the tests build the way Discord
sends them: ``slash``, ``click`` (a button on a recorded message) and ``submit`` (a recorded form).
It also plays Discord's CDN for attachments (``attachment``): a slash option whose value is one is sent
the way Discord sends it (``data.resolved.attachments``), and ``Attachment.read()`` GETs it from here.
Messages the bot sends with files come as ``multipart/form-data`` (``payload_json`` and ``files[n]``): the
JSON is the call's ``body``, the files its ``files``. Direct messages: ``GET /users/{id}`` (fetch_user),
``POST /users/@me/channels`` (opens the DM channel, remembered in ``dm_channels``), then a message into
that channel (``dms(user_id)``).
Facts behind it: ../../../shared/design/platform-testing.md.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import WSMsgType, web

API = "/api/v10"
CDN = "/attachments"  # where attachments are served (recorded in ``calls`` with this path)
EPHEMERAL = 64
MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
# Discord's interaction callback types
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE, MODAL = 1, 4, 5, 6, 7, 8, 9

_snowflakes = itertools.count(1_200_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_snowflakes))


@dataclass(frozen=True)
class SentFile:
    """A file the bot sent with a message (a ``files[n]`` part of a multipart request)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    files: list[SentFile] = field(default_factory=list)

    @property
    def flags(self) -> int:
        """Message flags: a message body's own, or an interaction callback's ``data.flags``."""
        body = self.body or {}
        return int(body.get("flags") or (body.get("data") or {}).get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def embed(self) -> dict[str, Any]:
        embeds = (self.body or {}).get("embeds") or []
        return embeds[0] if embeds else {}

    @property
    def text(self) -> str:
        """Everything a user would read in this message: content and embed parts."""
        body = self.body or {}
        parts = [body.get("content") or ""]
        for embed in body.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    def custom_ids(self) -> list[str]:
        found, stack = [], list((self.body or {}).get("components") or [])
        while stack:
            component = stack.pop(0)
            if "custom_id" in component:
                found.append(component["custom_id"])
            stack.extend(component.get("components", []))
            if "component" in component:
                stack.append(component["component"])
        return found


@dataclass
class Member:
    user_id: str
    name: str
    permissions: int = SEND_MESSAGES

    def payload(self) -> dict[str, Any]:
        return {
            "user": user_payload(self.user_id, self.name),
            "roles": [],
            "permissions": str(self.permissions),
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
        }


def user_payload(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass
class FakeDiscord:
    token: str = "fake-bot-token"
    guild_id: str = field(default_factory=snowflake)
    channel_id: str = field(default_factory=snowflake)
    app_id: str = field(default_factory=snowflake)
    bot_user_id: str = ""
    calls: list[Call] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, dict[str, Any]] = field(default_factory=dict)  # synced, by name
    files: dict[str, bytes] = field(default_factory=dict)  # attachments served, by id
    dm_channels: dict[str, str] = field(default_factory=dict)  # user id -> the DM channel the bot opened

    def __post_init__(self) -> None:
        self.bot_user_id = self.bot_user_id or self.app_id
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._sequence = itertools.count(1)
        self.port = 0

    # --- server ---------------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        app.router.add_get(CDN + "/{attachment_id}/{filename}", self._cdn)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    # --- waiting for what the bot did ------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        """The first truthy ``predicate()``, re-checked after every call the bot makes."""

        async def check() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(check(), timeout)

    async def wait_call(self, method: str, path_part: str, *, after: int = 0, timeout: float = 15.0) -> Call:
        def found() -> Call | None:
            return next((c for c in self.calls[after:] if c.method == method and path_part in c.path), None)

        return await self.wait_for(found, timeout)

    def find(self, method: str, path_part: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and path_part in c.path]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- REST -----------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = request.path[len(API) :]
        body: Any = None
        files: list[SentFile] = []
        if request.can_read_body and request.content_type == "multipart/form-data":
            body, files = await _multipart(request)
        elif request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw and request.content_type == "application/json" else raw
        call = Call(request.method, path, dict(request.query), body, dict(request.headers), files)
        self.calls.append(call)
        try:
            status, payload = self._answer(call)
        finally:
            await self._notify()
        if payload is None:
            return web.Response(status=status)
        # exactly "application/json": with a charset discord.py reads the body as text
        return web.Response(
            status=status, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )

    async def _cdn(self, request: web.Request) -> web.Response:
        """An attachment's file, as Discord's CDN serves it (no token needed)."""
        call = Call(request.method, request.path, dict(request.query), None, dict(request.headers))
        self.calls.append(call)
        await self._notify()
        data = self.files.get(request.match_info["attachment_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})

    def attachment(
        self, filename: str, data: bytes, *, size: int | None = None, content_type: str = "text/markdown"
    ) -> dict[str, Any]:
        """An uploaded file as Discord describes it in an interaction; ``size`` may claim another size."""
        attachment_id = snowflake()
        self.files[attachment_id] = data
        url = f"http://127.0.0.1:{self.port}{CDN}/{attachment_id}/{quote(filename, safe='')}"
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(data) if size is None else size,
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
            "ephemeral": True,
        }

    def downloads(self) -> list[Call]:
        """The attachment fetches the bot made."""
        return self.find("GET", CDN + "/")

    def _answer(self, call: Call) -> tuple[int, Any]:
        method, parts = call.method, call.path.strip("/").split("/")
        is_webhook = parts[0] in ("webhooks", "interactions")
        if not is_webhook and call.headers.get("Authorization") != f"Bot {self.token}":
            return 401, {"message": "401: Unauthorized", "code": 0}
        if parts == ["users", "@me"]:
            return 200, user_payload(self.bot_user_id, "StudyBot", bot=True)
        if parts == ["users", "@me", "channels"] and method == "POST":
            return 200, self._dm_channel(str(call.body["recipient_id"]))
        if parts[0] == "users" and len(parts) == 2 and method == "GET":
            return 200, user_payload(parts[1], f"user-{parts[1]}")
        if parts == ["oauth2", "applications", "@me"]:
            return 200, self._application()
        if parts == ["gateway", "bot"]:
            return 200, {
                "url": self.gateway_url.rstrip("/"),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            synced = [dict(c, id=snowflake(), application_id=self.app_id, version="1") for c in call.body]
            self.commands = {c["name"]: c for c in synced}
            return 200, synced
        if parts[0] == "interactions" and parts[-1] == "callback":
            return 200, self._callback_response(parts[1], call.body)
        if parts[0] == "webhooks" and method == "POST":
            return 200, self.message_payload(call.body, flags=call.flags, files=call.files)
        if parts[0] == "webhooks" and method == "PATCH":
            return 200, self.message_payload(
                call.body, message_id=parts[-1] if parts[-1] != "@original" else None
            )
        if parts[0] == "webhooks" and method == "DELETE":
            return 204, None
        if parts[0] == "channels" and parts[-1] == "messages" and method == "POST":
            return 200, self.message_payload(call.body, channel_id=parts[1], files=call.files)
        return 404, {"message": f"fake Discord has no {method} {call.path}", "code": 0}

    def _dm_channel(self, user_id: str) -> dict[str, Any]:
        channel_id = self.dm_channels.setdefault(user_id, snowflake())
        return {
            "id": channel_id,
            "type": 1,
            "last_message_id": None,
            "recipients": [user_payload(user_id, f"user-{user_id}")],
        }

    def dms(self, user_id: str) -> list[Call]:
        """The messages the bot sent into its direct-message channel with ``user_id``."""
        channel_id = self.dm_channels.get(user_id)
        return [] if channel_id is None else self.find("POST", f"/channels/{channel_id}/messages")

    def _application(self) -> dict[str, Any]:
        return {
            "id": self.app_id,
            "name": "StudyBot",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": user_payload(snowflake(), "owner"),
            "team": None,
            "rpc_origins": [],
            "interactions_endpoint_url": None,
        }

    def _callback_response(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("type")
        flags = int((body.get("data") or {}).get("flags") or 0)
        message_id = snowflake()
        response: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_id": message_id,
                "response_message_loading": kind == DEFERRED_MESSAGE,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if kind in (MESSAGE, UPDATE):
            response["resource"]["message"] = self.message_payload(
                body.get("data") or {}, message_id=message_id
            )
        return response

    def message_payload(
        self,
        body: dict[str, Any] | None,
        *,
        channel_id: str | None = None,
        message_id: str | None = None,
        flags: int = 0,
        files: Sequence[SentFile] = (),
    ) -> dict[str, Any]:
        body = body or {}
        channel_id = channel_id or self.channel_id
        in_dm = channel_id in self.dm_channels.values()
        attachments = [
            {
                "id": snowflake(),
                "filename": f.filename,
                "size": len(f.data),
                "url": f"http://127.0.0.1:{self.port}{CDN}/sent/{quote(f.filename, safe='')}",
                "proxy_url": f"http://127.0.0.1:{self.port}{CDN}/sent/{quote(f.filename, safe='')}",
                "content_type": f.content_type,
            }
            for f in files
        ]
        return {
            "id": message_id or snowflake(),
            "channel_id": channel_id,
            **({} if in_dm else {"guild_id": self.guild_id}),
            "author": user_payload(self.bot_user_id, "StudyBot", bot=True),
            "content": body.get("content") or "",
            "timestamp": "2024-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0 if "message_reference" not in body else 19,
            "flags": flags,
        }

    # --- gateway --------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data["op"] == 1:
                    await ws.send_json({"op": 11})
                elif data["op"] == 2:
                    await self._identify(ws, data["d"])
                elif data["op"] == 6:
                    await self._send(ws, "RESUMED", {})
        finally:
            self._sockets.remove(ws)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        self.identifies.append(identify)
        shard = identify.get("shard", [0, 1])
        await self._send(
            ws,
            "READY",
            {
                "v": 10,
                "user": user_payload(self.bot_user_id, "StudyBot", bot=True),
                "guilds": [{"id": self.guild_id, "unavailable": True}],
                "session_id": f"session-{snowflake()}",
                "resume_gateway_url": self.gateway_url,
                "shard": shard,
                "application": {"id": self.app_id, "flags": 0},
                "private_channels": [],
            },
        )
        await self._send(ws, "GUILD_CREATE", self._guild())
        await self._notify()

    def _guild(self) -> dict[str, Any]:
        return {
            "id": self.guild_id,
            "name": "Course server",
            "icon": None,
            "owner_id": snowflake(),
            "roles": [
                {
                    "id": self.guild_id,
                    "name": "@everyone",
                    "permissions": str(SEND_MESSAGES),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                }
            ],
            "channels": [
                {
                    "id": self.channel_id,
                    "type": 0,
                    "name": "general",
                    "position": 0,
                    "permission_overwrites": [],
                    "guild_id": self.guild_id,
                    "nsfw": False,
                }
            ],
            "threads": [],
            "members": [],
            "member_count": 2,
            "emojis": [],
            "stickers": [],
            "features": [],
            "unavailable": False,
            "large": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
        }

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_json({"op": 0, "t": event, "s": next(self._sequence), "d": data})

    async def wait_connected(self, timeout: float = 15.0) -> None:
        await self.wait_for(lambda: self.identifies and self._sockets, timeout)

    # --- interactions ----------------------------------------------------------------------------
    async def dispatch(self, interaction: dict[str, Any]) -> dict[str, Any]:
        """Send an INTERACTION_CREATE to the connected bot and return the payload."""
        await self.wait_connected()
        for ws in self._sockets:
            await self._send(ws, "INTERACTION_CREATE", interaction)
        return interaction

    def interaction_payload(
        self, kind: int, data: dict[str, Any], member: Member, **extra: Any
    ) -> dict[str, Any]:
        return {
            "id": snowflake(),
            "application_id": self.app_id,
            "type": kind,
            "data": data,
            "guild_id": self.guild_id,
            "channel_id": self.channel_id,
            "channel": {
                "id": self.channel_id,
                "type": 0,
                "guild_id": self.guild_id,
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
            },
            "member": member.payload(),
            "token": f"token-{snowflake()}",
            "version": 1,
            "app_permissions": str(SEND_MESSAGES),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
            **extra,
        }

    async def slash(
        self, member: Member, name: str, *path_and_options: Any, **options: Any
    ) -> dict[str, Any]:
        """``slash(m, "ask", question="x")`` or ``slash(m, "quiz", "schedule", time="09:00")``; an
        option's value may be an ``attachment(...)``."""
        attachments = {v["id"]: v for v in options.values() if _is_attachment(v)}
        opts = [
            {"name": k, "type": _option_type(v), "value": v["id"] if _is_attachment(v) else v}
            for k, v in options.items()
        ]
        for sub in reversed(path_and_options):
            opts = [{"name": sub, "type": 1, "options": opts}]
        command = self.commands.get(name, {})
        data = {"id": command.get("id", snowflake()), "name": name, "type": 1, "options": opts}
        if attachments:
            data["resolved"] = {"attachments": attachments}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self.dispatch(self.interaction_payload(2, data, member))

    async def click(self, member: Member, message: Call | dict[str, Any], custom_id: str) -> dict[str, Any]:
        """A click on a button of a message the bot posted (a recorded call or a message payload)."""
        payload = (
            message
            if isinstance(message, dict)
            else self.message_payload(message.body, channel_id=self.channel_id)
        )
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.dispatch(self.interaction_payload(3, data, member, message=payload))

    async def submit(self, member: Member, form: Call, **values: str) -> dict[str, Any]:
        """Submit the form (modal) a callback opened, typing ``values`` into its inputs by custom_id."""
        modal = form.body["data"]

        def filled(component: dict[str, Any]) -> dict[str, Any]:
            if component.get("type") == 4:
                return {
                    "type": 4,
                    "custom_id": component["custom_id"],
                    "value": values.get(component["custom_id"], ""),
                }
            out = {"type": component["type"]}
            if "component" in component:
                out["component"] = filled(component["component"])
            if "components" in component:
                out["components"] = [filled(c) for c in component["components"]]
            return out

        data = {"custom_id": modal["custom_id"], "components": [filled(c) for c in modal["components"]]}
        return await self.dispatch(self.interaction_payload(5, data, member))

    # --- what the bot answered to one interaction --------------------------------------------------
    async def callback(self, interaction: dict[str, Any], timeout: float = 15.0) -> Call:
        return await self.wait_call("POST", f"/interactions/{interaction['id']}/", timeout=timeout)

    def followups(self, interaction: dict[str, Any]) -> list[Call]:
        return self.find("POST", f"/webhooks/{self.app_id}/{interaction['token']}")

    async def followup(self, interaction: dict[str, Any], timeout: float = 15.0) -> Call:
        return await self.wait_call(
            "POST", f"/webhooks/{self.app_id}/{interaction['token']}", timeout=timeout
        )


def adapter_for(fake: FakeDiscord, bot: Any) -> Any:
    """The real ``DiscordAdapter`` of ``bot`` pointed at ``fake`` (REST, gateway), ready to ``start()``."""
    from bot.adapters.discord.client import DiscordAdapter

    return DiscordAdapter(
        bot,
        token=fake.token,
        api_base_url=fake.api_base_url,
        gateway_url=fake.gateway_url,
        guild_ready_timeout=0.01,
    )


async def _multipart(request: web.Request) -> tuple[Any, list[SentFile]]:
    """A message sent with files: its ``payload_json`` and its ``files[n]`` parts."""
    body: Any = None
    files: list[SentFile] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        data = await part.read()  # type: ignore[union-attr]
        if part.name == "payload_json":
            body = json.loads(data)
        else:
            content_type = part.headers.get("Content-Type", "application/octet-stream")  # type: ignore[union-attr]
            files.append(SentFile(part.name or "", part.filename or "", content_type, bytes(data)))  # type: ignore[union-attr]
    return body, files


def _is_attachment(value: Any) -> bool:
    return isinstance(value, dict) and "filename" in value


def _option_type(value: Any) -> int:
    if _is_attachment(value):
        return 11
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    return 3
