"""500 students answer one quiz twice each, all at once, on a real database (SQLite file, PostgreSQL).

Two replicas (two engines, as two processes) share the database and each takes half of the answers, so
duplicate answers race in separate transactions, and two grading workers race to save the same grades.
"""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import func, select

from bot.core.types import ButtonAction
from storage.db import Database
from storage.models import answers, score_totals
from tests.support.quiz import PLACE, make_harness, student

USERS = 500
POINTS = {"right": 10, "partly": 5, "wrong": 0}


async def test_500_users_answering_twice_concurrently_record_exactly_500(database, db_url):
    second_engine = Database(db_url)
    h = make_harness(database)
    other = make_harness(second_engine)
    other.repos.answers.recorder.max_batch = 8  # many small transactions interleaving with big ones
    replicas = [h, other]
    try:
        await h.command("/quiz now")
        quiz_id = h.platform.quiz_posts[-1].buttons[0].value
        words = list(POINTS)
        calls = []
        for n in range(USERS):
            user = student(n)
            for attempt in (1, 2):
                text = f"{words[(n + attempt) % 3]} attempt {attempt}"
                bot = replicas[(n + attempt) % 2].bot
                calls.append((user, bot.submit_answer(user, PLACE, ButtonAction.ANSWER_QUIZ, quiz_id, text)))
        random.Random(7).shuffle(calls)
        replies = await asyncio.gather(*(call for _, call in calls))

        assert [r for r in replies if r.kind != "grade"] == []  # no errors, every submission answered
        refused = [r for r in replies if "You already answered" in r.body]
        assert len(refused) == USERS

        with database.read() as conn:
            rows = conn.execute(
                select(answers.c.user_id, answers.c.answer, answers.c.points, answers.c.graded_at).where(
                    answers.c.quiz_id == quiz_id
                )
            ).all()
            totals = dict(
                conn.execute(
                    select(score_totals.c.period, func.sum(score_totals.c.points)).group_by(
                        score_totals.c.period
                    )
                ).all()
            )
            per_user = dict(
                conn.execute(
                    select(score_totals.c.user_id, score_totals.c.points).where(
                        score_totals.c.period == "all"
                    )
                ).all()
            )
        assert len(rows) == USERS and len({r.user_id for r in rows}) == USERS
        assert all(r.graded_at is not None for r in rows)
        for row in rows:  # the stored points follow from the answer that was recorded first
            assert row.points == POINTS[row.answer.split()[0]]
            assert per_user[row.user_id] == row.points
        recorded = sum(r.points for r in rows)
        assert totals == {"week": recorded, "month": recorded, "all": recorded}

        # each refusal quotes the user's recorded (first) answer and its grade
        by_user = {r.user_id: r for r in rows}
        for (user, _), reply in zip(calls, replies, strict=True):
            if "You already answered" in reply.body:
                assert by_user[user.user_id].answer in reply.body

        graded = h.grader.graded + other.grader.graded
        assert graded >= USERS and len(h.grader.batches) + len(other.grader.batches) < USERS  # in batches
    finally:
        await h.close()
        await other.close()
        second_engine.close()
