"""Errors and problems of course packs, located by file, line and item so authors can fix them fast."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


def format_location(file: str, line: int | None, item_id: str | None, message: str) -> str:
    """``file:12: item 1.3: message`` (the line, the item or both may be missing), like a compiler."""
    where = f"{file}:{line}:" if line is not None else f"{file}:"
    item = f" item {item_id}:" if item_id is not None else ""
    return f"{where}{item} {message}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack; the checker collects all of them instead of stopping at the first."""

    file: str
    line: int | None
    item_id: str | None
    severity: Severity
    message: str

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return format_location(self.file, self.line, self.item_id, prefix + self.message)


class PackError(Exception):
    """A pack that cannot be loaded (or a document that cannot be imported), with where it went wrong."""

    def __init__(
        self, file: str, message: str, *, line: int | None = None, item_id: str | None = None
    ) -> None:
        self.file = file
        self.line = line
        self.item_id = item_id
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return format_location(self.file, self.line, self.item_id, self.message)
