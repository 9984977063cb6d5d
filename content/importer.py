"""Markdown Q&A document -> pack data, so a course's existing (often PDF-converted) notes become a pack.

Documents converted from PDF are messy: the same kind of item shows up as a ``#``..``######`` heading, a
bullet or a bare line; an answer may sit on the question's line; page breaks cut sentences into two
paragraphs. ``import_markdown`` undoes that debris and keeps the text otherwise as written. The rules,
in short:

- An item is a line whose text starts with a dotted number (``1.5``, ``2.10``), under any heading level,
  as a ``-``/``*``/``+`` bullet or bare. Plain numbering (``3.``, ``3)``, ``3:``, ``3 What...``, ``Q3:``,
  ``Question 3.``) is used only when the document has no dotted numbers, and a plain number must follow
  the previous one (so a numbered list inside an answer is not taken for items).
- The answer is the following paragraphs up to the next item or heading. When there are none and the
  item line has text after a ``?``, the line is split after the last ``?`` whose following text is not
  a question continuation (``Name three ...``, ``Why or why not.``).
- Fenced code is kept verbatim, fences included. ``**`` bold marks are dropped. A paragraph that stops
  mid-sentence and continues, lowercase, after a blank line is joined back with a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from content.errors import PackError

MARKDOWN_SOURCE = "<markdown>"

_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_DOTTED = re.compile(r"^(\d+(?:\.\d+)+)[.):]?(?:\s+(.*))?$")
# "3." / "3)" / "3:" / "3 What ...", also as "Q3:" or "Question 3." (a common way to number Q&A lists)
_PLAIN = re.compile(r"^(?:(?:q|question)\s*)?(\d+)(?:[.):]|(?=\s))(?:\s+(.*))?$", re.IGNORECASE)
_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TERMINAL = (".", "!", "?", ":", ";")

# First words of a sentence after a '?' that is still part of the question, not its answer.
_CONTINUATION_WORDS = frozenset(
    {
        "name", "list", "give", "explain", "describe", "discuss", "justify", "compare", "contrast", "state",
        "define", "mention", "provide", "identify", "illustrate", "show", "write", "outline", "summarize",
        "summarise", "argue", "motivate", "sketch", "derive", "prove", "calculate", "compute", "estimate",
        "elaborate", "consider", "assume", "suppose", "hint", "note", "please", "briefly", "why",
        "what", "how", "when", "where", "which", "who", "whom", "whose",
    }
)


@dataclass
class _Item:
    id: str
    line: int
    text: str
    blocks: list[str] = field(default_factory=list)  # answer paragraphs and code blocks, in order
    code: list[bool] = field(default_factory=list)  # whether blocks[i] is a fenced code block


def _clean(text: str) -> str:
    """Drop bold marks and surrounding/trailing whitespace of PDF-converted text."""
    return text.replace("**", "").strip()


def _looks_like_continuation(tail: str) -> bool:
    """Whether text after a '?' still belongs to the question (an instruction or another question)."""
    tail = tail.strip()
    if not tail:
        return True
    if tail.startswith(("(", "[")) or tail.endswith("?"):
        return True
    first = re.split(r"[\s,:;.!?]+", tail, maxsplit=1)[0].lower()
    return first in _CONTINUATION_WORDS


def split_question_answer(text: str) -> tuple[str, str | None]:
    """Split an item line carrying its own answer (``Why ...? Because ...``) after the right '?'."""
    marks = [m.end() for m in re.finditer(r"\?+", text)]
    for end in reversed(marks):
        tail = text[end:].strip()
        if not tail:
            continue
        if _looks_like_continuation(tail):
            return text, None  # everything after the last real answer candidate is question text
        return text[:end].strip(), tail
    return text, None


def _join_lines(lines: list[str]) -> str:
    """Join a paragraph's lines: soft-wrapped prose with spaces, list lines kept one per line."""
    out = ""
    for raw in lines:
        line = raw.rstrip()
        if not out:
            out = line.strip()
        elif _LIST_LINE.match(line):
            out += "\n" + line
        else:
            out += " " + line.strip()
    return _clean(out)


