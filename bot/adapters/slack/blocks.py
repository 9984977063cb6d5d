"""Block Kit rendering of the core's ``Reply``: escaping, markdown, Slack's size limits.

Everything here is pure (dicts in, dicts out), so the rules are tested without a server:

- every piece of text that may hold user text is escaped (``&``, ``<``, ``>``) and sent as ``mrkdwn``
  with ``verbatim: true``, so ``<!channel>``, ``<!here>`` and ``<@U…>`` typed by a user render as
  text and never notify anyone;
- section text stays under 3,000 characters (a long body is split across sections, then cut with a
  visible ellipsis), modal titles under 24, button values under 2,000, at most 50 blocks a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from bot.core.courses.model import MAX_UPLOAD_BYTES
from bot.core.text import shorten
from bot.core.types import FORMS, Button, ButtonAction, Reply

SECTION_LIMIT = 3000  # Slack: section text
SECTION_TEXT = SECTION_LIMIT - 10  # what we fill: kept under the limit
CONTEXT_LIMIT = 2000  # Slack: a context element's text
MODAL_TITLE_LIMIT = 24  # Slack: a modal's title
LABEL_LIMIT = 2000  # Slack: an input block's label
BUTTON_TEXT_LIMIT = 75
ACTIONS_LIMIT = 25  # Slack: elements of one actions block
BUTTON_VALUE_LIMIT = 2000
FALLBACK_LIMIT = 3000  # the top-level ``text`` shown in notifications
MESSAGE_BLOCK_LIMIT = 50
HOME_BLOCK_LIMIT = 100
PRIVATE_METADATA_LIMIT = 3000

ACTION_PREFIX = "studybot."  # action_id of a core button: "studybot.answer", "studybot.dispute", ...
SHARE_ACTION = "studybot-share"
ANSWER_VIEW = "studybot-answer"  # callback_id of every button's form (answer, dispute reason, review note)
ANSWER_BLOCK, ANSWER_INPUT = "answer", "text"  # where the form's text lives in view.state
ANSWER_ACTIONS = frozenset({ButtonAction.ANSWER_QUIZ, ButtonAction.ANSWER_PRACTICE})
UPLOAD_VIEW = "studybot-course-upload"  # callback_id of the /course upload modal
UPLOAD_BLOCK, UPLOAD_INPUT = "course_file", "file"  # where its file lives in view.state
UPLOAD_FILETYPES = ("md", "markdown", "txt", "yaml", "yml")

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")
_FENCE = "```"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


# --- text --------------------------------------------------------------------------------------------
def escape(text: str) -> str:
    """Slack's three control characters; nothing else is escaped (quotes stay as typed)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_INBOUND_SPECIAL = re.compile(r"<([@#!])([^<>|]*)(?:\|([^<>]*))?>")
_INBOUND_LINK = re.compile(r"<((?:https?|mailto):[^<>|]*)(?:\|([^<>]*))?>")


def from_slack(text: str) -> str:
    """Slack-formatted text a user typed (slash command text) -> plain text for the core.

    Slack escapes ``&<>`` and, for apps that ask for it, wraps mentions and links in ``<…>``; the core
    wants what the user typed, so ``<@U1|ana>`` becomes ``@ana``, ``<!here>`` ``@here``, a link its text.
    Rendering escapes it all again on the way out.
    """

    def special(match: re.Match[str]) -> str:
        sigil, ident, label = match.groups()
        shown = "@" if sigil == "!" else sigil
        name = label or (ident.split("^", 1)[0] if sigil == "!" else ident)
        return name if name.startswith(shown) else shown + name

    text = _INBOUND_SPECIAL.sub(special, text)
    text = _INBOUND_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_mrkdwn(text: str) -> str:
    """Core text (light markdown, may hold user text) -> escaped Slack mrkdwn."""
    return _BOLD.sub(r"*\1*", escape(text))


def _cut(rendered: str, limit: int, ellipsis: str = "…") -> str:
    """Cut already-escaped text to ``limit`` characters without splitting an ``&amp;`` entity."""
    if len(rendered) <= limit:
        return rendered
    head = _PARTIAL_ENTITY.sub("", rendered[: limit - len(ellipsis)])
    if head.count(_FENCE) % 2 and len(head) + len(_FENCE) + 1 + len(ellipsis) <= limit:
        head += "\n" + _FENCE
    elif head.count(_FENCE) % 2:
        head = _PARTIAL_ENTITY.sub("", head[: limit - len(ellipsis) - len(_FENCE) - 1]) + "\n" + _FENCE
    return head.rstrip() + ellipsis


