"""A failed Slack call yields an error code even when the answer was not JSON."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.adapters.slack.api_errors import error_code


def failed(data, status: int) -> SlackApiError:
    response = SlackResponse(
        client=None, http_verb="GET", api_url="http://127.0.0.1/api/users.info", req_args={}, data=data,
        headers={}, status_code=status,
    )
    return SlackApiError("failed", response)


def test_the_json_error_code():
    assert error_code(failed({"ok": False, "error": "user_not_found"}, 200)) == "user_not_found"


def test_a_plain_text_answer_gives_the_http_status():
    assert error_code(failed("Got more than 8190 bytes when reading", 400)) == "http_400"
