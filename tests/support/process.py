"""Helpers for tests that run real ``studybot`` processes: ports, environments, a fresh PostgreSQL
database, a TCP proxy that can cut the database off, signed Slack requests to a local fake Slack.

Every guard here is a failure guard for a hung process, never an assertion on speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp

from tests.support.fake_slack import sign

START_GUARD_S = 180.0
FORM = "application/x-www-form-urlencoded"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def short_fit(script: str, out: Path) -> subprocess.CompletedProcess[str]:
    """A smoke run of one of ``scripts/``' LoRA fits: 16 examples, one epoch, weights written to ``out``."""
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, str(root / "scripts" / script), "--limit", "16", "--epochs", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run


def studybot_command() -> list[str]:
    script = Path(sys.executable).with_name("studybot")
    if script.exists():
        return [str(script)]
    found = shutil.which("studybot")
    return [found] if found else [sys.executable, "-m", "bot"]


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any bot setting, plus ``settings``. The shared embedding
    cache (tests/conftest.py) stays, so no process encodes the course again."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "STUDYBOT_", "DISCORD_")) and k != "DATABASE_URL"
    }
    env["STUDYBOT_CACHE_DIR"] = os.environ["STUDYBOT_CACHE_DIR"]
    env["HF_HUB_OFFLINE"] = "1"
    env["STUDYBOT_DEVICE"] = "cpu"
    env.update(settings)
    return env


# --- secrets ------------------------------------------------------------------------------------------------
SECRET_NAMES = ("TOKEN", "SECRET", "PASSWORD", "KEY")


def configured_secrets(env: dict[str, str]) -> list[str]:
    """The secret values a process was given: tokens, signing secrets, passwords (the database URL's too)."""
    from sqlalchemy.engine import make_url

    ours = [(k, v) for k, v in env.items() if k.startswith(("STUDYBOT_", "SLACK_", "DISCORD_", "POSTGRES"))]
    found = [v for k, v in ours if any(n in k.upper() for n in SECRET_NAMES) and len(v) >= 6]
    if env.get("DATABASE_URL"):
        with contextlib.suppress(Exception):
            password = make_url(env["DATABASE_URL"]).password
            if password and len(password) >= 6:
                found.append(password)
    return found


def assert_no_secret_in(text: str, env: dict[str, str]) -> None:
    """Fail when ``text`` (a process's log or output) shows any secret configured in ``env``."""
    leaked = [f"{s[:4]}..." for s in configured_secrets(env) if s in text]
    assert not leaked, f"the log shows configured secrets: {leaked}"


# --- PostgreSQL --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def fresh_postgres_database(admin_url: str, *, password: str = "") -> Iterator[tuple[str, str, int]]:
    """Create an empty database on the server of ``admin_url``; yield (SQLAlchemy URL, host, port).

    ``password`` goes into the URL (trust auth ignores it): a secret the logs must never show."""
    import psycopg

    from storage.db import normalize_url

    parsed = normalize_url(admin_url)
    name = f"studybot_t_{uuid.uuid4().hex[:12]}"
    admin = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = parsed.set(database=name, password=password or parsed.password)
    try:
        yield url.render_as_string(hide_password=False), parsed.host or "127.0.0.1", parsed.port or 5432
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_url_via(url: str, host: str, port: int) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(host=host, port=port).render_as_string(hide_password=False)


def rows(url: str, sql: str, *params) -> list[tuple]:
    """Read the database directly (psycopg), as an operator would."""
    import psycopg

    from storage.db import normalize_url

    conninfo = normalize_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        return list(conn.execute(sql, params).fetchall())


# --- a TCP proxy in front of PostgreSQL, to take the database away and bring it back -------------------------
class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.hung = False  # accept connections, never answer: a hung server or a black-holed route

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.hung:
            self._writers.add(writer)  # held open, never read and never answered
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                if self.hung:
                    continue  # swallowed: the other side waits for an answer that never comes
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(sink)
            with contextlib.suppress(Exception):
                sink.close()

    async def cut(self) -> None:
        """The database goes away: no new connections (refused), open ones reset."""
        server, self._server = self._server, None
        if server is not None:
            server.close()  # stop listening: new connections are refused
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()
        for task in list(self._pipes):
            task.cancel()
        if server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 5)

    async def restore(self) -> None:
        await self.start()

    def hang(self) -> None:
        """The database hangs: connections are accepted, nothing is answered any more."""
        self.hung = True

    def unhang(self) -> None:
        """Answer again; the connections that hung are reset (their conversation is broken)."""
        self.hung = False
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    async def stop(self) -> None:
        await self.cut()


# --- a studybot process -------------------------------------------------------------------------------------
class StudybotProcess:
    def __init__(self, name: str, env: dict[str, str], log: Path, args: tuple[str, ...] = ("run",), cwd=None):
        self.name, self.env, self.log, self.args = name, env, log, args
        self.cwd = cwd or log.parent  # no stray .env from the checkout
        self.proc: subprocess.Popen | None = None
        self.port = int(env["STUDYBOT_HTTP_PORT"]) if env.get("STUDYBOT_HTTP_PORT") else None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [*studybot_command(), *self.args],
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def health(self, session: aiohttp.ClientSession) -> tuple[int, dict]:
        async with session.get(f"{self.base}/healthz") as response:
            return response.status, await response.json()

    async def wait_healthy(self) -> dict:
        deadline = time.monotonic() + START_GUARD_S
        async with aiohttp.ClientSession() as session:
            while True:
                if not self.alive():
                    raise AssertionError(
                        f"{self.name} exited with {self.proc.returncode}:\n{self.text()[-4000:]}"
                    )
                with contextlib.suppress(aiohttp.ClientError):
                    status, report = await self.health(session)
                    if status == 200:
                        return report
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name} never became healthy:\n{self.text()[-4000:]}")
                await asyncio.sleep(0.2)

    def assert_no_secret_logged(self) -> None:
        assert_no_secret_in(self.text(), self.env)

    async def terminate(self, guard: float = 60.0) -> tuple[int, float]:
        """SIGTERM; returns (exit code, seconds it took to exit). The log must hold no secret."""
        assert self.proc is not None
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(self.proc.wait, guard)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self.assert_no_secret_logged()
        return code, time.monotonic() - started

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def ensure_stopped(self) -> None:
        """Kill the process if it still runs; whatever happened, its log must hold no secret."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self.assert_no_secret_logged()


async def slack_send(
    session: aiohttp.ClientSession, proc: StudybotProcess, secret: str, body: bytes, kind: str = FORM
) -> tuple[int, str]:
    """POST a signed request to the process's /slack/events; (status, body)."""
    headers = {"Content-Type": kind, **sign(secret, body)}
    async with session.post(f"{proc.base}/slack/events", data=body, headers=headers) as response:
        return response.status, await response.text()
