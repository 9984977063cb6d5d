"""The pack schema, in one place: the loader raises its first error, the checker reports all of them.

Validation walks PyYAML's node tree (``yaml.compose``) rather than constructed Python values, because
nodes keep what authors need in an error message and what ``yaml.safe_load`` throws away: the line of
every value, the text as written (``1.10`` is not the float ``1.1``), and duplicate mapping keys
(which ``safe_load`` silently lets the last one win).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.pack import CoursePack, QAItem
from content.errors import Problem, Severity

PACK_KEYS = ("id", "title", "description", "ask_threshold", "questions")
RUBRIC_KEYS = (  # grading aids: only for answered items (see content/README.md)
    "key_points",
    "misconceptions",
    "accept",
    "contrasts",  # terms the course sets against each other: "Transformer vs RNN | LSTM"
    "list_items",  # for a list question: the items that count ("topic modelling | topic modeling")
    "wrong_items",  # ...and items that do not belong in the list
)
RUBRIC_SCALARS = ("list_count", "yes_no")  # how many items a list question asks for; "yes" or "no"
ITEM_KEYS = ("id", "question", "answer", *RUBRIC_KEYS, *RUBRIC_SCALARS, "also_asked")

_STR = "tag:yaml.org,2002:str"
_NUMBER = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_NULL = "tag:yaml.org,2002:null"
_TEXT_AS_WRITTEN = {  # plain scalars YAML would turn into non-strings; as text we keep what was written
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
}


MAX_ID_CHARS = 64


def display_path(path: Path | str) -> str:
    """The path relative to the working directory when it is under it (shorter, clickable messages)."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


