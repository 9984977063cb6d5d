"""Grading off the request path, in batches.

:class:`GradeBatcher` queues ``(item, answer)`` pairs and grades whatever has piled up with one
``grader.grade_many`` call in a worker thread: a burst of 500 answers costs a few model calls, not 500.
It is the only caller of the grader, so the grader is never used from two threads at once.

:class:`QuizGradingWorker` grades *recorded* quiz answers: the answer row is written first (fast: the
platforms need their acknowledgement within 3 s), then graded here, then the grade, the points and the
leaderboard totals are saved for the whole batch in one transaction. Answers left ungraded by a crash
(``graded_at`` still null) are picked up by :meth:`QuizGradingWorker.recover` at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.core.courses.catalog import CourseCatalog
from bot.core.courses.model import UnknownCourse
from bot.core.grade import Grade, Grader, Verdict
from bot.core.pack import QAItem
from bot.core.quiz.model import AnswerRecord, GradeToSave, Quiz
from bot.core.quiz.ports import AnswerRepository, QuizRepository, SpaceRepository, UndecidedListener
from bot.core.quiz.scoring import base_points, period_keys, streak_after, streak_bonus

log = logging.getLogger(__name__)


class QuestionGone(LookupError):
    """The quiz asks a question the course pack no longer has (or no longer answers)."""


Job = tuple[Grader, QAItem, str, "asyncio.Future[Grade]"]


class GradeBatcher:
    """Each answer is graded by its course's grader: a batch holding several courses makes one call
    per course."""

    def __init__(self, grader: Grader | None = None, *, max_batch: int = 128) -> None:
        self.grader = grader  # the default, for answers given without one
        self.max_batch = max_batch
        self._queue: asyncio.Queue[Job] | None = None
        self._task: asyncio.Task[None] | None = None
        self.calls = 0  # grade_many calls made (for tests and benchmarks)

    def _ensure_started(self) -> asyncio.Queue[Job]:
        if self._queue is None or self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run(self._queue), name="grade-batcher")
        return self._queue

    async def grade_many(self, pairs: list[tuple[QAItem, str]], grader: Grader | None = None) -> list[Grade]:
        grader = grader or self.grader
        if grader is None:
            raise ValueError("no grader given and no default grader")
        queue = self._ensure_started()
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in pairs]
        for (item, text), future in zip(pairs, futures, strict=True):
            queue.put_nowait((grader, item, text, future))
        return list(await asyncio.gather(*futures))

    async def grade(self, item: QAItem, text: str, grader: Grader | None = None) -> Grade:
        return (await self.grade_many([(item, text)], grader))[0]

    async def _run(self, queue: asyncio.Queue[Job]) -> None:
        while True:
            batch = [await queue.get()]
            await asyncio.sleep(0)  # let submissions made in the same tick join this batch
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            by_grader: dict[int, list[Job]] = {}
            for entry in batch:
                if not entry[3].done():
                    by_grader.setdefault(id(entry[0]), []).append(entry)
            for jobs in by_grader.values():
                await self._grade(jobs)

    async def _grade(self, batch: list[Job]) -> None:
        grader = batch[0][0]
        pairs = [(item, text) for _, item, text, _ in batch]
        try:
            self.calls += 1
            grades = await asyncio.to_thread(grader.grade_many, pairs)
        except Exception:
            if len(batch) == 1:
                log.exception("grading failed question=%s", batch[0][1].id)
                future = batch[0][3]
                if not future.done():
                    future.set_exception(RuntimeError(f"grading failed for question {batch[0][1].id}"))
                return
            for entry in batch:  # isolate the answer that breaks the batch
                await self._grade([entry])
            return
        for (_, _, _, future), grade in zip(batch, grades, strict=True):
            if not future.done():
                future.set_result(grade)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._task
            self._task = None


class QuizGradingWorker:
    def __init__(
        self,
        *,
        batcher: GradeBatcher,
        courses: CourseCatalog,
        quizzes: QuizRepository,
        answers: AnswerRepository,
        spaces: SpaceRepository,
        default_timezone: str = "UTC",
        max_batch: int = 256,
        undecided: UndecidedListener | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.clock = clock  # when set, grades carry its time (tests and replicas agree on "now")
        self.undecided = undecided  # told of answers left to the course staff
        self.batcher = batcher
        self.courses = courses
        self.quizzes = quizzes
        self.answers = answers
        self.spaces = spaces
        self.default_timezone = default_timezone
        self.max_batch = max_batch
        self._pending: dict[int, asyncio.Future[AnswerRecord]] = {}
        self._queue: asyncio.Queue[AnswerRecord] | None = None
        self._task: asyncio.Task[None] | None = None

    def submit(self, answer: AnswerRecord) -> asyncio.Future[AnswerRecord]:
        """The graded answer, when its batch is saved. Submitting the same answer twice shares one grade."""
        loop = asyncio.get_running_loop()
        if answer.result is not None:
            done: asyncio.Future[AnswerRecord] = loop.create_future()
            done.set_result(answer)
            return done
        future = self._pending.get(answer.id)
        if future is None:
            future = loop.create_future()
            self._pending[answer.id] = future
            self._ensure_started().put_nowait(answer)
        return future

    async def grade(self, answer: AnswerRecord) -> AnswerRecord:
        return await asyncio.shield(self.submit(answer))

    async def grade_ungraded(self, quiz_id: str | None = None) -> int:
        """Grade every answer still without a grade (of one quiz, or all): at start, and before a reveal."""
        total = 0
        while True:
            pending = await self.answers.ungraded(quiz_id, limit=self.max_batch * 4)
            if not pending:
                return total
            results = await asyncio.gather(*(self.submit(a) for a in pending), return_exceptions=True)
            failed = [r for r in results if isinstance(r, BaseException)]
            total += len(results) - len(failed)
            if failed:
                log.warning("ungraded answers left quiz=%s failed=%d", quiz_id, len(failed))
                return total

    def _ensure_started(self) -> asyncio.Queue[AnswerRecord]:
        if self._queue is None or self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run(self._queue), name="quiz-grading")
        return self._queue

    async def _run(self, queue: asyncio.Queue[AnswerRecord]) -> None:
        while True:
            batch = [await queue.get()]
            await asyncio.sleep(0)
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self._process(batch)
            except Exception as exc:
                log.exception("grading batch failed answers=%d", len(batch))
                for answer in batch:
                    self._settle(answer.id, exc)

    def _settle(self, answer_id: int, outcome: AnswerRecord | BaseException) -> None:
        future = self._pending.pop(answer_id, None)
        if future is None or future.done():
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    async def _process(self, batch: list[AnswerRecord]) -> None:
        quizzes: dict[str, Quiz | None] = {}
        for answer in batch:
            if answer.quiz_id not in quizzes:
                quizzes[answer.quiz_id] = await self.quizzes.get(answer.quiz_id)
        gradable: list[tuple[AnswerRecord, Quiz, QAItem, Grader]] = []
        for answer in batch:
            quiz = quizzes[answer.quiz_id]
            found = await self._question(quiz) if quiz else None
            if quiz is None or found is None:
                self._settle(answer.id, QuestionGone(f"quiz {answer.quiz_id} has no gradable question"))
                continue
            gradable.append((answer, quiz, *found))
        if not gradable:
            return
        outcomes = await asyncio.gather(
            *(self.batcher.grade(item, answer.text, grader) for answer, _, item, grader in gradable),
            return_exceptions=True,
        )
        streaks: dict[str, dict[str, int]] = {}
        timezones: dict[tuple[str, str], str] = {}
        to_save: list[GradeToSave] = []
        for (answer, quiz, _, _), grade in zip(gradable, outcomes, strict=True):
            if isinstance(grade, BaseException):
                self._settle(answer.id, grade)
                continue
            previous = 0
            if quiz.scheduled and grade.correct:
                if quiz.id not in streaks:
                    streaks[quiz.id] = await self.answers.previous_streaks(quiz)
                previous = streaks[quiz.id].get(answer.user_id, 0)
            streak = streak_after(previous, grade.verdict, quiz.scheduled)
            bonus = streak_bonus(streak)
            space = (answer.platform, answer.space_id)
            if space not in timezones:
                timezones[space] = await self.spaces.timezone(*space) or self.default_timezone
            to_save.append(
                GradeToSave(
                    answer_id=answer.id,
                    grade=grade,
                    points=base_points(grade.verdict) + bonus,
                    bonus=bonus,
                    streak=streak,
                    period_keys=period_keys(answer.submitted_at, timezones[space]),
                    graded_at=self.clock() if self.clock else None,
                )
            )
        if not to_save:
            return
        saved = await self.answers.save_grades(to_save)
        await self._queue_undecided(saved, quizzes)
        for record in saved:
            self._settle(record.id, record)
        for grade in to_save:  # not returned by the store: should not happen, but never hang a caller
            self._settle(grade.answer_id, LookupError(f"answer {grade.answer_id} vanished"))

    async def _queue_undecided(self, saved: list[AnswerRecord], quizzes: dict[str, Quiz | None]) -> None:
        if self.undecided is None:
            return
        for record in saved:
            quiz = quizzes.get(record.quiz_id)
            if quiz is not None and record.result is not None and record.result.verdict is Verdict.REVIEW:
                try:
                    await self.undecided.quiz_answer_undecided(record, quiz)
                except Exception:  # the grade is saved; the student's /dispute queues it later
                    log.exception("queueing an undecided answer failed answer=%s", record.id)

    async def _question(self, quiz: Quiz) -> tuple[QAItem, Grader] | None:
        """The quiz's question and its course's grader; ``None`` when the course no longer has it."""
        try:
            course = await self.courses.get(quiz.course_id)
        except UnknownCourse:
            return None
        item = course.pack.get(quiz.question_id)
        return (item, course.grader) if item is not None and item.answered else None

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._task
            self._task = None
        for future in self._pending.values():
            if not future.done():
                future.cancel()
        self._pending.clear()
