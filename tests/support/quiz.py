"""Helpers of the quiz, storage and scheduler tests: a fake grader, a recording platform, a clock.

Imported as ``tests.support.quiz`` (pytest puts the repository root on ``sys.path``).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.app.settings import Settings
from bot.core.ask import AskService
from bot.core.courses.catalog import CourseCatalog
from bot.core.grade import Grade, Grader, Verdict
from bot.core.pack import CoursePack, QAItem
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from bot.core.types import Place, PostedMessage, Reply, User

QUESTIONS = (
    QAItem(
        "1.1",
        "What does backpropagation compute?",
        "The gradient of the loss with respect to every weight.",
        key_points=("gradient of the loss", "for every weight"),
    ),
    QAItem(
        "1.2",
        "Why do we train on GPUs?",
        "They run many matrix multiplications in parallel.",
        key_points=("parallel", "matrix multiplications"),
    ),
    QAItem(
        "1.3",
        "What is overfitting?",
        "Fitting the training data so closely that the model fails on new data.",
        key_points=("fits training data", "fails on new data"),
    ),
    QAItem("1.4", "Pros and cons of word-level tokenization?", None),  # no answer: never quizzed
)


def small_pack() -> CoursePack:
    return CoursePack(id="test", title="Test course", questions=QUESTIONS)


class FakeGrader:
    """Deterministic: ``right`` in the answer -> correct (score 100, or 75 with ``barely``), ``partly`` ->
    partial, ``unsure`` -> review, else incorrect. Records every batch, so tests can see that answers were graded in bulk."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self._lock = threading.Lock()

    @property
    def graded(self) -> int:
        return sum(self.batches)

    def grade_many(self, items: list[tuple[QAItem, str]]) -> list[Grade]:
        with self._lock:
            self.batches.append(len(items))
        return [self._grade(item, answer) for item, answer in items]

    @staticmethod
    def _grade(item: QAItem, answer: str) -> Grade:
        words = set(re.findall(r"\w+", answer.lower()))
        points = item.key_points or (item.answer or "",)
        if "right" in words:
            verdict, score, covered = Verdict.CORRECT, 75 if "barely" in words else 100, points
        elif "partly" in words:
            verdict, score, covered = Verdict.PARTIAL, 50, points[:1]
        elif "unsure" in words:  # the grader cannot decide: the answer goes to the course staff
            verdict, score, covered = Verdict.REVIEW, 40, points[:1]
        else:
            verdict, score, covered = Verdict.INCORRECT, 0, ()
        missed = tuple(p for p in points if p not in covered)
        return Grade(verdict, score, covered, missed, f"Graded.\nReference answer: {item.answer}")


class TinyEmbedder:
    """Hashing bag of words, for the /ask index the StudyBot needs (meaning does not matter here)."""

    model_name = "tiny"
    dimension = 32

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


def catalog(*packs: CoursePack, grader: Grader | None = None, **options: object) -> CourseCatalog:
    """A catalog of ``packs`` whose courses search with ``TinyEmbedder`` and grade with ``grader``
    (default: one ``FakeGrader`` for all); ``options`` go to ``CourseCatalog`` (choices, uploads...)."""
    shared = grader or FakeGrader()

    def build(pack: CoursePack) -> tuple[AskService, Grader]:
        embedder = TinyEmbedder()
        return AskService(SemanticIndex.build(pack.questions, embedder), embedder, 0.0), shared

    return CourseCatalog(list(packs), build, **options)  # type: ignore[arg-type]


def one_course(title: str, ask: AskService, grader: Grader | None = None) -> CourseCatalog:
    """A catalog of one course served by a given ``AskService`` (the pack: its index's items)."""
    pack = CoursePack(id="test", title=title, questions=tuple(ask.index.items))
    return CourseCatalog([pack], lambda _: (ask, grader or FakeGrader()))


def make_bot(pack: CoursePack, *packs: CoursePack, grader: Grader | None = None, **options: object) -> StudyBot:
    return StudyBot(courses=catalog(pack, *packs, grader=grader, **options))


