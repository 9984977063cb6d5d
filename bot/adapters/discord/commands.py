"""The slash commands, built from the core's command router.

Commands the adapter knows get native options (``/ask question share``, ``/quiz schedule time days
timezone window``, ``/leaderboard period``, ``/insights period``, ``/answer text``); any other command a
feature registers (``/dispute``, ``/review``...) gets one optional ``text`` option, so a new feature needs
no change here. Every callback
hands the words to the core as a ``Command``: the adapter never decides anything the core decides
(admin rules included).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.core.commands import CommandSpec
from bot.core.quiz.schedule import timezone_names
from bot.core.text import MAX_ANSWER_CHARS, MAX_QUERY_CHARS, clean_text, shorten

if TYPE_CHECKING:
    from bot.adapters.discord.client import DiscordAdapter

log = logging.getLogger(__name__)

DESCRIPTION_CHARS = 100
MAX_CHOICES = 25
MANAGE_SERVER = discord.Permissions(manage_guild=True)

AppCommand = app_commands.Command | app_commands.Group
Builder = Callable[["DiscordAdapter", CommandSpec], AppCommand]

# /quiz subcommands; each becomes "/quiz <name> <args>" for the core (bot/core/quiz/commands.py).
QUIZ_SUBCOMMANDS = {
    "schedule": "Post a daily quiz question in this channel at a set time",
    "pause": "Pause this channel's daily quiz",
    "resume": "Resume this channel's daily quiz",
    "now": "Post a quiz question in this channel now",
    "status": "Show this channel's quiz schedule",
    "unschedule": "Remove this channel's quiz schedule",
}
DAY_SUGGESTIONS = ("mon-fri", "mon-sun", "mon,wed,fri", "tue,thu", "sat,sun")


def description(spec: CommandSpec, fallback: str) -> str:
    return shorten(spec.summary or fallback, DESCRIPTION_CHARS)


def _join(*words: object) -> str:
    """Option values as one line; a value of another type than declared (the command changed since it
    was synced) is taken as its text."""
    return " ".join(str(w).strip() for w in words if w is not None and str(w).strip())


# --- autocomplete ---------------------------------------------------------------------------------
def _choices(values: list[str] | tuple[str, ...], current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower()
    found = [v for v in values if needle in v.lower()][:MAX_CHOICES]
    return [app_commands.Choice(name=shorten(v, 100), value=v[:100]) for v in found]


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return _choices(timezone_names(), current)


async def days_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return _choices(DAY_SUGGESTIONS, current)


# --- builders -------------------------------------------------------------------------------------
def build_ask(adapter: DiscordAdapter, spec: CommandSpec) -> AppCommand:
    @app_commands.command(name=spec.name, description=description(spec, "Ask a question about the course"))
    @app_commands.describe(
        question="Your question about the course",
        share="Post the answer in the channel for everyone (default: only you see it)",
    )
    async def ask(
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUERY_CHARS],
        share: bool = False,
    ) -> None:
        await adapter.run_command(interaction, spec.name, question, share=share)

    @ask.autocomplete("question")
    async def suggest(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Course questions containing every word typed so far (a student may pick one verbatim)."""
        words = clean_text(current).lower().split()
        if not words:
            return []
        _, place = adapter.who(interaction)
        questions = await adapter.bot.course_questions(place)
        found = [q for q in questions if all(w in q.lower() for w in words)]
        return [app_commands.Choice(name=shorten(q, 100), value=shorten(q, 100)) for q in found[:MAX_CHOICES]]

    return ask


def build_quiz(adapter: DiscordAdapter, spec: CommandSpec) -> AppCommand:
    """An admin group: Discord shows it to members with Manage Server by default; the core refuses
    admin subcommands to anyone else at run time, since server owners can change that default."""
    admin = spec.admin_only or bool(spec.admin_subcommands)
    group = app_commands.Group(
        name=spec.name,
        description=description(spec, "Daily quiz questions (admins)"),
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=MANAGE_SERVER if admin else None,
    )

    @group.command(name="schedule", description=QUIZ_SUBCOMMANDS["schedule"])
    @app_commands.describe(
        time="Time of day, 24-hour HH:MM (e.g. 09:00)",
        days="Days to post (e.g. mon-fri); every day when left out",
        timezone="IANA time zone (e.g. Europe/Berlin); the server's default when left out",
        window="How long answers are accepted (e.g. 30m, 2h, 24h); 24h when left out",
    )
    @app_commands.autocomplete(days=days_autocomplete, timezone=timezone_autocomplete)
    async def schedule(
        interaction: discord.Interaction,
        time: app_commands.Range[str, 4, 5],
        days: str = "",
        timezone: str = "",
        window: str = "",
    ) -> None:
        await adapter.run_command(interaction, spec.name, _join("schedule", time, days, timezone, window))

    for name, summary in QUIZ_SUBCOMMANDS.items():
        if name != "schedule":
            group.add_command(_plain_subcommand(adapter, spec, name, summary))
    return group


