"""Quiz, leaderboard, schedule and practice conversations typed into the console adapter (piped)."""

from __future__ import annotations

import io

from bot.adapters.console.adapter import ConsoleAdapter, console_user
from tests.support.quiz import make_harness


async def chat(h, name: str, lines: list[str]) -> str:
    out = io.StringIO()
    adapter = ConsoleAdapter(
        h.bot, console_user(name), stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out
    )
    await h.feature.attach(adapter)  # as `studybot chat` does: the console is the platform posts go to
    await adapter.run()
    return out.getvalue()


async def test_a_whole_quiz_conversation(database):
    h = make_harness(database)
    try:
        text = await chat(
            h,
            "ada",
            [
                "/quiz now",
                "/answer this is right",
                "/answer second try, right again",
                "/leaderboard",
                "/stats",
                "/quiz schedule 25:00 mon-fri Europe/Berlin",
                "/quiz schedule 09:00 mox Europe/Berlin",
                "/quiz schedule 09:00 mon-fri Europe/Berln",
                "/quiz schedule 09:00 mon-fri Europe/Berlin",
                "/quiz status",
                "/quiz pause",
                "/quiz resume",
                "/practice",
                "/practice answer partly",
                "/quiz now",
                "/quiz unschedule",
            ],
        )
    finally:
        await h.close()
    blocks = [b for b in text.split("\n\n") if b.strip()]
    assert blocks[0].startswith("Quiz · question") and "[Answer]" in blocks[0]  # the post itself
    assert "Posted quiz question" in blocks[1]
    assert blocks[2].startswith("Correct — 100/100") and "Points: +10" in blocks[2]
    assert "You already answered this quiz" in blocks[3] and "this is right" in blocks[3]
    assert "1. ada — 10 pts" in text and "You: #1 of 1 with 10 pts" in text
    assert "Accuracy: 100% (1 of 1 correct)" in text
    assert "`25:00` is not a valid time: use a 24-hour time HH:MM" in text
    assert "`mox` is neither days" in text
    assert "`Europe/Berln` is not a timezone I know" in text and "Did you mean Europe/Berlin" in text
    assert "Quiz weekdays at 09:00 (Europe/Berlin)" in text and "UTC)" in text
    assert "Quiz schedule paused" in text and "Quiz schedule resumed" in text
    assert "Practice · question 1.1" in text and "Partly right" in text and "Rated Hard" in text
    assert "Quiz closed · question" in text and "First correct: ada" in text  # reveal of the first quiz
    assert "Quiz schedule removed." in text
    assert "Something went wrong" not in text


async def test_a_second_chat_on_the_same_database_continues_the_quiz_and_leaderboard(database):
    first = make_harness(database)
    try:
        await chat(first, "ada", ["/quiz now", "/answer right"])
    finally:
        await first.close()
    second = make_harness(database)  # a new process: new bot, new scheduler, same database
    try:
        text = await chat(second, "bob", ["/answer partly right", "/answer right", "/leaderboard all"])
    finally:
        await second.close()
    assert second.platform.quiz_posts == [] and "Quiz · question" not in text  # nothing new posted
    assert "Correct — 100/100" in text and "You already answered" in text
    assert "1. ada — 10 pts" in text and "1. bob — 10 pts" in text


async def test_studybot_chat_wiring_on_build_core(tmp_path, db_url, fake_embedder):
    """The composition root: migrations at start, commands registered, console attached, twice."""
    from bot.app.core import build_core
    from tests.support.quiz import settings

    config = settings(STUDYBOT_DATA_DIR=tmp_path / "data", DATABASE_URL=db_url)
    outputs = []
    for name, lines in [
        ("ada", ["/quiz now", "/answer gradients"]),
        ("bob", ["/answer gradients", "/leaderboard all"]),
    ]:
        core = build_core(config, embedder=fake_embedder)
        out = io.StringIO()
        adapter = ConsoleAdapter(
            core.bot, console_user(name), stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out
        )
        try:
            await core.attach(adapter)
            await adapter.run()
        finally:
            await core.aclose()
        outputs.append(out.getvalue())
    assert outputs[0].count("Quiz · question") == 1 and "Score: " in outputs[0]
    assert "Quiz · question" not in outputs[1] and "Score: " in outputs[1]  # the same quiz, continued
    assert "ada —" in outputs[1] and "bob —" in outputs[1]
