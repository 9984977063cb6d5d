"""The quiz engine: post, accept answers, close and reveal, leaderboards, stats and schedules.

Posting a scheduled quiz is exactly-once across replicas and restarts: the quiz row, carrying its
(channel, local date, slot), is inserted before the post is sent, and a unique constraint lets only one
insert win. A post cut short by a crash is therefore never sent again (at most once, by design).
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.core.courses.catalog import CourseCatalog
from bot.core.pack import CoursePack, QAItem
from bot.core.ports import Platform
from bot.core.quiz import replies, texts
from bot.core.quiz.model import NewQuiz, Period, Quiz, RecordOutcome, Schedule
from bot.core.quiz.ports import (
    AnswerRepository,
    QuizRepository,
    ScheduleListener,
    ScheduleRepository,
    ScoreRepository,
    SpaceRepository,
)
from bot.core.quiz.schedule import ScheduleRule
from bot.core.quiz.scoring import period_key
from bot.core.quiz.worker import QuestionGone, QuizGradingWorker
from bot.core.receipts import answer_received
from bot.core.text import MAX_ANSWER_CHARS, clean_text
from bot.core.types import Place, PostedMessage, Reply, User

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_quiz_id() -> str:
    """Stable id that quiz buttons carry (``answer:<id>``) across restarts; short and unguessable."""
    return "q" + secrets.token_hex(6)


class QuizError(Exception):
    """Something an admin asked for cannot be done; the message says why."""


class QuizService:
    def __init__(
        self,
        *,
        courses: CourseCatalog,
        quizzes: QuizRepository,
        answers: AnswerRepository,
        scores: ScoreRepository,
        schedules: ScheduleRepository,
        spaces: SpaceRepository,
        worker: QuizGradingWorker,
        platforms: Mapping[str, Platform],
        default_timezone: str = "UTC",
        answer_window: timedelta = timedelta(hours=24),
        missed_post_grace: timedelta = timedelta(hours=1),
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        listener: ScheduleListener | None = None,
    ) -> None:
        self.courses = courses
        self.quizzes = quizzes
        self.answers = answers
        self.scores = scores
        self.schedules = schedules
        self.spaces = spaces
        self.worker = worker
        self.platforms = platforms
        self.default_timezone = default_timezone
        self.answer_window = answer_window
        self.grace = missed_post_grace
        self.clock = clock
        self.rng = rng or random.Random()
        self.listener = listener
        self._channel_locks: dict[Place, asyncio.Lock] = {}
        # other features' lines on /stats (the student's disputes): (user, place) -> a field or None
        self.stats_fields: list[Callable[[User, Place], Awaitable[tuple[str, str] | None]]] = []

    # --- posting ------------------------------------------------------------------------------------
    def pick_question(self, pack: CoursePack, times_asked: Mapping[str, int]) -> QAItem:
        """A question asked least often in the channel: none repeats until every one has been asked."""
        items = pack.answered
        if not items:
            raise QuizError("The course pack has no question with a reference answer to quiz on.")
        fewest = min(times_asked.get(item.id, 0) for item in items)
        return self.rng.choice([item for item in items if times_asked.get(item.id, 0) == fewest])

    async def post_now(self, place: Place) -> Quiz:
        """``/quiz now``: post at once (closes the channel's open quiz first). Not part of any streak."""
        quiz = await self._post(place, window=await self._window_for(place), scheduled=False)
        assert quiz is not None  # unscheduled posts claim no slot, so they cannot lose a claim
        return quiz

    async def run_schedule(self, place: Place) -> Quiz | None:
        """What the job scheduler calls when a channel's schedule fires (on every replica)."""
        schedule = await self.schedules.get(place)
        if schedule is None or schedule.paused:
            log.info("schedule fired but is gone or paused place=%s", _p(place))
            return None
        fire = schedule.rule.previous_fire(self.clock() + timedelta(seconds=1))
        return await self.post_scheduled(schedule, fire)

    async def post_scheduled(self, schedule: Schedule, fire: datetime) -> Quiz | None:
        """Post the quiz due at ``fire`` unless it is claimed already or more than the grace period late."""
        rule = schedule.rule
        lateness = self.clock() - fire
        slot_date = rule.local_date(fire)
        if lateness > self.grace:
            log.warning(
                "missed quiz post skipped place=%s date=%s slot=%s late_by=%s",
                _p(schedule.place),
                slot_date,
                rule.slot,
                lateness,
            )
            return None
        quiz = await self._post(
            schedule.place, window=schedule.answer_window, scheduled=True, slot_date=slot_date, slot=rule.slot
        )
        if quiz is None:
            log.info(
                "quiz post already claimed place=%s date=%s slot=%s", _p(schedule.place), slot_date, rule.slot
            )
        return quiz

    async def catch_up(self) -> list[Quiz]:
        """At start: send each schedule's latest post if it was missed and is within the grace period;
        log and skip older ones."""
        posted: list[Quiz] = []
        now = self.clock()
        for schedule in await self.schedules.for_platforms(list(self.platforms)):
            if schedule.paused:
                continue
            fire = schedule.rule.previous_fire(now)
            if schedule.updated_at is not None and fire < schedule.updated_at:
                continue  # the schedule did not exist (in this form) then
            if await self.quizzes.slot_taken(
                schedule.place, schedule.rule.local_date(fire), schedule.rule.slot
            ):
                continue
            quiz = await self.post_scheduled(schedule, fire)
            if quiz is not None:
                log.info("missed quiz post sent place=%s fire=%s", _p(schedule.place), fire.isoformat())
                posted.append(quiz)
        return posted

    async def _post(
        self,
        place: Place,
        *,
        window: timedelta,
        scheduled: bool,
        slot_date: date | None = None,
        slot: str | None = None,
    ) -> Quiz | None:
        platform = self.platforms.get(place.platform)
        if platform is None:
            raise QuizError(f"I can't post on {place.platform} from this process.")
        lock = self._channel_locks.setdefault(place, asyncio.Lock())
        async with lock:
            course = await self.courses.for_place(place)  # a schedule posts from its channel's course
            item = self.pick_question(course.pack, await self.quizzes.times_asked(place, course.id))
            now = self.clock()
            claimed = await self.quizzes.claim(
                NewQuiz(
                    id=new_quiz_id(),
                    place=place,
                    course_id=course.id,
                    question_id=item.id,
                    posted_at=now,
                    closes_at=now + window,
                    scheduled=scheduled,
                    slot_date=slot_date,
                    slot=slot,
                )
            )
            if claimed is None:
                return None
            try:
                for old in await self.quizzes.open_in_channel(place):
                    if old.id != claimed.id and old.posted_at <= claimed.posted_at:
                        await self.close_and_reveal(old)
                message = await platform.post(place, replies.quiz_post(claimed, item, window))
            except Exception:
                # The claim stays: whether the platform showed the post is unknown, and twice is worse
                # than never. Closed, so nobody can answer a quiz that may not exist.
                log.exception("quiz post failed place=%s quiz=%s", _p(place), claimed.id)
                await self.quizzes.close(claimed.id, self.clock())
                raise
            await self.quizzes.set_message_id(claimed.id, message.message_id)
            log.info(
                "quiz posted place=%s quiz=%s question=%s scheduled=%s",
                _p(place),
                claimed.id,
                item.id,
                scheduled,
            )
            return replace(claimed, message_id=message.message_id)

    # --- closing ------------------------------------------------------------------------------------
    async def close_and_reveal(self, quiz: Quiz) -> bool:
        """Close the quiz and post the reveal as a reply to it. Only the caller that closed it reveals."""
        if not await self.quizzes.close(quiz.id, self.clock()):
            return False
        try:
            await self.worker.grade_ungraded(quiz.id)
            summary = await self.answers.summary(quiz.id)
        except Exception:
            # Closed already, so no later run would reveal it: reveal the answer without the figures.
            log.exception("reveal figures unavailable quiz=%s", quiz.id)
            summary = None
        reply = replies.reveal(quiz, self.item(quiz), summary)
        platform = self.platforms.get(quiz.place.platform)
        if platform is None:
            log.warning("no platform to reveal on quiz=%s platform=%s", quiz.id, quiz.place.platform)
            return True
        try:
            if quiz.message_id:
                await platform.reply_to(PostedMessage(quiz.place, quiz.message_id), reply)
            else:
                await platform.post(quiz.place, reply)
        except Exception:
            log.exception("reveal failed quiz=%s", quiz.id)
        if summary is not None:
            log.info("quiz closed quiz=%s answered=%d correct=%d", quiz.id, summary.answered, summary.correct)
        return True

    async def close_expired(self) -> int:
        """Close and reveal every quiz of this process's platforms whose answer window has ended."""
        closed = 0
        for quiz in await self.quizzes.due_to_close(self.clock(), list(self.platforms)):
            closed += await self.close_and_reveal(quiz)
        return closed

    # --- answers ------------------------------------------------------------------------------------
    async def answer(self, user: User, place: Place, quiz_id: str, text: str) -> Reply:
        """A quiz answer (``ButtonAction.ANSWER_QUIZ``, value = quiz id): record, grade, reply."""
        cleaned = clean_text(text)
        if not cleaned:
            return texts.empty_answer()
        if len(cleaned) > MAX_ANSWER_CHARS:
            return texts.answer_too_long()
        result = await self.answers.record(quiz_id.strip(), user, place, cleaned, self.clock())
        if result.outcome is RecordOutcome.NOT_FOUND:
            return texts.no_such_quiz()
        assert result.quiz is not None
        item = self.item(result.quiz)
        if result.outcome is RecordOutcome.CLOSED:
            return replies.late(result.quiz, item)
        assert result.answer is not None
        await answer_received()  # stored: the platform may tell the student so, before grading
        try:
            answer = await self.worker.grade(result.answer)
        except QuestionGone:
            return texts.question_gone()
        assert answer.result is not None
        reference = item.answer if item else None
        if result.outcome is RecordOutcome.ALREADY_ANSWERED:
            heading = f"{texts.ALREADY_ANSWERED}\n> {_short(answer.text)}"
            return replies.graded(answer.result, reference, heading=heading, already=True, dispute=f"quiz:{answer.id}")
        return replies.graded(answer.result, reference, dispute=f"quiz:{answer.id}")

    def item(self, quiz: Quiz) -> QAItem | None:
        """The question a quiz asked, in its course's current text (``None``: the course dropped it)."""
        return self.courses.pack(quiz.course_id).get(quiz.question_id) if self.courses.has(quiz.course_id) else None

    async def open_quiz(self, place: Place) -> Quiz | None:
        """The channel's open quiz of the course it uses now (one of a course switched away from waits
        for its window to end, unseen here, and is still revealed)."""
        now = self.clock()
        course_id = await self.courses.course_id_for(place)
        open_now = (q for q in await self.quizzes.open_in_channel(place) if q.is_open(now))
        return next((q for q in open_now if q.course_id == course_id), None)

    async def answer_open(self, user: User, place: Place, text: str) -> Reply:
        """``/answer TEXT``: answer the open quiz of the channel (after it closed: "too late, no points")."""
        course_id = await self.courses.course_id_for(place)
        quiz = await self.open_quiz(place) or await self.quizzes.latest_in_channel(place, course_id)
        if quiz is None:
            return texts.no_open_quiz()
        return await self.answer(user, place, quiz.id, text)

    # --- leaderboards and stats ---------------------------------------------------------------------
    async def space_timezone(self, place: Place) -> str:
        return await self.spaces.timezone(place.platform, place.space_id) or self.default_timezone

    async def leaderboard(self, user: User, place: Place, period: Period) -> Reply:
        key = period_key(period, self.clock(), await self.space_timezone(place))
        course_id = await self.courses.course_id_for(place)
        board = await self.scores.leaderboard(
            place.platform, place.space_id, course_id, period, key, user.user_id
        )
        return replies.leaderboard(board)

    async def stats(self, user: User, place: Place) -> Reply:
        course_id = await self.courses.course_id_for(place)
        totals = await self.scores.totals(place.platform, place.space_id, course_id, user.user_id)
        current, best = await self.answers.user_streaks(
            place.platform, place.space_id, course_id, user.user_id, self.clock()
        )
        extra = [field for source in self.stats_fields if (field := await source(user, place))]
        return replies.stats(user.display_name, totals, current, best, tuple(extra))

    # --- schedules ----------------------------------------------------------------------------------
    async def _window_for(self, place: Place) -> timedelta:
        schedule = await self.schedules.get(place)
        return schedule.answer_window if schedule else self.answer_window

    async def set_schedule(self, place: Place, rule: ScheduleRule, window: timedelta | None) -> Schedule:
        now = self.clock()
        schedule = await self.schedules.save(Schedule(place, rule, window or self.answer_window), now)
        await self.spaces.set_timezone(place.platform, place.space_id, rule.timezone, now)
        await self._changed(place)
        return schedule

    async def set_paused(self, place: Place, paused: bool) -> Schedule | None:
        schedule = await self.schedules.set_paused(place, paused, self.clock())
        await self._changed(place)
        return schedule

    async def unschedule(self, place: Place) -> bool:
        removed = await self.schedules.delete(place)
        await self._changed(place)
        return removed

    async def _changed(self, place: Place) -> None:
        if self.listener is not None:
            await self.listener.schedule_changed(place)

    async def status(self, place: Place) -> Reply:
        schedule = await self.schedules.get(place)
        if schedule is None and not place.channel_id:  # e.g. Slack's Home tab: the space's schedules
            in_space = await self.schedules.in_space(place.platform, place.space_id)
            schedule = min(in_space, key=lambda s: s.rule.next_fire(self.clock()), default=None)
        next_fire = schedule.rule.next_fire(self.clock()) if schedule else None
        return replies.schedule_status(schedule, next_fire, await self.open_quiz(place))


def _p(place: Place) -> str:
    return f"{place.platform}/{place.space_id}/{place.channel_id}"


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
