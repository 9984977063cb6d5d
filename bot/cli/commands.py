"""The ``studybot`` command. Heavy imports (torch, the model) happen inside commands, not at import.

Every command reads its settings first (``_settings``): a bad value ends it with one line naming the
setting, exit status 1, before any model loads.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from bot.app.tools import PackCheck

app = typer.Typer(
    help="StudyBot: a study companion for university courses (Discord, Slack and the console).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
content_app = typer.Typer(help="Import and validate course packs.", no_args_is_help=True)
app.add_typer(content_app, name="content")
db_app = typer.Typer(help="Manage the database (DATABASE_URL, default a SQLite file).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _quiet_libraries() -> None:
    """Model loading prints progress bars and warnings meant for ML developers, not bot users."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # read by transformers when (if) it loads


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings(quiet: bool = True):
    """The checked settings and every platform's, with logging set up; a bad one: one line, exit 1.

    Interactive commands log warnings only, unless STUDYBOT_LOG_LEVEL says otherwise.
    """
    from bot.app.logs import setup_logging
    from bot.app.platforms import load_platform_settings
    from bot.app.settings import SettingsError, load_settings

    try:
        settings = load_settings()
        platforms = load_platform_settings()
    except SettingsError as exc:
        _fail(str(exc))
    quiet_level = "WARNING" if quiet and "STUDYBOT_LOG_LEVEL" not in os.environ else None
    setup_logging(settings, platforms, level=quiet_level)
    return settings, platforms


COURSE_OPTION = typer.Option("--course", "-c", help="Course id (default: the first of STUDYBOT_PACKS).")


def _build_core(settings, *, course_only: bool = False, course_id: str | None = None):
    """``course_only``: one course and its models without the database (``ask``, ``grade``)."""
    _quiet_libraries()
    from bot.app.core import PackError, build_core, build_course
    from bot.app.settings import StartupError

    try:
        return build_course(settings, course_id=course_id) if course_only else build_core(settings)
    except PackError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except StartupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def chat(
    user: Annotated[str, typer.Option("--user", "-u", help="Your name in the chat.")] = "",
) -> None:
    """Chat with the bot in this terminal (reads commands line by line when piped)."""
    settings, _ = _settings()
    from bot.adapters.console.adapter import ConsoleAdapter, console_user

    core = _build_core(settings)
    name = user.strip() or getpass.getuser() or "student"
    adapter = ConsoleAdapter(core.bot, console_user(name))

    async def main() -> None:
        try:
            await core.attach(adapter)  # the console is the platform quizzes are posted to
            await adapter.run()
        finally:
            await core.aclose()

    asyncio.run(main())


@app.command()
def ask(
    queries: Annotated[
        list[str] | None, typer.Argument(help="One or more questions (quote each one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per query per line.")] = False,
    course: Annotated[str | None, COURSE_OPTION] = None,
) -> None:
    """Answer questions from the course, loading the model once for all of them."""
    settings, _ = _settings()
    from bot.core.ask_replies import ask_reply
    from bot.core.text import MAX_QUERY_CHARS, clean_text

    cleaned = [clean_text(q) for q in (queries or [])]
    if not cleaned or not all(cleaned):
        typer.echo(
            'usage: studybot ask [--json] "QUESTION" ["QUESTION" ...]  (questions may not be empty)', err=True
        )
        raise typer.Exit(2)
    too_long = [i + 1 for i, q in enumerate(cleaned) if len(q) > MAX_QUERY_CHARS]
    if too_long:
        typer.echo(
            f"error: question {too_long[0]} is over {MAX_QUERY_CHARS} characters; shorten it.", err=True
        )
        raise typer.Exit(2)
    core = _build_core(settings, course_only=True, course_id=course)
    results = core.ask.ask_many(cleaned)
    for result in results:
        if as_json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            typer.echo(ask_reply(result).as_text() + "\n")


grade_app = typer.Typer(
    help='Grade answers read as JSON lines {"question_id": "1.3", "answer": "..."} from stdin, in order.',
    invoke_without_command=True,
)
app.add_typer(grade_app, name="grade")


