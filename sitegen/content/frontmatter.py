"""Read a text file made of YAML front matter and a Markdown body, with exact error lines."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

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
    # file line of each top-level key, and of each item of a top-level list
    key_lines: Mapping[str, int] = field(default_factory=dict)
    item_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def line_of(self, key: str) -> int | None:
        """The file line of ``key:`` in the front matter, for error messages."""
        return self.key_lines.get(key)

    def item_line(self, key: str, index: int) -> int | None:
        """The file line of item ``index`` of the list under ``key``, else of the key."""
        lines = self.item_lines.get(key, ())
        return lines[index] if index < len(lines) else self.line_of(key)


def kind_of(value: object) -> str:
    """What YAML made of a value, in the words of an editor."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (key: value)"
    return f"a {type(value).__name__} value"


# The fields a file must start with, as messages name them (an entity file: NAME_FIELD).
ARTICLE_FIELDS = "'title: ...' and 'date: YYYY-MM-DD'"
NAME_FIELD = "'name: ...'"


def decode(data: bytes, needs: str = ARTICLE_FIELDS) -> str:
    """Bytes to text, refusing what is not a UTF-8 text file."""
    if not data.strip():
        raise FrontMatterError("the file is empty", hint=f"write a line '---', then {needs}, then '---' and the text; "
                                                        "or delete the file")
    if b"\0" in data[:8192]:
        raise FrontMatterError("this is a binary file, not a text file",
                               hint="move it out of this folder: only Markdown text files belong here")
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


def parse(text: str, needs: str = ARTICLE_FIELDS) -> Document:
    """Split ``---`` front matter from the body and parse it as a YAML mapping."""
    if not text.startswith("---"):
        raise FrontMatterError(
            "no front matter: the file must start with a line '---'",
            1,
            f"begin with ---, then {needs} lines, then --- again",
        )
    first_newline = text.find("\n")
    if first_newline < 0 or not FENCE.fullmatch(text[:first_newline]):
        raise FrontMatterError("the first line must be '---' alone", 1,
                               "move what follows '---' to the next line")
    closing = FENCE.search(text, first_newline + 1)
    if not closing:
        raise FrontMatterError("the front matter is never closed", 1, "add a line '---' after the last field")
    raw = text[first_newline + 1 : closing.start()]
    meta, key_lines, item_lines = load_yaml(raw)
    body_start = text.find("\n", closing.start())
    body = "" if body_start < 0 else text[body_start + 1 :]
    body_line = text.count("\n", 0, closing.end()) + 2
    return Document(meta, body, body_line, raw, key_lines, item_lines)


FIRST_LINE = 2  # the front matter starts on the file's second line, after "---"


def load_yaml(raw: str) -> tuple[dict, dict[str, int], dict[str, tuple[int, ...]]]:
    """The front matter as a mapping, with the file line of each key and list item.

    Only plain values are accepted: anchors and aliases are refused (a few lines of
    aliases can expand to gigabytes), and so is a key given twice (YAML would keep the
    last silently, and the editor would not know which one is shown).
    """
    if not raw.strip():
        return {}, {}, {}
    try:
        _refuse_anchors(raw)
        loader = _SAFE_LOADER(raw)
        try:
            node = loader.get_single_node()
            if node is not None:
                _refuse_duplicate_keys(node)
            meta = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + FIRST_LINE if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(f"front matter is not valid YAML: {problem}", line, _yaml_hint(problem)) from None
    except RecursionError:
        raise FrontMatterError("front matter is nested too deeply", FIRST_LINE,
                               "write plain 'key: value' lines, with lists like [one, two]") from None
    except (ValueError, OverflowError) as exc:  # YAML reads 2025-13-45 as a date and the calendar refuses it
        match = re.search(r"^.*\b\d{4}-\d{1,2}-\d{1,2}\b", raw, re.MULTILINE)
        line = FIRST_LINE + raw.count("\n", 0, match.start()) if match else None
        raise FrontMatterError(f"not a real date: {exc}", line, "write dates as YYYY-MM-DD, e.g. 2025-11-10") from None
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter must be 'key: value' lines", FIRST_LINE,
                               "write one field per line, e.g. 'title: ...' then 'date: YYYY-MM-DD'")
    key_lines: dict[str, int] = {}
    item_lines: dict[str, tuple[int, ...]] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if isinstance(key, str):
            key_lines.setdefault(key, key_node.start_mark.line + FIRST_LINE)
            if isinstance(value_node, yaml.SequenceNode):
                item_lines[key] = tuple(item.start_mark.line + FIRST_LINE for item in value_node.value)
    return meta, key_lines, item_lines


def _refuse_anchors(raw: str) -> None:
    for event in yaml.parse(raw, Loader=_SAFE_LOADER):
        name = getattr(event, "anchor", None)
        if name is not None:
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise FrontMatterError(
                f"YAML anchors and aliases ('{sign}{name}') are not allowed in front matter",
                event.start_mark.line + FIRST_LINE,
                "write the value out in full where it is needed, without '&' or '*' names")


def _refuse_duplicate_keys(root: yaml.Node) -> None:
    """A key given twice in any mapping, named with both lines."""
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    line = key_node.start_mark.line + FIRST_LINE
                    seen = first.get((key_node.tag, key_node.value))
                    first[(key_node.tag, key_node.value)] = line
                    if seen is not None:
                        where = f"in line {seen} and line {line}" if seen != line else f"in line {line}"
                        raise FrontMatterError(f"'{key_node.value}' is given twice, {where}", line,
                                               f"remove one of the two '{key_node.value}' entries")
                todo.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)


def _yaml_hint(problem: str) -> str:
    """What usually fixes the YAML error a parser describes as ``problem``."""
    if "\\t" in problem or "tab" in problem:
        return "indent with spaces, not tabs"
    if "flow sequence" in problem or "']'" in problem:
        return "close the list with ']' on the same line, e.g. tags: [one, two]"
    if "flow mapping" in problem or "'}'" in problem:
        return "close the braces with '}', or quote a value that starts with '{'"
    if "end of stream" in problem:
        return "a quotation mark or bracket is opened and never closed: close it on the same line"
    if "cannot start any token" in problem:
        return "quote a value that starts with a special character such as @, ` or %, e.g. author: \"@newsdesk\""
    return "quote values that contain ': ' or start with a special character, e.g. title: \"Q&A: the talks\""


def read(path: Path, needs: str = ARTICLE_FIELDS) -> Document:
    return parse(decode(path.read_bytes(), needs), needs)