@dataclass
class ParsedPack:
    """What validation found: every problem, the items it could read, and the pack if there were no errors."""

    problems: list[Problem] = field(default_factory=list)
    items: list[QAItem] = field(default_factory=list)
    pack: CoursePack | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class _Validator:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def report(
        self, node: yaml.Node | None, message: str, *, item_id: str | None = None,
        severity: Severity = "error", line: int | None = None,
    ) -> None:
        if line is None and node is not None:
            line = node.start_mark.line + 1
        self.problems.append(Problem(self.file, line, item_id, severity, message))

    def mapping(
        self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str, item_id: str | None = None
    ) -> dict[str, yaml.Node]:
        """Keys to value nodes, reporting duplicate and unknown keys."""
        out: dict[str, yaml.Node] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if key is None:
                self.report(key_node, f"{what} keys must be plain names", item_id=item_id)
                continue
            if key in key_lines:
                self.report(
                    key_node, f"duplicate key '{key}' (also at line {key_lines[key]})", item_id=item_id
                )
                continue
            key_lines[key] = line
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.report(
                    key_node,
                    f"unknown key '{key}' in {what} ({hint}allowed: {', '.join(allowed)})",
                    item_id=item_id,
                )
                continue
            out[key] = value_node
        return out

    def text(
        self, node: yaml.Node | None, name: str, *, item_id: str | None = None, nullable: bool = False
    ) -> str | None:
        """A scalar as text; ``None`` for null (reported unless ``nullable``) or a wrong type (reported)."""
        if node is None:
            return None
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR or node.tag in _TEXT_AS_WRITTEN:
                return str(node.value)
            if node.tag == _NULL:
                if not nullable:
                    self.report(node, f"'{name}' is empty", item_id=item_id)
                return None
        kind = {yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}.get(type(node), node.tag)
        self.report(node, f"'{name}' must be text, not {kind}", item_id=item_id)
        return None

    def identifier(self, node: yaml.Node, name: str, item_id: str | None = None) -> str | None:
        """An id must be a YAML string: an unquoted ``1.10`` would silently become the number 1.1."""
        if isinstance(node, yaml.ScalarNode) and node.tag in _TEXT_AS_WRITTEN:
            self.report(
                node,
                f"'{name}' {node.value} is read by YAML as a number, not text: quote it "
                f'({name}: "{node.value}")',
                item_id=item_id or str(node.value),
            )
            return None
        value = self.text(node, name, item_id=item_id)
        if value is not None and not value.strip():
            self.report(node, f"'{name}' is empty", item_id=item_id)
            return None
        if value is not None and len(value.strip()) > MAX_ID_CHARS:
            # ids travel inside platform button ids (Discord allows 100 characters in all)
            self.report(node, f"'{name}' is longer than {MAX_ID_CHARS} characters", item_id=value[:20] + "…")
            return None
        return value.strip() if value is not None else None

    def text_list(self, node: yaml.Node, name: str, item_id: str | None) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.report(node, f"'{name}' must be a list of texts", item_id=item_id)
            return ()
        out: list[str] = []
        for entry in node.value:
            value = self.text(entry, f"{name} entry", item_id=item_id)
            if value is None:
                continue
            if not value.strip():
                self.report(entry, f"'{name}' has an empty entry", item_id=item_id)
                continue
            out.append(value.strip())
        return tuple(out)

    def threshold(self, node: yaml.Node) -> float | None:
        """``ask_threshold``, a plain YAML number strictly between 0 and 1: at 0 ``/ask`` would answer
        anything, at 1 nothing."""
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return None
        value = None
        if isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER:
            try:
                value = float(str(node.value).replace("_", ""))
            except ValueError:  # .inf, .nan and YAML 1.1 oddities such as 1:20 (sexagesimal)
                value = None
        if value is None or not math.isfinite(value) or not 0.0 < value < 1.0:
            self.report(
                node,
                f"'ask_threshold' must be a number between 0 and 1 (exclusive), e.g. 0.45, "
                f"not {_shown(node)}",
            )
            return None
        return value

    def item(self, node: yaml.Node, index: int) -> QAItem | None:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            self.report(node, f"question #{index + 1} must be a mapping with id, question and answer")
            return None
        id_node = next(
            (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == "id"), None
        )
        raw_id = (
            str(id_node.value) if isinstance(id_node, yaml.ScalarNode) and id_node.tag != _NULL else None
        )
        fields = self.mapping(node, ITEM_KEYS, "a question", item_id=raw_id)
        item_id = None
        if "id" not in fields:
            self.report(node, f"question #{index + 1} has no 'id'")
        else:
            item_id = self.identifier(fields["id"], "id")
        label = item_id or raw_id

        question = None
        if "question" not in fields:
            self.report(node, "missing 'question'", item_id=label)
        else:
            question = self.text(fields["question"], "question", item_id=label)
            if question is not None and not question.strip():
                self.report(fields["question"], "'question' is empty", item_id=label)
                question = None
            question = question.strip() if question is not None else None

        answer = None
        if "answer" in fields:
            answer = self.text(fields["answer"], "answer", item_id=label, nullable=True)
            if answer is not None and not answer.strip():
                self.report(
                    fields["answer"],
                    "'answer' is blank: write 'answer: null' for a question without an answer yet",
                    item_id=label,
                    severity="warning",
                )
                answer = None
            if answer is not None:
                answer = answer.strip("\n").rstrip()

        rubric: dict[str, tuple[str, ...]] = {}
        for key in RUBRIC_KEYS:
            if key in fields:
                rubric[key] = self.text_list(fields[key], key, label)
                if rubric[key] and answer is None:
                    self.report(
                        fields[key],
                        f"'{key}' given but the item has no answer (a rubric grades against an answer)",
                        item_id=label,
                    )
        scalars: dict[str, object] = {}
        if "list_count" in fields:
            count = self.text(fields["list_count"], "list_count", item_id=label)
            if count is not None and not count.strip().isdigit():
                self.report(fields["list_count"], "'list_count' must be a whole number", item_id=label)
            elif count is not None:
                scalars["list_count"] = int(count)
        if "yes_no" in fields:
            said = self.text(fields["yes_no"], "yes_no", item_id=label)
            if said is not None and said.strip().lower() not in ("yes", "no"):
                self.report(fields["yes_no"], "'yes_no' must be yes or no (quote it)", item_id=label)
            elif said is not None:
                scalars["yes_no"] = said.strip().lower()
        also_asked = self.text_list(fields["also_asked"], "also_asked", label) if "also_asked" in fields else ()
        if item_id is None or question is None:
            return None
        return QAItem(
            id=item_id, question=question, answer=answer, line=line, also_asked=also_asked, **rubric, **scalars
        )

    def document(self, root: yaml.Node | None, default_id: str) -> tuple[dict[str, Any], list[QAItem]]:
        if root is None:
            self.report(None, "the file is empty: a pack needs a title and questions", line=1)
            return {}, []
        if not isinstance(root, yaml.MappingNode):
            self.report(root, "a pack must be a mapping with title and questions")
            return {}, []
        if not _names_a_pack_key(root):
            # Some other YAML file (a CI config, a data dump): one clear error, not one per unknown key.
            self.report(root, "this YAML is not a course pack: it has neither 'title' nor 'questions'")
            return {}, []
        fields = self.mapping(root, PACK_KEYS, "the pack")
        meta: dict[str, Any] = {"id": default_id, "description": "", "ask_threshold": None}
        if "id" in fields:
            pack_id = self.identifier(fields["id"], "id")
            if pack_id is not None:
                meta["id"] = pack_id
        if "title" not in fields:
            self.report(root, "missing 'title' (the course name)")
        else:
            title = self.text(fields["title"], "title")
            if title is not None and not title.strip():
                self.report(fields["title"], "'title' is empty")
            elif title is not None:
                meta["title"] = title.strip()
        if "description" in fields:
            description = self.text(fields["description"], "description", nullable=True)
            meta["description"] = (description or "").strip()
        if "ask_threshold" in fields:
            meta["ask_threshold"] = self.threshold(fields["ask_threshold"])

        items: list[QAItem] = []
        questions = fields.get("questions")
        if questions is None:
            self.report(root, "missing 'questions' (a list of id/question/answer)")
        elif not isinstance(questions, yaml.SequenceNode):
            self.report(questions, "'questions' must be a list of id/question/answer mappings")
        elif not questions.value:
            self.report(questions, "'questions' is empty")
        else:
            seen: dict[str, int] = {}
            for index, node in enumerate(questions.value):
                item = self.item(node, index)
                if item is None:
                    continue
                if item.id in seen:
                    self.report(
                        node, f"duplicate id {item.id} (also at line {seen[item.id]})", item_id=item.id
                    )
                    continue
                seen[item.id] = item.line or 0
                items.append(item)
        return meta, items


