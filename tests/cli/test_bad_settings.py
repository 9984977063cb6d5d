"""A bad setting ends every command with one line that names it (password masked), exit 1, no model."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import bot.app.core
from bot.cli.commands import app

COMMANDS = [["chat"], ["doctor"], ["ask", "what is a GPU?"], ["grade"], ["run"], ["db", "upgrade"], ["content", "check"]]


@pytest.fixture(autouse=True)
def no_model(monkeypatch):
    """Loading the model is a failure here: the settings must be refused before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the settings were checked")

    monkeypatch.setattr(bot.app.core, "build_embedder", refuse)


def run(args: list[str], monkeypatch, **env: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(app, args, input="")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_database_url_that_is_not_a_url(args, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    result = run(args, monkeypatch, DATABASE_URL="notaurl")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: DATABASE_URL:")
    assert "'notaurl' is not a database URL" in lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_an_unsupported_database_masks_the_password(args, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = run(args, monkeypatch, DATABASE_URL="mysql://u:hunter22@localhost/db")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines == [
        "error: DATABASE_URL: mysql://u:***@localhost/db: mysql is not supported; use sqlite:///PATH "
        "or postgresql+psycopg://USER:PASSWORD@HOST:5432/DATABASE"
    ]
    assert "hunter22" not in result.output


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STUDYBOT_HTTP_PORT", "abc"),
        ("DISCORD_SHARD_COUNT", "x"),
        ("STUDYBOT_TIMEZONE", "Mars/Olympus"),
        ("STUDYBOT_LOG_LEVEL", "loud"),
    ],
)
def test_a_bad_value_names_its_setting(name, value, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = run(["doctor"], monkeypatch, **{name: value})
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {name}: ")
