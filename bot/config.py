"""Settings from the environment and an optional ``.env`` file (pydantic-settings).

Every setting is documented in README.md and .env.example; the environment variable names are the
field aliases below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # --- content and model -------------------------------------------------------------------
    pack: Path | None = Field(None, validation_alias=_env("STUDYBOT_PACK"))
    embedding_model: str = Field("", validation_alias=_env("STUDYBOT_EMBEDDING_MODEL"))
    device: str = Field("auto", validation_alias=_env("STUDYBOT_DEVICE"))
    backend: Literal["auto", "onnx", "torch"] = Field("auto", validation_alias=_env("STUDYBOT_BACKEND"))
    data_dir: Path = Field(Path(".studybot"), validation_alias=_env("STUDYBOT_DATA_DIR"))
    cache_dir: Path | None = Field(None, validation_alias=_env("STUDYBOT_CACHE_DIR"))
    ask_threshold: float | None = Field(None, validation_alias=_env("STUDYBOT_ASK_THRESHOLD"))
    ask_rate_per_minute: int = Field(6, validation_alias=_env("STUDYBOT_ASK_RATE_PER_MINUTE"))

    # --- storage and schedules ---------------------------------------------------------------
    database_url: str = Field("", validation_alias=_env("DATABASE_URL"))
    timezone: str = Field("UTC", validation_alias=_env("STUDYBOT_TIMEZONE"))
    answer_window_hours: float = Field(24.0, validation_alias=_env("STUDYBOT_ANSWER_WINDOW_HOURS"))
    missed_post_grace_minutes: int = Field(60, validation_alias=_env("STUDYBOT_MISSED_POST_GRACE_MINUTES"))

    # --- logging and HTTP --------------------------------------------------------------------
    log_level: str = Field("INFO", validation_alias=_env("STUDYBOT_LOG_LEVEL"))
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("STUDYBOT_LOG_FORMAT"))
    http_host: str = Field("0.0.0.0", validation_alias=_env("STUDYBOT_HTTP_HOST"))
    http_port: int | None = Field(None, validation_alias=_env("STUDYBOT_HTTP_PORT"))

    # --- Discord -------------------------------------------------------------------------------
    discord_token: SecretStr | None = Field(None, validation_alias=_env("DISCORD_TOKEN"))
    discord_api_base_url: str = Field(
        "https://discord.com/api/v10", validation_alias=_env("DISCORD_API_BASE_URL")
    )
    discord_gateway_url: str = Field("", validation_alias=_env("DISCORD_GATEWAY_URL"))
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias=_env("DISCORD_GUILD_IDS")
    )
    discord_shard_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias=_env("DISCORD_SHARD_IDS")
    )
    discord_shard_count: int | None = Field(None, validation_alias=_env("DISCORD_SHARD_COUNT"))

    # --- Slack ---------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_base_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_BASE_URL"))
    slack_admin_user_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_env("SLACK_ADMIN_USER_IDS")
    )

    @field_validator("discord_guild_ids", "discord_shard_ids", "slack_admin_user_ids", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """Accept ``a,b,c`` (and blanks) as well as JSON lists, as people write them in .env files."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'studybot.db').as_posix()}"

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or self.data_dir / "cache"


class StartupError(RuntimeError):
    """The bot cannot start as configured (unreachable database, bad timezone...): the message says
    which setting to fix, and the CLI prints it without a traceback."""

