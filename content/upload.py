"""Check a course file uploaded from chat: the pack to store, or every reason it cannot be one.

Course staff upload whatever they have at hand: a Markdown Q&A document, a YAML pack, but also a PDF,
a screenshot, a JSON export or a 50 MB scan. ``check_upload`` never raises; it answers with the pack
and its canonical YAML, or with problems located in the uploaded file. Past decoding it runs exactly
the checks of ``studybot content check`` (``content.checker.check_parsed``), so a course that passes
one passes the other.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Literal

from bot.core.courses.model import MAX_UPLOAD_BYTES as UPLOAD_LIMIT
from bot.core.pack import CoursePack
from bot.core.ports import Embedder
from content.checker import check_parsed
from content.errors import PackError, Problem
from content.importer import dump_pack_yaml, import_markdown, markdown_item_lines
from content.schema import MAX_ID_CHARS, ParsedPack, parse_pack_text
from content.separation import AskFactory, SeparationReport

__all__ = ["MAX_UPLOAD_BYTES", "UploadCheck", "check_upload", "course_slug"]

MAX_UPLOAD_BYTES = UPLOAD_LIMIT  # 1 MB: a long course is ~100 kB of text; more is not a Q&A document
MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
YAML_SUFFIXES = (".yaml", ".yml")
# What people upload by mistake, named so the answer says what to do instead of "not UTF-8".
_TEXT_FILE = "upload the course as a .md or .yaml text file"
_SIGNATURES = {  # leading bytes: (what the file is, what to do instead)
    b"%PDF": ("a PDF document", "convert it to Markdown first"),
    b"\x89PNG": ("a PNG image", _TEXT_FILE),
    b"\xff\xd8\xff": ("a JPEG image", _TEXT_FILE),
    b"GIF8": ("a GIF image", _TEXT_FILE),
    b"PK\x03\x04": ("a ZIP archive (Word and Excel files are ZIP archives)", "save it as Markdown first"),
    b"\xff\xfe": ("UTF-16 text", "save it as UTF-8"),
    b"\xfe\xff": ("UTF-16 text", "save it as UTF-8"),
}
_SLUG_SEPARATORS = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_YAML_PACK_LINE = re.compile(r"^questions\s*:", re.MULTILINE)
_YAML_ID_LINE = re.compile(r"^id\s*:", re.MULTILINE)
# First words of a numbered line that asks something: a question word or an exam instruction.
# fmt: off
_ASKING_WORDS = frozenset({
    "what", "why", "how", "when", "where", "which", "who", "whom", "whose", "is", "are", "was", "were",
    "do", "does", "did", "can", "could", "should", "would", "will", "has", "have", "name", "list",
    "give", "explain", "describe", "discuss", "compare", "contrast", "define", "state", "outline",
    "summarize", "summarise", "identify", "show", "prove", "derive", "calculate", "compute", "estimate",
    "justify", "sketch",
})
# fmt: on

Format = Literal["markdown", "yaml"]


@dataclass(frozen=True)
class UploadCheck:
    """The result of an upload: ``pack`` and ``yaml_text`` are set only when there is no error."""

    pack: CoursePack | None
    yaml_text: str | None  # what to store: the file itself for YAML, the converted pack for Markdown
    problems: list[Problem]  # errors and warnings, lines of the uploaded file where known
    separation: SeparationReport | None = None  # when an ask_factory and an embedder were given

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def course_slug(name: str) -> str:
    """A course id from a file name: lowercase ASCII letters, digits and '-', at most 64 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return _SLUG_SEPARATORS.sub("-", ascii_name).strip("-")[:MAX_ID_CHARS].rstrip("-")


def check_upload(
    filename: str, data: bytes, *, embedder: Embedder | None = None, ask_factory: AskFactory | None = None
) -> UploadCheck:
    """Everything wrong with an uploaded course file, or the pack it makes.

    ``embedder`` enables the near-duplicate check; with ``ask_factory`` too (it builds ``/ask`` for
    the pack) the separation report runs and its warning joins the problems.
    """
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload"
    text = _decode(name, data)
    if isinstance(text, Problem):
        return UploadCheck(None, None, [text])
    if not text.strip():
        return UploadCheck(None, None, [_error(name, "the file is empty", line=1)])
    kind = _format(name, text)
    if isinstance(kind, Problem):
        return UploadCheck(None, None, [kind])
    stem = PurePosixPath(name).stem
    converted = _parse_yaml(name, text, stem) if kind == "yaml" else _parse_markdown(name, text, stem)
    if isinstance(converted, Problem):
        return UploadCheck(None, None, [converted])
    parsed, yaml_text = converted
    check = check_parsed(parsed, name, embedder, ask_factory=ask_factory)
    problems = check.all_problems
    if any(p.severity == "error" for p in problems):
        return UploadCheck(None, None, problems, check.separation)
    return UploadCheck(check.pack, yaml_text, problems, check.separation)


