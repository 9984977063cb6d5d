"""Per-user limits on every command and answer form, as on ``/ask``: one student flooding the bot is
asked to slow down, nothing of theirs runs past the limit, and other students are not affected."""

from __future__ import annotations

from bot.core.ask import AskService
from bot.core.ratelimit import RateLimiter
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from bot.core.types import ButtonAction, Place, Reply, User
from tests.support.quiz import TinyEmbedder, one_course, small_pack

SLACK = Place("slack", "T1", "C1")
ANA, BEN = User("slack", "U1", "ana"), User("slack", "U2", "ben")


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def bot_with_limit(limit: int, clock: Clock) -> tuple[StudyBot, list[str]]:
    pack = small_pack()
    embedder = TinyEmbedder()
    bot = StudyBot(
        courses=one_course(pack.title, AskService(SemanticIndex.build(pack.questions, embedder), embedder, 0.0)),
        action_limiter=RateLimiter(limit, 60.0, clock=clock),
    )
    answered: list[str] = []

    async def on_answer(user: User, place: Place, value: str, text: str) -> Reply:
        answered.append(text)
        return Reply(body="stored", kind="grade")

    bot.register_answer_handler(ButtonAction.ANSWER_QUIZ, on_answer)
    return bot, answered


async def test_a_flooding_user_is_slowed_down_and_others_are_not():
    clock = Clock()
    bot, _ = bot_with_limit(3, clock)
    replies = [await bot.handle_line(ANA, SLACK, "/help") for _ in range(5)]
    assert [r.kind for r in replies] == ["help", "help", "help", "error", "error"]
    assert "wait" in replies[-1].body and "60 s" in replies[-1].body
    assert (await bot.handle_line(BEN, SLACK, "/help")).kind == "help"  # someone else goes ahead
    clock.now = 61.0
    assert (await bot.handle_line(ANA, SLACK, "/help")).kind == "help"  # the window slid on


async def test_answer_forms_count_too_and_a_refused_answer_is_not_handled():
    clock = Clock()
    bot, answered = bot_with_limit(2, clock)
    replies = [
        await bot.submit_answer(ANA, SLACK, ButtonAction.ANSWER_QUIZ, "q1", f"try {n}") for n in range(4)
    ]
    assert [r.body for r in replies[:2]] == ["stored", "stored"]
    assert all(r.kind == "error" and "wait" in r.body for r in replies[2:])
    assert answered == ["try 0", "try 1"]  # the refused ones never reached the handler


async def test_the_console_is_never_limited():
    bot, _ = bot_with_limit(1, Clock())
    console = Place("console", "local", "console")
    me = User("console", "me", "me", is_admin=True)
    assert all([(await bot.handle_line(me, console, "/help")).kind == "help" for _ in range(5)])


def test_users_idle_for_a_window_are_forgotten():
    from bot.core.ratelimit import SWEEP_EVERY

    clock = Clock()
    limiter = RateLimiter(5, 60.0, clock=clock)
    for n in range(SWEEP_EVERY - 1):
        assert limiter.retry_after(("slack", f"U{n}")) == 0
    assert limiter.tracked() == SWEEP_EVERY - 1  # all within the window: all remembered
    clock.now = 61.0
    limiter.retry_after(("slack", "late"))  # the sweep runs: everyone else has been idle a window
    assert limiter.tracked() == 1