@grade_app.callback()
def grade(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines out (the default when piped).")] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Answers graded per model call.")] = 64,
    course: Annotated[str | None, COURSE_OPTION] = None,
) -> None:
    """Grade answers read as JSON lines {"question_id": "1.3", "answer": "..."} from stdin, in order."""
    if ctx.invoked_subcommand is not None:
        return
    settings, _ = _settings()
    core = _build_core(settings, course_only=True, course_id=course)
    from bot.cli.grading_lines import grade_lines

    for out in grade_lines(sys.stdin, core.pack, core.grader, batch=batch):
        if as_json or not sys.stdout.isatty():
            typer.echo(json.dumps(out, ensure_ascii=False))
        elif "error" in out:
            typer.echo(f"line {out['line']}: error: {out['error']}")
        else:
            typer.echo(f"{out['question_id']}: {out['verdict']} ({out['score']}/100)\n{out['feedback']}\n")


@app.command()
def run(
    platform: Annotated[
        list[str] | None,
        typer.Option(
            "--platform",
            "-p",
            help="Where to serve, by name: discord, slack, console (repeatable). Default: every platform whose settings are set.",
        ),
    ] = None,
) -> None:
    """Serve the bot on its chat platforms, in one process, until stopped (Ctrl-C or SIGTERM)."""
    settings, platforms = _settings(quiet=False)  # a server: its INFO log is how operators see it serve
    from bot.app.platforms import PLATFORMS, PlatformError, configured_names
    from bot.app.serve import serve

    names = list(dict.fromkeys(p.strip().lower() for p in platform or []))
    unknown = [n for n in names if n not in PLATFORMS]
    if unknown:
        _fail(f"unknown platform {unknown[0]!r}; choose one of: {', '.join(sorted(PLATFORMS))}", 2)
    if not names:
        names = configured_names(platforms)
    if not names:
        needing = [(n, e) for n, e in sorted(PLATFORMS.items()) if e.missing(platforms[n])]  # not the console
        lines = [f"  {name}: {entry.needs}" for name, entry in needing]
        _fail(
            "no chat platform is configured. Set the settings of at least one (environment or .env,\n"
            "see .env.example):\n" + "\n".join(lines) + "\nor chat in this terminal with `studybot chat`.",
            2,
        )
    problems = [
        f"{name} needs {', '.join(missing)}" for name in names if (missing := PLATFORMS[name].missing(platforms[name]))
    ]
    if problems:
        _fail("; ".join(problems) + " (see .env.example)", 2)
    import signal

    # Stopped while the platforms' credentials are probed: nothing is in flight yet, exit 0. From the
    # start of serve() on, bot/app/serve.py handles SIGTERM with a graceful shutdown instead.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    for name in names:  # a bad token fails in a second, before the model loads
        entry = PLATFORMS[name]
        if entry.probe is not None and entry.probe_before_start:
            found = asyncio.run(entry.probe(platforms[name]))
            if not found.ok:
                _fail(found.detail)
    # The HTTP server listens first (503 "starting" for Slack while the model loads), then the core is
    # built in a thread; a SIGTERM from then on is a graceful stop.
    try:
        asyncio.run(serve(lambda: _build_core(settings), names, settings=platforms, app_settings=settings))
    except PlatformError as exc:
        _fail(str(exc))


@app.command()
def doctor(
    no_model: Annotated[bool, typer.Option("--no-model", help="Skip loading the model.")] = False,
    no_network: Annotated[
        bool, typer.Option("--no-network", help="Skip the platforms' credential checks.")
    ] = False,
) -> None:
    """Check the settings, the database, the model and each platform's credentials; say what to fix."""
    settings, _ = _settings()
    _quiet_libraries()
    from bot.app.checks import Status, run_checks
    from bot.cli.doctor import render_table

    checks = run_checks(settings, model=not no_model, network=not no_network)
    typer.echo(render_table(checks))
    failed = [c for c in checks if c.status is Status.FAIL]
    if failed:
        typer.echo(f"\n{len(failed)} problem(s) to fix before `studybot run`.")
        raise typer.Exit(1)
    typer.echo("\nAll checks passed.")


