"""A local fake of Slack, to drive the real slack-bolt app end to end (shared/design/platform-testing.md).

- Web API: ``POST|GET /api/<method>`` records every call (form, JSON or query arguments) and answers
  ``{"ok": true, ...}`` with just enough for bolt and the adapter (auth.test, chat.postMessage, ...).
- ``response_url``: ``POST /respond/<id>`` records the message a listener sent back.
- Socket Mode: ``apps.connections.open`` returns ``ws://…/socket``; the socket says hello, sends the
  envelopes a test queues, and collects the acks the app sends back.
- Files: ``add_file`` keeps a file a user picked in a modal's file input; ``GET /files-pri/<id>/<name>``
  serves it only with the bot token as ``Authorization: Bearer`` (else 403), recorded as ``file:<id>``;
  with ``files_scope = False`` it answers Slack's HTML sign-in page, as Slack does without ``files:read``.
- Uploads by the bot (``files_upload_v2``): ``files.getUploadURLExternal`` hands out
  ``POST /upload/<file id>`` (the bytes, recorded as ``upload:<id>``), ``files.completeUploadExternal`` shares
  them into a channel; ``conversations.open`` opens a DM (``D`` + the user id). ``shared_files(channel)``
  lists what reached a channel, with its bytes.
- Requests to the app are signed as Slack signs them (``v0=`` HMAC-SHA256 of ``v0:ts:body``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import WSMsgType, web

TEAM, CHANNEL, BOT_USER = "T0TEAM", "C0QUIZ", "U0BOT"
BOT_TOKEN = "xoxb-test"
WAIT_S = 15.0  # a failure guard, never an assertion on speed


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def dump(self) -> str:
        return json.dumps(self.args, ensure_ascii=False)


class FakeSlack:
    def __init__(self, bot_token: str = BOT_TOKEN) -> None:
        self.bot_token = bot_token
        self.files: dict[str, bytes] = {}  # what users uploaded, by file id
        self.uploads: dict[str, dict[str, Any]] = {}  # what the bot uploads, by file id: name, length, data
        self.files_scope = True  # False: the token lacks files:read, so Slack serves its sign-in page
        self.calls: list[Call] = []
        self.users: dict[str, dict] = {}  # users.info answers by user id
        self.failures: dict[str, str] = {}  # method -> Slack error to answer with
        self.envelopes: asyncio.Queue[dict] = asyncio.Queue()
        self.acks: list[dict] = []
        self.socket_connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -----------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{hook}", self._respond)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files-pri/{file_id}/{name}", self._file)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"  # the trailing slash matters

    def response_url(self, hook: str = "hook") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{hook}"

    # --- what tests look at ----------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, method: str, count: int = 1, where: Callable[[Call], bool] = lambda c: True
    ) -> list[Call]:
        """The first ``count`` calls of ``method`` matching ``where``, waiting for them to arrive."""

        def found() -> list[Call]:
            return [c for c in self.of(method) if where(c)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(found()) >= count), WAIT_S)
        return found()[:count]

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # --- Web API ---------------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("view", "blocks"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        await self._record(Call(method, args, {"authorization": request.headers.get("Authorization", "")}))
        if method in self.failures:
            return web.json_response({"ok": False, "error": self.failures[method]})
        return web.json_response({"ok": True, **self._answer(method, args)})

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method in ("chat.postMessage", "chat.postEphemeral"):
            ts = f"1700000000.{next(self._ts):06d}"  # message ids in the order messages were posted
        if method == "auth.test":
            return {
                "user_id": BOT_USER,
                "bot_id": "B0BOT",
                "team_id": TEAM,
                "team": "Test",
                "url": "https://t/",
            }
        if method == "chat.postMessage":
            return {"channel": args.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method == "chat.postEphemeral":
            return {"message_ts": ts}
        if method in ("views.open", "views.publish"):
            return {"view": {**(args.get("view") or {}), "id": f"V{len(self.calls)}"}}
        if method == "users.info":
            user_id = args.get("user", "")
            return {"user": self.users.get(user_id, {"id": user_id, "name": user_id.lower()})}
        if method == "apps.connections.open":
            return {"url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "conversations.open":
            return {"channel": {"id": "D" + str(args.get("users", "")).split(",")[0]}}
        if method == "files.getUploadURLExternal":
            file_id = f"F0UP{len(self.uploads) + 1:04d}"
            self.uploads[file_id] = {"filename": args.get("filename"), "length": int(args.get("length", -1))}
            return {"upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = json.loads(args.get("files") or "[]")
            for f in files:
                self.uploads[f["id"]].update(channel=args.get("channel_id"), title=f.get("title"))
            return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {}

    async def _respond(self, request: web.Request) -> web.Response:
        await self._record(Call(f"respond:{request.match_info['hook']}", await request.json()))
        return web.Response(text="ok")

    # --- files ---------------------------------------------------------------------------------------------
    def add_file(self, name: str, data: bytes, *, size: int | None = None, **extra: Any) -> dict:
        """A file a user picked, as a file input's ``files`` list holds it; ``size`` may claim another."""
        file_id = f"F{len(self.files) + 1:07d}"
        self.files[file_id] = data
        url = f"http://127.0.0.1:{self.port}/files-pri/{file_id}/{quote(name, safe='')}"
        return {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": "text/plain",
            "filetype": name.rsplit(".", 1)[-1],
            "size": len(data) if size is None else size,
            "user": "U0ANA",
            "url_private": url,
            "url_private_download": url + "?download=1",
            **extra,
        }

    def downloads(self) -> list[Call]:
        return [c for c in self.calls if c.method.startswith("file:")]

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        authorization = request.headers.get("Authorization", "")
        await self._record(Call(f"file:{file_id}", dict(request.query), {"authorization": authorization}))
        if authorization != f"Bearer {self.bot_token}":
            return web.Response(status=403, text="forbidden")
        if not self.files_scope:
            return web.Response(status=200, text="<html>Sign in to Slack</html>", content_type="text/html")
        if file_id not in self.files:
            return web.Response(status=404, text="not found")
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _upload(self, request: web.Request) -> web.Response:
        """The bytes of a file the bot uploads (step 2 of ``files_upload_v2``)."""
        file_id, data = request.match_info["file_id"], await request.read()
        await self._record(Call(f"upload:{file_id}", {"length": len(data)}))
        if file_id not in self.uploads:
            return web.Response(status=404, text="no such upload")
        self.uploads[file_id]["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    def shared_files(self, channel: str) -> list[dict[str, Any]]:
        """The files the bot uploaded and shared into ``channel`` (completed uploads only)."""
        return [f for f in self.uploads.values() if f.get("channel") == channel and "data" in f]

    # --- Socket Mode -----------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        self.socket_connected.set()
        reader = asyncio.create_task(self._read_acks(ws))
        try:
            while not ws.closed:
                getter = asyncio.create_task(self.envelopes.get())
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    break
                await ws.send_json(getter.result())
        finally:
            reader.cancel()
        return ws

    async def _read_acks(self, ws: web.WebSocketResponse) -> None:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                ack = json.loads(msg.data)
                async with self._changed:
                    self.acks.append(ack)
                    self._changed.notify_all()

    async def wait_for_ack(self, envelope_id: str) -> dict:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: any(a.get("envelope_id") == envelope_id for a in self.acks)),
                WAIT_S,
            )
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)


