"""A course's marked answers (``bot.core.marked``): a JSON-lines file beside its pack.

``content/packs/my-course.yaml`` reads ``content/packs/my-course.marked.jsonl`` when there is one, with one
answer a line in the staff's corrections format (``bot.core.grading_labels``)::

    {"question_id": "1.9", "answer": "GPUs do the matrix maths in parallel", "verdict": "correct", "source": "ta-anna"}

No file: the grader reads without marked answers. A broken line stops the bot at start-up with its file
and line, as a broken pack does: a typo must not quietly change grades."""

from __future__ import annotations

from pathlib import Path

from bot.core.grade import Verdict
from bot.core.grading_labels import parse_labels
from bot.core.marked import MarkedAnswer, MarkedAnswers
from bot.core.pack import CoursePack
from bot.core.ports import Embedder
from bot.core.text import clean_text
from content.errors import PackError
from content.schema import display_path

SUFFIX = ".marked.jsonl"


def marked_path(pack_file: Path | str) -> Path:
    """Where a pack's marked answers live: ``x.yaml`` → ``x.marked.jsonl``."""
    path = Path(pack_file)
    return path.with_name(path.stem + SUFFIX)


def load_marked(pack: CoursePack) -> tuple[MarkedAnswer, ...]:
    """The pack's marked answers for its answered questions (none for a pack without a file or a source)."""
    if not pack.source:
        return ()
    path = marked_path(pack.source)
    if not path.is_file():
        return ()
    file = display_path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        labels = parse_labels(lines, course=pack.id, questions={q.id for q in pack.answered}, source=file)
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(file, f"cannot read marked answers: {exc}") from exc
    except ValueError as exc:  # "file:line: what is wrong"
        where, _, message = str(exc).partition(": ")
        line = where.rsplit(":", 1)[-1]
        raise PackError(file, message, line=int(line) if line.isdigit() else None) from exc
    return tuple(
        MarkedAnswer(r["question_id"], r["answer"], Verdict(r["verdict"]), r.get("source", ""))
        for r in labels.rows
    )


def marked_answers(pack: CoursePack, embedder: Embedder) -> MarkedAnswers | None:
    """The pack's marked answers with their vectors (``embedder``: a cached one, at start); none without."""
    answers = load_marked(pack)
    if not answers:
        return None
    return MarkedAnswers(answers, embedder.encode([clean_text(a.answer) for a in answers]))
