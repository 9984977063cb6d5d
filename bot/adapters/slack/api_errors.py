"""Slack's error code from a failed Web API call, whatever came back.

``SlackApiError.response`` holds JSON for an API error, but a proxy or the HTTP server itself may answer
with plain text (a 400 for a URL too long): reading ``.get("error")`` off that raised inside the handler."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError


def error_code(exc: SlackApiError) -> str:
    response = exc.response
    data = getattr(response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    return f"http_{getattr(response, 'status_code', 'error')}"
