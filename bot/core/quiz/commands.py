"""The quiz feature's commands: ``/quiz``, ``/answer``, ``/leaderboard``, ``/stats``, ``/practice``.

:func:`register` puts them on a :class:`~bot.core.studybot.StudyBot` with the quiz and practice answer
handlers (``ButtonAction.ANSWER_QUIZ`` / ``ANSWER_PRACTICE``), so no adapter changes to add them.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.commands import CommandSpec, UsageError
from bot.core.quiz.model import Period
from bot.core.quiz.practice import PracticeService
from bot.core.quiz.replies import when_local_and_utc
from bot.core.quiz.schedule import (
    VALID_DAYS,
    VALID_TIME,
    VALID_TIMEZONE,
    VALID_WINDOW,
    ScheduleError,
    ScheduleRule,
    format_window,
    looks_like_days,
    looks_like_window,
    parse_days,
    parse_time,
    parse_timezone,
    parse_window,
    timezone_names,
)
from bot.core.quiz.service import QuizError, QuizService
from bot.core.studybot import StudyBot
from bot.core.types import ButtonAction, Place, Reply, User

QUIZ_USAGE = "/quiz now|schedule|pause|resume|status|unschedule"
SCHEDULE_USAGE = "/quiz schedule HH:MM [DAYS] [TIMEZONE] [WINDOW]"
SCHEDULE_EXAMPLE = "/quiz schedule 09:00 mon-fri Europe/Berlin 24h"
ADMIN_SUBCOMMANDS = frozenset({"now", "schedule", "pause", "resume", "unschedule"})
PERIOD_WORDS = {
    "": Period.WEEK,
    "week": Period.WEEK,
    "weekly": Period.WEEK,
    "month": Period.MONTH,
    "monthly": Period.MONTH,
    "all": Period.ALL,
    "alltime": Period.ALL,
    "all-time": Period.ALL,
    "ever": Period.ALL,
}


def schedule_help(problem: str | None = None) -> Reply:
    lines = [
        f"Usage: `{SCHEDULE_USAGE}`, e.g. `{SCHEDULE_EXAMPLE}`",
        f"HH:MM: {VALID_TIME}",
        f"DAYS (default daily): {VALID_DAYS}",
        f"TIMEZONE (default the server's): {VALID_TIMEZONE}",
        f"WINDOW (default 24h): how long answers are accepted — {VALID_WINDOW}",
    ]
    body = "\n".join(lines)
    return Reply(title="/quiz schedule", body=f"{problem}\n\n{body}" if problem else body, kind="usage")


def parse_schedule_args(tokens: list[str], default_timezone: str) -> tuple[ScheduleRule, timedelta | None]:
    """``09:00 mon-fri Europe/Berlin 24h`` in any order after the time; raises ScheduleError."""
    if not tokens:
        raise ScheduleError(f"Say when to post: {VALID_TIME}.")
    at = parse_time(tokens[0])
    days = timezone = window = None
    known_zones = {name.lower() for name in timezone_names()}
    for token in tokens[1:]:
        lowered = token.lower()
        if "/" in token or lowered in known_zones or lowered == "utc":
            if timezone is not None:
                raise ScheduleError(f"Give one timezone, not `{timezone}` and `{token}`.")
            timezone = parse_timezone(token)
        elif looks_like_window(token):
            if window is not None:
                raise ScheduleError("Give one answer window.")
            window = parse_window(token)
        elif looks_like_days(token):
            if days is not None:
                raise ScheduleError(
                    f"Give the days once, e.g. `mon-fri` or `mon,wed,fri` (got `{token}` too)."
                )
            days = parse_days(token)
        elif token[:1].isdigit():
            parse_window(token)  # raises with the valid window forms
        else:
            suffix = "/" + lowered
            zones = [name for name in timezone_names() if name.lower().endswith(suffix)][:3]
            hint = f" Did you mean {', '.join(zones)}?" if zones else ""
            raise ScheduleError(
                f"`{token[:40]}` is neither days ({VALID_DAYS}) nor a timezone ({VALID_TIMEZONE}).{hint}"
            )
    rule = ScheduleRule(at=at, days=days or parse_days("daily"), timezone=timezone or default_timezone)
    return rule, window


class QuizCommands:
    def __init__(self, quiz: QuizService, practice: PracticeService | None = None) -> None:
        self.quiz = quiz
        self.practice = practice

    def register(self, bot: StudyBot) -> None:
        r = bot.router
        r.register(
            CommandSpec(
                "quiz",
                QUIZ_USAGE,
                "post or schedule this channel's quiz (admins); `status` shows the schedule",
                self.quiz_command,
                admin_subcommands=ADMIN_SUBCOMMANDS,
            )
        )
        r.register(
            CommandSpec("answer", "/answer TEXT", "answer the open quiz in this channel", self.answer_command)
        )
        r.register(
            CommandSpec(
                "leaderboard",
                "/leaderboard [week|month|all]",
                "top 10 and your rank",
                self.leaderboard_command,
            )
        )
        r.register(
            CommandSpec("stats", "/stats", "your points, rank, accuracy and streaks", self.stats_command)
        )
        bot.register_answer_handler(ButtonAction.ANSWER_QUIZ, self.quiz.answer, acknowledges=True)
        if self.practice is not None:
            r.register(
                CommandSpec(
                    "practice",
                    "/practice [answer TEXT]",
                    "your most-due question by spaced repetition; `/practice answer TEXT` answers it",
                    self.practice_command,
                )
            )
            bot.register_answer_handler(ButtonAction.ANSWER_PRACTICE, self.practice.answer)

    # --- /quiz -------------------------------------------------------------------------------------
    async def quiz_command(self, user: User, place: Place, args: str) -> Reply:
        sub, _, rest = args.strip().partition(" ")
        sub = sub.lower()
        if sub == "now":
            try:
                quiz = await self.quiz.post_now(place)
            except QuizError as exc:
                return Reply(body=str(exc), kind="error")
            window = format_window(quiz.closes_at - quiz.posted_at)
            return Reply(
                body=f"Posted quiz question {quiz.question_id}; answers close in {window}.", kind="info"
            )
        if sub == "schedule":
            return await self._schedule(place, rest)
        if sub in ("pause", "resume"):
            schedule = await self.quiz.set_paused(place, sub == "pause")
            if schedule is None:
                return Reply(body=f"Nothing to {sub}: no quiz is scheduled in this channel.", kind="error")
            word = "paused" if sub == "pause" else "resumed"
            return Reply(body=f"Quiz schedule {word}: {schedule.rule.describe()}.", kind="info")
        if sub == "unschedule":
            removed = await self.quiz.unschedule(place)
            body = "Quiz schedule removed." if removed else "No quiz is scheduled in this channel."
            return Reply(body=body, kind="info" if removed else "error")
        if sub == "status":
            return await self.quiz.status(place)
        problem = f"Unknown `/quiz {sub[:20]}`." if sub else None
        raise UsageError(problem or "Choose what to do with the quiz.")

    async def _schedule(self, place: Place, rest: str) -> Reply:
        default_tz = await self.quiz.space_timezone(place)
        try:
            rule, window = parse_schedule_args(rest.split(), default_tz)
        except ScheduleError as exc:
            return schedule_help(str(exc))
        schedule = await self.quiz.set_schedule(place, rule, window)
        next_fire = rule.next_fire(self.quiz.clock())
        return Reply(
            title="Quiz scheduled",
            body=f"Quiz {rule.describe()}, answers open for {format_window(schedule.answer_window)}.",
            fields=(("Next quiz", when_local_and_utc(next_fire, rule.timezone)),),
            kind="info",
        )

    # --- the others --------------------------------------------------------------------------------
    async def answer_command(self, user: User, place: Place, args: str) -> Reply:
        if not args.strip():
            raise UsageError("Write your answer after the command, e.g. `/answer gradients flow backwards`.")
        return await self.quiz.answer_open(user, place, args)

    async def leaderboard_command(self, user: User, place: Place, args: str) -> Reply:
        period = PERIOD_WORDS.get(args.strip().lower())
        if period is None:
            raise UsageError(f"`{args.strip()[:20]}` is not a period: use week, month or all.")
        return await self.quiz.leaderboard(user, place, period)

    async def stats_command(self, user: User, place: Place, args: str) -> Reply:
        return await self.quiz.stats(user, place)

    async def practice_command(self, user: User, place: Place, args: str) -> Reply:
        assert self.practice is not None
        sub, _, rest = args.strip().partition(" ")
        if not sub:
            return await self.practice.show(user, place)
        if sub.lower() == "answer":
            if not rest.strip():
                raise UsageError("Write your answer after `/practice answer`.")
            return await self.practice.answer_current(user, place, rest)
        raise UsageError(f"Unknown `/practice {sub[:20]}`.")


def register(bot: StudyBot, quiz: QuizService, practice: PracticeService | None = None) -> QuizCommands:
    commands = QuizCommands(quiz, practice)
    commands.register(bot)
    return commands
