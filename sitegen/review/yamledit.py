"""Line edits to a YAML front matter that leave every other byte of the file alone.

An editor's judgement file is read by people and kept in git: a judgement added from
the review page changes or adds the one line it needs, keeps the note, the comments,
the order of the fields and the file's line endings. Every edit is checked by parsing
the result; an edit that would not read back as intended is refused.
"""
from __future__ import annotations

import json
import re

import yaml

from ..content import frontmatter
from ..names import name_key

_PLAIN = re.compile(r"[A-Za-z0-9\u00c0-\uffff][\w .'&/()\u00c0-\uffff-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


class EditError(ValueError):
    """The file's front matter cannot be edited safely by line (it is then left as it is)."""


def scalar(value, in_list: bool = False) -> str:
    """``value`` as YAML: plain where that reads back the same, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _PLAIN.fullmatch(text) and text == text.strip() and text.casefold() not in _YAML_WORDS \
            and not re.fullmatch(r"[\d.eE+-]+", text) and not (in_list and re.search(r"[,\[\]{}]", text)):
        if yaml.safe_load(text) == text:
            return text
    return json.dumps(text, ensure_ascii=False)


def new_file(name: str, newline: str = "\n") -> str:
    return f"---{newline}name: {scalar(name)}{newline}---{newline}"


def set_field(text: str, key: str, value) -> str:
    """``key: value`` in the front matter: its line rewritten in place, or a new line."""
    lines, start, end = _front_matter(text)
    nl = _newline(text)
    at = _find(lines, start, end, key)
    line = f"{key}: {scalar(value)}"
    if at is None:
        lines.insert(end, line + nl)
    else:
        last = _entry_end(lines, at, end)
        comment = re.search(r"\s+#(\s.*)?$", lines[at].rstrip("\r\n")) if last == at + 1 else None
        tail = lines[at][len(lines[at].rstrip("\r\n")):] or nl
        lines[at:last] = [line + (comment.group(0) if comment and not _quoted(lines[at]) else "") + tail]
    return _checked("".join(lines), key, lambda got: got == value or (value is False and got is False))


def add_to_list(text: str, key: str, item: str) -> str:
    """``item`` added to the list ``key`` (made if missing); unchanged if already there."""
    doc = _parse(text)
    current = doc.meta.get(key)
    present = [current] if isinstance(current, str) else current if isinstance(current, list) else []
    if any(name_key(str(v)) == name_key(item) for v in present):
        return text
    lines, start, end = _front_matter(text)
    nl = _newline(text)
    at = _find(lines, start, end, key)
    if at is None:
        lines.insert(end, f"{key}: [{scalar(item, True)}]{nl}")
    else:
        last = _entry_end(lines, at, end)
        head = lines[at].rstrip("\r\n")
        value = head.split(":", 1)[1].strip()
        tail = lines[at][len(head):] or nl
        if last > at + 1 and all(re.match(r"\s*-\s", l) or not l.strip() for l in lines[at + 1:last]):
            items = [l for l in lines[at + 1:last] if l.strip()]
            indent = re.match(r"\s*", items[-1]).group(0)
            position = at + 1 + max(i for i, l in enumerate(lines[at + 1:last]) if l.strip()) + 1
            lines.insert(position, f"{indent}- {scalar(item, True)}{nl}")
        elif last == at + 1 and value.startswith("[") and value.endswith("]"):
            inside = value[1:-1].strip()
            joined = f"{inside}, {scalar(item, True)}" if inside else scalar(item, True)
            lines[at] = f"{head.split(':', 1)[0]}: [{joined}]{tail}"
        elif last == at + 1 and value and isinstance(current, str) and not value.startswith(("|", ">")):
            lines[at] = f"{head.split(':', 1)[0]}: [{value}, {scalar(item, True)}]{tail}"
        elif last == at + 1 and not value:
            lines[at] = f"{head.split(':', 1)[0]}: [{scalar(item, True)}]{tail}"
        else:
            raise EditError(f"'{key}' is not written as a list this page can extend")
    return _checked("".join(lines), key, lambda got: isinstance(got, list) and
                    [str(v) for v in got] == [str(v) for v in present] + [item])


def _front_matter(text: str) -> tuple[list[str], int, int]:
    """The file's lines, and the positions of the first front-matter line and the closing fence."""
    _parse(text)
    lines = text.splitlines(keepends=True)
    for i in range(1, len(lines)):
        if frontmatter.FENCE.fullmatch(lines[i].rstrip("\r\n")):
            return lines, 1, i
    raise EditError("the front matter is never closed")


def _find(lines: list[str], start: int, end: int, key: str) -> int | None:
    pattern = re.compile(rf"{re.escape(key)}\s*:(\s|$)")
    return next((i for i in range(start, end) if pattern.match(lines[i])), None)


def _entry_end(lines: list[str], at: int, end: int) -> int:
    """Where the entry starting at ``at`` ends: its continuation lines are indented or list items."""
    i = at + 1
    while i < end and (lines[i].startswith((" ", "\t", "-")) or not lines[i].strip()):
        i += 1
    while i > at + 1 and not lines[i - 1].strip():
        i -= 1  # blank lines after an entry belong to no entry
    return i


def _quoted(line: str) -> bool:
    return '"' in line or "'" in line


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _parse(text: str) -> frontmatter.Document:
    try:
        return frontmatter.parse(text.lstrip("\ufeff").replace("\r\n", "\n"))
    except frontmatter.FrontMatterError as exc:
        raise EditError(f"{exc} (line {exc.line})" if exc.line else str(exc)) from None


def _checked(text: str, key: str, ok) -> str:
    got = _parse(text).meta.get(key)
    if not ok(got):
        raise EditError(f"'{key}' would not read back as intended; edit the file by hand")
    return text
