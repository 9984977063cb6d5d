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


def _quiet_libraries() -> None:
    """Model loading prints progress bars and warnings meant for ML developers, not bot users."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except Exception:  # pragma: no cover - transformers missing or changed
        pass


def _setup_logging() -> None:
    from bot.logging_setup import configure_logging

    configure_logging()


def _build_core():
    _quiet_libraries()
    from bot.__main__ import build_core
    from content.errors import PackError

    try:
        return build_core()
    except PackError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


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
    core = _build_core()
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
    core = _build_core()
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
    platform: Annotated[str, typer.Option("--platform", "-p", help="Where to serve: slack, discord.")],
) -> None:
    """Serve the bot on a chat platform until stopped (Ctrl-C or SIGTERM)."""
    _setup_logging()
    from bot.config import Settings
    from bot.runner import PLATFORMS, run_platform

    entry = PLATFORMS.get(platform.lower())
    if entry is None:
        known = ", ".join(sorted(PLATFORMS))
        typer.echo(f"error: unknown platform {platform!r}; choose one of: {known}", err=True)
        raise typer.Exit(2)
    missing = entry.missing(Settings())
    if missing:
        typer.echo(f"error: --platform {entry.name} needs {', '.join(missing)} (see .env.example)", err=True)
        raise typer.Exit(2)
    core = _build_core()
    asyncio.run(run_platform(entry.name, core))


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
