"""A database that accepts connections and never answers (a hung server, a black-holed proxy): calls
fail with ``DatabaseUnavailable`` after their deadline, the event loop stays free, ``close()`` returns,
and a process whose database hangs still exits."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from storage.db import Database, DatabaseUnavailable

GUARD_S = 60.0  # failure guard for a hung call, never a timing assertion


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A TCP port that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        server.close()


def select_one(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(text("SELECT 1")).scalar_one()


async def test_a_hanging_database_fails_calls_in_time_and_keeps_the_loop_free():
    with black_hole() as port:
        db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test", call_timeout_s=1.0)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        try:
            calls = [asyncio.wait_for(db.run(select_one, db), GUARD_S) for _ in range(3)]
            results = await asyncio.gather(*calls, return_exceptions=True)
        finally:
            ticker.cancel()
        assert all(isinstance(r, DatabaseUnavailable) for r in results), results
        assert "did not answer" in str(results[0]) and "postgres@" in str(results[0])
        assert ticks > 20  # the loop kept running while the calls hung
        closed = threading.Thread(target=db.close, kwargs={"wait_s": 1.0})
        closed.start()
        closed.join(GUARD_S)
        assert not closed.is_alive(), "close() hung on the stuck connections"


def test_a_process_whose_database_hangs_still_exits():
    with black_hole() as port:
        script = textwrap.dedent(
            f"""
            import asyncio
            from storage.db import Database, DatabaseUnavailable
            db = Database("postgresql+psycopg://postgres@127.0.0.1:{port}/test", call_timeout_s=0.5)
            async def main():
                try:
                    await db.run(lambda: db.engine.connect())
                except DatabaseUnavailable:
                    print("unavailable", flush=True)
            asyncio.run(main())
            db.close(wait_s=0.5)
            """
        )
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, timeout=GUARD_S
            )
        except subprocess.TimeoutExpired:
            pytest.fail("the process never exited: a thread stuck on the database held it")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "unavailable"
        assert time.monotonic() - started < GUARD_S


async def test_a_burst_on_a_hanging_database_fails_together_not_one_deadline_each():
    from storage.db import GroupCommit

    with black_hole() as port:
        db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test", call_timeout_s=1.0)
        writes: list[int] = []

        def write_many(items: list[int]) -> list[int]:
            writes.append(len(items))
            with db.write() as conn:  # hangs: the server never answers
                conn.execute(text("SELECT 1"))
            return items

        commit = GroupCommit(db, write_many)
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*(commit.submit(n) for n in range(20)), return_exceptions=True), GUARD_S
            )
        finally:
            await commit.aclose()
            db.close(wait_s=0.5)
        assert all(isinstance(r, DatabaseUnavailable) for r in results), results
        assert len(writes) <= 2  # one batch (and perhaps a first lone item), never 20 retries in turn
