"""Read a text file made of YAML front matter and a Markdown body, with exact error lines."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

# libyaml's loader where installed: the same safe subset of YAML, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


class FrontMatterError(Exception):
    def __init__(self, message: str, line: int | None = None, hint: str = ""):
        super().__init__(message)
        self.line = line
        self.hint = hint


@dataclass(frozen=True)
class Document:
    meta: dict
    body: str
    body_line: int  # 1-based line of the file where the body starts
    front_matter: str

    def line_of(self, key: str) -> int | None:
        """The file line of ``key:`` in the front matter, for error messages."""
        match = re.search(rf"^{re.escape(key)}\s*:", self.front_matter, re.MULTILINE)
        if not match:
            return None
        return 2 + self.front_matter.count("\n", 0, match.start())


def decode(data: bytes) -> str:
    """Bytes to text, refusing what is not a UTF-8 text file."""
    if not data.strip():
        raise FrontMatterError("the file is empty", hint="add front matter with a title and a date, then the text")
    if b"\0" in data[:8192]:
        raise FrontMatterError("this is a binary file, not a text file", hint="only Markdown text files belong here")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FrontMatterError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            line,
            "save the file as UTF-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text: str) -> Document:
    """Split ``---`` front matter from the body and parse it as a YAML mapping."""
    if not text.startswith("---"):
        raise FrontMatterError(
            "no front matter: the file must start with a line '---'",
            1,
            "begin with ---, then 'title: ...' and 'date: YYYY-MM-DD' lines, then --- again",
        )
    first_newline = text.find("\n")
    if first_newline < 0 or not FENCE.fullmatch(text[:first_newline]):
        raise FrontMatterError("the first line must be '---' alone", 1)
    closing = FENCE.search(text, first_newline + 1)
    if not closing:
        raise FrontMatterError("the front matter is never closed", 1, "add a line '---' after the last field")
    raw = text[first_newline + 1 : closing.start()]
    try:
        meta = yaml.load(raw, Loader=_SAFE_LOADER) if raw.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(f"front matter is not valid YAML: {problem}", line,
                               "quote values that contain ':' or start with a special character") from None
    except ValueError as exc:  # YAML reads 2025-13-45 as a date and the calendar refuses it
        match = re.search(r"^.*\b\d{4}-\d{1,2}-\d{1,2}\b", raw, re.MULTILINE)
        line = 2 + raw.count("\n", 0, match.start()) if match else None
        raise FrontMatterError(f"not a real date: {exc}", line, "write dates as YYYY-MM-DD, e.g. 2025-11-10") from None
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter must be 'key: value' lines", 2)
    body_start = text.find("\n", closing.start())
    body = "" if body_start < 0 else text[body_start + 1 :]
    body_line = text.count("\n", 0, closing.end()) + 2
    return Document(meta, body, body_line, raw)


def read(path: Path) -> Document:
    return parse(decode(path.read_bytes()))
