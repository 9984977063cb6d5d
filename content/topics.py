"""The "none of the above" anchors of ``/ask``: general topics a course pack usually does not cover."""

from __future__ import annotations

from pathlib import Path

import yaml

from content.errors import PackError

OFF_COURSE_PATH = Path(__file__).resolve().parent / "topics" / "off-course.yaml"


def load_off_course_topics(path: Path = OFF_COURSE_PATH) -> list[str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PackError(str(path), f"cannot read off-course topics: {exc}") from exc
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, list) or not all(isinstance(t, str) and t.strip() for t in topics):
        raise PackError(str(path), "expected a mapping with `topics:`, a list of non-empty strings")
    return [t.strip() for t in topics]
