"""Schedules (one per channel) and spaces (a workspace's or server's timezone)."""


from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, delete, select, update

from bot.core.quiz.model import (
    Schedule,
)
from bot.core.quiz.schedule import DAY_NAMES, ScheduleRule
from bot.core.types import Place
from storage.db import Database
from storage.models import (
    schedules,
    spaces,
)
from storage.repositories._common import (
    _at,
    _insert,
    each,
    first,
)


def _days_text(days: frozenset[int]) -> str:
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def _schedule(row: Row) -> Schedule:
    rule = ScheduleRule(
        at=time.fromisoformat(row.time_of_day),
        days=frozenset(DAY_NAMES.index(d) for d in row.days.split(",") if d),
        timezone=row.timezone,
    )
    return Schedule(
        place=Place(row.platform, row.space_id, row.channel_id),
        rule=rule,
        answer_window=timedelta(minutes=row.answer_window_minutes),
        paused=bool(row.paused),
        updated_at=row.updated_at,
    )


def _schedule_key(place: Place) -> Any:
    return _at(schedules, place)


class SqlScheduleRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, schedule: Schedule, now: datetime) -> Schedule:
        return await self.db.run(self._save, schedule, now)

    def _save(self, schedule: Schedule, now: datetime) -> Schedule:
        values = {
            "platform": schedule.place.platform,
            "space_id": schedule.place.space_id,
            "channel_id": schedule.place.channel_id,
            "time_of_day": schedule.rule.slot,
            "days": _days_text(schedule.rule.days),
            "timezone": schedule.rule.timezone,
            "answer_window_minutes": max(1, int(schedule.answer_window.total_seconds() // 60)),
            "paused": schedule.paused,
            "created_at": now,
            "updated_at": now,
        }
        ins = _insert(self.db, schedules).values(**values)
        stmt = ins.on_conflict_do_update(
            index_elements=["platform", "space_id", "channel_id"],
            set_={
                k: ins.excluded[k]
                for k in values
                if k not in ("platform", "space_id", "channel_id", "created_at")
            },
        )
        with self.db.write() as conn:
            conn.execute(stmt)
            return _schedule(conn.execute(select(schedules).where(_schedule_key(schedule.place))).one())

    async def get(self, place: Place) -> Schedule | None:
        return await self.db.query(select(schedules).where(_schedule_key(place)), first(_schedule))

    async def set_paused(self, place: Place, paused: bool, now: datetime) -> Schedule | None:
        return await self.db.run(self._set_paused, place, paused, now)

    def _set_paused(self, place: Place, paused: bool, now: datetime) -> Schedule | None:
        with self.db.write() as conn:
            conn.execute(
                update(schedules).where(_schedule_key(place)).values(paused=paused, updated_at=now)
            )
            row = conn.execute(select(schedules).where(_schedule_key(place))).first()
        return _schedule(row) if row else None

    async def delete(self, place: Place) -> bool:
        stmt = delete(schedules).where(_schedule_key(place))
        return await self.db.change(stmt, lambda result: result.rowcount > 0)

    async def in_space(self, platform: str, space_id: str) -> list[Schedule]:
        stmt = select(schedules).where(schedules.c.platform == platform, schedules.c.space_id == space_id)
        return await self.db.query(stmt.order_by(schedules.c.channel_id), each(_schedule))

    async def for_platforms(self, platforms: Collection[str]) -> list[Schedule]:
        if not platforms:
            return []
        stmt = select(schedules).where(schedules.c.platform.in_(list(platforms)))
        return await self.db.query(stmt, each(_schedule))



class SqlSpaceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def timezone(self, platform: str, space_id: str) -> str | None:
        stmt = select(spaces.c.timezone).where(
            spaces.c.platform == platform, spaces.c.space_id == space_id
        )
        return await self.db.query(stmt, lambda result: result.scalar_one_or_none())

    async def set_timezone(self, platform: str, space_id: str, timezone: str, now: datetime) -> None:
        ins = _insert(self.db, spaces).values(
            platform=platform, space_id=space_id, timezone=timezone, updated_at=now
        )
        stmt = ins.on_conflict_do_update(
            index_elements=["platform", "space_id"],
            set_={"timezone": ins.excluded.timezone, "updated_at": ins.excluded.updated_at},
        )
        await self.db.change(stmt)
