"""Platform-neutral value types shared by the core and every adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.text import MAX_ANSWER_CHARS


@dataclass(frozen=True)
class User:
    """Who sent something. ``is_admin`` is decided by the adapter from platform permissions."""

    platform: str
    user_id: str
    display_name: str
    is_admin: bool = False


@dataclass(frozen=True)
class Place:
    """Where something happened: a channel inside a space (Discord guild / Slack workspace)."""

    platform: str
    space_id: str
    channel_id: str


class ButtonAction(StrEnum):
    """What a button does when pressed; adapters encode ``action:value`` in their custom ids."""

    ANSWER_QUIZ = "answer"
    ANSWER_PRACTICE = "practice"
    DISPUTE = "dispute"  # value: the answer ("quiz:12"); the form's text: the student's reason
    REVIEW_CORRECT = "accept-correct"  # value: the dispute id; the form's text: the staff's note
    REVIEW_PARTIAL = "accept-partial"
    REVIEW_REJECT = "reject"


@dataclass(frozen=True)
class Form:
    """The form a button opens: adapters render it (Discord modal, Slack view) from this alone."""

    title: str
    label: str
    required: bool
    max_chars: int


REASON_CHARS = 500  # a dispute's reason, a review's note
FORMS: dict[ButtonAction, Form] = {
    ButtonAction.ANSWER_QUIZ: Form("Answer the quiz", "Your answer", True, MAX_ANSWER_CHARS),
    ButtonAction.ANSWER_PRACTICE: Form("Practice answer", "Your answer", True, MAX_ANSWER_CHARS),
    ButtonAction.DISPUTE: Form("Dispute this grade", "Why is the grade wrong? (optional)", False, REASON_CHARS),
    ButtonAction.REVIEW_CORRECT: Form("Accept as correct", "A note for the student (optional)", False, REASON_CHARS),
    ButtonAction.REVIEW_PARTIAL: Form("Accept as partial", "A note for the student (optional)", False, REASON_CHARS),
    ButtonAction.REVIEW_REJECT: Form("Reject the dispute", "A note for the student (optional)", False, REASON_CHARS),
}


@dataclass(frozen=True)
class Button:
    label: str
    action: ButtonAction
    value: str  # e.g. the quiz id the button answers


class ReplyKind(StrEnum):
    """What a reply is; adapters pick colours, privacy and sharing from it. A ``StrEnum``, so
    ``Reply(kind="quiz")`` and ``reply.kind == "quiz"`` keep working; an unknown kind is an error."""

    INFO = "info"
    HELP = "help"
    ANSWER = "answer"
    ABSTAIN = "abstain"
    QUIZ = "quiz"
    REVEAL = "reveal"
    GRADE = "grade"
    ERROR = "error"
    USAGE = "usage"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (the insights chart): adapters upload it where the platform allows."""

    filename: str
    data: bytes = field(repr=False)
    description: str = ""


@dataclass(frozen=True)
class Reply:
    """What the bot says, before any platform renders it.

    ``body`` is plain text with light markdown (``**bold**``, ``` fenced code ```); it may contain
    user text verbatim, so every adapter must neutralise mentions when it renders it.
    """

    body: str
    title: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    footer: str | None = None
    buttons: tuple[Button, ...] = ()
    ephemeral: bool = True
    kind: ReplyKind = ReplyKind.INFO
    attachments: tuple[Attachment, ...] = ()
    retry: bool = False  # a temporary failure on our side (an error, a restart): the same request may work soon

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ReplyKind(self.kind))  # "quiz" -> ReplyKind.QUIZ; "qiuz" fails

    def as_text(self) -> str:
        """A plain rendering for logs, tests and the piped console."""
        parts: list[str] = []
        if self.title:
            parts.append(self.title)
        if self.body:
            parts.append(self.body)
        parts.extend(f"{name}: {value}" for name, value in self.fields)
        if self.footer:
            parts.append(self.footer)
        parts.extend(f"[{b.label}]" for b in self.buttons)
        return "\n".join(parts)


@dataclass(frozen=True)
class Command:
    """A parsed slash command: ``/quiz schedule 09:00 mon-fri Europe/Berlin`` -> name ``quiz``,
    args ``schedule 09:00 mon-fri Europe/Berlin``."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class PostedMessage:
    """A platform's handle on a message the bot posted, so a reveal can reply to it later."""

    place: Place
    message_id: str