def _plain_subcommand(adapter: DiscordAdapter, spec: CommandSpec, name: str, summary: str) -> AppCommand:
    async def callback(interaction: discord.Interaction) -> None:
        await adapter.run_command(interaction, spec.name, name)

    return app_commands.Command(name=name, description=summary, callback=callback)


def build_course(adapter: DiscordAdapter, spec: CommandSpec) -> AppCommand:
    """``/course list | use | upload``: everyone lists; the core refuses ``use`` and ``upload`` to
    anyone but admins, whatever the server's command permissions say."""
    group = app_commands.Group(
        name=spec.name,
        description=description(spec, "The courses of this server"),
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )

    async def course_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(adapter.bot.courses.ids(), current)

    @group.command(name="list", description="The courses this bot knows, and the one used here")
    async def list_courses(interaction: discord.Interaction) -> None:
        await adapter.run_command(interaction, spec.name, "list")

    @group.command(name="use", description="Choose the course of this server, or of this channel (admins)")
    @app_commands.describe(course="The course id (see /course list)", here="Only this channel")
    @app_commands.autocomplete(course=course_autocomplete)
    async def use(interaction: discord.Interaction, course: app_commands.Range[str, 1, 64], here: bool = False) -> None:
        await adapter.run_command(interaction, spec.name, _join("use", course, "here" if here else None))

    @group.command(name="reset", description="Make this channel use the server's course again (admins)")
    async def reset(interaction: discord.Interaction) -> None:
        await adapter.run_command(interaction, spec.name, "reset")

    @group.command(name="upload", description="Upload a course: a Markdown Q&A document or a pack YAML (admins)")
    @app_commands.describe(file="The course document (.md or .yaml)")
    async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
        await adapter.upload_course(interaction, file)

    return group


def build_leaderboard(adapter: DiscordAdapter, spec: CommandSpec) -> AppCommand:
    @app_commands.command(name=spec.name, description=description(spec, "Top scores of this server"))
    @app_commands.describe(period="Which scores to count (default: this week)")
    @app_commands.guild_only()
    async def leaderboard(
        interaction: discord.Interaction, period: Literal["week", "month", "all"] | None = None
    ) -> None:
        await adapter.run_command(interaction, spec.name, period or "")

    return leaderboard


def build_insights(adapter: DiscordAdapter, spec: CommandSpec) -> AppCommand:
    """``/insights period`` (admins): offered to members with Manage Server by default; the core refuses
    anyone else at run time. The reply is private and carries the chart as a file."""

    @app_commands.command(name=spec.name, description=description(spec, "Course insights (admins)"))
    @app_commands.describe(period="Which answers and questions to count (default: the last 7 days)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def insights(
        interaction: discord.Interaction, period: Literal["week", "month", "all"] | None = None
    ) -> None:
        await adapter.run_command(interaction, spec.name, period or "")

    return insights


def build_answer(adapter: DiscordAdapter, spec: CommandSpec) -> AppCommand:
    """``/answer text``: answers the channel's open quiz without the button."""

    @app_commands.command(name=spec.name, description=description(spec, "Answer the open quiz"))
    @app_commands.describe(text="Your answer, in your own words")
    @app_commands.guild_only()
    async def answer(
        interaction: discord.Interaction, text: app_commands.Range[str, 1, MAX_ANSWER_CHARS]
    ) -> None:
        await adapter.run_command(interaction, spec.name, text)

    return answer


def build_plain(adapter: DiscordAdapter, spec: CommandSpec) -> AppCommand:
    """A command without options (``/stats``, ``/practice``, ``/help``)."""

    async def callback(interaction: discord.Interaction) -> None:
        await adapter.run_command(interaction, spec.name, "")

    command = app_commands.Command(
        name=spec.name, description=description(spec, spec.name), callback=callback
    )
    return command if spec.name == "help" else app_commands.guild_only()(command)


def build_generic(adapter: DiscordAdapter, spec: CommandSpec) -> AppCommand:
    """Any other command a feature registers: one optional free-text option, passed on as its args."""

    @app_commands.command(name=spec.name, description=description(spec, spec.name))
    @app_commands.describe(text=shorten(spec.usage or "Arguments", DESCRIPTION_CHARS))
    @app_commands.guild_only()
    async def generic(interaction: discord.Interaction, text: str = "") -> None:
        await adapter.run_command(interaction, spec.name, text)

    if spec.admin_only:
        generic.default_permissions = MANAGE_SERVER
    return generic


BUILDERS: dict[str, Builder] = {
    "ask": build_ask,
    "quiz": build_quiz,
    "answer": build_answer,
    "leaderboard": build_leaderboard,
    "insights": build_insights,
    "stats": build_plain,
    "practice": build_plain,
    "help": build_plain,
    "course": build_course,
}


def build_commands(adapter: DiscordAdapter, specs: list[CommandSpec]) -> list[AppCommand]:
    commands: list[AppCommand] = []
    for spec in specs:
        try:
            commands.append(BUILDERS.get(spec.name, build_generic)(adapter, spec))
        except ValueError:
            log.warning("command not offered on Discord (not a valid Discord name) command=%s", spec.name)
    return commands
