"""The quiz and practice features' short texts (errors, usage), in one place; the composed replies
(quiz posts, grades, reveals, leaderboards) are built in ``replies.py``."""

from __future__ import annotations

from bot.core.text import MAX_ANSWER_CHARS
from bot.core.types import Reply, ReplyKind

ALREADY_ANSWERED = "You already answered this quiz — one answer each. Your first answer:"


def empty_answer() -> Reply:
    return Reply(body="Please write an answer before submitting.", kind=ReplyKind.USAGE)


def answer_too_long() -> Reply:
    return Reply(body=f"Please keep your answer under {MAX_ANSWER_CHARS:,} characters.", kind=ReplyKind.USAGE)


def no_such_quiz() -> Reply:
    return Reply(body="That quiz doesn't exist here.", kind=ReplyKind.ERROR)


def question_gone() -> Reply:
    return Reply(body="This quiz's question is no longer in the course, so it can't be graded.", kind=ReplyKind.ERROR)


def no_open_quiz() -> Reply:
    return Reply(
        body="There's no open quiz in this channel. An admin can post one with `/quiz now`.", kind=ReplyKind.ERROR
    )


def nothing_to_practise() -> Reply:
    return Reply(body="This course has no question with a reference answer to practise.", kind=ReplyKind.ERROR)


def practice_question_gone() -> Reply:
    return Reply(body="That practice question is no longer in the course.", kind=ReplyKind.ERROR)
