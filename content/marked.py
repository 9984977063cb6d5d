"""A course's marked answers (``bot.core.marked``): a JSON-lines file beside its pack.

``content/packs/my-course.yaml`` reads ``content/packs/my-course.marked.jsonl`` when there is one, with one
answer a line in the staff's corrections format (``bot.core.grading_labels``)::

    {"question_id": "1.9", "answer": "GPUs do the matrix maths in parallel", "verdict": "correct", "source": "ta-anna"}

No file: the grader reads without marked answers. A broken line stops the bot at start-up with its file
and line, as a broken pack does: a typo must not quietly change grades. An answer marked twice for one
question by one source counts once, with its last verdict (``studybot grade export-labels`` exports every decision
each time, so appending its output again and again only updates it). Rows of another course, or of a
question the pack does not have (a typo in an id), are skipped with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.core.grade import Verdict
from bot.core.grading_labels import LabelError, parse_labels
from bot.core.marked import MarkedAnswer, MarkedAnswers
from bot.core.pack import CoursePack
from bot.core.ports import Embedder
from bot.core.text import clean_text
from content.errors import PackError
from content.schema import display_path

log = logging.getLogger(__name__)

SUFFIX = ".marked.jsonl"


def marked_path(pack_file: Path | str) -> Path:
    """Where a pack's marked answers live: ``x.yaml`` → ``x.marked.jsonl``."""
    path = Path(pack_file)
    return path.with_name(path.stem + SUFFIX)


def load_marked(pack: CoursePack) -> tuple[MarkedAnswer, ...]:
    """The pack's marked answers for its answered questions: none for a pack not read from a YAML file (an
    upload) or without a marked answers file."""
    source = Path(pack.source) if pack.source else None
    if source is None or source.suffix not in (".yaml", ".yml") or not source.is_file():
        return ()
    path = marked_path(source)
    if not path.is_file():
        return ()
    file = display_path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        labels = parse_labels(lines, course=pack.id, questions={q.id for q in pack.answered}, source=file)
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(file, f"cannot read marked answers: {exc}") from exc
    except LabelError as exc:
        raise PackError(file, exc.reason, line=exc.line) from exc
    if labels.other_course or labels.unknown_question:
        log.warning(
            "marked answers skipped file=%s other_course=%d unknown_question=%d",
            file,
            labels.other_course,
            labels.unknown_question,
        )
    # the last verdict wins
    latest = {(r["question_id"], clean_text(r["answer"]), r.get("source", "")): r for r in labels.rows}
    return tuple(
        MarkedAnswer(r["question_id"], r["answer"], Verdict(r["verdict"]), r.get("source", ""))
        for r in latest.values()
    )


def marked_answers(pack: CoursePack, embedder: Embedder) -> MarkedAnswers | None:
    """The pack's marked answers with their vectors (``embedder``: a cached one, at start); none without."""
    answers = load_marked(pack)
    if not answers:
        return None
    return MarkedAnswers(answers, embedder.encode([clean_text(a.answer) for a in answers]))
