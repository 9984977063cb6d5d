"""``/practice``: each student's most-due question by spaced repetition, graded like a quiz.

The grade becomes a review rating: incorrect -> Again, partial -> Hard, correct -> Good, correct with a
score of at least :data:`EASY_SCORE` -> Easy. Cards and review logs are stored per student (platform,
space, course, user); practice earns no leaderboard points.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.core.courses.catalog import CourseCatalog
from bot.core.courses.model import Course, UnknownCourse
from bot.core.grade import Grade, Verdict
from bot.core.pack import QAItem
from bot.core.quiz import replies, texts
from bot.core.quiz.model import GradedResult, PracticeCard, PracticeReview
from bot.core.quiz.ports import PracticeRepository, ReviewAlgorithm, UndecidedListener
from bot.core.quiz.worker import GradeBatcher
from bot.core.text import MAX_ANSWER_CHARS, clean_text
from bot.core.types import Place, Reply, User

log = logging.getLogger(__name__)

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATING_NAMES = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}
EASY_SCORE = 90


def rating_for(grade: Grade) -> int:
    if grade.verdict is Verdict.CORRECT:
        return EASY if grade.score >= EASY_SCORE else GOOD
    if grade.verdict is Verdict.PARTIAL:
        return HARD
    return AGAIN


class PracticeService:
    def __init__(
        self,
        *,
        courses: CourseCatalog,
        cards: PracticeRepository,
        algorithm: ReviewAlgorithm,
        batcher: GradeBatcher,
        clock: Callable[[], datetime],
        undecided: UndecidedListener | None = None,
    ) -> None:
        self.undecided = undecided  # told of answers left to the course staff
        self.courses = courses
        self.cards = cards
        self.algorithm = algorithm
        self.batcher = batcher
        self.clock = clock
        # (platform, space, user) -> (course id, question id) shown last
        self._shown: dict[tuple[str, str, str], tuple[str, str]] = {}

    async def _cards(self, place: Place, course_id: str, user: User) -> dict[str, PracticeCard]:
        found = await self.cards.cards(place.platform, place.space_id, course_id, user.user_id)
        return {card.question_id: card for card in found}

    async def most_due(
        self, user: User, place: Place, course: Course
    ) -> tuple[QAItem, PracticeCard | None] | None:
        """The card due longest ago; a question never practised counts as due now. Ties: course order."""
        now = self.clock()
        cards = await self._cards(place, course.id, user)
        best: tuple[tuple[datetime, int], QAItem, PracticeCard | None] | None = None
        for index, item in enumerate(course.pack.answered):
            card = cards.get(item.id)
            key = (card.due if card else now, index)
            if best is None or key < best[0]:
                best = (key, item, card)
        return None if best is None else (best[1], best[2])

    async def show(self, user: User, place: Place) -> Reply:
        course = await self.courses.for_place(place)
        found = await self.most_due(user, place, course)
        if found is None:
            return texts.nothing_to_practise()
        item, card = found
        self._shown[(place.platform, place.space_id, user.user_id)] = (course.id, item.id)
        return replies.practice_question(
            item, card.due if card else None, self.clock(), card.reviews if card else 0, course.id
        )

    async def answer_current(self, user: User, place: Place, text: str) -> Reply:
        """``/practice answer TEXT``: answer the question ``/practice`` showed last (else the most due)."""
        shown = self._shown.get((place.platform, place.space_id, user.user_id))
        if shown is None:
            course = await self.courses.for_place(place)
            found = await self.most_due(user, place, course)
            if found is None:
                return texts.nothing_to_practise()
            shown = (course.id, found[0].id)
        return await self.answer(user, place, replies.practice_value(*shown), text)

    async def answer(self, user: User, place: Place, value: str, text: str) -> Reply:
        """A practice answer (``ButtonAction.ANSWER_PRACTICE``, value = ``course/question``; a bare
        question id, from a button made before there were courses, means the place's course)."""
        course_id, _, question_id = value.strip().rpartition("/")
        try:
            course = await (self.courses.get(course_id) if course_id else self.courses.for_place(place))
        except UnknownCourse:
            return texts.practice_question_gone()
        item = course.pack.get(question_id)
        if item is None or not item.answered or item in course.pack.retired:
            return texts.practice_question_gone()
        cleaned = clean_text(text)
        if not cleaned:
            return texts.empty_answer()
        if len(cleaned) > MAX_ANSWER_CHARS:
            return texts.answer_too_long()
        grade = await self.batcher.grade(item, cleaned, course.grader)
        rating = rating_for(grade)
        now = self.clock()
        card = (await self._cards(place, course.id, user)).get(item.id)
        state = card.state if card else self.algorithm.new_card(now)[0]
        new_state, due, review_log = self.algorithm.review(state, rating, now)
        updated = PracticeCard(
            platform=place.platform,
            space_id=place.space_id,
            course_id=course.id,
            user_id=user.user_id,
            question_id=item.id,
            due=due,
            state=new_state,
            reviews=(card.reviews if card else 0) + 1,
        )
        review = PracticeReview(
            platform=place.platform,
            space_id=place.space_id,
            course_id=course.id,
            user_id=user.user_id,
            question_id=item.id,
            rating=rating,
            verdict=grade.verdict,
            score=grade.score,
            reviewed_at=now,
            log=review_log,
            answer=cleaned,
            feedback=grade.feedback,
        )
        review_id = await self.cards.save_review(updated, review)
        if grade.verdict is Verdict.REVIEW and self.undecided is not None:
            try:
                await self.undecided.practice_answer_undecided(review_id, review, place.channel_id, user.display_name)
            except Exception:  # the grade is saved; the student's /dispute queues it later
                log.exception("queueing an undecided practice answer failed review=%s", review_id)
        self._shown.pop((place.platform, place.space_id, user.user_id), None)
        result = GradedResult(
            verdict=grade.verdict,
            score=grade.score,
            covered=grade.covered,
            missed=grade.missed,
            feedback=grade.feedback,
            points=0,
            bonus=0,
            streak=0,
        )
        reply = replies.graded(result, item.answer, points=False, dispute=f"practice:{review_id}")
        next_review = replies.next_review_text(due, now)
        footer = (
            f"Rated {RATING_NAMES[rating]} · next review {next_review} · `/practice` for the next question"
        )
        return Reply(
            title=reply.title,
            body=reply.body,
            fields=reply.fields,
            footer=footer,
            buttons=reply.buttons,
            kind=reply.kind,
        )
