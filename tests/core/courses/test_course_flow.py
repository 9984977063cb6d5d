"""Many courses in one bot, end to end on a real database: choosing a course per space or channel,
everything students do kept per course, and switching back finding it again."""

from __future__ import annotations

import pytest

from bot.core.pack import CoursePack, QAItem
from bot.core.quiz.model import Period
from bot.core.types import ButtonAction, Place, User
from tests.support.quiz import PLACE, make_harness, student

OTHER = CoursePack(
    id="cooking",
    title="Cooking basics",
    questions=(
        QAItem("c.1", "Why do we salt pasta water?", "It seasons the pasta from the inside.", ("seasons",)),
        QAItem("c.2", "What does resting meat do?", "Juices settle back, so less runs out.", ("juices",)),
    ),
)
ELSEWHERE = Place(PLACE.platform, PLACE.space_id, "another-channel")


@pytest.fixture
async def h(database):
    harness = make_harness(database, extra_packs=[OTHER])
    yield harness
    await harness.close()


async def answer_quiz(h, user: User, text: str, place: Place = PLACE):
    quiz = await h.service.open_quiz(place)
    assert quiz is not None
    return await h.bot.submit_answer(user, place, ButtonAction.ANSWER_QUIZ, quiz.id, text)


async def test_course_list_shows_every_course_and_the_one_used_here(h):
    reply = await h.command("/course list", user=student(1))
    assert "`test` — Test course (4 questions) ← used here" in reply.body
    assert "`cooking` — Cooking basics (2 questions)" in reply.body


async def test_only_admins_choose_a_course_and_an_unknown_id_is_named(h):
    refused = await h.command("/course use cooking", user=student(1))
    assert refused.kind == "error" and "only course admins" in refused.body
    unknown = await h.command("/course use nope")
    assert unknown.kind == "error" and "no course `nope`" in unknown.body and "`cooking`" in unknown.body
    assert await h.bot.courses.course_id_for(PLACE) == "test"  # nothing changed


async def test_switching_courses_never_mixes_points_and_switching_back_finds_them(h):
    await h.command("/quiz now")
    assert (await answer_quiz(h, student(1), "right")).title.startswith("Correct")
    before = await h.service.leaderboard(student(1), PLACE, Period.ALL)
    assert "Student 1" in before.body

    status_before = await h.command("/quiz status", user=student(1))
    reply = await h.command("/course use cooking")
    assert "Cooking basics" in reply.body
    assert await h.service.open_quiz(PLACE) is None  # the other course's quiz is not this one's
    assert (await h.command("/quiz status", user=student(1))).as_text() != status_before.as_text()
    assert "No points yet" in (await h.service.leaderboard(student(1), PLACE, Period.ALL)).body
    assert (await h.repos.scores.totals("discord", PLACE.space_id, "cooking", "u1")).points == 0

    await h.command("/quiz now")
    quiz = await h.service.open_quiz(PLACE)
    assert quiz is not None and quiz.course_id == "cooking" and quiz.question_id.startswith("c.")
    await answer_quiz(h, student(2), "right")
    cooking = await h.service.leaderboard(student(2), PLACE, Period.ALL)
    assert "Student 2" in cooking.body and "Student 1" not in cooking.body

    await h.command("/course use test")
    again = await h.service.leaderboard(student(1), PLACE, Period.ALL)
    assert "Student 1" in again.body and "Student 2" not in again.body


async def test_a_channel_can_use_another_course_than_its_space(h):
    await h.command("/course use cooking here", place=ELSEWHERE)
    assert await h.bot.courses.course_id_for(ELSEWHERE) == "cooking"
    assert await h.bot.courses.course_id_for(PLACE) == "test"
    answer = await h.command("/ask why salt the pasta water", user=student(1), place=ELSEWHERE)
    assert "seasons the pasta" in answer.body
    listed = await h.command("/course list", place=ELSEWHERE)
    assert "`cooking` — Cooking basics (2 questions) ← used in this channel" in listed.body
    refused = await h.command("/course reset", user=student(1), place=ELSEWHERE)
    assert refused.kind == "error" and await h.bot.courses.course_id_for(ELSEWHERE) == "cooking"
    reset = await h.command("/course reset", place=ELSEWHERE)
    assert "server's course again: **Test course**" in reset.body
    assert await h.bot.courses.course_id_for(ELSEWHERE) == "test"
    again = await h.command("/course reset", place=ELSEWHERE)
    assert "already uses the server's course" in again.body


async def test_practice_cards_are_kept_per_course(h):
    you = student(1)
    first = await h.command("/practice", user=you)
    (button,) = first.buttons
    await h.command("/course use cooking")
    cooking = await h.command("/practice", user=you)
    assert cooking.title == "Practice · question c.1"
    # the button shown before the switch still answers its own course's question
    graded = await h.bot.submit_answer(you, PLACE, ButtonAction.ANSWER_PRACTICE, button.value, "right")
    assert graded.kind == "grade"
    (card,) = await h.repos.practice.cards("discord", PLACE.space_id, "test", "u1")
    assert card.question_id == "1.1"
    assert await h.repos.practice.cards("discord", PLACE.space_id, "cooking", "u1") == []


async def test_a_schedule_posts_from_the_course_of_its_channel(h):
    await h.command("/course use cooking here")
    await h.command("/quiz schedule 10:00")
    h.clock.advance(hours=1)
    quiz = await h.service.run_schedule(PLACE)
    assert quiz is not None and quiz.course_id == "cooking"


async def test_a_second_replica_sees_a_choice_made_on_the_first(h, database):
    other = make_harness(database, extra_packs=[OTHER], refresh_s=0.0)  # reads choices every time
    try:
        assert await other.bot.courses.course_id_for(PLACE) == "test"
        await h.command("/course use cooking")
        assert await other.bot.courses.course_id_for(PLACE) == "cooking"
    finally:
        await other.close()


class FlakyChoices:
    """Course choices in memory whose "database" can be cut."""

    def __init__(self) -> None:
        from bot.core.courses.catalog import MemoryChoices

        self.kept = MemoryChoices()
        self.down = False

    async def choices(self, platform: str, space_id: str) -> dict[str, str]:
        if self.down:
            raise ConnectionError("database unavailable")
        return await self.kept.choices(platform, space_id)

    async def choose(self, *args: object) -> None:
        await self.kept.choose(*args)  # type: ignore[arg-type]


async def test_ask_answers_from_what_it_knew_while_the_database_is_down():
    from datetime import UTC, datetime

    from tests.support.quiz import catalog, small_pack

    store = FlakyChoices()
    courses = catalog(small_pack(), OTHER, choices=store, refresh_s=0.0)
    await courses.choose(PLACE, "cooking", datetime.now(UTC))
    assert await courses.course_id_for(PLACE) == "cooking"
    store.down = True
    assert await courses.course_id_for(PLACE) == "cooking"  # the last known choice
    assert await courses.course_id_for(Place("slack", "T1", "C1")) == "test"  # never seen: the default
    assert (await courses.for_place(PLACE)).id == "cooking"
