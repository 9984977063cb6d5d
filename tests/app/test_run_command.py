"""``studybot run`` choosing its platforms, and ``studybot doctor``, as a user runs them (real processes)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.process import clean_environment, free_port, studybot_command

from tests.support.fake_discord import FakeDiscord  # isort: skip
from tests.support.fake_slack import FakeSlack  # isort: skip

pytestmark = pytest.mark.slow  # real processes


def studybot(args: list[str], cwd: Path, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*studybot_command(), *args],
        env=clean_environment(STUDYBOT_DATA_DIR=str(cwd / "data"), **settings),
        cwd=cwd,  # no stray .env from the checkout
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_run_with_nothing_configured_says_which_settings_to_set(tmp_path):
    done = studybot(["run"], tmp_path)
    assert done.returncode == 2
    assert "no chat platform is configured" in done.stderr
    for setting in (
        "DISCORD_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        ".env.example",
    ):
        assert setting in done.stderr
    assert "studybot chat" in done.stderr


def test_run_starts_only_what_is_configured_and_names_what_is_missing(tmp_path):
    done = studybot(["run"], tmp_path, SLACK_BOT_TOKEN="xoxb-half-configured")
    assert done.returncode == 2
    assert "slack needs SLACK_SIGNING_SECRET" in done.stderr and "xoxb-half-configured" not in done.stderr
    unknown = studybot(["run", "--platform", "slack", "--platform", "irc"], tmp_path)
    assert unknown.returncode == 2 and "unknown platform 'irc'" in unknown.stderr
    both = studybot(
        ["run", "-p", "discord", "-p", "slack"], tmp_path, SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s"
    )
    assert both.returncode == 2 and "discord needs DISCORD_TOKEN" in both.stderr


async def test_doctor_shows_what_to_fix(tmp_path):
    slack, discord = FakeSlack(), FakeDiscord(token="the-right-token")
    await slack.start()
    await discord.start()
    slack.failures["auth.test"] = "invalid_auth"
    try:
        done = await asyncio.to_thread(
            studybot,
            ["doctor", "--no-model"],
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-revoked-token",
            SLACK_SIGNING_SECRET="signing-secret-value",
            SLACK_API_BASE_URL=slack.api_url,
            DISCORD_TOKEN="a-wrong-discord-token",
            DISCORD_API_BASE_URL=discord.api_base_url,
        )
    finally:
        await slack.stop()
        await discord.close()
    out = done.stdout
    assert done.returncode == 1, done.stderr
    rows = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith((" ", "-"))}
    assert "ok" in rows["settings"] and "ok" in rows["database"] and "ok" in rows["course"]
    assert re.search(r"\(25 questions, \d{4} marked answers, read on 23\)", rows["course"]), rows["course"]
    assert "WARN" in rows["migrations"] and "not migrated" in rows["migrations"]
    assert "FAIL" in rows["slack"] and "invalid_auth" in rows["slack"]
    assert "FAIL" in rows["discord"]
    assert "skipped" in rows["model"]
    assert out.count("fix:") >= 3 and "studybot db upgrade" in out and "DISCORD_TOKEN" in out
    assert [c.path for c in discord.calls] == ["/users/@me"]
    for secret in ("xoxb-revoked-token", "signing-secret-value", "a-wrong-discord-token"):
        assert secret not in out + done.stderr


def test_doctor_names_an_unreachable_database(tmp_path):
    closed = free_port()
    done = studybot(
        ["doctor", "--no-model", "--no-network"],
        tmp_path,
        DATABASE_URL=f"postgresql+psycopg://bot:db-pass-word@127.0.0.1:{closed}/studybot",
    )
    assert done.returncode == 1
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("database")]
    assert "FAIL" in row and str(closed) in row and "db-pass-word" not in done.stdout
    assert "fix: start the database, or correct DATABASE_URL" in done.stdout


async def test_doctor_all_good_with_the_model_and_its_device(tmp_path):
    slack = FakeSlack()
    await slack.start()
    try:
        done = await asyncio.to_thread(
            studybot,
            ["doctor"],
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-good",
            SLACK_SIGNING_SECRET="signing-secret-value",
            SLACK_API_BASE_URL=slack.api_url,
            STUDYBOT_HTTP_PORT="8080",
        )
    finally:
        await slack.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    (model,) = [line for line in done.stdout.splitlines() if line.startswith("model")]
    assert " ok " in model and "on cpu" in model and "dimension 384" in model
    (reader,) = [line for line in done.stdout.splitlines() if line.startswith("reader")]
    assert " ok " in reader and "contradiction reader on cpu (onnx)" in reader
    assert "auth.test ok" in done.stdout and "All checks passed." in done.stdout
    assert "/healthz and /metrics and /slack/events" in done.stdout
