"""The platform contract: what one adapter package exposes so the app can run it without knowing it.

Each package under ``bot/adapters/`` exposes one ``PlatformEntry`` named ``PLATFORM_ENTRY`` in its
``__init__``: its name, a settings class (its own env prefix; ``SecretStr`` fields are its secrets),
whether those settings say "run me", what is missing, a credential probe for ``studybot doctor``, and
``start`` (which returns a started ``Platform``; ``Platform.stop`` stops it). ``bot/app/platforms.py``
lists the entries; ``studybot run``, ``doctor``, log redaction and ``.env.example`` read them generically.

The SDK is imported inside ``start`` and ``probe``, so reading an entry never loads a platform's SDK.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.ports import Platform
from bot.core.studybot import StudyBot


class PlatformSettings(BaseSettings):
    """Base of every platform's settings: read from the environment and ``.env`` under its own prefix.

    Subclasses set ``model_config = SettingsConfigDict(env_prefix="NAME_", ...)`` (use ``settings_config``).
    Every ``SecretStr`` field is a secret: redacted from logs and never printed by ``doctor``.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable of one field (``DISCORD_`` + ``token`` -> ``DISCORD_TOKEN``)."""
        return (str(cls.model_config.get("env_prefix", "")) + field).upper()

    @classmethod
    def env_names(cls) -> list[str]:
        return [cls.env_name(name) for name in cls.model_fields]

    def secrets(self) -> list[str]:
        """The values of the secret fields that are set (for log redaction)."""
        return [value.get_secret_value() for value in self._secret_values() if value.get_secret_value()]

    def any_secret_set(self) -> bool:
        return any(value.get_secret_value().strip() for value in self._secret_values())

    def _secret_values(self) -> list[SecretStr]:
        return [v for name in type(self).model_fields if isinstance(v := getattr(self, name), SecretStr)]


def settings_config(prefix: str) -> SettingsConfigDict:
    """A platform settings class's ``model_config``: its env prefix, ``.env`` read, unknown keys ignored."""
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore")


def split_list(value: object) -> object:
    """Accept ``a,b,c`` (and blanks) as well as JSON lists, as people write them in .env files."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value is not None else ""


class ProbeStatus(enum.Enum):
    OK = "ok"
    FAIL = "fail"


@dataclass(frozen=True)
class ProbeResult:
    """What a credential probe found: asked of the platform itself, with the fix when it failed."""

    status: ProbeStatus
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status is ProbeStatus.OK


class HttpMount(Protocol):
    """The process's HTTP server, for a platform that receives HTTP requests (Slack in HTTP mode)."""

    def mount(self, path: str, handler: Callable) -> None: ...


@dataclass
class Host:
    """What the app hands a platform's ``start``: the core, the shared HTTP server, and a way to end
    the run (a platform whose work is done, such as the console at the end of its input, calls it)."""

    bot: StudyBot
    http: HttpMount | None = None
    http_host: str = "0.0.0.0"
    http_port: int | None = None
    request_stop: Callable[[], None] = lambda: None


class PlatformError(RuntimeError):
    """A platform could not start (bad token, unreachable API...) or stopped on its own; the message
    says what to fix. ``studybot run`` prints it and exits with status 1."""


@dataclass(frozen=True)
class PlatformEntry:
    """One platform, as the app sees it. Only ``name``, ``settings`` and ``start`` are required."""

    name: str
    settings: type[PlatformSettings]
    start: Callable[[Any, Host], Awaitable[Platform]]  # (its settings, the host) -> a started platform
    needs: str = ""  # what to set to turn it on, for the "nothing configured" message
    missing: Callable[[Any], list[str]] = lambda s: []  # required settings not set (env names)
    configured: Callable[[Any], bool] | None = None  # does the user mean to run it? (default: a secret set)
    probe: Callable[[Any], Awaitable[ProbeResult]] | None = None  # credentials, asked of the platform
    probe_before_start: bool = False  # run the probe before the model loads (fail fast on a bad token)
    http_path: Callable[[Any], str | None] = lambda s: None  # the path it serves on the HTTP server, if any

    def load_settings(self) -> PlatformSettings:
        return self.settings()

    def is_configured(self, settings: PlatformSettings) -> bool:
        return self.configured(settings) if self.configured else settings.any_secret_set()
