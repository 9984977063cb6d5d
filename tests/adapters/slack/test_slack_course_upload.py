"""``/course upload`` on Slack, driven for real: slack-bolt served on 127.0.0.1, requests signed as Slack
signs them, the Web API and the uploaded file served by the fake Slack, and the course storage of a real
database. An admin's command opens a modal with a file input; its submission is acked at once, the file
fetched with the bot token, checked and stored by the core, and the admin told privately."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.adapters.slack import blocks as bk
from bot.adapters.slack.app import SlackAdapter
from bot.adapters.slack.files import download, file_url, token_may_go_to
from bot.core.courses.model import MAX_UPLOAD_BYTES
from tests.support.courses import DUPLICATE_ITEM, EMPTY_QUESTION_YAML, ROBOTICS
from tests.support.db import row_counts
from tests.support.fake_slack import (
    BOT_TOKEN,
    CHANNEL,
    TEAM,
    FakeSlack,
    command_body,
    payload_body,
    sign,
    upload_submission,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN, STUDENT = "U0ADM", "U0ANA"


@pytest.fixture
async def adapter(fake: FakeSlack, h):
    fake.users[ADMIN] = {"id": ADMIN, "name": "adm", "is_admin": True}
    fake.users[STUDENT] = {"id": STUDENT, "name": "ana", "is_admin": False}
    slack = SlackAdapter(
        h.bot,
        bot_token=BOT_TOKEN,
        signing_secret=SECRET,
        api_base_url=fake.api_url,
        host="127.0.0.1",
        port=0,
    )
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
async def send(adapter: SlackAdapter):
    """POST a form body to /slack/events as Slack would; returns (status, text)."""
    url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
    async with aiohttp.ClientSession() as session:

        async def post(body: bytes, *, secret: str = SECRET, signed: bytes | None = None):
            """``signed``: the body the signature is made for, when another one is sent (tampering)."""
            signature = sign(secret, body if signed is None else signed)
            headers = {"Content-Type": "application/x-www-form-urlencoded", **signature}
            async with session.post(url, data=body, headers=headers) as response:
                return response.status, await response.text()

        yield post


async def open_upload_form(fake: FakeSlack, send, user: str = ADMIN) -> dict:
    status, text = await send(command_body("/course", "upload", user=user, response_url=fake.response_url()))
    assert (status, text) == (200, "")
    (opened,) = await fake.wait_for("views.open")
    assert opened.args["trigger_id"] == "1337.42.trigger"
    return opened.args["view"]


async def submit(
    fake: FakeSlack, send, view: dict, name: str, data: bytes, user: str = ADMIN, **file
) -> dict:
    picked = fake.add_file(name, data, **file)
    assert await send(payload_body(upload_submission(view, [picked], user=user))) == (200, "")
    return picked


async def told(fake: FakeSlack, count: int = 1) -> list[str]:
    """The first ``count`` private messages to the admin, as the text Slack would show."""
    calls = await fake.wait_for("chat.postEphemeral", count)
    assert all((c.args["channel"], c.args["user"]) == (CHANNEL, ADMIN) for c in calls)
    return [c.dump() for c in calls]


async def barrier(fake: FakeSlack, send) -> None:
    """A later command answered: whatever earlier requests were going to do is done."""
    await send(command_body("/course", "list", response_url=fake.response_url("barrier")))
    await fake.wait_for("respond:barrier")


def course_ids(h) -> list[str]:
    return [e.id for e in h.bot.courses.entries()]


async def test_an_admin_uploads_through_the_modal_then_uses_the_course(fake, send, h):
    view = await open_upload_form(fake, send)
    assert view["callback_id"] == bk.UPLOAD_VIEW
    assert json.loads(view["private_metadata"]) == {"t": TEAM, "c": CHANNEL}
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["element"]["type"] == "file_input" and field["element"]["max_files"] == 1
    assert set(field["element"]["filetypes"]) == {"md", "markdown", "txt", "yaml", "yml"}
    assert fake.of("respond:hook") == []  # the modal is the answer

    picked = await submit(fake, send, view, "robotics.md", ROBOTICS.encode())
    progress, done = await told(fake, 2)
    assert "Checked 3 questions" in progress and "embedding" in progress
    assert "Course uploaded" in done and "version 1: 3 questions (3 new, 0 changed, 0 removed)" in done
    (download,) = fake.downloads()
    assert download.method == f"file:{picked['id']}" and download.args == {"download": "1"}
    assert download.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert "robotics" in course_ids(h)

    await send(command_body("/course", "use robotics", user=ADMIN, response_url=fake.response_url("use")))
    (use,) = await fake.wait_for("respond:use")
    assert "now uses *Robotics 101*" in use.dump()


async def test_a_non_admin_course_upload_goes_to_the_core_and_is_refused(fake, send, h, database):
    before = row_counts(database)
    await send(command_body("/course", "upload", user=STUDENT, response_url=fake.response_url()))
    (refused,) = await fake.wait_for("respond:hook")
    assert refused.args["response_type"] == "ephemeral" and "only course admins" in refused.dump()
    assert fake.of("views.open") == []
    assert row_counts(database) == before


async def test_an_expired_trigger_says_to_run_the_command_again(fake, send, h):
    fake.failures["views.open"] = "expired_trigger_id"
    await send(command_body("/course", "upload", user=ADMIN, response_url=fake.response_url()))
    (said,) = await fake.wait_for("respond:hook")
    assert said.args["response_type"] == "ephemeral" and "run `/course upload` again" in said.dump()


async def test_an_upload_form_submitted_by_a_non_admin_is_refused_unread(fake, send, h, database):
    """Admin rights are checked again at submission (they may have been taken away meanwhile)."""
    before = row_counts(database)
    view = await open_upload_form(fake, send)
    await submit(fake, send, view, "robotics.md", ROBOTICS.encode(), user="U0EX")
    calls = await fake.wait_for("chat.postEphemeral")
    assert calls[0].args["user"] == "U0EX" and "only course admins" in calls[0].dump()
    assert fake.downloads() == [] and row_counts(database) == before and course_ids(h) == ["test"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("robotics.md", DUPLICATE_ITEM, "robotics.md:5: item 1.1"),
        ("course.yaml", EMPTY_QUESTION_YAML, "course.yaml:4: item 1"),
    ],
)
async def test_an_invalid_document_shows_its_errors_with_line_numbers(
    fake, send, h, database, name, data, expected
):
    before = row_counts(database)
    view = await open_upload_form(fake, send)
    await submit(fake, send, view, name, data)
    (errors,) = await told(fake)
    assert f"{name} was not uploaded" in errors and expected in errors and "Nothing changed" in errors
    assert len(fake.downloads()) == 1
    assert row_counts(database) == before and course_ids(h) == ["test"]


async def test_a_file_over_the_limit_is_refused_without_being_downloaded(fake, send, h, database):
    before = row_counts(database)
    view = await open_upload_form(fake, send)
    await submit(fake, send, view, "big.md", ROBOTICS.encode(), size=MAX_UPLOAD_BYTES + 1)
    (refused,) = await told(fake)
    assert "big.md was not uploaded" in refused and "at most 1 MB" in refused
    assert fake.downloads() == [] and row_counts(database) == before


async def test_a_file_bigger_than_declared_is_read_only_up_to_the_limit(fake, send, h, database):
    before = row_counts(database)
    view = await open_upload_form(fake, send)
    await submit(fake, send, view, "big.md", b"x" * (3 * MAX_UPLOAD_BYTES), size=10)
    (refused,) = await told(fake)
    assert "big.md was not uploaded" in refused and "at most 1 MB" in refused
    assert row_counts(database) == before


async def test_a_refused_download_gets_a_clear_private_message(fake, send, h, database):
    before = row_counts(database)
    view = await open_upload_form(fake, send)
    fake.bot_token = "xoxb-rotated"  # Slack no longer takes our token for files
    await submit(fake, send, view, "robotics.md", ROBOTICS.encode())
    (failed,) = await told(fake)
    assert "robotics.md was not uploaded" in failed and "403" in failed and "Nothing changed" in failed
    assert len(fake.downloads()) == 1 and row_counts(database) == before
    assert BOT_TOKEN not in failed and "xoxb" not in failed


async def test_a_token_without_files_read_gets_a_hint_at_the_scope(fake, send, h, database):
    before = row_counts(database)
    view = await open_upload_form(fake, send)
    fake.files_scope = False
    await submit(fake, send, view, "robotics.md", ROBOTICS.encode())
    (failed,) = await told(fake)
    assert "files:read" in failed and "Nothing changed" in failed
    assert row_counts(database) == before


async def test_a_download_reads_at_most_one_byte_past_the_limit(fake):
    picked = fake.add_file("big.md", b"x" * 100_000)
    url = file_url(picked)
    assert url == picked["url_private_download"]
    data = await download(url, BOT_TOKEN, api_base_url=fake.api_url, limit=10)
    assert data == b"x" * 11
    assert await download(url, BOT_TOKEN, api_base_url=fake.api_url, limit=100_000) == b"x" * 100_000


async def test_the_token_is_never_sent_outside_slack(fake, send, h, database, caplog):
    before = row_counts(database)
    view = await open_upload_form(fake, send)
    elsewhere = f"http://127.0.0.2:{fake.port}/files-pri/F1/robotics.md"
    await submit(fake, send, view, "robotics.md", ROBOTICS.encode(), url_private_download=elsewhere)
    (failed,) = await told(fake)
    assert "outside Slack" in failed and "was not uploaded" in failed
    assert fake.downloads() == [] and row_counts(database) == before
    assert BOT_TOKEN not in caplog.text


def test_the_token_goes_only_to_the_api_host_and_its_subdomains():
    api = "https://slack.com/api/"
    assert token_may_go_to("https://files.slack.com/files-pri/T1-F1/download/a.md", api)
    assert token_may_go_to("https://slack.com/files-pri/x", api)
    for url in (
        "http://files.slack.com/files-pri/x",  # not over https
        "https://files.slack.com.evil.org/x",
        "https://evilslack.com/x",
        "https://slack.com:8443/x",
        "",
    ):
        assert not token_may_go_to(url, api), url
    assert token_may_go_to("https://files.slack-gov.com/x", "https://slack-gov.com/api/")


async def test_a_submission_without_a_file_keeps_the_modal_open(fake, send, h):
    view = await open_upload_form(fake, send)
    status, text = await send(payload_body(upload_submission(view, [], user=ADMIN)))
    assert status == 200
    assert json.loads(text) == {
        "response_action": "errors",
        "errors": {bk.UPLOAD_BLOCK: "Please pick the course document to upload."},
    }
    await barrier(fake, send)
    assert fake.downloads() == [] and fake.of("chat.postEphemeral") == []


async def test_a_submission_delivered_twice_uploads_once(fake, send, h):
    view = await open_upload_form(fake, send)
    body = payload_body(
        upload_submission(view, [fake.add_file("robotics.md", ROBOTICS.encode())], user=ADMIN)
    )
    assert (await send(body))[0] == (await send(body))[0] == 200
    await told(fake, 2)
    await barrier(fake, send)
    assert len(fake.downloads()) == 1 and len(fake.of("chat.postEphemeral")) == 2


@pytest.mark.parametrize("how", ["wrong secret", "tampered body"])
async def test_a_badly_signed_submission_is_rejected_and_nothing_is_fetched(fake, send, h, database, how):
    before = row_counts(database)
    view = await open_upload_form(fake, send)
    body = payload_body(
        upload_submission(view, [fake.add_file("robotics.md", ROBOTICS.encode())], user=ADMIN)
    )
    if how == "wrong secret":
        status, _ = await send(body, secret="not-the-secret")
    else:
        status, _ = await send(body.replace(b"robotics", b"robotix"), signed=body)
    assert status == 401
    await barrier(fake, send)
    assert fake.downloads() == [] and fake.of("chat.postEphemeral") == []
    assert row_counts(database) == before


async def test_channel_mentions_in_a_file_name_or_document_notify_nobody(fake, send, h):
    document = ROBOTICS.replace("# Robotics 101", "# Robotics <!channel> @here 101")
    view = await open_upload_form(fake, send)
    await submit(fake, send, view, "<!here>.md", document.encode())
    _, done = await told(fake, 2)
    assert "Robotics &lt;!channel&gt; @here 101" in done
    for sent in fake.of("chat.postEphemeral"):
        assert "<!channel>" not in sent.dump() and "<!here>" not in sent.dump()
