"""The Slack adapter: slack-bolt's ``AsyncApp`` translating Slack payloads into core calls.

One bolt app serves both transports: HTTP (aiohttp, ``/slack/events``, signatures verified by bolt) or
Socket Mode when an app-level token is given. Every listener acknowledges first — Slack's 3-second
deadline — and only then searches, grades or renders; replies go back through ``response_url``,
``chat.postEphemeral``, ``views.open`` or ``views.publish``. An admin's ``/course upload`` opens a
modal with a file input; the file is fetched (``files.py``) when it is submitted. Every button of a reply
opens the form the core describes in ``FORMS`` (an answer, a dispute's reason, a review's note). A reply's
files (the ``/insights`` chart) cannot go with an ephemeral message: they are uploaded into the user's
direct messages with the app (``conversations.open``, then ``files_upload_v2``), never into a channel.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.slack import blocks as bk
from bot.adapters.slack.api_errors import error_code
from bot.adapters.slack.files import FileDownloadError, download, file_url
from bot.core.courses.model import MAX_UPLOAD_BYTES
from bot.core.studybot import StudyBot, is_temporary_failure, repeating
from bot.core.text import clean_text, shorten
from bot.core.types import FORMS, Attachment, ButtonAction, Command, Place, PostedMessage, Reply, User

ACK_DEADLINE_S = 2.5  # Slack wants the modal acknowledged within 3 s
log = logging.getLogger(__name__)
PLAUSIBLE_USER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Slack's ids are short and alphanumeric ("U024BE7LH")

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
DEFAULT_API_BASE_URL = "https://slack.com/api/"
NOT_SHAREABLE = frozenset({"error", "usage", "help", "grade", "quiz", "reveal"})
HOME_PARTS = (  # heading, command: rendered from the same core commands users type
    ("This week's leaderboard", Command("leaderboard", "week")),
    ("Your stats", Command("stats")),
    ("Next quiz", Command("quiz", "status")),
)
EMPTY_ANSWER = "Please write an answer before submitting."
NO_FILE = "Please pick the course document to upload."
NO_UPLOAD_FORM = "Slack could not open the upload form in time. Please run `/course upload` again."
SORRY = "Something went wrong on our side. Please try again in a moment."
FILES_IN_DM = "{names}: sent to your direct messages with the app."
FILES_NOT_SENT = (
    "{names} could not be sent to your direct messages. The app needs the `files:write` and `im:write` "
    "scopes: reinstall it from slack-manifest.yml."
)
ALT_TEXT_LIMIT = 1000  # Slack: a file's alt text


@dataclass(frozen=True)
class _Member:
    is_admin: bool
    name: str


def _drop_token_notice(record: logging.LogRecord) -> bool:
    """Bolt warns that SLACK_BOT_TOKEN in the environment is unused when it is given a client: we build
    that client from the same token (for its base URL), so the warning is noise."""
    return "will be unused" not in record.getMessage()


def payload_str(data: object, *path: str) -> str:
    """The string at ``path`` in a Slack payload; "" where a level is missing or not what Slack documents,
    so an odd payload is handled as one without that field instead of failing the listener."""
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, str) else ""


def _is_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


class SlackStartError(RuntimeError):
    """Slack refused a token or could not be reached at start; the message says what to fix."""


class _Bounded:
    """A small LRU of keys (seen view ids) or key -> value (replies waiting to be shared)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, object] = OrderedDict()

    def add(self, key: str, value: object = True) -> bool:
        """False when ``key`` was already there."""
        if key in self._items:
            self._items.move_to_end(key)
            return False
        self._items[key] = value
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return True

    def pop(self, key: str) -> object | None:
        return self._items.pop(key, None)


