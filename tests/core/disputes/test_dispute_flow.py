"""Contested grades end to end on a real database: a student disputes, an admin decides, points,
leaderboards and streaks follow, the student is told; every bad request changes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.quiz.model import Period
from bot.core.types import ButtonAction, User
from tests.support.db import row_counts
from tests.support.quiz import ADMIN, PLACE, make_harness, student


async def graded_quiz_answer(h, user: User, text: str, *, scheduled: bool = False):
    quiz = await (h.service.run_schedule(PLACE) if scheduled else h.service.post_now(PLACE))
    assert quiz is not None
    return quiz, await h.bot.submit_answer(user, PLACE, ButtonAction.ANSWER_QUIZ, quiz.id, text)


def dispute_value(reply) -> str:
    (button,) = [b for b in reply.buttons if b.action is ButtonAction.DISPUTE]
    return button.value


async def test_a_wrong_grade_is_disputed_accepted_and_the_points_follow(h):
    you = student(1)
    _, graded = await graded_quiz_answer(h, you, "gradients go backwards")
    assert graded.title.startswith("Not right")
    sent = await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, dispute_value(graded), "I said the same thing")
    assert sent.title.startswith("Dispute #") and "course staff" in sent.body
    stats = await h.command("/stats", user=you)
    assert ("Disputes", "1 open, 0 accepted, 0 rejected") in stats.fields

    queue = await h.command("/review")
    assert "gradients go backwards" in queue.body and "I said the same thing" in queue.body
    dispute_id = int(queue.body.split("**#")[1].split("**")[0])
    decided = await h.command(f"/review accept {dispute_id} correct well argued")
    assert "accepted" in decided.body and "0 → 10 points" in decided.body

    board = await h.service.leaderboard(you, PLACE, Period.ALL)
    assert "Student 1 — 10 pts" in board.body
    from bot.core.insights.ports import Scope

    figures = await h.repos.insights.figures(Scope(PLACE.platform, PLACE.space_id, "test", None))
    assert [(q.answers, q.correct) for q in figures.per_question] == [(1, 1)]  # /insights follows too
    (told_place, told_user, told) = h.platform.told[-1]
    assert told_place == PLACE
    assert told_user == you.user_id and "accepted" in (told.title or "") and "well argued" in told.body
    stats = await h.command("/stats", user=you)
    assert ("Disputes", "0 open, 1 accepted, 0 rejected") in stats.fields


async def test_two_admins_deciding_at_once_make_one_decision(h, database):
    await graded_quiz_answer(h, student(1), "no idea")
    await h.command("/dispute please", user=student(1))
    queue = await h.command("/review")
    dispute_id = int(queue.body.split("**#")[1].split("**")[0])
    other_admin = User("discord", "admin2", "Admin 2", is_admin=True)
    one, two = await asyncio.gather(
        h.bot.submit_answer(ADMIN, PLACE, ButtonAction.REVIEW_CORRECT, str(dispute_id), ""),
        h.bot.submit_answer(other_admin, PLACE, ButtonAction.REVIEW_REJECT, str(dispute_id), "no"),
    )
    bodies = sorted([one.body, two.body])
    assert sum("Another admin decided" in b or "was already" in b for b in bodies) == 1
    assert row_counts(database)["dispute_decisions"] == 1
    assert len(h.platform.told) == 1


async def test_accepting_an_answer_of_a_scheduled_quiz_recomputes_the_streak(h):
    you = student(1)
    await h.command("/quiz schedule 10:00")
    h.clock.advance(hours=1)
    _, first = await graded_quiz_answer(h, you, "no idea", scheduled=True)  # wrong: no streak
    h.clock.advance(days=1)
    _, second = await graded_quiz_answer(h, you, "right", scheduled=True)  # correct: streak 1
    assert second.title.startswith("Correct")
    before = (await h.repos.scores.totals("discord", PLACE.space_id, "test", you.user_id)).points
    assert before == 10
    await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, dispute_value(first), "")
    dispute_id = int((await h.command("/review")).body.split("**#")[1].split("**")[0])
    decided = await h.command(f"/review accept {dispute_id} correct")
    assert "1 later answer(s) updated" in decided.body
    # first: 10; second is now the 2nd in a row: 10 + 2 bonus
    assert (await h.repos.scores.totals("discord", PLACE.space_id, "test", you.user_id)).points == 22
    streaks = await h.repos.answers.user_streaks("discord", PLACE.space_id, "test", you.user_id, h.clock())
    assert streaks == (2, 2)


async def test_an_answer_the_grader_could_not_decide_waits_in_the_queue(h):
    _, graded = await graded_quiz_answer(h, student(1), "unsure about this one")
    assert graded.title.startswith("With the course staff") and not graded.buttons
    queue = await h.command("/review")
    assert "left undecided by the grader" in queue.body
    dispute_id = int(queue.body.split("**#")[1].split("**")[0])
    rejected = await h.command(f"/review reject {dispute_id}")
    assert "not right" in rejected.body  # an undecided answer rejected is marked wrong
    assert "Your answer was reviewed" in (h.platform.told[-1][2].title or "")


async def test_a_practice_grade_can_be_disputed_too(h):
    you = student(1)
    await h.command("/practice", user=you)
    graded = await h.command("/practice answer no idea", user=you)
    sent = await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, dispute_value(graded), "")
    assert sent.title.startswith("Dispute #")
    dispute_id = int(sent.title.split("#")[1].split()[0])
    decided = await h.command(f"/review accept {dispute_id} partial")
    assert "partly right" in decided.body


@pytest.mark.parametrize(
    "case",
    ["someone else's", "twice", "expired", "too long", "unknown", "decided", "non-admin review", "bad ref", "ungraded"],
)
async def test_bad_requests_get_a_clear_reply_and_change_nothing(h, database, case):
    you, other = student(1), student(2)
    _, graded = await graded_quiz_answer(h, you, "no idea")
    ref = dispute_value(graded)
    if case == "twice":
        await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, ref, "")
    if case == "decided":
        await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, ref, "")
        dispute_id = int((await h.command("/review")).body.split("**#")[1].split("**")[0])
        await h.command(f"/review reject {dispute_id}")
    before = row_counts(database)
    if case == "someone else's":
        reply = await h.bot.submit_answer(other, PLACE, ButtonAction.DISPUTE, ref, "")
        expected = "only dispute your own"
    elif case == "twice":
        reply = await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, ref, "")
        expected = "already disputed"
    elif case == "expired":
        h.clock.advance(days=8)
        reply = await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, ref, "")
        expected = "7 days"
    elif case == "too long":
        reply = await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, ref, "@everyone " * 1000)
        expected = "under 500 characters"
    elif case == "unknown":
        reply = await h.command("/review accept 999 correct")
        expected = "no dispute #999"
    elif case == "decided":
        reply = await h.command(f"/review accept {dispute_id} correct")
        expected = "already rejected"
    elif case == "non-admin review":
        reply = await h.command("/review", user=you)
        expected = "only course admins"
    elif case == "ungraded":
        from sqlalchemy import text

        with database.write() as conn:  # as after a crash: recorded, not graded yet
            conn.execute(text("UPDATE quiz_answers SET graded_at = NULL"))
        before = row_counts(database)
        reply = await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, ref, "")
        expected = "not graded yet"
    else:
        reply = await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, "quiz:abc", "")
        expected = "doesn't exist"
    assert reply.kind in ("error", "usage") and expected in reply.body, reply.as_text()
    assert row_counts(database) == before


async def test_the_dispute_window_is_a_setting(database):
    h = make_harness(database, STUDYBOT_DISPUTE_DAYS=1)
    try:
        _, graded = await graded_quiz_answer(h, student(1), "no idea")
        h.clock.advance(days=1, minutes=1)
        reply = await h.bot.submit_answer(student(1), PLACE, ButtonAction.DISPUTE, dispute_value(graded), "")
        assert "1 day after grading" in reply.body
        assert h.feature.disputes.window == timedelta(days=1)
    finally:
        await h.close()


async def test_a_decision_moves_points_in_the_week_the_answer_was_given(h):
    you = student(1)
    h.clock.advance(days=6, hours=14)  # Sunday 19 Jan, 23:00 UTC: the last hour of the week
    _, graded = await graded_quiz_answer(h, you, "no idea")
    h.clock.advance(hours=2)  # disputed and decided on Monday, in the next week
    await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, dispute_value(graded), "")
    dispute_id = int((await h.command("/review")).body.split("**#")[1].split("**")[0])
    await h.command(f"/review accept {dispute_id} correct")
    last_week = await h.repos.scores.leaderboard("discord", PLACE.space_id, "test", Period.WEEK, "2025-01-13", "u1")
    this_week = await h.repos.scores.leaderboard("discord", PLACE.space_id, "test", Period.WEEK, "2025-01-20", "u1")
    assert last_week.me is not None and last_week.me.points == 10
    assert this_week.me is None


async def test_two_decisions_on_one_streak_at_once_both_count(h):
    you = student(1)
    await h.command("/quiz schedule 10:00")
    h.clock.advance(hours=1)
    graded = []
    for text in ("no idea", "no idea", "right"):  # wrong, wrong, right: 0 + 0 + 10
        graded.append((await graded_quiz_answer(h, you, text, scheduled=True))[1])
        h.clock.advance(days=1)
    h.clock.advance(days=-2)  # within the dispute window of the first
    for reply in graded[:2]:
        await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, dispute_value(reply), "")
    first, second = (int(part.split("**")[0]) for part in (await h.command("/review")).body.split("**#")[1:3])
    other_admin = User("discord", "admin2", "Admin 2", is_admin=True)
    await asyncio.gather(
        h.bot.submit_answer(ADMIN, PLACE, ButtonAction.REVIEW_CORRECT, str(first), ""),
        h.bot.submit_answer(other_admin, PLACE, ButtonAction.REVIEW_CORRECT, str(second), ""),
    )
    # now right, right, right: 10 + (10 + 2) + (10 + 4), streaks 1, 2, 3
    assert (await h.repos.scores.totals("discord", PLACE.space_id, "test", you.user_id)).points == 36
    streaks = await h.repos.answers.user_streaks("discord", PLACE.space_id, "test", you.user_id, h.clock())
    assert streaks[1] == 3


async def test_an_undecided_answer_missing_from_the_queue_is_queued_when_disputed(h, database):
    from sqlalchemy import text

    await graded_quiz_answer(h, student(1), "unsure about this one")
    with database.write() as conn:  # as if queueing it had failed when it was graded
        conn.execute(text("DELETE FROM disputes"))
    reply = await h.command("/dispute", user=student(1))
    assert "already with the course staff" in reply.body
    assert "left undecided by the grader" in (await h.command("/review")).body


async def test_a_dispute_id_must_be_ascii_digits(h):
    reply = await h.command("/review accept ² correct")
    assert reply.kind == "usage" and "/review accept 12 correct" in reply.body


async def test_a_decision_after_a_timezone_change_still_counts_its_points(h):
    you = student(1)
    h.clock.advance(days=6, hours=14)  # Sunday 19 Jan, 23:00 UTC
    _, graded = await graded_quiz_answer(h, you, "no idea")
    await h.bot.submit_answer(you, PLACE, ButtonAction.DISPUTE, dispute_value(graded), "")
    await h.command("/quiz schedule 10:00 Asia/Tokyo")  # Sunday 23:00 UTC is Monday 08:00 in Tokyo
    dispute_id = int((await h.command("/review")).body.split("**#")[1].split("**")[0])
    await h.command(f"/review accept {dispute_id} correct")
    tokyo_week = await h.repos.scores.leaderboard("discord", PLACE.space_id, "test", Period.WEEK, "2025-01-20", "u1")
    assert tokyo_week.me is not None and tokyo_week.me.points == 10
    assert (await h.repos.scores.totals("discord", PLACE.space_id, "test", you.user_id)).points == 10
