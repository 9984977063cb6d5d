"""Practice: each user's spaced-repetition cards and the reviews that moved them."""


from __future__ import annotations

from sqlalchemy import select

from bot.core.quiz.model import (
    PracticeCard,
    PracticeReview,
)
from storage.db import Database
from storage.models import (
    practice_cards,
    practice_reviews,
)
from storage.repositories._common import (
    _insert,
)


class SqlPracticeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def cards(self, platform: str, space_id: str, course_id: str, user_id: str) -> list[PracticeCard]:
        return await self.db.run(self._cards, platform, space_id, course_id, user_id)

    def _cards(self, platform: str, space_id: str, course_id: str, user_id: str) -> list[PracticeCard]:
        c = practice_cards.c
        stmt = select(practice_cards).where(
            c.platform == platform, c.space_id == space_id, c.course_id == course_id, c.user_id == user_id
        )
        with self.db.read() as conn:
            return [
                PracticeCard(
                    r.platform,
                    r.space_id,
                    r.course_id,
                    r.user_id,
                    r.question_id,
                    r.due,
                    r.state,
                    int(r.reviews),
                )
                for r in conn.execute(stmt)
            ]

    async def save_review(self, card: PracticeCard, review: PracticeReview) -> int:
        return await self.db.run(self._save_review, card, review)

    def _save_review(self, card: PracticeCard, review: PracticeReview) -> int:
        values = {
            "platform": card.platform,
            "space_id": card.space_id,
            "course_id": card.course_id,
            "user_id": card.user_id,
            "question_id": card.question_id,
            "due": card.due,
            "state": card.state,
            "reviews": card.reviews,
        }
        ins = _insert(self.db, practice_cards).values(**values)
        upsert = ins.on_conflict_do_update(
            index_elements=["platform", "space_id", "course_id", "user_id", "question_id"],
            set_={"due": ins.excluded.due, "state": ins.excluded.state, "reviews": ins.excluded.reviews},
        )
        log = practice_reviews.insert().values(
            platform=review.platform,
            space_id=review.space_id,
            course_id=review.course_id,
            user_id=review.user_id,
            question_id=review.question_id,
            rating=review.rating,
            verdict=review.verdict.value,
            score=review.score,
            reviewed_at=review.reviewed_at,
            log=review.log,
            answer=review.answer,
            feedback=review.feedback,
        ).returning(practice_reviews.c.id)
        with self.db.write() as conn:
            conn.execute(upsert)
            return int(conn.execute(log).scalar_one())



