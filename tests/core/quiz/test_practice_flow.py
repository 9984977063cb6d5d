"""/practice: most-due question by FSRS, graded like a quiz, stored per student, no leaderboard points."""

from __future__ import annotations

from bot.core.quiz.model import Period
from bot.core.types import ButtonAction
from tests.support.quiz import PLACE, student


async def test_new_students_start_with_the_first_question(h):
    reply = await h.command("/practice", user=student(1))
    assert reply.title == "Practice · question 1.1" and "New question" in reply.body
    (button,) = reply.buttons
    assert button.action is ButtonAction.ANSWER_PRACTICE and button.value == "test/1.1"


async def test_answer_is_graded_rated_and_scheduled(h):
    you = student(1)
    await h.command("/practice", user=you)
    reply = await h.command("/practice answer that is right", user=you)
    assert reply.kind == "grade" and reply.title.startswith("Correct")
    assert "Rated Easy" in reply.footer and "next review in" in reply.footer
    (card,) = await h.repos.practice.cards("discord", PLACE.space_id, "test", "u1")
    assert card.question_id == "1.1" and card.reviews == 1 and card.due > h.clock()
    assert "Points" not in dict(reply.fields)
    board = await h.repos.scores.leaderboard("discord", PLACE.space_id, "test", Period.ALL, "all", "u1")
    assert board.players == 0  # practice earns no leaderboard points


async def test_most_due_comes_first(h):
    you = student(2)
    wrong = await h.bot.submit_answer(you, PLACE, ButtonAction.ANSWER_PRACTICE, "1.1", "no idea")
    assert "Rated Again" in wrong.footer  # due again in a minute
    await h.bot.submit_answer(you, PLACE, ButtonAction.ANSWER_PRACTICE, "1.2", "right")
    assert (await h.command("/practice", user=you)).title.endswith("1.3")  # never seen: due now
    await h.bot.submit_answer(you, PLACE, ButtonAction.ANSWER_PRACTICE, "1.3", "barely right")
    h.clock.advance(minutes=2)
    again = await h.command("/practice", user=you)
    assert again.title.endswith("1.1") and "Due for review" in again.body
    await h.command("/practice answer right", user=you)
    h.clock.advance(minutes=1)
    early = await h.command("/practice", user=you)  # nothing due: the soonest one, early
    assert "a little early" in early.body


async def test_cards_are_per_student(h):
    await h.bot.submit_answer(student(1), PLACE, ButtonAction.ANSWER_PRACTICE, "1.1", "right")
    assert (await h.command("/practice", user=student(1))).title.endswith("1.2")
    assert (await h.command("/practice", user=student(2))).title.endswith("1.1")


async def test_practice_guards(h):
    gone = await h.bot.submit_answer(student(1), PLACE, ButtonAction.ANSWER_PRACTICE, "1.4", "right")
    assert gone.kind == "error"  # no reference answer: not practisable
    usage = await h.command("/practice answer", user=student(1))
    assert usage.kind == "usage"
    unknown = await h.command("/practice later", user=student(1))
    assert unknown.kind == "usage"