def _merge_blocks(blocks: list[str], code: list[bool]) -> str | None:
    """Blank line between paragraphs, except a sentence broken by a page break is joined with a space."""
    merged: list[str] = []
    merged_code: list[bool] = []
    for block, is_code in zip(blocks, code, strict=True):
        if not block:
            continue
        if (
            merged
            and not is_code
            and not merged_code[-1]
            and not merged[-1].endswith(_TERMINAL)
            and block[0].islower()
        ):
            merged[-1] = merged[-1] + " " + block
            continue
        merged.append(block)
        merged_code.append(is_code)
    return "\n\n".join(merged) if merged else None


@dataclass
class _Line:
    number: int
    kind: str  # "blank", "heading", "bullet", "text", "code"
    text: str
    level: int = 0


def _scan(text: str) -> list[_Line]:
    """Classify the document's lines; a fenced code block becomes one ``code`` line, kept verbatim."""
    lines = text.splitlines()
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        number = i + 1
        fence = _FENCE.match(raw)
        if fence:
            indent, marker = fence.group(1), fence.group(2)
            body = [raw[len(indent) :] if raw.startswith(indent) else raw.lstrip()]
            i += 1
            while i < len(lines):
                line = lines[i]
                body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
                i += 1
                stripped = line.strip()
                if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
                    break
            else:
                body.append(marker)  # unterminated fence: close it so the answer stays a valid block
            out.append(_Line(number, "code", "\n".join(x.rstrip() for x in body)))
            continue
        i += 1
        if not raw.strip():
            out.append(_Line(number, "blank", ""))
        elif heading := _HEADING.match(raw):
            out.append(_Line(number, "heading", _clean(heading.group(2) or ""), len(heading.group(1))))
        elif bullet := _BULLET.match(raw):
            out.append(_Line(number, "bullet", bullet.group(1)))
        else:
            out.append(_Line(number, "text", raw))
    return out


def _number_key(item_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in item_id.split("."))


def _item_start(line: _Line, previous: str | None, dotted: bool, after_list: bool) -> tuple[str, str] | None:
    """(id, text) when ``line`` starts a numbered item, else None.

    ``after_list``: the line right above is a list line of an answer, so a plain ``2.`` continues it.
    """
    if line.kind not in ("heading", "bullet", "text"):
        return None
    if not dotted and after_list and line.kind != "heading":
        return None
    text = _clean(line.text)
    match = _DOTTED.match(text) if dotted else _PLAIN.match(text)
    if not match:
        return None
    item_id, rest = match.group(1), (match.group(2) or "").strip()
    if not dotted and previous is not None and int(item_id) != int(previous) + 1:
        return None  # a numbered list inside an answer, not the next question
    if line.kind == "text":
        # A bare line is an item only if it reads like one: "1.10 How can ..." after item 1.9, not
        # "2.5 times faster ..." inside an answer.
        if not rest or not (rest[0].isupper() or rest[0] in "\"'“`"):
            return None
        if previous is not None and _number_key(item_id) <= _number_key(previous):
            return None
    return item_id, rest


@dataclass
class _Document:
    items: list[_Item]
    first_heading: str | None
    preamble: list[str]


