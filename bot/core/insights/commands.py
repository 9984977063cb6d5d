"""``/insights [week|month|all]`` (admins) and the ask log's hook on ``/ask``."""

from __future__ import annotations

from bot.core.commands import CommandSpec, UsageError
from bot.core.insights.service import InsightsService
from bot.core.studybot import StudyBot
from bot.core.types import Place, Reply, User


def register(bot: StudyBot, service: InsightsService) -> None:
    async def insights(user: User, place: Place, args: str) -> Reply:
        try:
            service.period(args)  # only a bad period is the user's mistake
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return await service.insights(place, args)

    bot.router.register(
        CommandSpec(
            "insights",
            "/insights [week|month|all]",
            "for the course staff: accuracy per question, disputes, and what students asked that the course does not cover",
            insights,
            admin_only=True,
        )
    )
    bot.ask_listeners.append(service.asked)