# --- requests to the app, signed as Slack signs them -------------------------------------------------------
def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(command: str, text: str, *, user: str = "U0ANA", response_url: str, **extra: str) -> bytes:
    fields = {
        "token": "legacy",
        "team_id": TEAM,
        "team_domain": "uni",
        "channel_id": CHANNEL,
        "channel_name": "quiz",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0APP",
        "response_url": response_url,
        "trigger_id": "1337.42.trigger",
        **extra,
    }
    return urlencode(fields).encode()


def payload_body(payload: dict) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_body(event: dict) -> bytes:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": 1700000000,
            "event": event,
        }
    ).encode()


def block_actions(
    action_id: str, value: str, *, user: str = "U0ANA", message: dict | None = None, **extra
) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": CHANNEL},
        "trigger_id": "1337.43.trigger",
        "team": {"id": TEAM, "domain": "uni"},
        "channel": {"id": CHANNEL, "name": "quiz"},
        "message": message or {"type": "message", "ts": "1700000000.000001", "blocks": []},
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b1", "value": value, "action_ts": "1.2"}
        ],
        **extra,
    }


def view_submission(view: dict, answer: str | None, *, user: str = "U0ANA", view_id: str = "V0MODAL") -> dict:
    """What Slack sends when the modal ``view`` (as the app opened it) is submitted with ``answer``."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "uni"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0APP",
        "token": "legacy",
        "trigger_id": "1337.44.trigger",
        "view": {
            **view,
            "id": view_id,
            "team_id": TEAM,
            "hash": "1700000000.abc",
            "state": {"values": {"answer": {"text": {"type": "plain_text_input", "value": answer}}}},
        },
        "response_urls": [],
    }


def upload_submission(
    view: dict, files: list[dict], *, user: str = "U0ANA", view_id: str = "V0UPLOAD"
) -> dict:
    """What Slack sends when the upload modal ``view`` (as the app opened it) is submitted with ``files``."""
    block, action = "course_file", "file"
    for item in view.get("blocks", []):
        if item.get("type") == "input" and item["element"]["type"] == "file_input":
            block, action = item["block_id"], item["element"]["action_id"]
    submitted = view_submission(view, None, user=user, view_id=view_id)
    submitted["view"]["state"] = {"values": {block: {action: {"type": "file_input", "files": files}}}}
    return submitted
