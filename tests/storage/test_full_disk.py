"""A full disk under SQLite: answers that no longer fit get a clear "try again" (and the log says the
disk is full); every answer acknowledged before that is in the database. The disk is filled by capping
the database file's size (``PRAGMA max_page_count``), which fails writes exactly as a full disk does
(SQLITE_FULL)."""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import event

from bot.core.types import ButtonAction
from storage.db import Database
from storage.migrate import upgrade
from tests.support.quiz import ADMIN, PLACE, make_harness, student


async def test_a_full_disk_refuses_new_answers_clearly_and_loses_no_acknowledged_one(tmp_path, caplog):
    path = tmp_path / "full.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    h = make_harness(db)
    try:
        await h.command("/quiz now", ADMIN)
        (button,) = h.platform.quiz_posts[-1].buttons
        with db.engine.connect() as conn:  # the disk fills up a few pages from now
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

        @event.listens_for(db.engine, "connect")
        def cap(dbapi_connection, _record) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count={pages + 4}")

        db.engine.dispose()  # every connection from now on has the cap
        acked: list[str] = []
        refused = []
        with caplog.at_level(logging.ERROR):
            for n in range(300):
                user = student(n)
                received = []

                async def on_received(user=user, received=received) -> None:
                    received.append(user.user_id)

                text = f"answer {n} right " + "padding " * 40  # fills pages quickly
                reply = await h.bot.submit_answer(
                    user, PLACE, ButtonAction.ANSWER_QUIZ, button.value, text, on_received=on_received
                )
                if received:
                    acked.append(user.user_id)
                else:
                    refused.append(reply)
        assert acked and refused, "the cap should let some answers in and refuse later ones"
        assert all(r.retry and "try again" in r.body.lower() for r in refused), refused[0]
        assert "full" in caplog.text.lower()  # the operator is told why
    finally:
        await h.close()
        db.close()
    with sqlite3.connect(path) as conn:  # a fresh connection, without the cap
        stored = {row[0] for row in conn.execute("SELECT user_id FROM quiz_answers")}
    assert set(acked) <= stored
