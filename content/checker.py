"""``studybot content check``: every problem of a pack at once, from YAML syntax to near-duplicate questions.

The loader stops at the first error because the bot cannot run on a broken pack; an author fixing a
pack wants the whole list, plus warnings the loader does not care about: questions so alike that
``/ask`` cannot tell them apart and the quiz would ask the same thing twice. A minimal pair that differs
in a contrast word ("batch size too small" / "too large") embeds almost identically but asks opposite
things, so it is not warned about (``bot.core.contrast``).

With a way to build ``/ask`` for the pack, the separation report follows (``content.separation``).
Chat uploads run the same checks through ``check_parsed`` (``content.upload``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.contrast import directions, opposed
from bot.core.pack import CoursePack, QAItem
from bot.core.ports import Embedder
from content.errors import PackError, Problem
from content.marked import load_marked
from content.schema import ParsedPack, display_path, parse_pack_text
from content.separation import AskFactory, SeparationReport, separation_report
from content.similarity import cosine_matrix

__all__ = [
    "PackCheck",
    "Problem",
    "check_pack",
    "check_pack_file",
    "check_packs",
    "check_parsed",
    "near_duplicate_problems",
]

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
    similarity = cosine_matrix([item.question for item in items], embedder)
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


@dataclass(frozen=True)
class PackCheck:
    """One pack's findings: ``problems`` in file order, then the separation report (model runs only)."""

    file: str
    problems: list[Problem]
    pack: CoursePack | None  # None when there is an error
    separation: SeparationReport | None = None

    @property
    def all_problems(self) -> list[Problem]:
        """The problems followed by the separation warning, if any."""
        extra = self.separation.problems(self.file) if self.separation else []
        return [*self.problems, *extra]


def check_parsed(
    parsed: ParsedPack,
    file: str,
    embedder: Embedder | None = None,
    near_duplicate_threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD,
    ask_factory: AskFactory | None = None,
) -> PackCheck:
    """Every check of ``studybot content check`` on a parsed pack; shared with chat uploads, so both
    judge a course the same way.

    The near-duplicate check needs an embedder; the separation report needs the embedder and
    ``ask_factory`` (which builds ``/ask`` for the pack) and a pack without errors.
    """
    problems = parsed.problems + near_duplicate_problems(
        parsed.items, file, embedder, near_duplicate_threshold
    )
    problems.sort(key=lambda p: p.line if p.line is not None else 0)
    separation = None
    if parsed.pack is not None and embedder is not None and ask_factory is not None:
        separation = separation_report(parsed.pack.questions, embedder, ask_factory(parsed.pack))
    return PackCheck(file, problems, parsed.pack, separation)


def check_pack(
    path: Path,
    embedder: Embedder | None = None,
    near_duplicate_threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD,
    ask_factory: AskFactory | None = None,
) -> PackCheck:
    """Read and check one pack file (see ``check_parsed``)."""
    path = Path(path)
    file = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return PackCheck(file, [Problem(file, None, None, "error", "no such pack file")], None)
    except (OSError, UnicodeDecodeError) as exc:
        return PackCheck(file, [Problem(file, None, None, "error", f"cannot read pack: {exc}")], None)
    parsed = parse_pack_text(text, file=file, default_id=path.stem, source=str(path))
    check = check_parsed(parsed, file, embedder, near_duplicate_threshold, ask_factory)
    return replace(check, problems=check.problems + _marked_problems(parsed.pack))


def _marked_problems(pack: CoursePack | None) -> list[Problem]:
    """The marked answers beside a pack (``content/marked.py``): the bot refuses to start on a broken line."""
    if pack is None:
        return []
    try:
        load_marked(pack)
    except PackError as exc:
        return [Problem(exc.file, exc.line, None, "error", exc.message)]
    return []


def check_pack_file(
    path: Path,
    embedder: Embedder | None = None,
    near_duplicate_threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD,
) -> list[Problem]:
    """All problems of one pack file, errors and warnings, in file order.

    The near-duplicate check needs an embedder and is skipped without one (``--no-model``).
    """
    return check_pack(path, embedder, near_duplicate_threshold).problems


def check_packs(
    paths: Iterable[Path],
    embedder: Embedder | None = None,
    near_duplicate_threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD,
) -> list[Problem]:
    """Problems of several packs, pack by pack in the order given."""
    problems: list[Problem] = []
    for path in paths:
        problems.extend(check_pack_file(path, embedder, near_duplicate_threshold))
    return problems