def _names_a_pack_key(root: yaml.MappingNode) -> bool:
    return any(isinstance(k, yaml.ScalarNode) and k.value in ("title", "questions") for k, _ in root.value)


def _shown(node: yaml.Node) -> str:
    """A value as the author wrote it, for an error message."""
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value) if node.tag == _STR else str(node.value)
    return {yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}.get(type(node), node.tag)


def yaml_problem(file: str, exc: yaml.YAMLError) -> Problem:
    """A YAML syntax error as a Problem at the line PyYAML points to."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    else:
        message = f"invalid YAML: {exc}"
    return Problem(file, line, None, "error", message)


# libyaml's loader where PyYAML was built with it: ~10x faster, so a bot with a hundred courses starts fast
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_pack_text(text: str, *, file: str, default_id: str, source: str | None = None) -> ParsedPack:
    """Validate pack text against the schema; ``pack`` is set only when there is no error.

    ``file`` names the pack in messages; ``source`` (default ``file``) is recorded in ``CoursePack.source``.
    """
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        return ParsedPack(problems=[yaml_problem(file, exc)])
    except RecursionError:  # PyYAML composes recursively: thousands of nested brackets overflow it
        return ParsedPack(problems=[Problem(file, None, None, "error", "invalid YAML: nested too deeply")])
    validator = _Validator(file)
    meta, items = validator.document(root, default_id)
    result = ParsedPack(problems=validator.problems, items=items)
    if not result.errors:
        result.pack = CoursePack(
            id=meta["id"],
            title=meta["title"],
            questions=tuple(items),
            source=source or file,
            description=meta["description"],
            ask_threshold=meta["ask_threshold"],
        )
    return result
