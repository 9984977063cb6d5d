"""``studybot doctor``: is this deployment ready to ``studybot run``? One row per check, with the fix.

Checks, in order (a failed one may skip those that need it):

- settings: the environment / ``.env`` parse, the timezone, the course pack, the data directory;
- database: reachable, and its migration state against the code's head revision;
- model: loads, on which device, and encodes;
- each platform: configured or not, its required settings, and its credentials asked of the platform
  itself (Discord ``GET /users/@me``; Slack ``auth.test``, and ``apps.connections.open`` for Socket Mode).

Part of the composition layer: it may import storage, the model and the platform registry; the CLI
(bot/cli/doctor.py) renders what it returns. Each platform's check is its registry entry's probe.
"""

from __future__ import annotations

import asyncio
import enum
import time
from dataclasses import dataclass
from pathlib import Path

from bot.app.platforms import PLATFORMS, platform_settings
from bot.app.serve import DEFAULT_HTTP_PORT, http_paths
from bot.app.settings import Settings


class Status(enum.Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


OK, WARN, FAIL, SKIP = Status.OK, Status.WARN, Status.FAIL, Status.SKIP


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")


def run_checks(settings: Settings, *, model: bool = True, network: bool = True) -> list[Check]:
    """Every check, in order; ``settings`` were read and checked by ``load_settings`` already."""
    env_file = Path(".env")
    source = f"environment and {env_file.resolve()}" if env_file.exists() else "environment (no .env here)"
    checks = [Check("settings", OK, f"read from the {source}; log format {settings.log_format}")]
    checks.extend(_settings_checks(settings))
    checks.extend(_database_checks(settings))
    checks.append(_model_check(settings) if model else Check("model", SKIP, "skipped (--no-model)"))
    checks.append(_reader_check(settings) if model else Check("reader", SKIP, "skipped (--no-model)"))
    checks.append(_judge_check(settings) if model else Check("judge", SKIP, "skipped (--no-model)"))
    checks.extend(_platform_checks(settings, network=network))
    return checks


def _settings_checks(settings) -> list[Check]:
    from bot.core.quiz.schedule import ScheduleError, parse_timezone

    out: list[Check] = []
    try:
        parse_timezone(settings.timezone)
        out.append(Check("timezone", OK, settings.timezone))
    except ScheduleError as exc:
        out.append(
            Check("timezone", FAIL, str(exc), "set STUDYBOT_TIMEZONE to an IANA name, e.g. Europe/Berlin")
        )
    try:
        from bot.app.courses import load_packs
        from bot.core.marked import usable_questions
        from content.marked import load_marked

        packs = load_packs(settings)  # a broken marked answers file stops the bot: it fails here too
        questions = sum(len(pack.questions) for pack in packs)
        marked = load_marked(packs[0])
        read = f", {len(marked)} marked answers, read on {len(usable_questions(marked))}" if marked else ""
        detail = f"{packs[0].title} ({len(packs[0].questions)} questions{read})"
        if len(packs) > 1:
            detail = f"{len(packs)} courses, {questions} questions; default: {detail}"
        out.append(Check("course packs", OK, detail))
    except Exception as exc:
        out.append(
            Check(
                "course packs",
                FAIL,
                _first_line(exc),
                "fix the pack, or STUDYBOT_PACK / STUDYBOT_PACKS (`studybot content check`)",
            )
        )
    data_dir = settings.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".doctor-write-test"
        probe.write_text("ok")
        probe.unlink()
        out.append(Check("data dir", OK, f"{data_dir.resolve()} is writable"))
    except OSError as exc:
        out.append(
            Check("data dir", FAIL, f"{data_dir}: {exc.strerror or exc}", "make STUDYBOT_DATA_DIR writable")
        )
    if settings.http_port is not None and not 0 <= settings.http_port <= 65535:
        out.append(Check("http port", FAIL, f"{settings.http_port}", "STUDYBOT_HTTP_PORT must be 0-65535"))
    return out


def _database_checks(settings) -> list[Check]:
    from storage.db import Database, redacted
    from storage.migrate import current_revision, head_revision

    url = settings.resolved_database_url
    shown = redacted(url)
    try:
        database = Database(url)
    except Exception as exc:
        return [Check("database", FAIL, f"{shown}: {_first_line(exc)}", "check DATABASE_URL")]
    try:
        started = time.perf_counter()
        with database.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        took = (time.perf_counter() - started) * 1000
        checks = [Check("database", OK, f"{shown} ({database.dialect}, connected in {took:.0f} ms)")]
        current, head = current_revision(database), head_revision()
        if current == head:
            checks.append(Check("migrations", OK, f"at head {head}"))
        elif current is None:
            checks.append(
                Check(
                    "migrations",
                    WARN,
                    f"not migrated (head is {head})",
                    "run `studybot db upgrade` (`studybot run` also migrates at start)",
                )
            )
        else:
            checks.append(
                Check(
                    "migrations",
                    WARN,
                    f"at {current}, head is {head}",
                    "run `studybot db upgrade` (`studybot run` also migrates at start)",
                )
            )
        return checks
    except Exception as exc:
        return [
            Check(
                "database",
                FAIL,
                f"{shown}: {_first_line(exc)}",
                "start the database, or correct DATABASE_URL (host, port, user, password, database)",
            )
        ]
    finally:
        database.close()


def _model_check(settings) -> Check:
    try:
        from bot.app.core import build_embedder

        started = time.perf_counter()
        embedder = build_embedder(settings)
        loaded = time.perf_counter() - started
        vectors = embedder.encode(["Why do we train neural networks on GPUs?"])  # the first one warms up
        started = time.perf_counter()
        embedder.encode(["What is an encoder-only model?"])
        encoded = (time.perf_counter() - started) * 1000
        device = f"{getattr(embedder, 'device', 'unknown')} ({getattr(embedder, 'backend', 'torch')})"
        return Check(
            "model",
            OK,
            f"{embedder.model_name} on {device}: loaded in {loaded:.1f} s, dimension {vectors.shape[1]}, "
            f"an encode takes {encoded:.0f} ms",
        )
    except Exception as exc:
        return Check(
            "model",
            FAIL,
            _first_line(exc),
            "check STUDYBOT_EMBEDDING_MODEL (a local path works offline), STUDYBOT_DEVICE (auto, cpu, cuda) "
            "and STUDYBOT_BACKEND (auto, onnx, torch)",
        )


def _reader_check(settings) -> Check:
    """The grader's contradiction reader: loaded (exported on the first run) and reading."""
    from bot.app.courses import build_reader

    return _pair_model_check(
        "reader",
        lambda: build_reader(settings),
        ("Which has the longer memory? | the Transformer", "The RNN remembers longer."),
        "contradiction reader",
        "off (STUDYBOT_CONTRADICTION_READER=off): no contradiction veto",
        "check STUDYBOT_CONTRADICTION_READER (empty, off, or a weights file of scripts/fit_contradiction.py)",
    )


def _judge_check(settings) -> Check:
    """/ask's answerability judge, for the default course: loaded and reading."""
    from bot.app.core import load_course
    from bot.app.courses import build_judge

    return _pair_model_check(
        "judge",
        lambda: build_judge(settings, load_course(settings)),
        ("what is an example of a decoder-only model", "Which model is encoder-only? | BERT"),
        "answerability judge",
        "off (STUDYBOT_ASK_JUDGE=off, or not fitted on the default course): /ask answers by the score alone",
        "check STUDYBOT_ASK_JUDGE (empty, off, or a weights file of scripts/fit_answerability.py)",
    )


def _pair_model_check(name: str, build, pair: tuple[str, str], what: str, off: str, hint: str) -> Check:
    """A cross-encoder (``bot.infra.contradiction``): built, warmed up, and the time of one reading."""
    try:
        started = time.perf_counter()
        model = build()
        if model is None:
            return Check(name, SKIP, off)
        loaded = time.perf_counter() - started
        model.probabilities([pair])  # the first one warms up
        started = time.perf_counter()
        model.probabilities([pair])
        read = (time.perf_counter() - started) * 1000
        kind = getattr(model, "backend", "custom") + (" int8" if getattr(model, "quantized", False) else "")
        return Check(
            name,
            OK,
            f"{what} on {getattr(model, 'device', 'cpu')} ({kind}): loaded in {loaded:.1f} s, "
            f"a reading takes {read:.0f} ms",
        )
    except Exception as exc:
        return Check(name, FAIL, _first_line(exc), hint)


def _platform_checks(settings: Settings, *, network: bool) -> list[Check]:
    out: list[Check] = []
    configured: dict = {}
    for name, platform in sorted(platform_settings().items()):
        entry = PLATFORMS[name]
        if not entry.is_configured(platform):
            out.append(Check(name, SKIP, f"not configured (to run on it, set {entry.needs})"))
            continue
        missing = entry.missing(platform)
        if missing:
            out.append(Check(name, FAIL, f"missing {', '.join(missing)}", f"set {', '.join(missing)}"))
            continue
        configured[name] = platform
        if not network:
            out.append(Check(name, SKIP, "credentials not checked (--no-network)"))
            continue
        if entry.probe is None:
            out.append(Check(name, OK, "configured"))
            continue
        found = asyncio.run(entry.probe(platform))
        out.append(Check(name, OK if found.ok else FAIL, found.detail, found.fix))
    if not configured:
        out.append(Check("platforms", FAIL, "no chat platform is configured", "set the settings of one (.env.example)"))
    port = settings.http_port
    paths = http_paths(configured)
    if port is not None or paths:
        shown = port if port is not None else DEFAULT_HTTP_PORT
        routes = " and ".join(["/healthz", "/metrics", *paths])
        out.append(Check("http", OK, f"{settings.http_host}:{shown} serves {routes}"))
    else:
        out.append(Check("http", SKIP, "no HTTP server (set STUDYBOT_HTTP_PORT for /healthz and /metrics)"))
    return out
