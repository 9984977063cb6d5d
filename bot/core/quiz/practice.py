"""``/practice``: each student's most-due question by spaced repetition, graded like a quiz.

The grade becomes a review rating: incorrect -> Again, partial -> Hard, correct -> Good, correct with a
score of at least :data:`EASY_SCORE` -> Easy. Cards and review logs are stored per student (platform,
space, user); practice earns no leaderboard points.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.grade import Grade, Verdict
from bot.core.pack import CoursePack, QAItem
from bot.core.quiz import replies, texts
from bot.core.quiz.model import GradedResult, PracticeCard, PracticeReview
from bot.core.quiz.ports import PracticeRepository, ReviewAlgorithm
from bot.core.quiz.worker import GradeBatcher
from bot.core.text import MAX_ANSWER_CHARS, clean_text
from bot.core.types import Place, Reply, User

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
        pack: CoursePack,
        cards: PracticeRepository,
        algorithm: ReviewAlgorithm,
        batcher: GradeBatcher,
        clock: Callable[[], datetime],
    ) -> None:
        self.pack = pack
        self.cards = cards
        self.algorithm = algorithm
        self.batcher = batcher
        self.clock = clock
        self._shown: dict[tuple[str, str, str], str] = {}  # (platform, space, user) -> question id

    async def most_due(self, user: User, place: Place) -> tuple[QAItem, PracticeCard | None] | None:
        """The card due longest ago; a question never practised counts as due now. Ties: course order."""
        now = self.clock()
        cards = {
            c.question_id: c for c in await self.cards.cards(place.platform, place.space_id, user.user_id)
        }
        best: tuple[tuple[datetime, int], QAItem, PracticeCard | None] | None = None
        for index, item in enumerate(self.pack.answered):
            card = cards.get(item.id)
            key = (card.due if card else now, index)
            if best is None or key < best[0]:
                best = (key, item, card)
        return None if best is None else (best[1], best[2])

    async def show(self, user: User, place: Place) -> Reply:
        found = await self.most_due(user, place)
        if found is None:
            return texts.nothing_to_practise()
        item, card = found
        self._shown[(place.platform, place.space_id, user.user_id)] = item.id
        return replies.practice_question(
            item, card.due if card else None, self.clock(), card.reviews if card else 0
        )

    async def answer_current(self, user: User, place: Place, text: str) -> Reply:
        """``/practice answer TEXT``: answer the question ``/practice`` showed last (else the most due)."""
        question_id = self._shown.get((place.platform, place.space_id, user.user_id))
        if question_id is None:
            found = await self.most_due(user, place)
            if found is None:
                return texts.nothing_to_practise()
            question_id = found[0].id
        return await self.answer(user, place, question_id, text)

    async def answer(self, user: User, place: Place, question_id: str, text: str) -> Reply:
        """A practice answer (``ButtonAction.ANSWER_PRACTICE``, value = question id)."""
        item = self.pack.get(question_id.strip())
        if item is None or not item.answered:
            return texts.practice_question_gone()
        cleaned = clean_text(text)
        if not cleaned:
            return texts.empty_answer()
        if len(cleaned) > MAX_ANSWER_CHARS:
            return texts.answer_too_long()
        grade = await self.batcher.grade(item, cleaned)
        rating = rating_for(grade)
        now = self.clock()
        existing = {
            c.question_id: c for c in await self.cards.cards(place.platform, place.space_id, user.user_id)
        }
        card = existing.get(item.id)
        state = card.state if card else self.algorithm.new_card(now)[0]
        new_state, due, review_log = self.algorithm.review(state, rating, now)
        updated = PracticeCard(
            platform=place.platform,
            space_id=place.space_id,
            user_id=user.user_id,
            question_id=item.id,
            due=due,
            state=new_state,
            reviews=(card.reviews if card else 0) + 1,
        )
        review = PracticeReview(
            platform=place.platform,
            space_id=place.space_id,
            user_id=user.user_id,
            question_id=item.id,
            rating=rating,
            verdict=grade.verdict,
            score=grade.score,
            reviewed_at=now,
            log=review_log,
        )
        await self.cards.save_review(updated, review)
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
        reply = replies.graded(result, item.answer, points=False)
        next_review = replies.next_review_text(due, now)
        footer = (
            f"Rated {RATING_NAMES[rating]} · next review {next_review} · `/practice` for the next question"
        )
        return Reply(title=reply.title, body=reply.body, fields=reply.fields, footer=footer, kind=reply.kind)