class Clock:
    """A settable UTC clock."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


@dataclass
class RecordingPlatform:
    """A ``Platform`` that remembers what was posted; ``fail_posts`` makes ``post`` raise."""

    name: str = "discord"
    posts: list[tuple[Place, Reply]] = field(default_factory=list)
    replies: list[tuple[PostedMessage, Reply]] = field(default_factory=list)
    told: list[tuple[Place, str, Reply]] = field(default_factory=list)  # private messages: place, user
    fail_posts: bool = False
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def post(self, place: Place, reply: Reply) -> PostedMessage:
        if self.fail_posts:
            raise ConnectionError("platform down")
        self.posts.append((place, reply))
        return PostedMessage(place, f"{self.name}-msg-{next(self._ids)}")

    async def tell(self, place: Place, user_id: str, reply: Reply) -> None:
        self.told.append((place, user_id, reply))

    async def reply_to(self, message: PostedMessage, reply: Reply) -> PostedMessage:
        self.replies.append((message, reply))
        return PostedMessage(message.place, f"{self.name}-msg-{next(self._ids)}")

    @property
    def quiz_posts(self) -> list[Reply]:
        return [reply for _, reply in self.posts if reply.kind == "quiz"]

    @property
    def reveals(self) -> list[Reply]:
        return [reply for _, reply in self.replies if reply.kind == "reveal"] + [
            reply for _, reply in self.posts if reply.kind == "reveal"
        ]


PLACE = Place("discord", "guild-1", "quiz-channel")
ADMIN = User("discord", "admin", "Admin", is_admin=True)


def student(n: int | str, platform: str = "discord") -> User:
    return User(platform, f"u{n}", f"Student {n}")


def settings(**values: object) -> Settings:
    base: dict[str, object] = {"STUDYBOT_TIMEZONE": "UTC", "STUDYBOT_ANSWER_WINDOW_HOURS": 24.0}
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


MONDAY_9 = datetime(2025, 1, 13, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class Harness:
    """The quiz feature on a test database, with a fake grader, a recording platform and a clock."""

    feature: object  # bot.app.quiz_wiring.QuizFeature
    bot: StudyBot
    platform: RecordingPlatform
    grader: FakeGrader
    clock: Clock

    @property
    def service(self):
        return self.feature.service

    @property
    def repos(self):
        return self.feature.repos

    async def command(self, line: str, user: User = ADMIN, place: Place = PLACE) -> Reply:
        reply = await self.bot.handle_line(user, place, line)
        assert reply is not None
        return reply

    async def close(self) -> None:
        """Stop the workers and the scheduler; the database stays open (its fixture closes it)."""
        await self.feature.scheduler.stop()
        await self.feature.worker.aclose()
        await self.feature.batcher.aclose()
        await self.feature.repos.aclose()


def make_harness(
    database: object,
    *,
    clock: Clock | None = None,
    platform: RecordingPlatform | None = None,
    grader: FakeGrader | None = None,
    extra_packs: Sequence[CoursePack] = (),
    refresh_s: float = 30.0,
    **settings_values: object,
) -> Harness:
    from bot.app.courses import ContentDocuments
    from bot.app.quiz_wiring import build_quiz_feature
    from bot.infra.practice_fsrs import FsrsReviewer
    from storage.repositories import Repositories

    grader = grader or FakeGrader()
    clock = clock or Clock(MONDAY_9)
    platform = platform or RecordingPlatform()
    repos = Repositories.build(database)  # type: ignore[arg-type]
    bot = make_bot(
        small_pack(),
        *extra_packs,
        grader=grader,
        choices=repos.course_choices,
        uploads=repos.course_uploads,
        documents=ContentDocuments(),
        refresh_s=refresh_s,
    )
    feature = build_quiz_feature(
        settings(**settings_values),
        bot.courses,
        bot,
        database=database,  # type: ignore[arg-type]
        repos=repos,
        clock=clock,
        review=FsrsReviewer(fuzz=False),
    )
    feature.platforms[platform.name] = platform
    return Harness(feature, bot, platform, grader, clock)
