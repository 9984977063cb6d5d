"""A whole teaching week typed into the console, on a real database: upload a course, switch to it,
quiz, dispute the grade, review it, read the insights."""

from __future__ import annotations

import io

from bot.adapters.console.adapter import ConsoleAdapter, console_user

COURSE = """# Robotics 101

Q1: What is a servo motor?

A motor with position feedback, so it turns to a commanded angle.

Q2: What does a PID controller do?

It corrects an error from its present, past and predicted values.
"""


async def test_upload_switch_quiz_dispute_review_and_insights(h, tmp_path):
    path = tmp_path / "robotics.md"
    path.write_text(COURSE, encoding="utf-8")
    out = io.StringIO()
    console = ConsoleAdapter(h.bot, console_user("ada"), stdout=out, interactive=False)
    h.feature.platforms["console"] = console  # quiz posts and private messages print here
    for line in [
        f"/course upload {path}",
        "/course use robotics",
        "/quiz now",
        "/answer no idea at all",
        "/dispute I meant the feedback loop",
        "/review",
    ]:
        await console.handle(line)
    text = out.getvalue()
    assert "Course uploaded" in text and "(`robotics`) version 1: 2 questions" in text
    assert "now uses **Robotics 101**" in text
    assert "Not right" in text and "[Dispute this grade]" in text
    assert "Dispute #1 sent" in text and "Reason: I meant the feedback loop" in text

    await console.handle("/review accept 1 partial close enough")
    await console.handle("/insights")
    text = out.getvalue()
    assert "Dispute #1 accepted: ada's answer is partly right (0 → 5 points)" in text
    assert "Your dispute was accepted" in text and "close enough" in text  # the private message
    assert "**Insights: Robotics 101**" in text and "| 0% | 100% | 1 | 1 |" in text
