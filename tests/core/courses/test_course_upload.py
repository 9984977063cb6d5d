"""``/course upload`` on a real database: checked like ``content check``, stored with every version,
served without a restart, seen by every replica; bad uploads change nothing."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.types import ButtonAction, Place
from tests.support.db import row_counts
from tests.support.quiz import ADMIN, PLACE, make_harness, student

ROBOTICS_V1 = """# Robotics 101

Dr. Ada, 2026

# 1.1 What is a servo motor?

A motor with position feedback, so it turns to a commanded angle.

# 1.2 What does a PID controller do?

It corrects an error from its present, past and predicted values.

# 1.3 What is odometry?

Estimating position from wheel rotations.
"""
ROBOTICS_V2 = """# Robotics 101

# 1.1 What is a servo motor used for?

Turning to a commanded angle, thanks to position feedback.

# 1.2 What does a PID controller do?

It corrects an error from its present, past and predicted values.
"""


async def upload(h, name: str, text: str | bytes, user=ADMIN, progress=None):
    data = text.encode() if isinstance(text, str) else text
    return await h.bot.upload_course(user, PLACE, name, data, progress=progress)


async def test_a_markdown_upload_is_stored_and_served_without_a_restart(h):
    said: list[str] = []

    async def progress(text: str) -> None:
        said.append(text)

    reply = await upload(h, "robotics.md", ROBOTICS_V1, progress=progress)
    assert reply.title == "Course uploaded", reply.as_text()
    assert "(`robotics`) version 1: 3 questions (3 new, 0 changed, 0 removed)" in reply.body
    assert said and "embedding" in said[0]
    listed = await h.command("/course list")
    assert "`robotics` — Robotics 101 (3 questions, version 1)" in listed.body
    await h.command("/course use robotics")
    answer = await h.command("/ask what does a pid controller do", user=student(1))
    assert "present, past and predicted" in answer.body


async def test_another_replica_serves_an_upload_from_the_database(h, database):
    await upload(h, "robotics.md", ROBOTICS_V1)
    other = make_harness(database, refresh_s=0.0)
    try:
        use = await other.command("/course use robotics")
        assert "Robotics 101" in use.body, use.as_text()
    finally:
        await other.close()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("notes.md", b"Just some prose about robots, no numbered questions at all.\n", "robotics"),
        ("course.md", b"# 1.1 What is a robot?\n\n" + b"\xff\xfe bad bytes\n", "UTF-8"),
        ("course.yaml", b"title: X\nquestions:\n  - id: 1\n    question: [unclosed\n", "course.yaml:"),
        ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "image.png"),
        ("", b"", "empty"),
    ],
)
async def test_a_bad_upload_says_what_is_wrong_and_stores_nothing(h, database, name, data, expected):
    before = row_counts(database)
    reply = await upload(h, name, data)
    assert reply.kind == "error" and "Nothing changed" in reply.body, reply.as_text()
    assert expected.lower() in reply.as_text().lower() or "not uploaded" in (reply.title or "")
    assert row_counts(database) == before
    assert [e.id for e in h.bot.courses.entries()] == ["test"]


async def test_errors_come_back_with_their_line_numbers(h):
    reply = await upload(h, "course.yaml", "title: X\nquestions:\n  - id: '1'\n    question: ''\n")
    assert reply.kind == "error" and "course.yaml:" in reply.body
    assert any(ch.isdigit() for ch in reply.body.split("course.yaml:")[1][:4])


async def test_a_huge_upload_is_refused_before_it_is_read(h, database):
    before = row_counts(database)
    reply = await h.bot.upload_course(ADMIN, PLACE, "big.md", b"", size=10 * 1024 * 1024)
    assert reply.kind == "error" and "10.5 MB" in reply.body and "at most 1 MB" in reply.body
    assert row_counts(database) == before


async def test_only_admins_upload(h, database):
    before = row_counts(database)
    reply = await upload(h, "robotics.md", ROBOTICS_V1, user=student(1))
    assert reply.kind == "error" and "only course admins" in reply.body
    typed = await h.command("/course upload", user=student(1))
    assert typed.kind == "error" and "only course admins" in typed.body
    assert row_counts(database) == before


async def test_two_admins_uploading_the_same_course_at_once_store_one(h, database):
    both_checked = asyncio.Barrier(2)  # both read the course's version before either stores

    async def wait_for_the_other(text: str) -> None:
        await both_checked.wait()

    first, second = await asyncio.gather(
        upload(h, "robotics.md", ROBOTICS_V1, progress=wait_for_the_other),
        upload(h, "robotics.md", ROBOTICS_V1, progress=wait_for_the_other),
    )
    assert sorted([first.title == "Course uploaded", second.title == "Course uploaded"]) == [False, True]
    lost = first if first.title != "Course uploaded" else second
    assert lost.kind == "error" and "Another admin uploaded this course" in lost.body
    assert row_counts(database)["course_uploads"] == 1
    assert "(3 questions, version 1)" in (await h.command("/course list")).body


async def test_a_new_version_keeps_answers_to_removed_questions_readable(h):
    await upload(h, "robotics.md", ROBOTICS_V1)
    await h.command("/course use robotics")
    h.service.rng.seed(0)
    posted = []
    for _ in range(3):  # every question once: none repeats until all were asked
        quiz = await h.service.post_now(PLACE)
        posted.append(quiz)
        await h.bot.submit_answer(student(1), PLACE, ButtonAction.ANSWER_QUIZ, quiz.id, "right")
    removed = next(q for q in posted if q.question_id == "1.3")
    changed = next(q for q in posted if q.question_id == "1.1")

    reply = await upload(h, "robotics.md", ROBOTICS_V2)
    assert "version 2: 2 questions (0 new, 1 changed, 1 removed)" in reply.body, reply.as_text()
    assert h.service.item(removed).question == "What is odometry?"  # retired, still readable
    assert h.service.item(changed).question == "What is a servo motor used for?"  # its new text
    late = await h.bot.submit_answer(student(2), PLACE, ButtonAction.ANSWER_QUIZ, removed.id, "right")
    assert "wheel rotations" in late.as_text()  # closed by the next post, with the retired answer
    for _ in range(4):  # the removed question is never quizzed again
        assert (await h.service.post_now(PLACE)).question_id in {"1.1", "1.2"}


async def test_the_console_uploads_a_file_by_path(h, tmp_path):
    from io import StringIO

    from bot.adapters.console.adapter import ConsoleAdapter

    path = tmp_path / "robotics.md"
    path.write_text(ROBOTICS_V1, encoding="utf-8")
    out = StringIO()
    console = ConsoleAdapter(h.bot, ADMIN, stdin=StringIO(""), stdout=out, interactive=False)
    console.place = Place("discord", PLACE.space_id, PLACE.channel_id)
    reply = await console.handle(f"/course upload {path}")
    assert reply.title == "Course uploaded"
    missing = await console.handle(f"/course upload {tmp_path / 'nope.md'}")
    assert missing.kind == "error" and "Cannot read" in missing.body
    assert "embedding" in out.getvalue()


async def test_a_course_belongs_to_the_server_that_uploaded_it(h, database):
    assert (await upload(h, "robotics.md", ROBOTICS_V1)).title == "Course uploaded"
    elsewhere = Place("discord", "another-guild", "chan")
    before = row_counts(database)
    taken = await h.bot.upload_course(ADMIN, elsewhere, "robotics.md", ROBOTICS_V2.encode())
    assert taken.kind == "error" and "uploaded from another server" in taken.body
    assert row_counts(database) == before
    assert len(h.bot.courses.pack("robotics").questions) == 3  # still the first server's version


async def test_the_bots_own_courses_cannot_be_replaced_from_chat(h, database):
    before = row_counts(database)
    pack = "id: test\ntitle: Hijacked\nquestions:\n  - id: '1'\n    question: What?\n    answer: That.\n"
    reply = await upload(h, "test.yaml", pack)
    assert reply.kind == "error" and "comes with the bot" in reply.body and "another `id`" in reply.body
    assert row_counts(database) == before and h.bot.courses.pack("test").title == "Test course"