class SlackAdapter:
    """The Slack side of the bot, and a ``Platform`` the scheduler posts daily quizzes through."""

    name = PLATFORM

    def __init__(
        self,
        bot: StudyBot,
        *,
        bot_token: str,
        signing_secret: str = "",
        app_token: str | None = None,
        api_base_url: str = DEFAULT_API_BASE_URL,
        admin_user_ids: Iterable[str] = (),
        host: str = "0.0.0.0",
        port: int = 3000,
        admin_cache_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        serve_http: bool = True,
    ) -> None:
        """``serve_http=False``: in HTTP mode, do not listen; another server (``studybot run``'s, with
        /healthz and /metrics) routes ``EVENTS_PATH`` to :meth:`handle_http`."""
        if not api_base_url.endswith("/"):
            api_base_url += "/"  # the SDK joins method names onto it
        self.bot = bot
        self.host, self.port = host, port
        self.serve_http = serve_http
        self.app_token = app_token or None
        self.client = AsyncWebClient(token=bot_token, base_url=api_base_url)
        self._bot_token = bot_token
        bolt_log = logging.getLogger("slack_bolt.studybot")
        if _drop_token_notice not in bolt_log.filters:
            bolt_log.addFilter(_drop_token_notice)
        self.app = AsyncApp(
            client=self.client, signing_secret=signing_secret, name="studybot", logger=bolt_log
        )
        self._admin_ids = frozenset(admin_user_ids)
        self._admin_ttl = admin_cache_seconds
        self._clock = clock
        self._members: dict[tuple[str, str], tuple[float, _Member]] = {}
        self._seen_views = _Bounded(4096)
        self._shareable = _Bounded(512)
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.bound_port: int | None = None
        self._register()

    # --- wiring ----------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.middleware(self._skip_retries)
        app.command(re.compile(r"^/.+"))(self._on_command)
        app.action(bk.SHARE_ACTION)(self._on_share)
        app.action(re.compile("^" + re.escape(bk.ACTION_PREFIX)))(self._on_answer_button)
        app.view_submission(bk.ANSWER_VIEW)(self._on_answer_submit)
        app.view_submission(bk.UPLOAD_VIEW)(self._on_upload_submit)
        app.event("app_home_opened")(self._on_home_opened)

    # --- Platform ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Check the tokens with Slack, then listen (HTTP) or connect (Socket Mode).

        Raises ``SlackStartError`` when Slack rejects a token or cannot be reached, so a misconfigured
        bot stops with a clear message instead of serving requests it cannot answer.
        """
        auth = await self._call("SLACK_BOT_TOKEN", self.client.auth_test())
        log.info("slack authenticated team=%s bot_user=%s", auth.get("team_id"), auth.get("user_id"))
        if self.app_token:
            opened = await self._call(
                "SLACK_APP_TOKEN", self.client.apps_connections_open(app_token=self.app_token)
            )
            self._socket = AsyncSocketModeHandler(self.app, self.app_token)
            self._socket.client.wss_uri = opened["url"]  # connect with it instead of asking again
            await self._socket.connect_async()
            log.info("slack connected mode=socket")
            return
        if not self.serve_http:
            log.info("slack ready mode=http path=%s (on the shared HTTP server)", EVENTS_PATH)
            return
        web_app = web.Application()
        web_app.router.add_post(EVENTS_PATH, self.handle_http)
        web_app.router.add_get(HEALTH_PATH, self._health)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self.stop()
            raise SlackStartError(
                f"cannot listen on {self.host}:{self.port} ({exc.strerror or exc}); "
                "set STUDYBOT_HTTP_HOST / STUDYBOT_HTTP_PORT"
            ) from exc
        self.bound_port = self._runner.addresses[0][1]
        log.info("slack listening mode=http host=%s port=%s path=%s", self.host, self.bound_port, EVENTS_PATH)

    async def _call(self, setting: str, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
        try:
            return await call
        except SlackApiError as exc:
            error = error_code(exc)
            raise SlackStartError(
                f"Slack rejected {setting} ({error}); check the token and the app's scopes"
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:  # OSError covers TimeoutError
            raise SlackStartError(
                f"cannot reach the Slack Web API at {self.client.base_url} ({exc or type(exc).__name__}); "
                "check SLACK_API_BASE_URL and the network"
            ) from exc

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def post(self, place: Place, reply: Reply) -> PostedMessage:
        """A public post (the daily quiz): the channel sees it, so the ephemeral flag does not apply."""
        response = await self.client.chat_postMessage(channel=place.channel_id, **bk.message(reply))
        channel = response.get("channel") or place.channel_id
        return PostedMessage(place=Place(PLATFORM, place.space_id, channel), message_id=str(response["ts"]))

    async def reply_to(self, message: PostedMessage, reply: Reply) -> PostedMessage:
        """A reply in the post's thread (the quiz reveal)."""
        response = await self.client.chat_postMessage(
            channel=message.place.channel_id, thread_ts=message.message_id, **bk.message(reply)
        )
        return PostedMessage(place=message.place, message_id=str(response["ts"]))

    async def tell(self, place: Place, user_id: str, reply: Reply) -> None:
        """A message from the bot to the user (their direct messages with the app), with its files."""
        await self.client.chat_postMessage(channel=user_id, **bk.message(reply))
        if reply.attachments:
            await self._upload_privately(user_id, reply.attachments)

    async def _upload_privately(self, user_id: str, attachments: tuple[Attachment, ...]) -> None:
        """Files into the user's direct messages with the app: an ephemeral message cannot carry them,
        and a channel is not private. Raises what Slack or the network raised."""
        opened = await self.client.conversations_open(users=user_id)
        channel = payload_str(opened.data, "channel", "id")
        await self.client.files_upload_v2(
            channel=channel,
            file_uploads=[
                {
                    "content": a.data,
                    "filename": a.filename,
                    "title": a.filename,
                    "alt_txt": shorten(a.description or a.filename, ALT_TEXT_LIMIT),
                }
                for a in attachments
            ],
        )
        log.info("slack files sent to the user's DM user=%s files=%d", user_id, len(attachments))

    async def handle_http(self, request: web.Request) -> web.Response:
        """One request to ``EVENTS_PATH`` (bolt checks the signature), on our server or a shared one.

        A timestamp that is not a number is refused here: bolt's check would raise on it (a 500)."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        if timestamp is not None and not _is_integer(timestamp):
            return web.json_response({"error": "invalid request"}, status=401)
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "platform": PLATFORM})

    # --- who is asking ----------------------------------------------------------------------------
    async def _member(self, team_id: str, user_id: str) -> _Member:
        """Admin flag and name from ``users.info``, cached briefly; a failed lookup is not an admin."""
        if not PLAUSIBLE_USER_ID.fullmatch(user_id):  # Slack never sends such an id: no lookup to make
            log.warning("users.info skipped: not a Slack user id (%d characters)", len(user_id))
            return _Member(is_admin=False, name="")
        key = (team_id, user_id)
        now = self._clock()
        cached = self._members.get(key)
        if cached and cached[0] > now:
            return cached[1]
        try:
            info = (await self.client.users_info(user=user_id)).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info failed user=%s error=%s", user_id, error_code(exc))
            return _Member(is_admin=False, name="")
        except (aiohttp.ClientError, OSError) as exc:  # OSError covers TimeoutError
            log.warning("users.info unreachable user=%s error=%s", user_id, type(exc).__name__)
            return _Member(is_admin=False, name="")
        profile = info.get("profile") or {}
        member = _Member(
            is_admin=bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner")),
            name=profile.get("display_name") or profile.get("real_name") or info.get("name") or "",
        )
        self._members[key] = (now + self._admin_ttl, member)
        return member

    async def _user(self, team_id: str, user_id: str, name: str, *, check_admin: bool) -> User:
        """A core ``User``. ``users.info`` is asked only where admin rights can matter."""
        is_admin = user_id in self._admin_ids
        if check_admin and not is_admin:
            member = await self._member(team_id, user_id)
            is_admin, name = member.is_admin, name or member.name
        return User(platform=PLATFORM, user_id=user_id, display_name=name or user_id, is_admin=is_admin)

    def _admin_matters(self, command_name: str) -> bool:
        spec = self.bot.router.get(command_name)
        return spec is not None and (spec.admin_only or bool(spec.admin_subcommands))

    # --- listeners --------------------------------------------------------------------------------
    async def _skip_retries(self, req, next_):
        """Slack resends an event whose first delivery it thinks failed or was slow (``X-Slack-Retry-Num``
        1-3; in Socket Mode ``retry_attempt``, which bolt mirrors into the same header and which is 0 on
        a first delivery). A retry is acknowledged and dropped, so nothing is ever handled twice; the
        only event we subscribe to is "Home opened", where a lost one costs the user a refresh at most."""
        retry = (req.headers.get("x-slack-retry-num") or ["0"])[0]
        if retry.strip() not in ("", "0"):
            reason = (req.headers.get("x-slack-retry-reason") or ["?"])[0]
            log.info("slack retry ignored num=%s reason=%s", retry, reason)
            return BoltResponse(status=200, body="")
        return await next_()

    async def _on_command(self, ack, body: dict, respond) -> None:
        await ack()  # within 3 s, before any search or grading
        name = str(body.get("command", "")).lstrip("/").lower()
        args = bk.from_slack(body.get("text") or "").strip()
        team_id, user_id = body.get("team_id") or "", body.get("user_id") or ""
        place = Place(PLATFORM, team_id, body.get("channel_id") or "")
        user = await self._user(
            team_id, user_id, body.get("user_name") or "", check_admin=self._admin_matters(name)
        )
        command = Command(name=name, args=args)
        if user.is_admin and name == "course" and args.split(" ", 1)[0].lower() == "upload":
            log.info("slack command=course upload form user=%s", user_id)
            await self._open_upload_form(body, place, respond)
            return
        reply = await self.bot.handle(user, place, command)
        log.info("slack command=%s kind=%s user=%s", name, reply.kind, user_id)
        await respond(**self._command_response(reply, command))
        if reply.attachments:
            await self._send_files(user_id, reply.attachments, respond)

    async def _send_files(self, user_id: str, attachments: tuple[Attachment, ...], respond) -> None:
        """A command's files, after its (ephemeral) response; if they cannot be sent, say so privately."""
        try:
            await self._upload_privately(user_id, attachments)
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, OSError) as exc:
            error = error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("slack files not sent user=%s error=%s", user_id, error)
            names = ", ".join(a.filename for a in attachments)
            await respond(response_type="ephemeral", replace_original=False, text=FILES_NOT_SENT.format(names=names))

    async def _open_upload_form(self, body: dict, place: Place, respond) -> None:
        """An admin's ``/course upload``: a modal with a file input (the file comes with its submission).
        A non-admin's goes to the core like any command, which refuses it."""
        view = bk.upload_modal({"t": place.space_id, "c": place.channel_id})
        try:
            await self.client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=view)
        except SlackApiError as exc:  # the trigger_id lives 3 s
            log.warning("slack upload form not opened error=%s", error_code(exc))
            await respond(response_type="ephemeral", text=NO_UPLOAD_FORM)

    def _command_response(self, reply: Reply, command: Command) -> dict:
        if reply.attachments:  # the files go to the user's DM; the response says where they are
            note = FILES_IN_DM.format(names=", ".join(a.filename for a in reply.attachments))
            reply = dataclasses.replace(
                reply, footer=f"{reply.footer}\n{note}" if reply.footer else note, ephemeral=True
            )
        if not reply.ephemeral:
            return {"response_type": "in_channel", **bk.message(reply)}
        extra: list[dict] = []
        if reply.kind not in NOT_SHAREABLE and not reply.buttons and not self._admin_matters(command.name):
            token = secrets.token_urlsafe(12)
            self._shareable.add(token, reply)
            extra.append(bk.share_button(token, command.name, command.args))
        return {"response_type": "ephemeral", **bk.message(reply, extra_actions=extra)}

    async def _on_share(self, ack, body: dict, action: dict, respond) -> None:
        await ack()
        if not payload_str(body, "response_url"):
            log.warning("slack share without a response_url: nothing to share into")
            return
        try:
            data = json.loads(payload_str(action, "value") or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        reply = self._shareable.pop(str(data.get("t", "")))
        user_id = payload_str(body, "user", "id")
        if reply is None and data.get("c"):
            # Another worker rendered it, or we restarted: run the same command again.
            team_id = payload_str(body, "team", "id")
            channel = payload_str(body, "channel", "id")
            name = payload_str(body, "user", "username") or payload_str(body, "user", "name")
            user = await self._user(team_id, user_id, name, check_admin=False)
            with repeating():  # the same question again, not a new one
                reply = await self.bot.handle(
                    user,
                    Place(PLATFORM, team_id, channel),
                    Command(str(data["c"]), bk.from_slack(str(data.get("a", "")))),
                )
        if not isinstance(reply, Reply) or reply.kind in NOT_SHAREABLE:
            await respond(
                response_type="ephemeral", replace_original=False, text="That can no longer be shared."
            )
            return
        shared = bk.message(reply)
        shared["blocks"].append(bk.shared_by(user_id))
        await respond(response_type="in_channel", replace_original=False, **shared)
        await respond(delete_original=True)

    async def _on_answer_button(self, ack, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        kind = bk.parse_action_id(action.get("action_id", ""))
        if kind is None:
            return
        metadata = {
            "a": kind.value,
            "v": str(action.get("value", "")),
            "c": payload_str(body, "channel", "id") or payload_str(body, "container", "channel_id"),
            "t": payload_str(body, "team", "id") or payload_str(body, "user", "team_id"),
        }
        question = bk.question_from_message(body.get("message")) if kind in bk.ANSWER_ACTIONS else []
        view = bk.answer_modal(action=kind, metadata=metadata, question=question)
        trigger_id = payload_str(body, "trigger_id")
        if not trigger_id:
            log.warning("slack answer button without a trigger_id: no form to open")
            return
        # trigger_id lives 3 s: open the modal before anything slow.
        await client.views_open(trigger_id=trigger_id, view=view)

    async def _on_answer_submit(self, ack, body: dict, view: dict, client: AsyncWebClient) -> None:
        """A button's form (``FORMS``): an answer, a dispute's reason or a review's note. A required form
        submitted empty, or any too long, stays open with the reason; an optional one may be empty."""
        raw = payload_str(view, "state", "values", bk.ANSWER_BLOCK, bk.ANSWER_INPUT, "value")
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            action = ButtonAction(meta["a"])
        except (ValueError, KeyError, TypeError):
            await ack()
            log.warning("slack answer without usable metadata view=%s", view.get("id"))
            return
        form = FORMS[action]
        if form.required and not clean_text(raw):
            await ack(response_action="errors", errors={bk.ANSWER_BLOCK: EMPTY_ANSWER})
            return
        if len(raw) > form.max_chars:
            what = "your answer" if action in bk.ANSWER_ACTIONS else "it"
            too_long = f"Please keep {what} under {form.max_chars:,} characters."
            await ack(response_action="errors", errors={bk.ANSWER_BLOCK: too_long})
            return
        view_id = str(view.get("id") or "")
        if not self._seen_views.add(view_id):
            await ack()
            log.info("slack duplicate submission ignored view=%s", view.get("id"))
            return
        user_id = payload_str(body, "user", "id")
        name = payload_str(body, "user", "username") or payload_str(body, "user", "name") or user_id
        team_id = payload_str(meta, "t") or payload_str(body, "team", "id")
        place = Place(PLATFORM, team_id, payload_str(meta, "c"))
        acked = False

        async def received() -> None:
            nonlocal acked
            if not acked:
                acked = True
                await ack()  # closes the modal: the answer is stored (Slack allows 3 s); grading comes after

        async def submit() -> Reply:
            # answers need no admin flag (and no users.info on the way); any other form may (a review)
            admin_matters = action not in bk.ANSWER_ACTIONS
            user = await self._user(team_id, user_id, name, check_admin=admin_matters)
            return await self.bot.submit_answer(
                user, place, action, str(meta.get("v", "")), raw.strip(), on_received=received
            )

        submitting = asyncio.ensure_future(submit())
        await asyncio.wait({submitting}, timeout=ACK_DEADLINE_S)
        if not submitting.done() and not acked:
            # Storing is slow (a busy database): close the form within Slack's 3 s all the same; the
            # outcome, stored or "try again", reaches the student as a message below.
            await received()
        reply = await submitting
        log.info("slack answer action=%s kind=%s user=%s", action.value, reply.kind, user_id)
        if not acked:
            if is_temporary_failure(reply):  # not stored (the database is unreachable...): keep the modal open
                self._seen_views.pop(view_id)  # so the student can submit the same modal again
                await ack(response_action="errors", errors={bk.ANSWER_BLOCK: bk.plain(reply.body, 150)})
                return
            await received()
        await self._tell(place.channel_id, user_id, reply)

    async def _on_upload_submit(self, ack, body: dict, view: dict) -> None:
        """The upload modal: ack at once (the modal closes), then fetch the file (unless it is declared
        too big: the core refuses it by size), let the core check and store it, and tell the admin."""
        file = bk.uploaded_file(view)
        if file is None:
            await ack(response_action="errors", errors={bk.UPLOAD_BLOCK: NO_FILE})
            return
        await ack()
        if not self._seen_views.add(str(view.get("id") or "")):
            log.info("slack duplicate upload ignored view=%s", view.get("id"))
            return
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        user_id = payload_str(body, "user", "id")
        team_id = payload_str(meta, "t") or payload_str(body, "team", "id")
        channel = payload_str(meta, "c")
        place = Place(PLATFORM, team_id, channel)
        name = payload_str(body, "user", "username") or payload_str(body, "user", "name")
        try:
            user = await self._user(team_id, user_id, name, check_admin=True)
            await self._upload(user, place, file)
        except Exception:
            log.exception("slack course upload failed user=%s", user_id)
            await self._tell(channel, user_id, Reply(body=SORRY, kind="error"))

    async def _upload(self, user: User, place: Place, file: dict) -> None:
        filename = payload_str(file, "name") or payload_str(file, "title") or "upload"
        size = file.get("size") if isinstance(file.get("size"), int) else None
        data = b""
        if user.is_admin and (size or 0) <= MAX_UPLOAD_BYTES:
            try:
                data = await download(
                    file_url(file),
                    self._bot_token,
                    api_base_url=str(self.client.base_url),
                    limit=MAX_UPLOAD_BYTES,
                )
            except FileDownloadError as exc:
                log.warning("slack upload not downloaded file=%s reason=%s", payload_str(file, "id"), exc)
                reply = Reply(
                    title=f"{filename} was not uploaded", body=f"{exc} Nothing changed.", kind="error"
                )
                await self._tell(place.channel_id, user.user_id, reply)
                return

        async def progress(text: str) -> None:
            try:
                await self._tell(place.channel_id, user.user_id, Reply(body=text, kind="info"))
            except (SlackApiError, aiohttp.ClientError, OSError):  # a lost note must not stop the upload
                log.warning("slack could not send upload progress user=%s", user.user_id)

        reply = await self.bot.upload_course(user, place, filename, data, size=size, progress=progress)
        log.info("slack course upload kind=%s user=%s", reply.kind, user.user_id)
        await self._tell(place.channel_id, user.user_id, reply)

    async def _tell(self, channel: str, user_id: str, reply: Reply) -> None:
        """Only the user sees it: an ephemeral message in the channel, else a direct message; files (if
        any) go to the direct messages."""
        if channel:
            try:
                await self.client.chat_postEphemeral(channel=channel, user=user_id, **bk.message(reply))
            except SlackApiError as exc:
                log.warning(
                    "chat.postEphemeral failed channel=%s error=%s", channel, error_code(exc)
                )
                channel = ""
        if not channel:
            await self.client.chat_postMessage(channel=user_id, **bk.message(reply))
        if reply.attachments:
            await self._upload_privately(user_id, reply.attachments)

    async def _on_home_opened(self, event: dict, body: dict) -> None:
        if event.get("tab") != "home":
            return
        user_id = payload_str(event, "user")
        team_id = payload_str(body, "team_id")
        await self.client.views_publish(user_id=user_id, view=await self.home_view(team_id, user_id))

    async def home_view(self, team_id: str, user_id: str) -> dict:
        """The Home tab, from the same core commands students type (missing ones: "not available").

        It belongs to no channel: the place has an empty channel id, which the core reads as "the whole
        workspace" (its leaderboard, the user's stats there, the next quiz of any channel)."""
        user = await self._user(team_id, user_id, "", check_admin=True)
        place = Place(PLATFORM, team_id, "")
        parts: list[tuple[str, Reply | None]] = []
        for heading, command in HOME_PARTS:
            reply = None
            if self.bot.router.get(command.name) is not None:
                reply = await self.bot.handle(user, place, command)
                if reply.kind in {"error", "usage"}:
                    reply = None
            parts.append((heading, reply))
        commands = "  ".join(
            f"`{spec.usage}`" for spec in self.bot.router.specs if not spec.admin_only and spec.name != "help"
        )
        title = await self.bot.course_title(place)
        return bk.home_view(f"StudyBot · {title}", parts, f"Commands: {commands}")
