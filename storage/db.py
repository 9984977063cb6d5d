"""The database: an engine, a thread pool for its blocking calls, and safe write transactions.

SQLite (the default, a file) runs in WAL mode so readers never block the writer; writes start with
``BEGIN IMMEDIATE`` (no lock upgrade that could fail half-way) and, inside one process, queue on a lock
instead of SQLite's sleeping busy handler; ``busy_timeout`` covers a second process on the same file.
PostgreSQL (``postgresql+psycopg://...``) is used through the same ``DATABASE_URL``.

A database that hangs (a server or proxy that accepts and never answers) must not hang the bot: every
call has a deadline (``DatabaseUnavailable`` after ``call_timeout_s``), connecting has one, and the calls
run on daemon threads, so a connection stuck in a socket read can neither block the event loop, nor
``close()``, nor the process's exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, Executable, Result, create_engine, event
from sqlalchemy.engine import URL, make_url

T = TypeVar("T")
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

SQLITE_BUSY_TIMEOUT_MS = 30_000
CALL_TIMEOUT_S = 10.0  # a database call that has not answered by then counts as an outage
CONNECT_TIMEOUT_S = 5  # PostgreSQL: connecting gives up after this (libpq's connect_timeout)


class DatabaseUnavailable(ConnectionError):
    """The database did not answer in time: the caller may try again later."""


class _DaemonPool:
    """A fixed pool of daemon threads. ``concurrent.futures.ThreadPoolExecutor`` joins its threads at
    interpreter exit, so one call stuck on a dead socket would keep the process from ever exiting."""

    def __init__(self, workers: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future, Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, fn))
        return future

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the awaiting caller
                future.set_exception(exc)

    def shutdown(self, *, wait: float) -> None:
        """Stop taking work; wait up to ``wait`` seconds in all for the threads (a hung one is left)."""
        for _ in self._threads:
            self._jobs.put(None)
        deadline = time.monotonic() + wait
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def normalize_url(url: str | URL) -> URL:
    """``postgres://`` and ``postgresql://`` mean psycopg 3; a relative SQLite path stays relative."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def redacted(url: str | URL) -> str:
    return normalize_url(url).render_as_string(hide_password=True)


SUPPORTED_BACKENDS = ("sqlite", "postgresql")
URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:5432/DATABASE"


def masked(text: str) -> str:
    """``text`` with any ``user:password@`` password replaced by ``***`` (even when it does not parse)."""
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be this bot's database, in one line with the password masked; None if it can."""
    try:
        parsed = normalize_url(url)
    except Exception:
        return f"{masked(url)!r} is not a database URL; use {URL_FORMS}"
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        return f"{redacted(parsed)}: {backend} is not supported; use {URL_FORMS}"
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        return f"{redacted(parsed)}: use a SQLite file (sqlite:///PATH), several threads share it"
    return None


class Database:
    def __init__(
        self,
        url: str | URL,
        *,
        pool_size: int = 8,
        echo: bool = False,
        call_timeout_s: float = CALL_TIMEOUT_S,
    ) -> None:
        self.url = normalize_url(url)
        self.call_timeout_s = call_timeout_s
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if self.url.database in (None, "", ":memory:"):
                raise ValueError("use a SQLite file (sqlite:///path/studybot.db): several threads share it")
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                self.url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=pool_size,
                connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            )
            _sqlite_setup(self.engine)
        else:
            self.engine = create_engine(
                self.url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                pool_timeout=call_timeout_s,
                connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
            )
        self._immediate = self.engine.execution_options(sqlite_begin_immediate=True)
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._pool = _DaemonPool(pool_size, "studybot-db")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed on success. SQLite: one writer at a time in this process."""
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self._immediate.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (rolled back at the end)."""
        with self.engine.connect() as conn:
            yield conn

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking database function in the database's thread pool, within ``call_timeout_s``.

        Past the deadline the caller gets ``DatabaseUnavailable``; the call itself runs on in its thread
        (a blocked socket read cannot be interrupted) and its result is dropped."""
        future = self._pool.submit(functools.partial(fn, *args, **kwargs))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.call_timeout_s)
        except TimeoutError as exc:
            raise DatabaseUnavailable(
                f"the database did not answer within {self.call_timeout_s:g} s ({redacted(self.url)})"
            ) from exc

    async def query(self, stmt: Executable, then: Callable[[Result], T]) -> T:
        """Run one read statement in the database's thread pool; ``then`` reads its result there."""
        return await self.run(self._execute, self.read, stmt, then)

    async def change(self, stmt: Executable, then: Callable[[Result], T] = lambda result: None) -> T:
        """Run one write statement in its own transaction in the database's thread pool."""
        return await self.run(self._execute, self.write, stmt, then)

    @staticmethod
    def _execute(transaction: Callable, stmt: Executable, then: Callable[[Result], T]) -> T:
        with transaction() as conn:
            return then(conn.execute(stmt))

    def close(self, *, wait_s: float = 5.0) -> None:
        """Finish the calls under way (up to ``wait_s``), then close the connections that are idle."""
        self._pool.shutdown(wait=wait_s)
        self.engine.dispose(close=True)


def _sqlite_setup(engine: Engine) -> None:
    """The pysqlite recipe: the driver emits no BEGIN of its own; we do, IMMEDIATE for writes."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_begin_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class GroupCommit(Generic[ItemT, ResultT]):
    """Group commit: concurrent calls of ``submit`` are gathered and written by ``write_many`` in one
    transaction (one call in the database's thread pool per batch), so a burst of 500 answers costs a few
    transactions instead of 500. ``write_many`` returns one result per item, in order; if it raises, the
    batch is retried item by item, so one bad item fails alone."""

    def __init__(
        self, db: Database, write_many: Callable[[list[ItemT]], list[ResultT]], *, max_batch: int = 256
    ) -> None:
        self.db = db
        self.write_many = write_many
        self.max_batch = max_batch
        self.batches = 0
        self._queue: asyncio.Queue[tuple[ItemT, asyncio.Future[ResultT]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, item: ItemT) -> ResultT:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._task is None or self._task.done():
            self._loop = loop
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue), name="db-group-commit")
        future: asyncio.Future[ResultT] = loop.create_future()
        assert self._queue is not None
        self._queue.put_nowait((item, future))
        return await future

    async def _run(self, queue: asyncio.Queue[tuple[ItemT, asyncio.Future[ResultT]]]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            self.batches += 1
            try:
                results = await self.db.run(self.write_many, [item for item, _ in batch])
            except DatabaseUnavailable as exc:  # no item would fare better alone: all fail fast
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except Exception:
                if len(batch) == 1:
                    _, future = batch[0]
                    if not future.done():
                        future.set_exception(sys.exc_info()[1] or RuntimeError("write failed"))
                    continue
                for item, future in batch:
                    try:
                        (result,) = await self.db.run(self.write_many, [item])
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                    else:
                        if not future.done():
                            future.set_result(result)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._task
        self._task = None
