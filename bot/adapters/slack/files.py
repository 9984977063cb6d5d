"""Downloading a file a user gave the bot (the ``/course upload`` modal's file input).

Slack serves files at ``url_private_download`` to requests carrying the bot token, so the token is
only ever sent to the Web API's own host or one of its subdomains (``files.slack.com`` for
``slack.com``), never to whatever URL a payload names. A file is read up to a limit, whatever size
Slack declared.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

DOWNLOAD_TIMEOUT_S = 30.0
CHUNK_BYTES = 64 * 1024


class FileDownloadError(Exception):
    """The file could not be read; the message is for the user (no token, no URL)."""


def file_url(file: dict) -> str:
    """Where a file object of a ``files`` list can be downloaded (``url_private_download`` first)."""
    for key in ("url_private_download", "url_private"):
        value = file.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def token_may_go_to(url: str, api_base_url: str) -> bool:
    """The bot token goes only to the Web API's host or its subdomains, over the API's own scheme."""
    target, api = urlsplit(url), urlsplit(api_base_url)
    host, api_host = (target.hostname or "").lower(), (api.hostname or "").lower()
    same_site = bool(host) and (host == api_host or host.endswith("." + api_host))
    return same_site and target.scheme == api.scheme and target.port == api.port


async def download(
    url: str, token: str, *, api_base_url: str, limit: int, timeout_s: float = DOWNLOAD_TIMEOUT_S
) -> bytes:
    """The file's bytes, at most ``limit + 1`` of them (one more says it is too big)."""
    if not token_may_go_to(url, api_base_url):
        raise FileDownloadError("Slack gave a file address outside Slack, so it was not fetched.")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.get(url, headers=headers) as response,
        ):
            if response.status != 200:
                raise FileDownloadError(f"Slack answered {response.status} when the file was fetched.")
            if response.content_type == "text/html":  # Slack's sign-in page: the token may not read files
                raise FileDownloadError(
                    "Slack did not hand over the file: the app needs the `files:read` scope (reinstall it)."
                )
            data = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                data += chunk
                if len(data) > limit:
                    break
            return bytes(data[: limit + 1])
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise FileDownloadError(f"The file could not be fetched from Slack ({type(exc).__name__}).") from exc
