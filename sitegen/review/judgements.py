"""Writing an editor's decision into ``content/entities/*.md``, and taking it back.

A decision names entities by their names, never by a path: the file is the one whose
``name``, ``aliases`` or ``same_as`` already hold the entity's name, else a new file
named by the slug of that name. Whatever the request, the only files ever written are
Markdown files inside the site's ``content/entities`` folder. Every write is recorded in
``.sitegen/review-undo.jsonl`` (the file before and after), so that it can be undone.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..config import SiteConfig
from ..content.judgements import load_judgements
from ..model import ENTITY_TYPES
from ..names import name_key
from ..slugs import slugify
from . import yamledit

UNDO_LOG = "review-undo.jsonl"
ACTIONS = ("same", "not_same", "ignore", "type", "wikipedia", "rename")


class JudgementError(ValueError):
    """A decision that cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class Written:
    file: str  # the judgement file, relative to the site folder
    created: bool


class JudgementFiles:
    """The judgement files of one site, and the undo log of the changes made to them."""

    def __init__(self, config: SiteConfig) -> None:
        self.site_dir = config.site_dir.resolve()
        self.folder = config.entities_dir
        self.undo_log = config.state_dir / UNDO_LOG

    def decide(self, action: str, name: str, value=None) -> Written:
        """Write one decision about the entity called ``name``.

        same / not_same: ``value`` is the other entity's name (same: or a list of names); type: a type; wikipedia: a
        title, or False to keep it unlinked; rename: the new name (the old one is kept as
        an alias, so the file still finds its entity); ignore: no value.
        """
        if action not in ACTIONS:
            raise JudgementError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
        if not isinstance(name, str) or not name.strip():
            raise JudgementError("no entity name given")
        path = self._file_for(name)
        before = self._read(path) if path.exists() else None
        text = before if before is not None else yamledit.new_file(name.strip())
        try:
            after = self._edit(text, action, name.strip(), value)
        except yamledit.EditError as exc:
            raise JudgementError(f"{self._relative(path)}: {exc}") from None
        if after != before:
            self._write(path, after)
            self._log(path, before, after)
        return Written(self._relative(path), before is None)

    def undo(self) -> Written | None:
        """Take back the last decision written; None if there is none. A file changed by
        hand since is left alone (an error says so)."""
        entries = self._entries()
        if not entries:
            return None
        last = entries[-1]
        path = self._safe_path(self.site_dir / last["file"])
        current = self._read(path) if path.exists() else None
        if current != last["after"]:
            raise JudgementError(f"{last['file']} was changed since the review page wrote it; undo it by hand")
        if last["before"] is None:
            path.unlink()
        else:
            self._write(path, last["before"])
        self._save_entries(entries[:-1])
        return Written(last["file"], False)

    def can_undo(self) -> bool:
        return bool(self._entries())

    # ---- the edits ------------------------------------------------------------------
    def _edit(self, text: str, action: str, name: str, value) -> str:
        if action in ("same", "not_same"):
            others = value if isinstance(value, list) else [value]
            if not others or any(not isinstance(v, str) or not v.strip() for v in others):
                raise JudgementError("name the other entity")
            if any(name_key(v) == name_key(name) for v in others):
                if action == "not_same":
                    raise JudgementError("two pages of one name cannot be kept apart by name; rename one first")
                # Pages of one name that the model typed differently: a file of that name
                # is enough, it takes every page of the name (see curation).
                others = [v for v in others if name_key(v) != name_key(name)]
            for other in others:
                text = yamledit.add_to_list(text, "same_as" if action == "same" else "not_same", other.strip())
            return text
        if action == "ignore":
            return yamledit.set_field(text, "ignore", True)
        if action == "type":
            if value not in ENTITY_TYPES:
                raise JudgementError(f"the type must be one of {', '.join(ENTITY_TYPES)}")
            return yamledit.set_field(text, "type", value)
        if action == "wikipedia":
            if value is not False and (not isinstance(value, str) or not value.strip()):
                raise JudgementError("give a Wikipedia title, or false to keep the entity unlinked")
            return yamledit.set_field(text, "wikipedia", value if value is False else value.strip())
        # rename
        if not isinstance(value, str) or not value.strip():
            raise JudgementError("give the new name")
        text = yamledit.set_field(text, "name", value.strip())
        return yamledit.add_to_list(text, "aliases", name) if name_key(value) != name_key(name) else text

    # ---- files ----------------------------------------------------------------------
    def _file_for(self, name: str) -> Path:
        key = name_key(name)
        judgements = load_judgements(self.folder).judgements
        for judgement in judgements:
            if key in judgement.merge_keys:
                return self._safe_path(judgement.path)
        slug = slugify(name)
        path, n = self.folder / f"{slug}.md", 2
        while path.exists() or path.is_symlink():
            if path.is_symlink():  # the build refuses it as a judgement; never write beside or through it
                return self._safe_path(path)
            path, n = self.folder / f"{slug}-{n}.md", n + 1
        return self._safe_path(path)

    def _safe_path(self, path: Path) -> Path:
        """``path`` if it is a Markdown file inside content/entities, and no link out of it."""
        folder = self.folder.resolve()
        if folder != self.site_dir / "content" / "entities":
            raise JudgementError("content/entities is a link to another folder; judgements are not written there")
        real = path.resolve()
        if path.is_symlink() or folder not in real.parents or real.suffix != ".md":
            raise JudgementError(f"{path}: not a judgement file inside content/entities")
        return real

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.site_dir).as_posix()

    @staticmethod
    def _read(path: Path) -> str:
        return path.read_bytes().decode("utf-8")

    def _write(self, path: Path, text: str) -> None:
        """All or nothing: a hidden file beside it (the preview's watcher ignores it), renamed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(text.encode("utf-8"))
        os.replace(tmp, path)

    # ---- the undo log ---------------------------------------------------------------
    def _log(self, path: Path, before: str | None, after: str) -> None:
        self.undo_log.parent.mkdir(parents=True, exist_ok=True)
        with self.undo_log.open("a", encoding="utf-8") as log:
            log.write(json.dumps({"file": self._relative(path), "before": before, "after": after}) + "\n")

    def _entries(self) -> list[dict]:
        try:
            lines = self.undo_log.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by a crash: nothing to undo there
        return entries

    def _save_entries(self, entries: list[dict]) -> None:
        tmp = self.undo_log.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
        os.replace(tmp, self.undo_log)


def accept(files: JudgementFiles, names: dict[str, str], proposal: dict) -> Written:
    """Write what accepting a suggestion means (``Suggestion.accept``); ``names`` gives
    each entity id's name as the site shows it."""
    entity = names.get(proposal.get("entity", ""))
    if entity is None:
        raise JudgementError("that entity is no longer in the site; reload the page")
    if "same_as" in proposal:
        ids = proposal["same_as"] if isinstance(proposal["same_as"], list) else [proposal["same_as"]]
        others = [names.get(i) for i in ids]
        if None in others:
            raise JudgementError("another entity of this suggestion is no longer in the site; reload the page")
        return files.decide("same", entity, others if len(others) > 1 else others[0])
    if "not_same" in proposal:
        return files.decide("not_same", entity, proposal["not_same"])
    if "type" in proposal:
        return files.decide("type", entity, proposal["type"])
    if proposal.get("ignore"):
        return files.decide("ignore", entity)
    raise JudgementError("this suggestion needs a decision of yours (a title to pin); use the actions instead")
