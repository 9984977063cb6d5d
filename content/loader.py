"""Load a YAML course pack into ``bot.core.pack.CoursePack``, refusing a broken pack with a located error."""

from __future__ import annotations

from pathlib import Path

from bot.core.pack import CoursePack
from content.errors import PackError
from content.schema import display_path, parse_pack_text

PACKS_DIR = Path(__file__).resolve().parent / "packs"
DEFAULT_PACK_ID = "ose-intro-deep-learning"


def shipped_pack_paths() -> list[Path]:
    """Every pack shipped with the project (``content/packs/*.yaml``), sorted by name."""
    return sorted(PACKS_DIR.glob("*.yaml"))


def default_pack_path() -> Path:
    """The pack used when ``STUDYBOT_PACK`` names none: the seed course."""
    return PACKS_DIR / f"{DEFAULT_PACK_ID}.yaml"


def load_pack(path: Path) -> CoursePack:
    """Read and validate a pack; raise ``PackError`` at its first error (the checker lists them all).

    The pack id defaults to the file's stem; each ``QAItem.line`` is the line where the item starts.
    """
    path = Path(path)
    file = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PackError(file, "no such pack file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(file, f"cannot read pack: {exc}") from exc
    parsed = parse_pack_text(text, file=file, default_id=path.stem, source=str(path))
    errors = parsed.errors
    if errors:
        first = errors[0]
        more = len(errors) - 1
        message = first.message
        if more:
            plural = "s" if more > 1 else ""
            message += f" (and {more} more error{plural}: run `studybot content check {file}`)"
        raise PackError(first.file, message, line=first.line, item_id=first.item_id)
    assert parsed.pack is not None  # no errors means the pack was built
    return parsed.pack
