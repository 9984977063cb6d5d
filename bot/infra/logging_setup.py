"""Logging: one line per event, key=value text or JSON (``STUDYBOT_LOG_FORMAT``), secrets redacted.

- ``text``: ``ts=... level=INFO logger=studybot msg="serving platforms=slack" ...`` where the message
  keeps its own ``key=value`` fields; a traceback is folded into the same line (``exc="..."``).
- ``json``: one JSON object per line (``ts``, ``level``, ``logger``, ``msg``, and ``exc``).

Every secret it is given (the app passes each platform's secret settings and the database password,
bot/app/logs.py) is replaced by ``***`` in the finished line, whatever wrote it: our code, a library, or
a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Literal

REDACTED = "***"
MIN_SECRET_LEN = 6  # shorter "secrets" would blank out ordinary words


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _quoted(text: str) -> str:
    return '"' + _one_line(text.replace("\\", "\\\\")).replace('"', '\\"') + '"'


class _Redacting(logging.Formatter):
    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        # longest first, so a secret that contains another is replaced whole
        self.secrets = sorted(
            {s for s in secrets or [] if s and len(s) >= MIN_SECRET_LEN}, key=len, reverse=True
        )

    def redact(self, line: str) -> str:
        for secret in self.secrets:
            if secret in line:
                line = line.replace(secret, REDACTED)
        return line

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.render(record))

    def render(self, record: logging.LogRecord) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _exception(self, record: logging.LogRecord) -> str | None:
        if record.exc_info:
            return self.formatException(record.exc_info)
        if record.exc_text:
            return record.exc_text
        return None


class TextFormatter(_Redacting):
    """``ts=... level=... logger=... msg`` on one line; the message is written as it was logged (it
    carries its own ``key=value`` fields), newlines escaped."""

    def render(self, record: logging.LogRecord) -> str:
        ts = self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
        line = f"ts={ts} level={record.levelname} logger={record.name} {_one_line(record.getMessage())}"
        exc = self._exception(record)
        if exc:
            line += f" exc={_quoted(exc)}"
        if record.stack_info:
            line += f" stack={_quoted(record.stack_info)}"
        return line


class JsonFormatter(_Redacting):
    def render(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        exc = self._exception(record)
        if exc:
            payload["exc"] = exc
        return json.dumps(payload, ensure_ascii=False)


class RedactSecrets(logging.Filter):
    """Replaces any configured secret in a record's message by ``***`` (for handlers we do not format)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= MIN_SECRET_LEN]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, None
        return True


def configure_logging(
    level: str = "INFO", log_format: Literal["text", "json"] = "text", secrets: list[str] | None = None
) -> None:
    """One handler on the root logger, writing ``log_format`` lines to stderr with ``secrets`` redacted."""
    secrets = list(secrets or [])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if log_format == "json" else TextFormatter(secrets))
    handler.addFilter(RedactSecrets(secrets))  # also keeps the secret out of the record other handlers see
    root = logging.getLogger()
    # Handlers that ask to stay (the metrics' error counter) stay; ours and any earlier ones go.
    root.handlers[:] = [h for h in root.handlers if getattr(h, "keep_on_reconfigure", False)] + [handler]
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings become log lines too, not stray stderr text
    for noisy in ("sentence_transformers", "transformers", "httpx", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