def _error(file: str, message: str, *, line: int | None = None) -> Problem:
    return Problem(file, line, None, "error", message)


def _decode(name: str, data: bytes) -> str | Problem:
    """The upload as text, or why it is not usable text (too big, a known binary, not UTF-8)."""
    if len(data) > MAX_UPLOAD_BYTES:
        return _error(
            name,
            f"the file is {len(data) / 1e6:.1f} MB ({len(data):,} bytes): the limit is "
            f"{MAX_UPLOAD_BYTES / 1e6:g} MB ({MAX_UPLOAD_BYTES:,} bytes)",
        )
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    for signature, (what, instead) in _SIGNATURES.items():
        if data.startswith(signature):
            return _error(name, f"this is {what}: {instead}")
    try:
        text = data[skipped:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skipped + exc.start
        line = data[:offset].count(b"\n") + 1
        return _error(
            name,
            f"the file is not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset}): "
            "save it as UTF-8 and upload it again",
            line=line,
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return _error(name, "the file is binary, not text (it contains NUL bytes)", line=line)
    return text


def _format(name: str, text: str) -> Format | Problem:
    """By extension; else YAML when a line starts with ``questions:``, JSON refused, else Markdown."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if text.lstrip().startswith(("{", "[")) and _is_json(text):
        return _error(
            name,
            "this is a JSON file, not a course: upload a YAML pack (.yaml) or a Markdown Q&A document (.md)",
        )
    return "yaml" if _YAML_PACK_LINE.search(text) else "markdown"


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _parse_yaml(name: str, text: str, stem: str) -> tuple[ParsedPack, str]:
    """The pack from YAML text; the course id is its ``id``, else the file name's slug."""
    parsed = parse_pack_text(text, file=name, default_id=course_slug(stem), source=name)
    if parsed.pack is None:
        return parsed, text
    if not parsed.pack.id:
        return _with_error(parsed, _no_id(name, stem, "add 'id: my-course' to the pack")), text
    return _with_error(parsed, _id_problem(name, parsed.pack.id, _line_of(_YAML_ID_LINE, text))), text


def _parse_markdown(name: str, text: str, stem: str) -> tuple[ParsedPack, str] | Problem:
    """The pack converted from a Markdown Q&A document, its items at their lines in the document."""
    pack_id = course_slug(stem)
    if not pack_id:
        return _no_id(name, stem, "rename the file, e.g. my-course.md")
    try:
        data = import_markdown(text, pack_id=pack_id)
        lines = markdown_item_lines(text)
    except PackError as exc:
        return Problem(name, exc.line, exc.item_id, "error", exc.message)
    questions = [str(q["question"]) for q in data["questions"]]
    if not any(_reads_like_question(q) for q in questions):
        example = f"{data['questions'][0]['id']} {questions[0]}".strip()[:60]
        return _error(
            name,
            f"this is not a Q&A document: none of its {len(questions)} numbered items reads like a "
            f"question (e.g. '{example}')",
        )
    yaml_text = dump_pack_yaml(data)
    return _relocated(
        parse_pack_text(yaml_text, file=name, default_id=pack_id, source=name), lines
    ), yaml_text


def _relocated(parsed: ParsedPack, lines: dict[str, int]) -> ParsedPack:
    """Problems and items of the converted YAML moved to their lines in the Markdown document."""
    items = [replace(item, line=lines.get(item.id)) for item in parsed.items]
    problems = [
        replace(p, line=lines.get(p.item_id) if p.item_id is not None else None) for p in parsed.problems
    ]
    pack = parsed.pack
    if pack is not None:
        pack = CoursePack(
            id=pack.id,
            title=pack.title,
            questions=tuple(items),
            source=pack.source,
            description=pack.description,
            ask_threshold=pack.ask_threshold,
        )
    return ParsedPack(problems=problems, items=items, pack=pack)


def _reads_like_question(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    return "?" in text or bool(words and words[0] in _ASKING_WORDS)


def _no_id(name: str, stem: str, how: str) -> Problem:
    return _error(name, f"cannot make a course id from the file name '{stem}': {how}")


def _id_problem(name: str, pack_id: str, line: int | None) -> Problem | None:
    """A course id is a key in commands and storage: only lowercase letters, digits and '-'."""
    if _SLUG.fullmatch(pack_id):
        return None
    hint = f" (e.g. '{course_slug(pack_id)}')" if course_slug(pack_id) else ""
    return _error(name, f"course id '{pack_id}' must be lowercase letters, digits and '-'{hint}", line=line)


def _with_error(parsed: ParsedPack, problem: Problem | None) -> ParsedPack:
    if problem is None:
        return parsed
    return ParsedPack(problems=[*parsed.problems, problem], items=parsed.items, pack=None)


def _line_of(pattern: re.Pattern[str], text: str) -> int | None:
    """1-based line of the first match."""
    match = pattern.search(text)
    return text[: match.start()].count("\n") + 1 if match else None
