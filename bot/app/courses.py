"""Part of the composition root: the course catalog, built from the pack files in the settings, the
course models (search index, grader) and, with a database, course choices and uploads."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.settings import Settings, StartupError
from bot.core.answerability import AnswerJudge
from bot.core.ask import DEFAULT_THRESHOLD, AskService, course_novelty, course_speller
from bot.core.contradiction import ContradictionReader
from bot.core.courses.catalog import CourseCatalog
from bot.core.courses.model import DocumentCheck, StoredCourse
from bot.core.courses.ports import ModelBuilder
from bot.core.grade import Grader
from bot.core.grading import MeaningGrader
from bot.core.instrumentation import TimedGrader
from bot.core.marked import MarkedAnswers
from bot.core.metrics import Metrics
from bot.core.pack import CoursePack
from bot.core.ports import Embedder
from bot.core.search import SemanticIndex
from content.errors import PackError
from content.loader import load_pack
from content.marked import load_marked, marked_answers
from content.topics import load_off_course_topics
from content.vocabulary import load_common_words, load_english_words

if TYPE_CHECKING:
    from storage.repositories import Repositories

log = logging.getLogger("studybot")
# /ask's answerability judge serves int8 on the CPU (bot.infra.contradiction_onnx): it halves a reading
# (six blocks: 7.0 ms against 13.2), and with it /ask answered and declined within two questions of fp32 on
# each of the thirteen blind sets (measured with six blocks).
JUDGE_INT8 = True


def load_packs(settings: Settings) -> list[CoursePack]:
    """Every configured pack; a broken one stops the start with its located error (``PackError``)."""
    paths = settings.pack_paths
    if not paths:
        raise StartupError(f"STUDYBOT_PACKS: no pack files found in {settings.packs!r}")
    packs = [load_pack(Path(path)) for path in paths]
    for pack in packs:  # only read (the vectors come when a course is first used): a broken line stops the start
        load_marked(pack)
    return packs


def course_threshold(pack: CoursePack, settings: Settings) -> float | None:
    """``/ask``'s threshold for a course: the pack's own ``ask_threshold``, else STUDYBOT_ASK_THRESHOLD,
    else (None) the default. The pack's wins because its authors tuned it for their questions."""
    return pack.ask_threshold if pack.ask_threshold is not None else settings.ask_threshold


def build_course_models(
    pack: CoursePack,
    embedder: Embedder,
    *,
    cache_path: Path | None = None,
    threshold: float | None = None,
    reader: ContradictionReader | None = None,
    judge: AnswerJudge | None = None,
) -> tuple[AskService, MeaningGrader]:
    """The search index with its off-course anchors, and the grader's rubric vectors.

    Course texts go through the on-disk embedding cache at ``cache_path``, so a restart encodes
    nothing it encoded before; queries and answers never go in the cache (``threshold``: see
    :func:`course_threshold`; ``None``, the default). The grader knows retired questions too,
    so an answer to a question a new version removed can still be graded; ``reader``: its contradiction
    veto (:func:`build_reader`), none by default; ``judge``: ``/ask``'s answerability veto (:func:`build_judge`),
    none by default.
    """
    from bot.infra.embedding_cache import CachedEmbedder

    course_embedder: Embedder = embedder
    cached = CachedEmbedder(embedder, cache_path) if cache_path else None
    if cached:
        course_embedder = cached
    try:
        index = SemanticIndex.build(pack.questions, course_embedder)
        topics = load_off_course_topics()
        anchors = course_embedder.encode(topics)
        grader = MeaningGrader(
            pack.questions + pack.retired,
            course_embedder,
            query_embedder=embedder,
            reader=reader,
            marked=_marked_answers(pack, course_embedder),
        )
    finally:
        if cached:
            log.info(
                "course encoded course=%s items=%d newly_encoded=%d",
                pack.id,
                len(pack.questions),
                cached.misses,
            )
            cached.close()
    english = load_english_words()
    novelty = course_novelty(pack.questions, topics, english=english, common=load_common_words())
    if novelty is None:
        log.info("novelty test off course=%s reason=%r", pack.id, "the course is not written in English")
    ask = AskService(
        index,
        embedder,
        DEFAULT_THRESHOLD if threshold is None else threshold,
        off_course=anchors,
        speller=course_speller(pack.questions, topics, english),
        novelty=novelty,
        judge=judge,
    )
    return ask, grader


def build_reader(settings: Settings) -> ContradictionReader | None:
    """The grader's contradiction reader (``STUDYBOT_CONTRADICTION_READER``): the shipped weights by
    default, none when "off", else the weights file it names. Loaded once per process, for every course,
    on ONNX Runtime when the embedder's backend setting chooses it on a CPU (exported on first use), else
    on torch."""
    from bot.infra.contradiction import DEFAULT_WEIGHTS

    path = _weights_file(settings.contradiction_reader, DEFAULT_WEIGHTS, "STUDYBOT_CONTRADICTION_READER")
    return _load_pair_model(settings, path) if path else None


def _marked_answers(pack: CoursePack, embedder: Embedder) -> MarkedAnswers | None:
    """The course's marked answers (``content/marked.py``) with their vectors; none without a file."""
    marked = marked_answers(pack, embedder)
    if marked is not None:
        log.info("marked answers course=%s answers=%d", pack.id, len(marked))
    return marked


