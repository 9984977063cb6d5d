"""The ``studybot`` command. Heavy imports (torch, the model) happen inside commands, not at import."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

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


def _setup_logging(quiet: bool = True) -> None:
    """Interactive commands log warnings only, unless STUDYBOT_LOG_LEVEL says otherwise."""
    from bot.config import Settings
    from bot.logging_setup import configure_logging

    settings = Settings()
    if quiet and "STUDYBOT_LOG_LEVEL" not in os.environ:
        settings = settings.model_copy(update={"log_level": "WARNING"})
    configure_logging(settings)


def _build_core(*, course_only: bool = False):
    """``course_only``: the course and its models without the database (``ask``, ``grade``)."""
    _quiet_libraries()
    from bot.__main__ import build_core, build_course
    from bot.config import StartupError
    from content.errors import PackError

    try:
        return build_course() if course_only else build_core()
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
    _setup_logging()
    from bot.adapters.console_adapter import ConsoleAdapter, console_user

    core = _build_core()
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
) -> None:
    """Answer questions from the course, loading the model once for all of them."""
    _setup_logging()
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
    core = _build_core(course_only=True)
    results = core.ask.ask_many(cleaned)
    for result in results:
        if as_json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            typer.echo(ask_reply(result).as_text() + "\n")


@app.command()
def grade(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines out (the default when piped).")] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Answers graded per model call.")] = 64,
) -> None:
    """Grade answers read as JSON lines {"question_id": "1.3", "answer": "..."} from stdin, in order."""
    _setup_logging()
    core = _build_core(course_only=True)
    from bot.grading_lines import grade_lines

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
            help="Where to serve: slack, discord (repeatable). Default: every platform whose settings are set.",
        ),
    ] = None,
) -> None:
    """Serve the bot on its chat platforms, in one process, until stopped (Ctrl-C or SIGTERM)."""
    _setup_logging(quiet=False)  # a server: its INFO log is how operators see it start and serve
    from bot.config import Settings
    from bot.runner import PLATFORMS, PlatformError
    from bot.serve import serve

    settings = Settings()
    names = list(dict.fromkeys(p.strip().lower() for p in platform or []))
    unknown = [n for n in names if n not in PLATFORMS]
    if unknown:
        known = ", ".join(sorted(PLATFORMS))
        typer.echo(f"error: unknown platform {unknown[0]!r}; choose one of: {known}", err=True)
        raise typer.Exit(2)
    if not names:
        names = [name for name, entry in PLATFORMS.items() if entry.is_configured(settings)]
    if not names:
        lines = [f"  {name}: {entry.needs}" for name, entry in sorted(PLATFORMS.items())]
        typer.echo(
            "error: no chat platform is configured. Set the settings of at least one (environment or .env,\n"
            "see .env.example):\n" + "\n".join(lines) + "\nor chat in this terminal with `studybot chat`.",
            err=True,
        )
        raise typer.Exit(2)
    problems = [
        f"{name} needs {', '.join(missing)}"
        for name in names
        if (missing := PLATFORMS[name].missing(settings))
    ]
    if problems:
        typer.echo("error: " + "; ".join(problems) + " (see .env.example)", err=True)
        raise typer.Exit(2)
    import signal

    # Stopped while starting (docker stop during the model load): nothing is in flight yet, exit 0.
    # Once serving, bot/serve.py handles SIGTERM with a graceful shutdown instead.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        for name in names:
            preflight = PLATFORMS[name].preflight
            if preflight is not None:
                asyncio.run(preflight(settings))
        core = _build_core()
        asyncio.run(serve(core, names))
    except PlatformError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def doctor(
    no_model: Annotated[bool, typer.Option("--no-model", help="Skip loading the model.")] = False,
    no_network: Annotated[
        bool, typer.Option("--no-network", help="Skip the platforms' credential checks.")
    ] = False,
) -> None:
    """Check the settings, the database, the model and each platform's credentials; say what to fix."""
    _setup_logging()
    _quiet_libraries()
    from bot.doctor import render_table, run_checks

    checks = run_checks(model=not no_model, network=not no_network)
    typer.echo(render_table(checks))
    failed = [c for c in checks if c.status == "fail"]
    if failed:
        typer.echo(f"\n{len(failed)} problem(s) to fix before `studybot run`.")
        raise typer.Exit(1)
    typer.echo("\nAll checks passed.")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations (the bot also applies them at start)."""
    from bot.config import Settings
    from storage.db import Database, redacted
    from storage.migrate import upgrade

    url = Settings().resolved_database_url
    database = Database(url)
    try:
        current = upgrade(database, revision)
    except Exception as exc:
        typer.echo(f"error: migrating {redacted(url)} failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        database.close()
    typer.echo(f"database {redacted(url)} is at revision {current}")


@content_app.command("import")
def content_import(
    source: Annotated[Path, typer.Argument(help="Markdown Q&A document.", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the YAML pack.")],
    pack_id: Annotated[str, typer.Option("--id", help="Pack id (default: the output file's stem).")] = "",
    title: Annotated[str, typer.Option("--title", help="Course title (default: the first heading).")] = "",
) -> None:
    """Turn a Markdown Q&A document into a course pack."""
    from content.errors import PackError
    from content.importer import dump_pack_yaml, import_markdown

    try:
        data = import_markdown(
            source.read_text(encoding="utf-8"), pack_id=pack_id or output.stem, title=title or None
        )
    except PackError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    output.write_text(dump_pack_yaml(data), encoding="utf-8")
    answered = sum(1 for q in data["questions"] if q.get("answer"))
    typer.echo(f"wrote {output}: {len(data['questions'])} questions ({answered} with an answer)")


@content_app.command("check")
def content_check(
    packs: Annotated[
        list[Path] | None, typer.Argument(help="Pack files (default: every shipped pack).")
    ] = None,
    no_model: Annotated[
        bool, typer.Option("--no-model", help="Skip the near-duplicate check (no model load).")
    ] = False,
) -> None:
    """Validate packs: schema, duplicate ids, empty questions, near-duplicate questions."""
    from content.checker import check_packs
    from content.loader import shipped_pack_paths

    paths = list(packs or shipped_pack_paths())
    embedder = None
    if not no_model:
        _quiet_libraries()
        from bot.__main__ import build_embedder
        from bot.config import Settings

        embedder = build_embedder(Settings())
    problems = check_packs(paths, embedder)
    for problem in problems:
        typer.echo(str(problem), err=problem.severity == "error")
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    typer.echo(f"checked {len(paths)} pack(s): {errors} error(s), {warnings} warning(s)")
    if errors:
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
