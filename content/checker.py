"""``studybot content check``: every problem of a pack at once, from YAML syntax to near-duplicate questions.

The loader stops at the first error because the bot cannot run on a broken pack; an author fixing a
pack wants the whole list, plus warnings the loader does not care about: questions so alike that
``/ask`` cannot tell them apart and the quiz would ask the same thing twice. A minimal pair that differs
in a contrast word ("batch size too small" / "too large") embeds almost identically but asks opposite
things, so it is not warned about (``bot.core.contrast``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from bot.core.contrast import directions, opposed
from bot.core.pack import QAItem
from bot.core.ports import Embedder
from content.errors import Problem
from content.schema import display_path, parse_pack_text

__all__ = ["Problem", "check_pack_file", "check_packs", "near_duplicate_problems"]

DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.92


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def near_duplicate_problems(
    items: list[QAItem], file: str, embedder: Embedder | None, threshold: float
) -> list[Problem]:
    """Warnings for questions written twice, or (with an embedder) meaning nearly the same.

    Each pair is reported once, on the later item, naming the earlier one and its line.
    """
    problems: list[Problem] = []
    same_text: set[tuple[int, int]] = set()
    first_by_text: dict[str, int] = {}
    for j, item in enumerate(items):
        key = _normalised(item.question)
        if key in first_by_text:
            i = first_by_text[key]
            same_text.add((i, j))
            problems.append(
                Problem(
                    file, item.line, item.id, "warning",
                    f"same question as item {items[i].id} (line {items[i].line})",
                )
            )
        else:
            first_by_text[key] = j
    if embedder is None or len(items) < 2:
        return problems
    vectors = np.asarray(embedder.encode([item.question for item in items]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0)  # cheap insurance if an embedder does not normalise
    similarity = vectors @ vectors.T
    leans = [directions(item.question) for item in items]
    for j in range(len(items)):
        for i in range(j):
            score = float(similarity[i, j])
            if score >= threshold and (i, j) not in same_text and not opposed(leans[i], leans[j]):
                problems.append(
                    Problem(
                        file, items[j].line, items[j].id, "warning",
                        f"question reads almost like item {items[i].id} (line {items[i].line}, "
                        f"similarity {score:.2f}): if they ask the same thing, merge them",
                    )
                )
    return problems


def check_pack_file(
    path: Path, embedder: Embedder | None = None, near_duplicate_threshold: float = 0.92
) -> list[Problem]:
    """All problems of one pack file, errors and warnings, in file order.

    The near-duplicate check needs an embedder and is skipped without one (``--no-model``).
    """
    path = Path(path)
    file = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [Problem(file, None, None, "error", "no such pack file")]
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(file, None, None, "error", f"cannot read pack: {exc}")]
    parsed = parse_pack_text(text, file=file, default_id=path.stem, source=str(path))
    problems = parsed.problems + near_duplicate_problems(
        parsed.items, file, embedder, near_duplicate_threshold
    )
    return sorted(problems, key=lambda p: p.line if p.line is not None else 0)


def check_packs(
    paths: Iterable[Path], embedder: Embedder | None = None, near_duplicate_threshold: float = 0.92
) -> list[Problem]:
    """Problems of several packs, pack by pack in the order given."""
    problems: list[Problem] = []
    for path in paths:
        problems.extend(check_pack_file(path, embedder, near_duplicate_threshold))
    return problems
