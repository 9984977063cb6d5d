"""The bot's own settings from the environment and an optional ``.env`` file (pydantic-settings).

Each platform's settings live with its adapter (``bot/adapters/*/platform.py``, their own env prefix).
Every setting is documented in README.md and .env.example; the environment variable names are the
field aliases below. ``load_settings`` is what every command calls first: a bad value ends the command
with one line naming the setting, before the model loads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # --- content and model -------------------------------------------------------------------
    pack: Path | None = Field(None, validation_alias=_env("STUDYBOT_PACK"))
    packs: str = Field("", validation_alias=_env("STUDYBOT_PACKS"))  # folders or files, comma-separated
    embedding_model: str = Field("", validation_alias=_env("STUDYBOT_EMBEDDING_MODEL"))
    device: str = Field("auto", validation_alias=_env("STUDYBOT_DEVICE"))
    backend: Literal["auto", "onnx", "torch"] = Field("auto", validation_alias=_env("STUDYBOT_BACKEND"))
    # the grader's contradiction veto: "" the shipped reader, "off" none, or a weights file of its own
    contradiction_reader: str = Field("", validation_alias=_env("STUDYBOT_CONTRADICTION_READER"))
    # /ask's answerability veto: "" the shipped judge, "off" none, or a weights file of its own
    ask_judge: str = Field("", validation_alias=_env("STUDYBOT_ASK_JUDGE"))
    data_dir: Path = Field(Path(".studybot"), validation_alias=_env("STUDYBOT_DATA_DIR"))
    cache_dir: Path | None = Field(None, validation_alias=_env("STUDYBOT_CACHE_DIR"))
    ask_threshold: float | None = Field(None, validation_alias=_env("STUDYBOT_ASK_THRESHOLD"))
    ask_rate_per_minute: int = Field(6, validation_alias=_env("STUDYBOT_ASK_RATE_PER_MINUTE"))
    action_rate_per_minute: int = Field(30, validation_alias=_env("STUDYBOT_ACTION_RATE_PER_MINUTE"))

    # --- storage and schedules ---------------------------------------------------------------
    database_url: str = Field("", validation_alias=_env("DATABASE_URL"))
    db_timeout_seconds: float = Field(10.0, gt=0, validation_alias=_env("STUDYBOT_DB_TIMEOUT_SECONDS"))
    timezone: str = Field("UTC", validation_alias=_env("STUDYBOT_TIMEZONE"))
    answer_window_hours: float = Field(24.0, validation_alias=_env("STUDYBOT_ANSWER_WINDOW_HOURS"))
    missed_post_grace_minutes: int = Field(60, validation_alias=_env("STUDYBOT_MISSED_POST_GRACE_MINUTES"))
    dispute_days: float = Field(7.0, gt=0, validation_alias=_env("STUDYBOT_DISPUTE_DAYS"))
    ask_log_days: int = Field(90, ge=0, validation_alias=_env("STUDYBOT_ASK_LOG_DAYS"))

    # --- logging and HTTP --------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", validation_alias=_env("STUDYBOT_LOG_LEVEL")
    )
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("STUDYBOT_LOG_FORMAT"))
    http_host: str = Field("0.0.0.0", validation_alias=_env("STUDYBOT_HTTP_HOST"))
    http_port: int | None = Field(None, validation_alias=_env("STUDYBOT_HTTP_PORT"))

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'studybot.db').as_posix()}"

    @property
    def pack_paths(self) -> list[Path]:
        """The catalog's pack files, in order: ``STUDYBOT_PACK`` first (the default course), then each
        entry of ``STUDYBOT_PACKS`` (a folder gives its ``*.yaml`` files by name); by default the
        shipped packs, the seed course first."""
        from content.loader import default_pack_path, shipped_pack_paths

        entries = [Path(e.strip()) for e in self.packs.replace(os.pathsep, ",").split(",") if e.strip()]
        paths: list[Path] = [self.pack] if self.pack else []
        for entry in entries:
            paths.extend(sorted([*entry.glob("*.yaml"), *entry.glob("*.yml")]) if entry.is_dir() else [entry])
        if not entries:
            shipped = shipped_pack_paths()
            paths.extend([default_pack_path()] + [p for p in shipped if p != default_pack_path()])
        unique: list[Path] = []
        for path in paths:
            if path.resolve() not in {u.resolve() for u in unique}:
                unique.append(path)
        return unique

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or self.data_dir / "cache"


class StartupError(RuntimeError):
    """The bot cannot start as configured (unreachable database, bad timezone...): the message says
    which setting to fix, and the CLI prints it without a traceback."""


class SettingsError(StartupError):
    """A setting has a value the bot cannot use; the message is one line that names it."""


def validation_line(exc: ValidationError, names: dict[str, str] | None = None) -> str:
    """The first problem of a pydantic error as ``NAME: what is wrong`` (``names``: field -> env name)."""
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error.get("loc") else "?"
    name = (names or {}).get(field, field.upper())
    return f"{name}: {error.get('msg', 'invalid value')} (got {str(error.get('input'))[:80]!r})"


def _env_names() -> dict[str, str]:
    return {name: field.validation_alias.choices[0] for name, field in Settings.model_fields.items()}


def load_settings(**overrides) -> Settings:
    """Read and check the settings; raise ``SettingsError`` with one line naming a bad one."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(validation_line(exc, _env_names())) from None
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """The checks a value's type cannot say: the database URL and the timezone (the password masked)."""
    from bot.core.quiz.schedule import ScheduleError, parse_timezone
    from storage.db import url_problem

    if settings.database_url:
        problem = url_problem(settings.database_url)
        if problem:
            raise SettingsError(f"DATABASE_URL: {problem}")
    try:
        parse_timezone(settings.timezone)
    except ScheduleError as exc:
        raise SettingsError(f"STUDYBOT_TIMEZONE: {exc}") from None