def _read_document(text: str) -> _Document:
    """The document's numbered items with their answer blocks, its first heading and its preamble.

    Raises ``PackError`` when the document has no numbered items or numbers an item twice.
    """
    lines = _scan(text)
    dotted = any(
        _DOTTED.match(_clean(x.text)) for x in lines if x.kind in ("heading", "bullet", "text")
    )
    items: list[_Item] = []
    first_heading: str | None = None
    preamble: list[str] = []
    current: _Item | None = None
    paragraph: list[str] = []

    def flush() -> None:
        if current is not None and paragraph:
            current.blocks.append(_join_lines(paragraph))
            current.code.append(False)
        paragraph.clear()

    for line in lines:
        after_list = bool(paragraph) and bool(_LIST_LINE.match(paragraph[-1]))
        start = _item_start(line, items[-1].id if items else None, dotted, after_list)
        if start is not None:
            flush()
            current = _Item(id=start[0], line=line.number, text=start[1])
            items.append(current)
            continue
        if line.kind == "heading":
            flush()
            if not items and first_heading is None and line.text:
                first_heading = line.text
            current = None  # a non-item heading (a section) ends the item before it
            continue
        if current is None:
            if line.kind in ("text", "bullet") and not items:
                preamble.append(_clean(line.text))
            continue
        if line.kind == "blank":
            flush()
        elif line.kind == "code":
            flush()
            current.blocks.append(line.text)
            current.code.append(True)
        elif line.kind == "bullet":
            paragraph.append("- " + line.text)  # a list inside an answer is answer content
        else:
            paragraph.append(line.text)
    flush()

    if not items:
        raise PackError(
            MARKDOWN_SOURCE,
            "no numbered questions found: expected items like '1.1 What is ...?' as headings, "
            "bullets or lines",
        )
    seen: dict[str, int] = {}
    for item in items:
        if item.id in seen:
            raise PackError(
                MARKDOWN_SOURCE,
                f"item {item.id} is numbered twice (also at line {seen[item.id]})",
                line=item.line,
                item_id=item.id,
            )
        seen[item.id] = item.line
    return _Document(items, first_heading, preamble)


def markdown_item_lines(text: str) -> dict[str, int]:
    """Each item id's line in the document, so problems found in the converted pack can point to the
    line the author wrote. Raises ``PackError`` like ``import_markdown``."""
    return {item.id: item.line for item in _read_document(text).items}


def import_markdown(
    text: str, *, pack_id: str, title: str | None = None, description: str | None = None
) -> dict[str, Any]:
    """Parse a Markdown Q&A document into pack data (``id``, ``title``, ``description``, ``questions``).

    ``title`` defaults to the first heading that is not an item; ``description`` to the text before
    the first item that is not a heading (typically an author/date line). Raises ``PackError`` when
    the document has no numbered items or numbers an item twice.
    """
    document = _read_document(text)
    questions: list[dict[str, Any]] = []
    for item in document.items:
        question, answer = item.text, _merge_blocks(item.blocks, item.code)
        if not question and item.blocks and not item.code[0]:
            question, answer = item.blocks[0], _merge_blocks(item.blocks[1:], item.code[1:])
        elif answer is None:
            question, answer = split_question_answer(question)
        questions.append({"id": item.id, "question": question, "answer": answer})

    data: dict[str, Any] = {"id": pack_id, "title": title or document.first_heading or pack_id}
    desc = description if description is not None else " ".join(p for p in document.preamble if p)
    if desc:
        data["description"] = desc
    data["questions"] = questions
    return data


class _PackDumper(yaml.SafeDumper):
    """Readable packs: block literals for multi-line text, quoted item ids, keys in schema order."""


class _QuotedId(str):
    """An item id, always written quoted so YAML never reads ``1.10`` back as the number 1.1."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_id(dumper: yaml.SafeDumper, value: _QuotedId) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


_PackDumper.add_representer(str, _represent_str)
_PackDumper.add_representer(_QuotedId, _represent_id)


def dump_pack_yaml(data: dict[str, Any]) -> str:
    """Pack data as YAML text that ``content.loader`` reads back to the same values."""
    out = dict(data)
    out["questions"] = [
        {**q, "id": _QuotedId(q["id"])} if isinstance(q.get("id"), str) else dict(q)
        for q in data.get("questions", [])
    ]
    text = yaml.dump(
        out, Dumper=_PackDumper, sort_keys=False, allow_unicode=True, width=100_000, indent=2
    )
    # Blank line between items so a long pack reads (and diffs) item by item.
    return re.sub(r"(?<!questions:)\n(- id: )", r"\n\n\1", text)