def build_judge(settings: Settings, pack: CoursePack) -> AnswerJudge | None:
    """``/ask``'s answerability judge (``STUDYBOT_ASK_JUDGE``), loaded as the reader is: the same model with
    weights of its own (``scripts/fit_answerability.py``). Only for a course it was fitted on (its
    ``meta.courses``): it learnt from one course's items and was never measured on another's, so another
    course answers by the score alone, with one log line, and the model is not even loaded for it."""
    from bot.infra.contradiction import ANSWERABILITY_WEIGHTS, fitted_courses

    path = _weights_file(settings.ask_judge, ANSWERABILITY_WEIGHTS, "STUDYBOT_ASK_JUDGE")
    if path is None:
        return None
    fitted = fitted_courses(path)
    if not fitted:
        log.warning("ask judge off: %s names no course it was fitted on (meta.courses)", path)
        return None
    if pack.id not in fitted:
        log.info("ask judge off for this course (fitted on %s) course=%s", ", ".join(sorted(fitted)), pack.id)
        return None
    return _load_pair_model(settings, path, quantize=JUDGE_INT8)


def _weights_file(setting: str, shipped: Path, name: str) -> Path | None:
    """``shipped`` for an empty ``setting``, none for "off", else the file it names (which must exist)."""
    setting = setting.strip()
    if setting.lower() == "off":
        return None
    path = Path(setting).expanduser() if setting else shipped
    if not path.is_file():
        raise StartupError(
            f"{name}: no weights file at {path} (leave it empty for the shipped weights, or set it to off)"
        )
    return path


def _load_pair_model(settings: Settings, path: Path, *, quantize: bool = False):
    """A cross-encoder of ``bot.infra.contradiction``, once per process and file, where the embedder runs
    (int8 with ``quantize``, on the CPU only)."""
    from bot.infra.embedder_factory import choose_backend, resolve_device
    from bot.infra.reader_factory import load_reader

    onnx = choose_backend(settings.backend, resolve_device(settings.device)) == "onnx"
    export_root = str(settings.resolved_cache_dir / "onnx") if onnx else ""
    return load_reader(str(path.resolve()), settings.device, export_root, quantize=quantize)


def model_builder(settings: Settings, embedder: Embedder, metrics: Metrics | None = None) -> ModelBuilder:
    """Builds each course's models; with ``metrics``, its grader counts verdicts and times each call."""
    cache_path = settings.resolved_cache_dir / "embeddings.sqlite3"

    def build(pack: CoursePack) -> tuple[AskService, Grader]:
        threshold = course_threshold(pack, settings)
        ask, grader = build_course_models(
            pack,
            embedder,
            cache_path=cache_path,
            threshold=threshold,
            reader=build_reader(settings),
            judge=build_judge(settings, pack),
        )
        return ask, (TimedGrader(grader, metrics) if metrics is not None else grader)

    return build


def course_ask_factory(embedder: Embedder, settings: Settings) -> Callable[[CoursePack], AskService]:
    """``/ask`` for a pack as the bot would build it (same anchors, same threshold), for the separation
    report; course texts go through the embedding cache so a second check encodes nothing again."""

    def build(pack: CoursePack) -> AskService:
        cache = settings.resolved_cache_dir / "embeddings.sqlite3"
        threshold = course_threshold(pack, settings)
        return build_course_models(
            pack, embedder, cache_path=cache, threshold=threshold, judge=build_judge(settings, pack)
        )[0]

    return build


class ContentDocuments:
    """Uploaded documents checked and read by ``content`` (the core's ``CourseDocuments`` port)."""

    def __init__(self, embedder: Embedder | None = None, settings: Settings | None = None) -> None:
        self.embedder = embedder
        self.settings = settings  # with an embedder: the separation report warns of a leaky course

    def check(self, filename: str, data: bytes) -> DocumentCheck:
        from content.upload import check_upload

        ask_factory = None
        if self.embedder is not None and self.settings is not None:
            ask_factory = course_ask_factory(self.embedder, self.settings)
        checked = check_upload(filename, data, embedder=self.embedder, ask_factory=ask_factory)
        errors = tuple(str(p) for p in checked.problems if p.severity == "error")
        warnings = tuple(str(p) for p in checked.problems if p.severity != "error")
        return DocumentCheck(checked.pack, checked.yaml_text, errors, warnings)

    def load(self, stored: StoredCourse) -> CoursePack:
        from content.schema import parse_pack_text

        file = f"{stored.course_id} (upload {stored.version})"
        parsed = parse_pack_text(stored.document, file=file, default_id=stored.course_id)
        if parsed.pack is None:
            first = parsed.errors[0]
            raise PackError(first.file, first.message, line=first.line)
        return parsed.pack


def build_catalog(
    settings: Settings,
    embedder: Embedder,
    *,
    packs: list[CoursePack] | None = None,
    repos: Repositories | None = None,
    metrics: Metrics | None = None,
) -> CourseCatalog:
    """The catalog; with ``repos``, choices and uploads are kept in the database."""
    return CourseCatalog(
        packs if packs is not None else load_packs(settings),
        model_builder(settings, embedder, metrics),
        choices=repos.course_choices if repos else None,
        uploads=repos.course_uploads if repos else None,
        documents=ContentDocuments(embedder, settings) if repos else None,
    )
