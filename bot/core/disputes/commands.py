"""``/dispute`` (students), ``/review`` (admins) and the buttons of both: "Dispute this grade" on a
grade, and Accept as correct / Accept as partial / Reject on each item of ``/review``."""

from __future__ import annotations

import re

from bot.core.commands import CommandSpec, UsageError
from bot.core.disputes import replies
from bot.core.disputes.service import DisputeService
from bot.core.studybot import StudyBot
from bot.core.types import ButtonAction, Place, Reply, User

DISPUTE_ID = re.compile(r"#?[0-9]{1,18}")  # ASCII digits only: "²" is a digit to str.isdigit()
DECISIONS = {
    ButtonAction.REVIEW_CORRECT: "correct",
    ButtonAction.REVIEW_PARTIAL: "partial",
    ButtonAction.REVIEW_REJECT: "reject",
}


class DisputeCommands:
    def __init__(self, service: DisputeService) -> None:
        self.service = service

    def register(self, bot: StudyBot) -> None:
        bot.router.register(
            CommandSpec(
                "dispute",
                replies.DISPUTE_USAGE,
                "ask the course staff to look again at your latest graded answer",
                self.dispute_command,
            )
        )
        bot.router.register(
            CommandSpec(
                "review",
                replies.REVIEW_USAGE,
                "the open disputes and undecided answers, and your decision on them",
                self.review_command,
                admin_only=True,
            )
        )
        bot.register_answer_handler(ButtonAction.DISPUTE, self.service.dispute)
        for action in DECISIONS:
            bot.register_answer_handler(action, self._decision_handler(action))

    async def dispute_command(self, user: User, place: Place, args: str) -> Reply:
        return await self.service.dispute_latest(user, place, args)

    async def review_command(self, user: User, place: Place, args: str) -> Reply:
        words = args.split(maxsplit=3)
        if not words:
            return await self.service.review(user, place)
        sub = words[0].lower()
        if sub not in ("accept", "reject") or len(words) < 2 or not DISPUTE_ID.fullmatch(words[1]):
            raise UsageError("Say which dispute and what you decide, e.g. `/review accept 12 correct`.")
        dispute_id = int(words[1].lstrip("#"))
        if sub == "reject":
            return await self.service.decide(user, place, dispute_id, "reject", " ".join(words[2:]))
        outcome = words[2].lower() if len(words) > 2 else ""
        if outcome not in ("correct", "partial"):
            raise UsageError("Accept as `correct` or `partial`, e.g. `/review accept 12 partial`.")
        return await self.service.decide(user, place, dispute_id, outcome, words[3] if len(words) > 3 else "")

    def _decision_handler(self, action: ButtonAction):  # type: ignore[no-untyped-def]
        outcome = DECISIONS[action]

        async def decide(user: User, place: Place, value: str, note: str) -> Reply:
            if not DISPUTE_ID.fullmatch(value.strip()):
                return replies.no_such_dispute(0)
            return await self.service.decide(user, place, int(value.strip().lstrip("#")), outcome, note)

        return decide


def register(bot: StudyBot, service: DisputeService) -> DisputeCommands:
    commands = DisputeCommands(service)
    commands.register(bot)
    return commands
