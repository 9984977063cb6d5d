"""Scores: leaderboards and a user's totals, read from the totals the answers' grades keep."""


from __future__ import annotations

from sqlalchemy import and_, func, select

from bot.core.quiz.model import (
    Leaderboard,
    LeaderboardRow,
    Period,
    Totals,
)
from storage.db import Database
from storage.models import (
    score_totals,
)


class SqlScoreRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def leaderboard(
        self,
        platform: str,
        space_id: str,
        course_id: str,
        period: Period,
        key: str,
        user_id: str,
        limit: int = 10,
    ) -> Leaderboard:
        return await self.db.run(
            self._leaderboard, platform, space_id, course_id, period, key, user_id, limit
        )

    def _leaderboard(
        self,
        platform: str,
        space_id: str,
        course_id: str,
        period: Period,
        key: str,
        user_id: str,
        limit: int,
    ) -> Leaderboard:
        t = score_totals.c
        bucket = and_(
            t.platform == platform,
            t.space_id == space_id,
            t.course_id == course_id,
            t.period == period.value,
            t.period_key == key,
        )
        mine = select(t.points).where(bucket, t.user_id == user_id).scalar_subquery()
        figures = select(  # one round trip: players, my points and name, and how many are ahead of me
            select(func.count()).where(bucket).scalar_subquery().label("players"),
            mine.label("points"),
            select(t.display_name).where(bucket, t.user_id == user_id).scalar_subquery().label("name"),
            select(func.count()).where(bucket, t.points > mine).scalar_subquery().label("ahead"),
        )
        with self.db.read() as conn:
            top = conn.execute(
                select(t.user_id, t.display_name, t.points)
                .where(bucket)
                .order_by(t.points.desc(), t.user_id)
                .limit(limit)
            ).all()
            players, my_points, my_name, ahead = conn.execute(figures).one()
        rows: list[LeaderboardRow] = []
        for index, row in enumerate(top):
            rank = rows[-1].rank if rows and rows[-1].points == row.points else index + 1
            rows.append(LeaderboardRow(rank, row.user_id, row.display_name, int(row.points)))
        me = None
        if my_points is not None:
            me = LeaderboardRow(1 + int(ahead), user_id, my_name, int(my_points))
        return Leaderboard(period, key, tuple(rows), me, int(players))

    async def totals(self, platform: str, space_id: str, course_id: str, user_id: str) -> Totals:
        return await self.db.run(self._totals, platform, space_id, course_id, user_id)

    def _totals(self, platform: str, space_id: str, course_id: str, user_id: str) -> Totals:
        t = score_totals.c
        bucket = and_(
            t.platform == platform,
            t.space_id == space_id,
            t.course_id == course_id,
            t.period == Period.ALL.value,
            t.period_key == "all",
        )
        with self.db.read() as conn:
            mine = conn.execute(
                select(t.points, t.answers, t.correct).where(bucket, t.user_id == user_id)
            ).first()
            players = conn.execute(select(func.count()).where(bucket)).scalar_one()
            if mine is None:
                return Totals(players=int(players))
            above = conn.execute(select(func.count()).where(bucket, t.points > mine.points)).scalar_one()
        return Totals(
            int(mine.points), int(mine.answers), int(mine.correct), 1 + int(above), int(players)
        )