def fit(text: str, limit: int = SECTION_TEXT) -> str:
    """Escaped mrkdwn of ``text``, at most ``limit`` characters (a visible ellipsis when cut)."""
    return _cut(to_mrkdwn(text), limit)


def split_mrkdwn(text: str, limit: int = SECTION_TEXT, max_parts: int = 8) -> list[str]:
    """Escaped mrkdwn of ``text`` in parts of at most ``limit`` characters, cut at line or word ends; a code fence open at a cut is closed and reopened. Past ``max_parts`` the rest is cut."""
    rest = to_mrkdwn(text).strip()
    parts: list[str] = []
    while rest:
        if len(parts) == max_parts - 1 or len(rest) <= limit:
            parts.append(_cut(rest, limit))
            break
        window = rest[: limit - len(_FENCE) - 1]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = len(_PARTIAL_ENTITY.sub("", window))
        head, rest = window[:cut].rstrip(), rest[cut:].lstrip()
        if head.count(_FENCE) % 2:
            head += "\n" + _FENCE
            rest = _FENCE + "\n" + rest
        parts.append(head)
    return [p for p in parts if p]


def plain(text: str, limit: int) -> str:
    """A ``plain_text`` object's text (labels, titles): never user text, only shortened."""
    return shorten(" ".join(text.split()), limit)


# --- blocks ------------------------------------------------------------------------------------------
def section(text: str) -> dict:
    """A section of already-rendered mrkdwn; ``verbatim`` so Slack does not auto-link or parse mentions."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}


def action_id(action: ButtonAction) -> str:
    return ACTION_PREFIX + action.value


def parse_action_id(value: str) -> ButtonAction | None:
    if not value.startswith(ACTION_PREFIX):
        return None
    try:
        return ButtonAction(value.removeprefix(ACTION_PREFIX).split("#", 1)[0])
    except ValueError:
        return None


def button(button: Button, index: int) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": plain(button.label, BUTTON_TEXT_LIMIT), "emoji": True},
        "action_id": action_id(button.action) if index == 0 else f"{action_id(button.action)}#{index}",
        "value": button.value[:BUTTON_VALUE_LIMIT],
        "style": "primary",
    }


def reply_blocks(
    reply: Reply, *, max_blocks: int = MESSAGE_BLOCK_LIMIT, extra_actions: Iterable[dict] = ()
) -> list[dict]:
    """A reply as blocks: title, body sections, one section per field, footer, then buttons: one actions
    block per item (consecutive buttons with the same value: a dispute's three decisions)."""
    blocks: list[dict] = []
    if reply.title:
        blocks.append(section(f"*{fit(reply.title, SECTION_TEXT - 2)}*"))
    blocks.extend(section(part) for part in split_mrkdwn(reply.body))
    for name, value in reply.fields:
        head = f"*{fit(name, 200)}*\n"
        blocks.append(section(head + fit(value, SECTION_TEXT - len(head))))
    if reply.footer:
        blocks.append(context(fit(reply.footer, CONTEXT_LIMIT)))
    tail = _actions(reply.buttons, list(extra_actions))
    if len(blocks) + len(tail) > max_blocks:
        blocks = [*blocks[: max_blocks - len(tail) - 1], context("_…cut to fit Slack's limits._")]
    if not blocks and not tail:
        blocks.append(section(" "))
    return blocks + tail


def _actions(buttons: tuple[Button, ...], extra: list[dict]) -> list[dict]:
    """Actions blocks, one per run of buttons with the same value; the extra elements (Share) last."""
    rows: list[list[dict]] = []
    for index, b in enumerate(buttons[:ACTIONS_LIMIT]):
        if index == 0 or b.value != buttons[index - 1].value:
            rows.append([])
        rows[-1].append(button(b, index))
    if extra and rows and len(rows[-1]) + len(extra) <= ACTIONS_LIMIT:
        rows[-1].extend(extra)
    elif extra:
        rows.append(list(extra))
    return [{"type": "actions", "elements": row} for row in rows]


def fallback_text(reply: Reply) -> str:
    """The message's top-level ``text``: what notifications and screen readers show."""
    return fit(reply.title or reply.body or "StudyBot", 300)


def message(reply: Reply, *, extra_actions: Iterable[dict] = ()) -> dict:
    """Keyword arguments for chat.postMessage / chat.postEphemeral / a response_url."""
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply, extra_actions=extra_actions)}


def share_button(token: str, command: str, args: str) -> dict:
    """ "Share in channel" on an ephemeral reply. The value names the cached reply and, for another
    worker or after a restart, the command to run again."""
    value = json.dumps({"t": token, "c": command, "a": escape(args)}, ensure_ascii=False)
    if len(value) > BUTTON_VALUE_LIMIT:
        value = json.dumps({"t": token})
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Share in channel", "emoji": True},
        "action_id": SHARE_ACTION,
        "value": value,
    }


