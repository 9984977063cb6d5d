"""The persistent buttons of core replies ("Answer", "Dispute this grade", the review decisions) and the
form (modal) each opens, built from the core's ``FORMS``.

Both carry what they act on in their ``custom_id`` (``studybot:answer:<quiz id>``), so neither needs
state in memory: a button on a quiz posted before a restart still opens the form, and a form opened
before a restart is still handled after it.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.text import shorten
from bot.core.types import FORMS, ButtonAction

CUSTOM_ID_CHARS = 100
BUTTON_LABEL_CHARS = 80
MODAL_TITLE_CHARS = 45
LABEL_TEXT_CHARS = 45
LABEL_DESCRIPTION_CHARS = 100
ANSWER_INPUT_ID = "answer"  # the one text input of every form (the answer, a reason, a note)
ANSWER_ACTIONS = frozenset({ButtonAction.ANSWER_QUIZ, ButtonAction.ANSWER_PRACTICE})

_ACTIONS = "|".join(re.escape(a.value) for a in ButtonAction)
BUTTON_ID_TEMPLATE = rf"studybot:(?P<action>{_ACTIONS}):(?P<value>.+)"
FORM_ID_PATTERN = re.compile(rf"studybot:form:(?P<action>{_ACTIONS}):(?P<value>.+)")


def button_id(action: ButtonAction, value: str) -> str:
    form_id(action, value)  # the form the button opens carries the value too: it must fit as well
    return _checked_id(f"studybot:{action.value}:{value}")


def form_id(action: ButtonAction, value: str) -> str:
    return _checked_id(f"studybot:form:{action.value}:{value}")


def is_button_id(custom_id: str) -> bool:
    """A custom_id of our answer buttons (``AnswerButton`` handles those)."""
    return re.fullmatch(BUTTON_ID_TEMPLATE, custom_id) is not None


def parse_form_id(custom_id: str) -> tuple[ButtonAction, str] | None:
    match = FORM_ID_PATTERN.fullmatch(custom_id)
    return None if match is None else (ButtonAction(match["action"]), match["value"])


def _checked_id(custom_id: str) -> str:
    if len(custom_id) > CUSTOM_ID_CHARS:
        raise ValueError(f"button value too long for a Discord custom_id: {custom_id!r}")
    return custom_id


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=BUTTON_ID_TEMPLATE):
    """Registered once with ``Client.add_dynamic_items``; discord.py rebuilds it from any matching click."""

    def __init__(self, action: ButtonAction, value: str, label: str = "Answer", *, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=shorten(label, BUTTON_LABEL_CHARS),
                style=discord.ButtonStyle.primary,
                custom_id=button_id(action, value),
            ),
            row=row,
        )
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> AnswerButton:
        return cls(ButtonAction(match["action"]), match["value"], item.label or "Answer")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.adapter.open_answer_form(interaction, self.action, self.value)  # type: ignore[attr-defined]


def answer_form(action: ButtonAction, value: str, question: str | None) -> discord.ui.Modal:
    """The form of ``FORMS[action]``: one paragraph input, required or optional, capped; an answer
    form shows the question (when known) above its input."""
    form = FORMS[action]
    answer = action in ANSWER_ACTIONS
    modal = discord.ui.Modal(title=shorten(form.title, MODAL_TITLE_CHARS), custom_id=form_id(action, value))
    modal.add_item(
        discord.ui.Label(
            text=shorten(form.label, LABEL_TEXT_CHARS),
            description=shorten(question, LABEL_DESCRIPTION_CHARS) if question and answer else None,
            component=discord.ui.TextInput(
                custom_id=ANSWER_INPUT_ID,
                style=discord.TextStyle.paragraph,
                required=form.required,
                min_length=1 if form.required else None,
                max_length=form.max_chars,
                placeholder="Explain in your own words." if answer else None,
            ),
        )
    )
    # Submissions are handled from the custom_id (StudyBotClient.on_interaction), not by this object
    # (its on_submit does nothing), so a form opened before a restart is still handled after it.
    return modal


def submitted_text(data: Any, input_id: str = ANSWER_INPUT_ID) -> str:
    """The value typed into ``input_id`` in a modal submission (labels or legacy action rows)."""
    stack = list((data or {}).get("components", []))
    while stack:
        component = stack.pop()
        if component.get("custom_id") == input_id and "value" in component:
            value = component["value"]
            return value if isinstance(value, str) else ""
        stack.extend(component.get("components", []))
        if "component" in component:
            stack.append(component["component"])
    return ""
