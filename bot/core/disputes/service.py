"""Disputing a grade and deciding a dispute.

A decision changes the answer's verdict and points in one transaction with the leaderboard totals; on a
scheduled quiz the student's streak is recomputed from that quiz on (a correct answer can extend a
streak and so change the bonus of every later answer in it). Of two admins deciding at once, the store
lets one through; the other is told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.disputes import replies
from bot.core.disputes.model import (
    AnswerKind,
    Correction,
    Decision,
    Dispute,
    DisputeStatus,
    GradedAnswer,
    Grading,
    StreakEntry,
)
from bot.core.disputes.ports import DisputeRepository
from bot.core.grade import Verdict
from bot.core.ports import Platform
from bot.core.quiz.model import AnswerRecord, PracticeReview, Quiz
from bot.core.quiz.ports import SpaceRepository
from bot.core.quiz.scoring import base_points, period_keys, streak_after, streak_bonus
from bot.core.text import clean_text
from bot.core.types import REASON_CHARS, Place, Reply, User

log = logging.getLogger(__name__)

OUTCOMES = {"correct": Verdict.CORRECT, "partial": Verdict.PARTIAL}
STALE_RETRIES = 5


class DisputeService:
    def __init__(
        self,
        *,
        disputes: DisputeRepository,
        spaces: SpaceRepository,
        platforms: Mapping[str, Platform],
        clock: Callable[[], datetime],
        window: timedelta = timedelta(days=7),
        default_timezone: str = "UTC",
    ) -> None:
        self.disputes = disputes
        self.spaces = spaces
        self.platforms = platforms
        self.clock = clock
        self.window = window
        self.default_timezone = default_timezone

    # --- students ---------------------------------------------------------------------------------
    async def dispute(self, user: User, place: Place, ref: str, reason: str) -> Reply:
        """The "Dispute this grade" form: ``ref`` is ``quiz:ID`` or ``practice:ID``."""
        kind, _, number = ref.strip().partition(":")
        try:
            answer_kind, answer_id = AnswerKind(kind), int(number)
        except ValueError:
            return replies.no_such_answer()
        answer = await self.disputes.graded_answer(answer_kind, answer_id)
        if answer is None and await self.disputes.awaiting_grade(answer_kind, answer_id):
            return replies.not_graded_yet()
        return await self._open(user, place, answer, reason)

    async def dispute_latest(self, user: User, place: Place, reason: str) -> Reply:
        """``/dispute [REASON]``: the student's latest graded answer in this space."""
        answer = await self.disputes.latest_graded(place.platform, place.space_id, user.user_id)
        if answer is None:
            return replies.nothing_to_dispute()
        return await self._open(user, place, answer, reason)

    async def _open(self, user: User, place: Place, answer: GradedAnswer | None, reason: str) -> Reply:
        text = clean_text(reason)
        if len(text) > REASON_CHARS:
            return replies.reason_too_long()
        if answer is None or (answer.platform, answer.space_id) != (place.platform, place.space_id):
            return replies.no_such_answer()
        if answer.user_id != user.user_id:
            return replies.not_yours()
        if not answer.display_name:  # practice answers keep no name
            answer = replace(answer, display_name=user.display_name)
        if answer.verdict is Verdict.REVIEW:
            # queued when graded; if that failed (or it predates the queue), queue it now: no answer
            # may wait for a decision nobody can make
            await self.disputes.open(answer, "", "grader", self.clock())
            return replies.already_with_staff()
        if self.clock() - answer.graded_at > self.window:
            return replies.expired(self.window)
        dispute = await self.disputes.open(answer, text, "student", self.clock())
        if dispute is None:
            return replies.already_disputed()
        log.info("grade disputed dispute=%s kind=%s", dispute.id, answer.kind.value)
        return replies.dispute_opened(dispute)

    async def queue_undecided(self, answer: GradedAnswer) -> None:
        """An answer the grader left to the staff (verdict ``review``) waits in the same queue."""
        await self.disputes.open(answer, "", "grader", self.clock())

    async def quiz_answer_undecided(self, answer: AnswerRecord, quiz: Quiz) -> None:
        result = answer.result
        assert result is not None
        await self.queue_undecided(
            GradedAnswer(
                kind=AnswerKind.QUIZ,
                answer_id=answer.id,
                platform=answer.platform,
                space_id=answer.space_id,
                course_id=quiz.course_id,
                channel_id=quiz.place.channel_id,
                user_id=answer.user_id,
                display_name=answer.display_name,
                question_id=quiz.question_id,
                text=answer.text,
                verdict=result.verdict,
                score=result.score,
                feedback=result.feedback,
                points=result.points,
                graded_at=answer.graded_at or self.clock(),
                submitted_at=answer.submitted_at,
            )
        )

    async def practice_answer_undecided(
        self, review_id: int, review: PracticeReview, channel_id: str, display_name: str
    ) -> None:
        await self.queue_undecided(
            GradedAnswer(
                kind=AnswerKind.PRACTICE,
                answer_id=review_id,
                platform=review.platform,
                space_id=review.space_id,
                course_id=review.course_id,
                channel_id=channel_id,
                user_id=review.user_id,
                display_name=display_name,
                question_id=review.question_id,
                text=review.answer,
                verdict=review.verdict,
                score=review.score,
                feedback=review.feedback,
                points=0,
                graded_at=review.reviewed_at,
                submitted_at=review.reviewed_at,
            )
        )

    async def stats_field(self, user: User, place: Place) -> tuple[str, str] | None:
        """The student's disputes, for ``/stats``."""
        return replies.counts_field(await self.disputes.counts(place.platform, place.space_id, user.user_id))

    # --- course staff ------------------------------------------------------------------------------
    async def review(self, user: User, place: Place, limit: int = 5) -> Reply:
        waiting, total = await self.disputes.queue(place.platform, place.space_id, limit)
        return replies.review_queue(waiting, total)

    async def decide(self, admin: User, place: Place, dispute_id: int, outcome: str, note: str) -> Reply:
        """``outcome``: ``correct`` or ``partial`` (accept as that), or ``reject``."""
        if not admin.is_admin:
            return replies.admins_only()
        note = clean_text(note)
        if len(note) > REASON_CHARS:
            return replies.reason_too_long()
        dispute = await self.disputes.get(dispute_id)
        if dispute is None or (dispute.answer.platform, dispute.answer.space_id) != (
            place.platform,
            place.space_id,
        ):
            return replies.no_such_dispute(dispute_id)
        if dispute.status is not DisputeStatus.OPEN:
            return replies.decided_already(dispute)
        answer = dispute.answer
        after = self._verdict_after(dispute, outcome)
        status = DisputeStatus.REJECTED if outcome == "reject" else DisputeStatus.ACCEPTED
        corrections: list[Correction] = []
        read: dict[int, Grading] = {}
        points_after = answer.points
        if answer.kind is AnswerKind.QUIZ and after is not answer.verdict:
            corrections, read = await self._corrections(answer, after, note)
            points_after = next(
                (c.points for c in corrections if c.answer_id == answer.answer_id), answer.points
            )
        decision = Decision(
            dispute_id=dispute.id,
            decided_by=f"{admin.platform}:{admin.user_id}",
            decided_at=self.clock(),
            status=status,
            verdict_before=answer.verdict,
            verdict_after=after,
            points_before=answer.points,
            points_after=points_after,
            note=note,
        )
        practice = after if answer.kind is AnswerKind.PRACTICE else None
        for _ in range(STALE_RETRIES):
            outcome = await self.disputes.decide(decision, corrections, practice, read)
            if outcome != "stale":
                break
            # another decision (or a grade) moved these answers meanwhile: work it out again
            corrections, read = await self._corrections(answer, after, note)
            before = read.get(answer.answer_id, (answer.verdict, answer.points, 0))[1]
            points_after = next((c.points for c in corrections if c.answer_id == answer.answer_id), before)
            decision = replace(decision, points_before=before, points_after=points_after)
        if outcome == "stale":  # the student's answers kept moving (a busy quiz): nothing was changed
            return replies.busy(dispute.id)
        if outcome != "decided":
            return replies.decided_meanwhile(dispute.id)
        log.info("dispute decided dispute=%s status=%s by=%s", dispute.id, status.value, decision.decided_by)
        await self._tell_student(dispute, decision)
        return replies.decided(dispute, decision, len(corrections))

    def _verdict_after(self, dispute: Dispute, outcome: str) -> Verdict:
        if outcome in OUTCOMES:
            return OUTCOMES[outcome]
        # rejecting a student's dispute keeps the grade; rejecting an undecided answer marks it wrong
        return Verdict.INCORRECT if dispute.answer.verdict is Verdict.REVIEW else dispute.answer.verdict

    async def _corrections(
        self, answer: GradedAnswer, after: Verdict, note: str
    ) -> tuple[list[Correction], dict[int, Grading]]:
        """The corrections, and the grades of every answer they were worked out from."""
        timezone = await self.spaces.timezone(answer.platform, answer.space_id) or self.default_timezone
        chain = await self.disputes.streak_chain(answer.answer_id)
        feedback = replies.reviewed_feedback(answer.feedback, after, note)
        if not chain:  # a quiz posted by hand: no streak to follow
            points = base_points(after)
            return [
                Correction(
                    answer.answer_id,
                    after,
                    points,
                    0,
                    0,
                    points - answer.points,
                    int(after is Verdict.CORRECT) - int(answer.verdict is Verdict.CORRECT),
                    period_keys(answer.submitted_at or answer.graded_at, timezone),
                    feedback,
                )
            ], {answer.answer_id: (answer.verdict, answer.points, 0)}
        # every answer of the chain was read to work these out: they must all still be as read
        read = {e.answer_id: (e.verdict, e.points, e.streak) for e in chain if e.answer_id and e.verdict}
        return _recomputed(chain, answer.answer_id, after, timezone, feedback), read

    async def _tell_student(self, dispute: Dispute, decision: Decision) -> None:
        answer = dispute.answer
        platform = self.platforms.get(answer.platform)
        if platform is None:
            log.warning("no platform to tell the student dispute=%s platform=%s", dispute.id, answer.platform)
            return
        place = Place(answer.platform, answer.space_id, answer.channel_id)
        try:
            await platform.tell(place, answer.user_id, replies.student_told(dispute, decision))
        except Exception:
            log.exception("telling the student failed dispute=%s", dispute.id)


def _recomputed(
    chain: list[StreakEntry], answer_id: int, after: Verdict, timezone: str, feedback: str
) -> list[Correction]:
    """Walk the channel's scheduled quizzes in order, the disputed verdict changed, and return every
    answer whose verdict, points or streak now differ."""
    out: list[Correction] = []
    previous = 0
    for entry in chain:
        if entry.answer_id is None or entry.verdict is None:
            previous = 0  # a scheduled quiz left unanswered ends a streak
            continue
        verdict = after if entry.answer_id == answer_id else entry.verdict
        streak = streak_after(previous, verdict, True)
        bonus = streak_bonus(streak)
        points = base_points(verdict) + bonus
        if (verdict, points, streak) != (entry.verdict, entry.points, entry.streak):
            assert entry.submitted_at is not None
            out.append(
                Correction(
                    entry.answer_id,
                    verdict,
                    points,
                    bonus,
                    streak,
                    points - entry.points,
                    int(verdict is Verdict.CORRECT) - int(entry.verdict is Verdict.CORRECT),
                    period_keys(entry.submitted_at, timezone),
                    feedback if entry.answer_id == answer_id else None,
                )
            )
        previous = streak
    return out