def shared_by(user_id: str) -> dict:
    who = f"<@{user_id}>" if _USER_ID.match(user_id) else "a student"
    return context(f"Shared by {who}")


# --- the forms of buttons ---------------------------------------------------------------------------
def answer_modal(*, action: ButtonAction, metadata: dict[str, str], question: list[dict]) -> dict:
    """The form of ``FORMS[action]``: one multiline input, optional unless the form requires it, capped
    at its length; ``question``: blocks shown above the input (an answer form's quiz question)."""
    form = FORMS[action]
    element: dict = {
        "type": "plain_text_input",
        "action_id": ANSWER_INPUT,
        "multiline": True,
        "max_length": form.max_chars,
    }
    if action in ANSWER_ACTIONS:
        element["placeholder"] = {"type": "plain_text", "text": "Explain in your own words."}
    field = {
        "type": "input",
        "block_id": ANSWER_BLOCK,
        "optional": not form.required,
        "label": {"type": "plain_text", "text": plain(form.label, LABEL_LIMIT)},
        "element": element,
    }
    return {
        "type": "modal",
        "callback_id": ANSWER_VIEW,
        "title": {"type": "plain_text", "text": plain(form.title, MODAL_TITLE_LIMIT)},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata)[:PRIVATE_METADATA_LIMIT],
        "blocks": [*question[:5], field],
    }


def upload_modal(metadata: dict[str, str]) -> dict:
    """``/course upload`` (admins): one file input; Slack uploads the file and sends it with the
    submission. ``metadata`` (team, channel) says where to answer."""
    return {
        "type": "modal",
        "callback_id": UPLOAD_VIEW,
        "title": {"type": "plain_text", "text": plain("Upload a course", MODAL_TITLE_LIMIT)},
        "submit": {"type": "plain_text", "text": "Upload"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata)[:PRIVATE_METADATA_LIMIT],
        "blocks": [
            section(
                fit(
                    "A Markdown Q&A document (items numbered `1.1 …`) or a course pack YAML, up to "
                    f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB. It is checked first: nothing changes unless it is valid."
                )
            ),
            {
                "type": "input",
                "block_id": UPLOAD_BLOCK,
                "label": {"type": "plain_text", "text": "Course document"},
                "element": {
                    "type": "file_input",
                    "action_id": UPLOAD_INPUT,
                    "filetypes": list(UPLOAD_FILETYPES),
                    "max_files": 1,
                },
            },
        ],
    }


def uploaded_file(view: dict) -> dict | None:
    """The file of a submitted upload modal (``state.values[block][action].files[0]``), if any."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(UPLOAD_BLOCK) if isinstance(values, dict) else None
    element = block.get(UPLOAD_INPUT) if isinstance(block, dict) else None
    files = element.get("files") if isinstance(element, dict) else None
    first = files[0] if isinstance(files, list) and files else None
    return first if isinstance(first, dict) else None


def question_from_message(message: dict | None) -> list[dict]:
    """The sections of the quiz post above its buttons, to show the question inside the modal.

    They are the bot's own, already-escaped text as Slack stored it; only ``mrkdwn`` sections are kept,
    re-capped and kept ``verbatim``.
    """
    found: list[dict] = []
    blocks = message.get("blocks") if isinstance(message, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "actions":
            break
        text = block.get("text") if block.get("type") == "section" else None
        if not isinstance(text, dict):
            continue
        if text.get("type") == "mrkdwn" and isinstance(text.get("text"), str) and text["text"].strip():
            found.append(section(_cut(text["text"], SECTION_TEXT)))
    return found[:4]


# --- App Home ----------------------------------------------------------------------------------------
def home_view(title: str, parts: list[tuple[str, Reply | None]], footer: str) -> dict:
    """The Home tab: one titled part per core reply (``None``: not available yet)."""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(title, 150), "emoji": True}}
    ]
    for heading, reply in parts:
        blocks.append({"type": "divider"})
        blocks.append(section(f"*{fit(heading, 200)}*"))
        if reply is None:
            blocks.append(context("Not available yet."))
        else:
            blocks.extend(
                reply_blocks(Reply(body=reply.body, fields=reply.fields, footer=reply.footer), max_blocks=20)
            )
    blocks.append({"type": "divider"})
    blocks.append(context(fit(footer, CONTEXT_LIMIT)))
    if len(blocks) > HOME_BLOCK_LIMIT:
        blocks = [*blocks[: HOME_BLOCK_LIMIT - 1], context("_…cut to fit Slack's limits._")]
    return {"type": "home", "blocks": blocks}
