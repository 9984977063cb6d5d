"""Chat lines as students and admins really type them, fuzzed through the whole bot (console adapter,
quiz feature, a real SQLite file): every line gets an answer, no exception escapes, and a line the bot
rejects (bad usage, an admin command from a student, an unknown command) stores nothing."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.types import Reply
from storage.db import Database
from storage.migrate import upgrade
from tests.support.db import row_counts
from tests.support.quiz import ADMIN, PLACE, make_harness, student

COMMANDS = ["ask", "quiz", "answer", "leaderboard", "stats", "practice", "help", "nope", "QUIZ", ""]
QUIZ_WORDS = [
    "now",
    "schedule",
    "pause",
    "resume",
    "status",
    "unschedule",
    "09:00",
    "mon-fri",
    "25:99",
    "Europe/Berlin",
    "Mars/Olympus",
    "24h",
    "99999999d",
    "weekdays",
    "answer",
    "week",
    "all",
]
nasty = st.sampled_from(
    [
        "@everyone",
        "@here",
        "<!channel>",
        "<@U123>",
        "**bold** `code`",
        "😀" * 50,
        "x" * 5000,
        "\u200b",
        "\x00",
        "' OR 1=1 --",
        "<script>",
        "\n",
        "\t",
        "ﷺ",
        "𝕏",
    ]
)
argument = st.one_of(st.sampled_from(QUIZ_WORDS), nasty, st.text(max_size=40))
lines = st.builds(
    lambda slash, name, args: f"{slash}{name} {' '.join(args)}",
    st.sampled_from(["/", "/", "/", "", " /", "//"]),
    st.sampled_from(COMMANDS),
    st.lists(argument, max_size=5),
) | st.text(max_size=100)



async def converse(
    db: Database, script: list[tuple[bool, str]]
) -> list[tuple[str, Reply | None, dict, dict]]:
    h = make_harness(db)
    seen = []
    try:
        for as_admin, line in script:
            await h.feature.insights.drain()  # asks are logged in batches: each line's rows are its own
            before = row_counts(db)
            reply = await h.bot.handle_line(ADMIN if as_admin else student("fuzz"), PLACE, line)
            await h.feature.insights.drain()
            seen.append((line, reply, before, row_counts(db)))
    finally:
        await h.close()
    return seen


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), lines), min_size=1, max_size=8))
def test_fuzzed_lines_from_students_and_admins_get_a_reply_and_rejected_ones_store_nothing(script):
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'fuzz.db'}")
        upgrade(db)
        try:
            seen = asyncio.run(converse(db, script))
        finally:
            db.close()
    for line, reply, before, after in seen:
        if not line.strip().startswith("/") or len(line.strip()) < 2:
            assert reply is None or reply.body  # plain text: the console asks it as a question
            continue
        assert reply is not None and reply.body.strip(), line
        if reply.kind in ("usage", "error"):
            assert after == before, (
                f"{line!r} was rejected ({reply.body[:80]!r}) but changed {before} -> {after}"
            )
        assert "@everyone" not in reply.body or "@everyone" in line  # the bot adds no mention of its own


def test_the_fuzzed_rules_hold_on_known_rejections(tmp_path):
    """The property above sees these: a student's admin command and an admin's bad schedule store nothing."""
    db = Database(f"sqlite:///{tmp_path / 'known.db'}")
    upgrade(db)
    try:
        script = [
            (False, "/quiz now"),
            (True, "/quiz schedule 25:99 mon-fri"),
            (True, "/quiz schedule 09:00 x 99999999d"),
            (True, "/quiz now"),
        ]
        seen = asyncio.run(converse(db, script))
    finally:
        db.close()
    (_, student_now, b1, a1), (_, bad_time, b2, a2), (_, bad_window, b3, a3), (_, admin_now, b4, a4) = seen
    assert student_now.kind == "error" and a1 == b1
    assert bad_time.kind == "usage" and a2 == b2, bad_time.body
    assert bad_window.kind == "usage" and a3 == b3, bad_window.body
    assert a4["quizzes"] == b4["quizzes"] + 1, admin_now.body  # the accepted command did store its quiz
