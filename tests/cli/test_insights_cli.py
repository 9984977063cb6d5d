"""``studybot insights --output`` and ``studybot grade export-labels`` on a database the bot filled."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from bot.cli.commands import app
from bot.core.types import ButtonAction
from storage.db import Database
from storage.migrate import upgrade
from tests.support.quiz import PLACE, QUESTIONS, make_harness, student


def write_pack(folder: Path) -> None:
    items = [{"id": q.id, "question": q.question, **({"answer": q.answer} if q.answer else {})} for q in QUESTIONS]
    (folder / "test.yaml").write_text(yaml.safe_dump({"id": "test", "title": "Test course", "questions": items}))


async def fill(url: str) -> None:
    database = Database(url)
    upgrade(database)
    h = make_harness(database)
    try:
        quiz = await h.service.post_now(PLACE)
        await h.bot.submit_answer(student(1), PLACE, ButtonAction.ANSWER_QUIZ, quiz.id, "right")
        await h.bot.submit_answer(student(2), PLACE, ButtonAction.ANSWER_QUIZ, quiz.id, "no idea")
        await h.command("/dispute I was right", user=student(2))
        dispute_id = int((await h.command("/review")).body.split("**#")[1].split("**")[0])
        await h.command(f"/review accept {dispute_id} partial")
    finally:
        await h.close()
        database.close()


def test_insights_and_labels_from_the_command_line(tmp_path, monkeypatch):
    url = f"sqlite:///{(tmp_path / 'bot.db').as_posix()}"
    asyncio.run(fill(url))
    write_pack(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STUDYBOT_PACKS", str(tmp_path))
    runner = CliRunner()

    png = tmp_path / "report.png"
    result = runner.invoke(app, ["insights", "--output", str(png), "--period", "all"])
    assert result.exit_code == 0, result.output
    assert "2 students · 2 answers" in result.output and f"wrote {png}" in result.output
    from PIL import Image

    assert Image.open(png).size == (1000, 700)

    labels = tmp_path / "labels.jsonl"
    result = runner.invoke(app, ["grade", "export-labels", "--output", str(labels)])
    assert result.exit_code == 0 and "1 labelled answer" in result.output, result.output
    (row,) = [json.loads(line) for line in labels.read_text().splitlines()]
    assert row == {"course": "test", "question_id": row["question_id"], "answer": "no idea", "verdict": "partial"}

    bad = runner.invoke(app, ["insights", "--period", "fortnight"])
    assert bad.exit_code == 1 and "week, month or all" in bad.output
    unknown = runner.invoke(app, ["insights", "--course", "nope"])
    assert unknown.exit_code == 1 and "no course 'nope'" in unknown.output
