"""``studybot doctor``: is this deployment ready to ``studybot run``? One row per check, with the fix.

Checks, in order (a failed one may skip those that need it):

- settings: the environment / ``.env`` parse, the timezone, the course pack, the data directory;
- database: reachable, and its migration state against the code's head revision;
- model: loads, on which device, and encodes;
- each platform: configured or not, its required settings, and its credentials asked of the platform
  itself (Discord ``GET /users/@me``; Slack ``auth.test``, and ``apps.connections.open`` for Socket Mode).

Part of the composition layer: it may import storage, the adapters and the ML stack; nothing imports it
but the CLI.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
NETWORK_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str
    fix: str = ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")


def run_checks(*, model: bool = True, network: bool = True) -> list[Check]:
    from pydantic import ValidationError

    from bot.config import Settings

    checks: list[Check] = []
    env_file = Path(".env")
    source = f"environment and {env_file.resolve()}" if env_file.exists() else "environment (no .env here)"
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '?'}: {e['msg']}" for e in exc.errors())
        checks.append(Check("settings", FAIL, problems, "correct these values (see .env.example)"))
        return checks
    checks.append(Check("settings", OK, f"read from the {source}; log format {settings.log_format}"))
    checks.extend(_settings_checks(settings))
    checks.extend(_database_checks(settings))
    checks.append(_model_check(settings) if model else Check("model", SKIP, "skipped (--no-model)"))
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
        from bot.__main__ import load_course

        pack = load_course(settings)
        out.append(Check("course pack", OK, f"{pack.title} ({len(pack.questions)} questions)"))
    except Exception as exc:
        out.append(
            Check(
                "course pack",
                FAIL,
                _first_line(exc),
                "fix the pack, or STUDYBOT_PACK (`studybot content check`)",
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
        from bot.__main__ import build_embedder

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


def _secret(value) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def _platform_checks(settings, *, network: bool) -> list[Check]:
    from bot.runner import PLATFORMS

    out: list[Check] = []
    configured = []
    for name, entry in sorted(PLATFORMS.items()):
        if not entry.is_configured(settings):
            out.append(Check(name, SKIP, f"not configured (to run on it, set {entry.needs})"))
            continue
        missing = entry.missing(settings)
        if missing:
            out.append(Check(name, FAIL, f"missing {', '.join(missing)}", f"set {', '.join(missing)}"))
            continue
        configured.append(name)
        if not network:
            out.append(Check(name, SKIP, "credentials not checked (--no-network)"))
            continue
        probe = _PROBES.get(name)
        out.append(asyncio.run(probe(settings)) if probe else Check(name, OK, "configured"))
    if not configured:
        out.append(
            Check("platforms", FAIL, "no chat platform is configured", "set the settings of Discord or Slack")
        )
    port = settings.http_port
    slack_http = "slack" in configured and not _secret(settings.slack_app_token)
    if port is not None or slack_http:
        shown = port if port is not None else 3000
        out.append(
            Check(
                "http",
                OK,
                f"{settings.http_host}:{shown} serves /healthz and /metrics"
                + (" and /slack/events" if slack_http else ""),
            )
        )
    else:
        out.append(Check("http", SKIP, "no HTTP server (set STUDYBOT_HTTP_PORT for /healthz and /metrics)"))
    return out


async def _discord_probe(settings) -> Check:
    from bot.adapters.discord_adapter import DiscordStartError, check_token

    try:
        await asyncio.wait_for(
            check_token(_secret(settings.discord_token), settings.discord_api_base_url), NETWORK_TIMEOUT_S
        )
    except DiscordStartError as exc:
        return Check("discord", FAIL, str(exc), "check DISCORD_TOKEN (Developer Portal > Bot > Reset Token)")
    except TimeoutError:
        return Check(
            "discord",
            FAIL,
            f"no answer from {settings.discord_api_base_url} in {NETWORK_TIMEOUT_S:.0f} s",
            "check the network and DISCORD_API_BASE_URL",
        )
    return Check("discord", OK, "token accepted (GET /users/@me)")


async def _slack_probe(settings) -> Check:
    import aiohttp
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    base = (
        settings.slack_api_base_url
        if settings.slack_api_base_url.endswith("/")
        else settings.slack_api_base_url + "/"
    )
    client = AsyncWebClient(
        token=_secret(settings.slack_bot_token), base_url=base, timeout=int(NETWORK_TIMEOUT_S)
    )

    async def call(setting: str, fn: Callable) -> tuple[dict | None, Check | None]:
        try:
            return (await fn()).data, None
        except SlackApiError as exc:
            error = exc.response.get("error")
            return None, Check(
                "slack",
                FAIL,
                f"Slack rejected {setting} ({error})",
                f"check {setting} and the app's scopes (docs/slack.md)",
            )
        except (aiohttp.ClientError, OSError) as exc:
            return None, Check(
                "slack",
                FAIL,
                f"cannot reach {base} ({_first_line(exc)})",
                "check the network and SLACK_API_BASE_URL",
            )

    auth, failed = await call("SLACK_BOT_TOKEN", client.auth_test)
    if failed:
        return failed
    assert auth is not None
    detail = f"auth.test ok: team {auth.get('team') or auth.get('team_id')}, bot user {auth.get('user_id')}"
    app_token = _secret(settings.slack_app_token)
    if app_token:
        _, failed = await call("SLACK_APP_TOKEN", lambda: client.apps_connections_open(app_token=app_token))
        if failed:
            return failed
        detail += "; Socket Mode token ok"
    elif not _secret(settings.slack_signing_secret):
        return Check("slack", FAIL, detail + "; no SLACK_SIGNING_SECRET", "set SLACK_SIGNING_SECRET")
    return Check("slack", OK, detail)


_PROBES = {"discord": _discord_probe, "slack": _slack_probe}


def render_table(checks: list[Check]) -> str:
    """A plain table (it reads the same in a terminal, a log and a CI job)."""
    marks = {OK: "ok", WARN: "WARN", FAIL: "FAIL", SKIP: "-"}
    width = max([len("check"), *(len(c.name) for c in checks)])
    lines = [f"{'check':<{width}}  {'status':<6}  detail", f"{'-' * width}  {'-' * 6}  {'-' * 40}"]
    for c in checks:
        lines.append(f"{c.name:<{width}}  {marks.get(c.status, c.status):<6}  {c.detail}")
        if c.fix and c.status in (WARN, FAIL):
            lines.append(f"{'':<{width}}  {'':<6}  fix: {c.fix}")
    return "\n".join(lines)
