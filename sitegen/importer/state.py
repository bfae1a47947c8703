"""The import record, ``.sitegen/imported.json``: for each item imported (by GUID, URL
or content hash), the article file it went to and a hash of the text written there.

It is what makes an import idempotent: an item seen before updates its own file, and a
file whose text is no longer what the importer wrote has been edited, so it is left alone.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .writer import write_atomically

RECORD_NAME = "imported.json"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Entry:
    path: str     # relative to content/articles, in / form
    written: str  # hash of the text the importer last wrote there


class ImportRecord:
    def __init__(self, path: Path, entries: dict[str, Entry]):
        self.path = path
        self.entries = entries

    @classmethod
    def load(cls, path: Path) -> "ImportRecord":
        try:
            raw = json.loads(path.read_text("utf-8"))
            entries = {key: Entry(value["path"], value["written"]) for key, value in raw["items"].items()}
        except FileNotFoundError:
            entries = {}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # A damaged record would make every item look new and duplicate the archive.
            raise RecordError(f"{path}: the import record cannot be read ({exc}); "
                              "restore it from a backup, or delete it to import everything anew") from None
        return cls(path, entries)

    def save(self) -> None:
        data = {"version": 1, "items": {key: {"path": e.path, "written": e.written}
                                        for key, e in sorted(self.entries.items())}}
        write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


class RecordError(Exception):
    pass
