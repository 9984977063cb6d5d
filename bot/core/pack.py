"""Course pack value types: what a course's Q&A list looks like once loaded."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QAItem:
    """One numbered question of a course, with its reference answer and grading rubric.

    ``answer`` is ``None`` when the course has no reference answer yet: such an item is
    still findable by ``/ask`` but is never quizzed or graded.
    """

    id: str
    question: str
    answer: str | None = None
    key_points: tuple[str, ...] = ()
    misconceptions: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    # Other ways students ask this, situations and symptoms included ("my first layers barely learn"):
    # extra search views for /ask, never used for grading.
    also_asked: tuple[str, ...] = ()
    contrasts: tuple[str, ...] = ()  # "Transformer vs RNN | LSTM": a claim that swaps them is wrong
    list_items: tuple[str, ...] = ()  # a list question's items ("topic modelling | topic modeling")
    wrong_items: tuple[str, ...] = ()  # items that do not belong in that list
    list_count: int = 0  # how many items the list question asks for
    yes_no: str | None = None  # the answer a yes/no question expects: "yes" or "no"
    line: int | None = None  # where the item starts in its source file, for error messages

    @property
    def answered(self) -> bool:
        return bool(self.answer and self.answer.strip())


@dataclass(frozen=True)
class CoursePack:
    """A course: a title and its questions, in the order the course lists them."""

    id: str
    title: str
    questions: tuple[QAItem, ...]
    source: str | None = None  # file the pack was loaded from
    description: str = ""
    _by_id: dict[str, QAItem] = field(default_factory=dict, repr=False, compare=False)
    # /ask's score below which this course declines a question (None: the bot's default)
    ask_threshold: float | None = None

    def __post_init__(self) -> None:
        self._by_id.update({q.id: q for q in self.questions})

    def get(self, item_id: str) -> QAItem | None:
        return self._by_id.get(item_id)

    @property
    def answered(self) -> tuple[QAItem, ...]:
        return tuple(q for q in self.questions if q.answered)
