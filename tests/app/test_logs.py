"""Logs: one line per event (key=value text or JSON), and no configured secret ever written."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr

from bot.adapters.discord.platform import DiscordSettings
from bot.adapters.slack.platform import SlackSettings
from bot.app.logs import configured_secrets, setup_logging
from bot.app.settings import Settings
from bot.core.metrics import ErrorCounter
from bot.infra.metrics import prometheus_metrics

TOKEN = "xoxb-1111-2222-abcdefABCDEF"
SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"
DISCORD = "MTAx.discord.token.value"
DB_PASSWORD = "pg-s3cret-pass"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def settings(fmt: str) -> Settings:
    return Settings(
        _env_file=None, log_format=fmt, database_url=f"postgresql+psycopg://bot:{DB_PASSWORD}@db:5432/studybot"
    )


def platforms() -> dict:
    """Secrets come from each platform's settings class (its SecretStr fields), through the registry."""
    return {
        "slack": SlackSettings(_env_file=None, bot_token=SecretStr(TOKEN), signing_secret=SecretStr(SIGNING)),
        "discord": DiscordSettings(_env_file=None, token=SecretStr(DISCORD)),
    }


def configure_logging(settings: Settings) -> None:
    setup_logging(settings, platforms())


def log_everything() -> None:
    log = logging.getLogger("studybot.test")
    log.info("slack command=%s user=%s", "ask", "U1")
    log.info("calling https://slack.com/api/auth.test?token=%s", TOKEN)
    log.warning("two\nlines with %s", SIGNING)
    try:
        raise ConnectionError(f"could not connect with password {DB_PASSWORD} and token {DISCORD}")
    except ConnectionError:
        log.exception("database failed")


@pytest.mark.usefixtures("restore_logging")
def test_text_logs_are_one_key_value_line_per_event_without_secrets(capsys):
    configure_logging(settings("text"))
    log_everything()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4
    for line in lines:
        assert line.startswith("ts=") and " level=" in line and " logger=studybot.test " in line
    assert lines[0].endswith("slack command=ask user=U1")
    assert "two\\nlines" in lines[2]
    assert ' exc="Traceback (most recent call last):\\n' in lines[3] and "ConnectionError" in lines[3]
    text = "\n".join(lines)
    for secret in (TOKEN, SIGNING, DISCORD, DB_PASSWORD):
        assert secret not in text
    assert text.count("***") >= 4


@pytest.mark.usefixtures("restore_logging")
def test_json_logs_are_one_object_per_line_without_secrets(capsys):
    configure_logging(settings("json"))
    log_everything()
    lines = capsys.readouterr().err.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["level"] for r in records] == ["info", "info", "warning", "error"]
    assert records[0]["msg"] == "slack command=ask user=U1" and records[0]["logger"] == "studybot.test"
    assert "ConnectionError" in records[3]["exc"]
    for secret in (TOKEN, SIGNING, DISCORD, DB_PASSWORD):
        assert secret not in "\n".join(lines)


@pytest.mark.usefixtures("restore_logging")
def test_reconfiguring_keeps_the_error_counter():
    metrics = prometheus_metrics()
    counter = ErrorCounter(metrics)
    logging.getLogger().addHandler(counter)
    configure_logging(settings("text"))
    assert counter in logging.getLogger().handlers
    logging.getLogger("bot.x").error("boom")
    assert metrics.errors.value(source="bot") == 1


def test_the_secrets_are_the_tokens_and_the_database_password():
    assert set(configured_secrets(settings("text"), platforms())) == {TOKEN, SIGNING, DISCORD, DB_PASSWORD}
    assert configured_secrets(Settings(_env_file=None, database_url="sqlite:///x.db"), {}) == []
