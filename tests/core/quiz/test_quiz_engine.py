"""The quiz engine end to end through the StudyBot facade, on real SQLite (and PostgreSQL when set)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.grade import Grade, Verdict
from bot.core.quiz.model import Period
from bot.core.types import ButtonAction, Place, User
from tests.support.quiz import PLACE, Clock, FakeGrader, make_harness, student


def quiz_id_of(reply) -> str:
    (button,) = reply.buttons
    assert button.action is ButtonAction.ANSWER_QUIZ
    return button.value


async def answer(h, user, text, quiz_id=None, place=PLACE):
    quiz_id = quiz_id or quiz_id_of(h.platform.quiz_posts[-1])
    return await h.bot.submit_answer(user, place, ButtonAction.ANSWER_QUIZ, quiz_id, text)


async def test_quiz_post_carries_a_stable_id_and_grades_the_answer(h):
    reply = await h.command("/quiz now")
    assert reply.kind == "info" and "Posted quiz" in reply.body
    (post,) = h.platform.quiz_posts
    assert post.kind == "quiz" and not post.ephemeral
    quiz = await h.repos.quizzes.get(quiz_id_of(post))
    assert quiz is not None and quiz.message_id == "discord-msg-1"  # stored for the reveal
    assert h.service.courses.pack(quiz.course_id).get(quiz.question_id).question == post.body

    graded = await answer(h, student(1), "that is right")
    assert graded.kind == "grade" and graded.title.startswith("Correct")
    assert ("Points", "+10") in graded.fields
    assert "Reference answer:" in graded.body


async def test_second_answer_is_refused_with_the_first_result(h):
    await h.command("/quiz now")
    first = await answer(h, student(1), "partly there")
    second = await answer(h, student(1), "now it is right")
    assert first.title.startswith("Partly right")
    assert "You already answered" in second.body and "partly there" in second.body
    # the headline says it is a repeat and shows the first grade, not a new one
    assert second.title.startswith("Already answered") and "Partly right" in second.title
    assert "Not right" not in second.title
    board = await h.service.leaderboard(student(1), PLACE, Period.ALL)
    assert "Student 1 — 5 pts" in board.body


class UnsureGrader(FakeGrader):
    """Sends answers with ``unsure`` in them to the staff (``review``); otherwise as ``FakeGrader``."""

    @staticmethod
    def _grade(item, answer):
        grade = FakeGrader._grade(item, answer)
        if "unsure" in answer:
            return Grade(Verdict.REVIEW, 50, grade.covered, grade.missed, grade.feedback)
        return grade


async def test_an_undecided_answer_waits_for_the_staff_with_no_points(database):
    h = make_harness(database, grader=UnsureGrader())
    try:
        await h.command("/quiz now")
        reply = await answer(h, student(1), "unsure about this one")
        assert reply.title.startswith("With the course staff")
        assert "course staff" in reply.body and "no points" in reply.body
        assert not any(name == "Points" for name, _ in reply.fields)
        board = await h.service.leaderboard(student(1), PLACE, Period.ALL)
        assert "Student 1 — 0 pts" in board.body or "Student 1" not in board.body
        again = await answer(h, student(1), "right now")
        assert again.title.startswith("Already answered") and "With the course staff" in again.title
    finally:
        await h.close()


async def test_answer_to_unknown_or_foreign_quiz_is_refused(h):
    await h.command("/quiz now")
    quiz_id = quiz_id_of(h.platform.quiz_posts[-1])
    other_space = Place("discord", "guild-2", "quiz-channel")
    foreign = await answer(h, User("discord", "x", "X"), "right", quiz_id=quiz_id, place=other_space)
    bogus = await answer(h, student(1), "right", quiz_id="q-does-not-exist")
    assert "doesn't exist" in foreign.body and "doesn't exist" in bogus.body
    assert await h.repos.answers.find(quiz_id, "discord", "x") is None


async def test_late_answer_after_the_window_gets_no_points(h):
    await h.command("/quiz now")
    quiz_id = quiz_id_of(h.platform.quiz_posts[-1])
    h.clock.advance(hours=24, seconds=1)
    late = await answer(h, student(2), "right", quiz_id)
    assert late.kind == "error" and "closed" in late.body and "no points" in late.body
    assert await h.repos.answers.find(quiz_id, "discord", "u2") is None
    closed = await h.service.close_expired()
    assert closed == 1 and len(h.platform.reveals) == 1
    again = await answer(h, student(2), "right", quiz_id)  # closed for good now
    assert "no points" in again.body


async def test_next_post_closes_the_open_quiz_and_reveals_it_as_a_reply(h):
    await h.command("/quiz now")
    first_id = quiz_id_of(h.platform.quiz_posts[-1])
    for n, text in [(1, "wrong"), (2, "right"), (3, "partly"), (4, "right"), (5, "right"), (6, "right")]:
        await answer(h, student(n), text)
        h.clock.advance(minutes=1)
    await h.command("/quiz now")
    assert len(h.platform.quiz_posts) == 2
    ((message, reveal),) = h.platform.replies
    assert message.message_id == "discord-msg-1"  # a reply to the quiz post
    assert reveal.kind == "reveal" and "Reference answer:" in reveal.body
    fields = dict(reveal.fields)
    assert fields["Answers"] == "6"
    assert fields["Correct"] == "4 of 6 (67%)"
    assert fields["First correct"] == "Student 2, Student 4, Student 5"  # in the order they answered
    closed = await h.repos.quizzes.get(first_id)
    assert closed.closed_at is not None
    assert await h.service.close_expired() == 0  # revealed once


async def test_no_question_repeats_in_a_channel_until_all_were_asked(h):
    asked = []
    for _ in range(6):
        await h.command("/quiz now")
        quiz = await h.repos.quizzes.get(quiz_id_of(h.platform.quiz_posts[-1]))
        asked.append(quiz.question_id)
        h.clock.advance(minutes=5)
    answered = {"1.1", "1.2", "1.3"}  # 1.4 has no reference answer: never quizzed
    assert set(asked[:3]) == answered and set(asked[3:]) == answered
    other = Place("discord", "guild-1", "other-channel")  # another channel keeps its own rotation
    await h.command("/quiz now", place=other)
    assert len(h.platform.quiz_posts) == 7


async def test_leaderboard_top_ten_own_rank_and_stats(h):
    await h.command("/quiz now")
    for n in range(12):
        await answer(h, student(n), "right" if n < 11 else "partly")
    me = student(11)
    board = await h.command("/leaderboard", user=me)
    lines = board.body.splitlines()
    assert lines[0] == "1. Student 0 — 10 pts" and len([x for x in lines if "pts" in x]) == 10
    assert board.footer == "You: #12 of 12 with 5 pts"
    stats = dict((await h.command("/stats", user=student(0))).fields)
    assert stats["Points"] == "10" and stats["Rank"] == "#1 of 12"
    assert stats["Accuracy"].startswith("100%") and stats["Answers given"] == "1"
    bad = await h.command("/leaderboard yearly")
    assert bad.kind == "usage" and "week, month or all" in bad.body


async def test_leaderboard_periods_use_the_space_timezone(database):
    # Sunday 23:30 UTC is already Monday in Berlin: a new week there.
    clock = Clock(datetime(2025, 1, 19, 23, 30, tzinfo=UTC))
    h = make_harness(database, clock=clock)
    try:
        await h.command("/quiz schedule 09:00 daily Europe/Berlin")
        await h.command("/quiz now")
        await answer(h, student(1), "right")
        week = await h.service.leaderboard(student(1), PLACE, Period.WEEK)
        assert "from 2025-01-20" in week.title and "Student 1 — 10 pts" in week.body
        clock.set(datetime(2025, 2, 3, 12, 0, tzinfo=UTC))  # two weeks on, next month
        assert "No points yet" in (await h.service.leaderboard(student(1), PLACE, Period.WEEK)).body
        assert "No points yet" in (await h.service.leaderboard(student(1), PLACE, Period.MONTH)).body
        assert "Student 1 — 10 pts" in (await h.service.leaderboard(student(1), PLACE, Period.ALL)).body
    finally:
        await h.close()


async def test_streak_bonus_on_consecutive_scheduled_quizzes(h):
    await h.command("/quiz schedule 09:00 daily UTC")
    you = student(7)
    points = []
    for day, text in enumerate(["right", "right", "right", "wrong", "right"]):
        h.clock.set(datetime(2025, 1, 13 + day, 9, 0, 5, tzinfo=UTC))
        quiz = await h.service.run_schedule(PLACE)
        assert quiz is not None
        reply = await answer(h, you, text, quiz.id)
        points.append(dict(reply.fields)["Points"])
        if day == 1:  # a quiz posted by hand in between neither breaks nor extends the streak
            h.clock.advance(minutes=30)
            await h.command("/quiz now")
            await answer(h, you, "wrong")
    assert points[0] == "+10"
    assert points[1].startswith("+12 (10 + 2 streak bonus, streak 2)")
    assert points[2].startswith("+14")
    assert points[3] == "+0"
    assert points[4] == "+10"
    stats = dict((await h.command("/stats", user=you)).fields)
    assert stats["Streak"] == "1 now, best 3"
    assert stats["Points"] == str(10 + 12 + 14 + 0 + 0 + 10)


async def test_unanswered_scheduled_quiz_breaks_the_streak_once_closed(h):
    await h.command("/quiz schedule 09:00 daily UTC 2h")
    you = student(8)
    h.clock.set(datetime(2025, 1, 13, 9, 0, 5, tzinfo=UTC))
    quiz = await h.service.run_schedule(PLACE)
    await answer(h, you, "right", quiz.id)
    h.clock.set(datetime(2025, 1, 14, 9, 0, 5, tzinfo=UTC))
    await h.service.run_schedule(PLACE)  # you skip this one
    stats = dict((await h.command("/stats", user=you)).fields)
    assert stats["Streak"] == "1 now, best 1"  # still open: you can keep the streak
    h.clock.advance(hours=3)
    stats = dict((await h.command("/stats", user=you)).fields)
    assert stats["Streak"] == "0 now, best 1"


async def test_answer_command_answers_the_open_quiz_of_the_channel(h):
    none_open = await h.command("/answer right", user=student(1))
    assert "no open quiz" in none_open.body
    await h.command("/quiz now")
    reply = await h.command("/answer it is right", user=student(1))
    assert reply.kind == "grade"
    usage = await h.command("/answer", user=student(1))
    assert usage.kind == "usage"
    h.clock.advance(hours=25)  # closed: too late, and one who answered still sees their result
    late = await h.command("/answer right", user=student(2))
    assert "closed" in late.body and "no points" in late.body
    assert "You already answered" in (await h.command("/answer right", user=student(1))).body


async def test_answers_left_ungraded_by_a_crash_are_graded_at_start(database):
    h = make_harness(database)
    try:
        await h.command("/quiz now")
        quiz_id = quiz_id_of(h.platform.quiz_posts[-1])
        for n in range(5):  # recorded, then the process "dies" before grading
            await h.repos.answers.record(quiz_id, student(n), PLACE, "right", h.clock())
        assert len(await h.repos.answers.ungraded()) == 5
    finally:
        await h.close()
    restarted = make_harness(database, grader=FakeGrader())
    try:
        assert await restarted.feature.worker.grade_ungraded() == 5
        assert restarted.grader.batches == [5]  # one batch
        assert await restarted.repos.answers.ungraded() == []
        board = await restarted.repos.scores.leaderboard("discord", PLACE.space_id, "test", Period.ALL, "all", "u0")
        assert board.players == 5 and all(row.points == 10 for row in board.rows)
    finally:
        await restarted.close()


async def test_reveal_waits_for_answers_not_graded_yet(database):
    h = make_harness(database)
    try:
        await h.command("/quiz now")
        quiz_id = quiz_id_of(h.platform.quiz_posts[-1])
        await h.repos.answers.record(quiz_id, student(1), PLACE, "right", h.clock())
        await h.command("/quiz now")
        fields = dict(h.platform.reveals[0].fields)
        assert fields["Correct"] == "1 of 1 (100%)" and fields["First correct"] == "Student 1"
    finally:
        await h.close()


async def test_quiz_commands_guard_admin_subcommands(h):
    learner = student(3)
    for sub in ("now", "schedule 09:00", "pause", "resume", "unschedule"):
        reply = await h.command(f"/quiz {sub}", user=learner)
        assert reply.kind == "error" and "only course admins" in reply.body
    assert h.platform.posts == []
    status = await h.command("/quiz status", user=learner)
    assert status.kind == "info" and "No quiz is scheduled" in status.body


async def test_schedule_pause_resume_status_unschedule(h):
    reply = await h.command("/quiz schedule 09:30 mon-fri Europe/Berlin 2h")
    assert reply.title == "Quiz scheduled"
    assert dict(reply.fields)["Next quiz"] == "Tue 14 Jan 2025, 09:30 Europe/Berlin (08:30 UTC)"
    status = await h.command("/quiz status", user=student(1))
    assert "weekdays at 09:30 (Europe/Berlin)" in status.body and "2h" in status.body
    assert "(08:30 UTC)" in dict(status.fields)["Next quiz"]
    assert "paused" in (await h.command("/quiz pause")).body
    assert "paused" in (await h.command("/quiz status")).body
    assert "resumed" in (await h.command("/quiz resume")).body
    assert "removed" in (await h.command("/quiz unschedule")).body
    assert "No quiz is scheduled" in (await h.command("/quiz status")).body
    assert (await h.command("/quiz pause")).kind == "error"


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        ("25:00 daily UTC", "HH:MM"),
        ("9am", "HH:MM"),
        ("09:00 mox-fri UTC", "mon-fri"),
        ("09:00 weekdays Europe/Berln", "Europe/Berlin"),
        ("09:00 daily Mars/Olympus", "IANA"),
        ("09:00 daily UTC 0m", "30m"),
        ("09:00 Berlin", "Europe/Berlin"),
        ("", "HH:MM"),
    ],
)
async def test_invalid_schedule_is_explained_with_valid_forms(database, args, shows):
    h = make_harness(database)
    try:
        reply = await h.command(f"/quiz schedule {args}")
        assert reply.kind == "usage"
        assert shows in reply.body
        assert "Usage: `/quiz schedule HH:MM [DAYS] [TIMEZONE] [WINDOW]`" in reply.body
        assert await h.repos.schedules.get(PLACE) is None
    finally:
        await h.close()


async def test_quiz_now_without_a_platform_says_so(h):
    slack = Place("slack", "T1", "C1")
    reply = await h.command("/quiz now", user=User("slack", "a", "A", is_admin=True), place=slack)
    assert reply.kind == "error" and "slack" in reply.body


async def test_grades_are_batched(database):
    h = make_harness(database)
    try:
        await h.command("/quiz now")
        quiz_id = quiz_id_of(h.platform.quiz_posts[-1])
        replies = await asyncio.gather(*(answer(h, student(n), "right", quiz_id) for n in range(40)))
        assert all(r.kind == "grade" for r in replies)
        assert h.grader.graded == 40 and len(h.grader.batches) < 40
    finally:
        await h.close()


async def test_reveal_is_posted_even_when_its_figures_cannot_be_read(h, monkeypatch):
    await h.command("/quiz now")
    await answer(h, student(1), "right")

    async def broken_summary(quiz_id):
        raise ConnectionError("database went away")

    monkeypatch.setattr(h.service.answers, "summary", broken_summary)
    h.clock.advance(hours=25)
    assert await h.service.close_expired() == 1
    ((_, reveal),) = h.platform.replies
    assert reveal.kind == "reveal" and "Reference answer:" in reveal.body and not reveal.fields


async def test_a_failed_reveal_of_the_old_quiz_leaves_no_unposted_quiz_open(h, monkeypatch):
    await h.command("/quiz now")
    first = quiz_id_of(h.platform.quiz_posts[-1])

    async def broken_close_and_reveal(quiz):
        raise ConnectionError("database went away")

    monkeypatch.setattr(h.service, "close_and_reveal", broken_close_and_reveal)
    await h.command("/quiz now")
    assert len(h.platform.quiz_posts) == 1  # nothing new was posted...
    open_quizzes = await h.repos.quizzes.open_in_channel(PLACE)
    assert [q.id for q in open_quizzes] == [first]  # ...and the claimed new quiz is not left open
