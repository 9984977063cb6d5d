"""The command router: admin-only subcommands hold however the arguments are spaced."""

from __future__ import annotations

import pytest

from bot.core.commands import CommandRouter, CommandSpec
from bot.core.types import Command, Place, Reply, User

PLACE = Place("test", "space", "channel")


async def ran(user: User, place: Place, args: str) -> Reply:
    return Reply(body=f"ran {args.strip()}")


@pytest.fixture
def router() -> CommandRouter:
    r = CommandRouter()
    r.register(CommandSpec("quiz", "/quiz now|status", "quizzes", ran, admin_subcommands=frozenset({"now"})))
    return r


@pytest.mark.parametrize("args", ["now", " now", "  NOW  ", "\tnow extra"])
async def test_non_admin_cannot_reach_an_admin_subcommand(router, args):
    reply = await router.dispatch(User("test", "u1", "Student"), PLACE, Command("quiz", args))
    assert reply.kind == "error" and "only course admins" in reply.body


async def test_admin_and_open_subcommands_run(router):
    admin = User("test", "u2", "TA", is_admin=True)
    assert (await router.dispatch(admin, PLACE, Command("quiz", " now"))).body == "ran now"
    student = User("test", "u1", "Student")
    assert (await router.dispatch(student, PLACE, Command("quiz", "status"))).body == "ran status"