@grade_app.command("export-labels")
def grade_export_labels(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the JSON lines.")],
    course: Annotated[str | None, typer.Option("--course", "-c", help="Only this course's.")] = None,
) -> None:
    """Write the disputes the course staff decided as labelled answers, for scripts/fit_grader.py --labels."""
    settings, _ = _settings()
    from bot.app.reports import export_labels
    from bot.app.settings import StartupError

    try:
        written = export_labels(settings, output, course)
    except StartupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"wrote {output}: {written} labelled answer(s)")


@app.command()
def insights(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the chart (PNG) here.")
    ] = None,
    period: Annotated[str, typer.Option("--period", "-p", help="week, month or all.")] = "week",
    course: Annotated[str | None, COURSE_OPTION] = None,
    platform: Annotated[str | None, typer.Option("--platform", help="Only this platform's spaces.")] = None,
    space: Annotated[str | None, typer.Option("--space", help="Only this space (server/workspace id).")] = None,
) -> None:
    """The course staff's insights: accuracy per question, disputes, what students asked that the
    course does not cover; with --output, the chart as a PNG."""
    settings, _ = _settings()
    _quiet_libraries()
    from bot.app.reports import insights_report
    from bot.app.settings import StartupError

    try:
        written = insights_report(
            settings, output=output, period=period, course_id=course, platform=platform, space_id=space
        )
    except StartupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(written.text)
    if output is not None:
        typer.echo(f"wrote {output}" if written.chart else f"no answers in this period: {output} not written")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations (the bot also applies them at start)."""
    settings, _ = _settings()
    from bot.app.settings import StartupError
    from bot.app.tools import upgrade_database

    try:
        shown, current = upgrade_database(settings, revision)
    except StartupError as exc:
        _fail(str(exc))
    typer.echo(f"database {shown} is at revision {current}")


@content_app.command("import")
def content_import(
    source: Annotated[Path, typer.Argument(help="Markdown Q&A document.", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the YAML pack.")],
    pack_id: Annotated[str, typer.Option("--id", help="Pack id (default: the output file's stem).")] = "",
    title: Annotated[str, typer.Option("--title", help="Course title (default: the first heading).")] = "",
) -> None:
    """Turn a Markdown Q&A document into a course pack."""
    from bot.app.tools import PackError, import_markdown_file

    try:
        pack = import_markdown_file(source, pack_id=pack_id or output.stem, title=title or None)
    except PackError as exc:
        _fail(str(exc), 2)
    output.write_text(pack.yaml_text, encoding="utf-8")
    typer.echo(f"wrote {output}: {pack.questions} questions ({pack.answered} with an answer)")


@content_app.command("check")
def content_check(
    packs: Annotated[
        list[Path] | None, typer.Argument(help="Pack files (default: every shipped pack).")
    ] = None,
    no_model: Annotated[
        bool,
        typer.Option(
            "--no-model", help="Skip the near-duplicate check and the separation report (no model load)."
        ),
    ] = False,
) -> None:
    """Validate packs: schema, duplicate ids, empty questions, near duplicates, off-course separation."""
    settings = None
    if not no_model:
        settings, _ = _settings()
        _quiet_libraries()
    from bot.app.tools import check_packs

    paths, checks = check_packs(packs, settings)
    for check in checks:
        _echo_pack_check(check)
    found = [p for check in checks for p in check.all_problems]
    errors = sum(1 for p in found if p.severity == "error")
    warnings = len(found) - errors
    typer.echo(f"checked {len(paths)} pack(s): {errors} error(s), {warnings} warning(s)")
    if errors:
        raise typer.Exit(1)


def _echo_pack_check(check: PackCheck) -> None:
    """A pack's problems, then its separation report (two lines) and the report's warning, if any."""
    for problem in check.problems:
        typer.echo(str(problem), err=problem.severity == "error")
    if check.separation is not None:
        for line in check.separation.lines():
            typer.echo(f"{check.file}: {line}")
        for problem in check.separation.problems(check.file):
            typer.echo(str(problem))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
