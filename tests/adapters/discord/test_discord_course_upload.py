"""``/course upload|use|list`` through the real discord.py against the fake Discord (REST, gateway, CDN),
with the course storage of a real database: what an admin attaches is read, checked by the core and
stored; everything else is refused with nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.adapters.discord.client import DiscordAdapter
from bot.core.courses.model import MAX_UPLOAD_BYTES
from tests.support.courses import DUPLICATE_ITEM, EMPTY_QUESTION_YAML, ROBOTICS
from tests.support.db import row_counts
from tests.support.fake_discord import DEFERRED_MESSAGE, MANAGE_GUILD, Call, FakeDiscord, Member, adapter_for

ALICE = Member("1001", "alice")
ADMIN = Member("1003", "teacher", permissions=MANAGE_GUILD)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    yield server
    await server.close()


@asynccontextmanager
async def running(fake: FakeDiscord, h) -> AsyncIterator[DiscordAdapter]:
    adapter = adapter_for(fake, h.bot)
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


async def followups(fake: FakeDiscord, interaction: dict, count: int) -> list[Call]:
    """The first ``count`` follow-ups to ``interaction``, waiting for them."""
    return await fake.wait_for(lambda: (found := fake.followups(interaction))[count - 1 :] and found[:count])


def assert_no_pings(fake: FakeDiscord) -> None:
    sent = [c for c in fake.calls if c.method in ("POST", "PATCH") and "/webhooks/" in c.path]
    assert sent
    for call in sent:
        mentions = call.body["allowed_mentions"]
        assert mentions["parse"] == [] and not mentions.get("users") and not mentions.get("roles"), call.body


def course_ids(h) -> list[str]:
    return [e.id for e in h.bot.courses.entries()]


async def test_an_admin_uploads_a_course_then_uses_it(fake, h):
    async with running(fake, h):
        assert {o["name"] for o in fake.commands["course"]["options"]} == {"list", "use", "reset", "upload"}
        upload = {o["name"]: o for o in fake.commands["course"]["options"]}["upload"]
        assert upload["options"][0]["type"] == 11 and upload["options"][0]["required"]

        file = fake.attachment("robotics.md", ROBOTICS.encode())
        interaction = await fake.slash(ADMIN, "course", "upload", file=file)
        progress, done = await followups(fake, interaction, 2)
        ack = await fake.callback(interaction)
        assert ack.body["type"] == DEFERRED_MESSAGE and ack.ephemeral
        (download,) = fake.downloads()
        # the 3-second rule: deferred before the file is fetched, and fetched before anything is said
        assert fake.calls.index(ack) < fake.calls.index(download) < fake.calls.index(progress)
        assert progress.ephemeral and "Checked 3 questions" in progress.text and "embedding" in progress.text
        assert done.ephemeral and done.embed["title"] == "Course uploaded"
        assert "version 1: 3 questions (3 new, 0 changed, 0 removed)" in done.text
        assert "robotics" in course_ids(h)

        use = await fake.slash(ADMIN, "course", "use", course="robotics")
        assert "now uses **Robotics 101**" in (await fake.followup(use)).text
        listed = await fake.followup(await fake.slash(ALICE, "course", "list"))
        assert "`robotics` — Robotics 101 (3 questions, version 1) ← used here" in listed.text
        assert_no_pings(fake)


async def test_course_use_here_goes_through_the_core_for_this_channel_only(fake, h):
    async with running(fake, h):
        await followups(
            fake,
            await fake.slash(
                ADMIN, "course", "upload", file=fake.attachment("robotics.md", ROBOTICS.encode())
            ),
            2,
        )
        here = await fake.followup(await fake.slash(ADMIN, "course", "use", course="robotics", here=True))
        assert here.ephemeral and "This channel now uses **Robotics 101**" in here.text
        listed = await fake.followup(await fake.slash(ALICE, "course", "list"))
        assert "Robotics 101 (3 questions, version 1) ← used in this channel" in listed.text
        refused = await fake.followup(await fake.slash(ALICE, "course", "use", course="test"))
        assert refused.ephemeral and "only course admins" in refused.text
        listed = await fake.followup(await fake.slash(ALICE, "course", "list"))
        assert "← used in this channel" in listed.text  # Alice changed nothing


async def test_a_non_admin_upload_is_refused_unread_and_nothing_is_stored(fake, h, database):
    before = row_counts(database)
    async with running(fake, h):
        file = fake.attachment("robotics.md", ROBOTICS.encode())
        interaction = await fake.slash(ALICE, "course", "upload", file=file)
        (refused,) = await followups(fake, interaction, 1)
        assert (await fake.callback(interaction)).ephemeral
        assert refused.ephemeral and "only course admins" in refused.text
        assert fake.downloads() == []
    assert row_counts(database) == before and course_ids(h) == ["test"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("robotics.md", DUPLICATE_ITEM, "robotics.md:5: item 1.1"),
        ("course.yaml", EMPTY_QUESTION_YAML, "course.yaml:4: item 1"),
    ],
)
async def test_an_invalid_document_shows_its_errors_with_line_numbers_and_stores_nothing(
    fake, h, database, name, data, expected
):
    before = row_counts(database)
    async with running(fake, h):
        interaction = await fake.slash(ADMIN, "course", "upload", file=fake.attachment(name, data))
        (errors,) = await followups(fake, interaction, 1)
        assert errors.ephemeral and f"{name} was not uploaded" in errors.text
        assert expected in errors.text and "Nothing changed" in errors.text
        assert len(fake.downloads()) == 1
    assert row_counts(database) == before and course_ids(h) == ["test"]


async def test_a_file_declared_over_the_limit_is_refused_without_being_fetched(fake, h, database):
    before = row_counts(database)
    async with running(fake, h):
        file = fake.attachment("big.md", ROBOTICS.encode(), size=MAX_UPLOAD_BYTES + 1)
        interaction = await fake.slash(ADMIN, "course", "upload", file=file)
        (refused,) = await followups(fake, interaction, 1)
        assert refused.ephemeral and "big.md was not uploaded" in refused.text
        assert "at most 1 MB" in refused.text
        assert fake.downloads() == []
    assert row_counts(database) == before and course_ids(h) == ["test"]


async def test_an_attachment_that_cannot_be_read_gets_a_clear_private_message(fake, h, database):
    before = row_counts(database)
    async with running(fake, h):
        file = fake.attachment("robotics.md", ROBOTICS.encode())
        del fake.files[file["id"]]  # deleted before the bot fetched it: the CDN answers 404
        interaction = await fake.slash(ADMIN, "course", "upload", file=file)
        (said,) = await followups(fake, interaction, 1)
        assert said.ephemeral and "Could not read `robotics.md`" in said.text
        assert len(fake.downloads()) == 1
    assert row_counts(database) == before


async def test_everyone_in_a_file_name_or_content_pings_nobody(fake, h):
    document = ROBOTICS.replace("# Robotics 101", "# Robotics @everyone <@1001> 101")
    async with running(fake, h):
        ok = await fake.slash(
            ADMIN, "course", "upload", file=fake.attachment("@everyone.md", document.encode())
        )
        _, done = await followups(fake, ok, 2)
        assert "Robotics @everyone <@1001> 101" in done.text
        bad = await fake.slash(
            ADMIN, "course", "upload", file=fake.attachment("@here <@1001>.md", DUPLICATE_ITEM)
        )
        (errors,) = await followups(fake, bad, 1)
        assert "@here <@1001>.md was not uploaded" in errors.text
        assert_no_pings(fake)
