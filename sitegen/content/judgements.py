"""Editor's judgements: ``content/entities/*.md``, one file per entity an editor looked at.

Front matter fields (all optional but ``name``):
  name       the entity's name as it should be shown; also how the file finds its entity
  type       person | place | organisation: overrides the vote
  aliases    other names of this entity (merged into it)
  same_as    names of entities that are this one (merged into it)
  not_same   names of other entities that must never be merged into it (an article that
             itself shortens the name, "Anna Berg ... Berg said", keeps that short form)
  ignore     true: no page, mentions left unlinked
  page       true: a page even on thin evidence; false: highlighted in its articles only
  wikipedia  the Wikipedia title to link, pinned
The Markdown body is the editor's note, shown on the dossier.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from . import frontmatter
from .markup import render_html
from ..model import ENTITY_TYPES, ArticleError
from ..names import name_key
from .site_files import list_files
from ..suggest import did_you_mean

KEYS = ("name", "type", "aliases", "same_as", "not_same", "ignore", "wikipedia", "page")


@dataclass(frozen=True)
class Judgement:
    path: Path
    name: str
    type: str | None = None
    aliases: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()
    not_same: tuple[str, ...] = ()
    ignore: bool = False
    wikipedia: str | None = None
    note_html: str | None = None
    page: bool | None = None  # None: the evidence decides (see publication)
    # where each name stands in the file, for messages: (field, name) -> line
    lines: Mapping[tuple[str, str], int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def merge_keys(self) -> set[str]:
        """Every name key that belongs to this entity."""
        return {self.key} | {name_key(n) for n in self.aliases + self.same_as}

    @property
    def apart_keys(self) -> set[str]:
        return {name_key(n) for n in self.not_same}

    def line_of(self, key: str, name: str) -> int | None:
        return self.lines.get((key, name))


@dataclass(frozen=True)
class Judgements:
    judgements: list[Judgement]
    errors: list[ArticleError]  # files, or parts of them, that cannot be used
    warnings: list[ArticleError]  # used, but probably not as the editor meant


def load_judgements(entities_dir: Path, site_dir: Path | None = None) -> Judgements:
    listing = list_files(entities_dir, site_dir or entities_dir.parent.parent, (".md",), "entity file")
    errors: list[ArticleError] = list(listing.refused)
    warnings: list[ArticleError] = list(listing.skipped)
    judgements: list[Judgement] = []
    seen: dict[str, Path] = {}
    for path in listing.files:
        try:
            judgement = _read(path, warnings)
        except frontmatter.FrontMatterError as exc:
            errors.append(ArticleError(path, exc.line, str(exc), exc.hint))
            continue
        if judgement.key in seen:
            errors.append(ArticleError(path, judgement.line_of("name", judgement.name),
                                       f"judges '{judgement.name}' again, as {seen[judgement.key]} does; "
                                       "this file is not used",
                                       "keep one file per entity: move this file's fields and note into the other"))
            continue
        seen[judgement.key] = path
        judgements.append(judgement)
    judgements = _without_circles(judgements, errors)
    warnings += _judged_twice(judgements)
    errors += _contradictions(judgements)
    return Judgements(judgements, errors, warnings)


def _read(path: Path, warnings: list[ArticleError]) -> Judgement:
    doc = frontmatter.read(path, frontmatter.NAME_FIELD)
    meta = doc.meta
    for key in meta:
        if key not in KEYS:
            warnings.append(ArticleError(path, doc.line_of(str(key)), f"unknown key '{key}' ignored",
                                         did_you_mean(str(key), KEYS)))
    name = meta.get("name")
    if name is None:
        raise frontmatter.FrontMatterError("an entity file needs 'name: ...'", 2,
                                           "add a line 'name: ...' with the entity's name as it should be shown")
    if not isinstance(name, str) or not name.strip():
        raise frontmatter.FrontMatterError(f"'name' must be the entity's name, not {frontmatter.kind_of(name)}",
                                           doc.line_of("name"), 'write it in quotes: name: "..."')
    kind = meta.get("type")
    if kind is not None and kind not in ENTITY_TYPES:
        raise frontmatter.FrontMatterError(f"'type' must be one of {', '.join(ENTITY_TYPES)}; got {kind!r}",
                                           doc.line_of("type"),
                                           "write one of them, or remove the line to let the articles decide")
    ignore = meta.get("ignore", False)
    if not isinstance(ignore, bool):
        raise frontmatter.FrontMatterError(f"'ignore' must be true or false, not {frontmatter.kind_of(ignore)}",
                                           doc.line_of("ignore"), "write ignore: true, or remove the line")
    page = meta.get("page")
    if page is not None and not isinstance(page, bool):
        raise frontmatter.FrontMatterError(f"'page' must be true or false, not {frontmatter.kind_of(page)}",
                                           doc.line_of("page"), "write page: true or page: false, or remove "
                                           "the line to let the evidence decide")
    wikipedia = meta.get("wikipedia")
    if wikipedia is False:
        wikipedia = ""  # "never link this entity"
    elif wikipedia is not None and not isinstance(wikipedia, str):
        raise frontmatter.FrontMatterError(
            f"'wikipedia' must be a page title, or false to keep the entity unlinked; "
            f"got {frontmatter.kind_of(wikipedia)}",
            doc.line_of("wikipedia"), 'write wikipedia: "Page title" or wikipedia: false')
    lines: dict[tuple[str, str], int] = {("name", name.strip()): doc.line_of("name") or 2}
    names = {key: _names(doc, key, lines) for key in ("aliases", "same_as", "not_same")}
    _refuse_contradiction(name.strip(), names, lines)
    body = doc.body.strip()
    return Judgement(
        path=path,
        name=name.strip(),
        type=kind,
        aliases=names["aliases"],
        same_as=names["same_as"],
        not_same=names["not_same"],
        ignore=ignore,
        wikipedia=wikipedia.strip() if isinstance(wikipedia, str) else None,
        note_html=render_html(body) if body else None,
        page=page,
        lines=lines,
    )


def _names(doc: frontmatter.Document, key: str, lines: dict[tuple[str, str], int]) -> tuple[str, ...]:
    value = doc.meta.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    hint = f"write {key}: [First Name, Other Name], quoting a name like yes, no or a number"
    if not isinstance(value, list):
        raise frontmatter.FrontMatterError(f"'{key}' must be a list of names, not {frontmatter.kind_of(value)}",
                                           doc.line_of(key), hint)
    names = []
    for index, item in enumerate(value):
        if not isinstance(item, str) and not (isinstance(item, int) and not isinstance(item, bool)):
            raise frontmatter.FrontMatterError(
                f"'{key}' must be a list of names; item {index + 1} is {frontmatter.kind_of(item)}",
                doc.item_line(key, index), hint)
        text = str(item).strip()
        if text:
            names.append(text)
            lines.setdefault((key, text), doc.item_line(key, index))
    return tuple(names)


def _refuse_contradiction(name: str, names: Mapping[str, tuple[str, ...]], lines: Mapping) -> None:
    """``not_same`` may name neither the entity itself nor one of its other names."""
    own = {name_key(n): (f, n) for f in ("aliases", "same_as") for n in names[f]}
    for other in names["not_same"]:
        key = name_key(other)
        line = lines.get(("not_same", other))
        if key == name_key(name):
            raise frontmatter.FrontMatterError(f"not_same names '{other}', which is this entity itself", line,
                                               f"remove '{other}' from not_same")
        if key in own:
            where, written = own[key]
            raise frontmatter.FrontMatterError(
                f"'{other}' is in not_same, and '{written}' in {where} (line {lines.get((where, written))}): "
                "one name cannot be both this entity and another",
                line, f"remove it from not_same or from {where}")


def _links(judgements: list[Judgement]) -> list[tuple[Judgement, str, str, Judgement]]:
    """(file, field, name, other file) for each alias or same_as that is another file's name."""
    by_key = {j.key: j for j in judgements}
    found = []
    for j in judgements:
        for key in ("same_as", "aliases"):
            for other_name in getattr(j, key):
                other = by_key.get(name_key(other_name))
                if other is not None and other is not j:
                    found.append((j, key, other_name, other))
    return found


def _without_circles(judgements: list[Judgement], errors: list[ArticleError]) -> list[Judgement]:
    """Files whose same_as (or aliases) lead round in a circle describe one entity: the
    first is used, the others are reported and left out."""
    step: dict[Path, tuple[str, Judgement]] = {}
    for j, _key, other_name, other in _links(judgements):
        step.setdefault(j.path, (other_name, other))
    dropped: set[Path] = set()
    for start in judgements:
        if start.path in dropped:
            continue
        trail = [start]
        while trail[-1].path in step and step[trail[-1].path][1] not in trail:
            trail.append(step[trail[-1].path][1])
        last = step.get(trail[-1].path)
        if last is None or last[1] is not start:
            continue
        said = ", ".join(f"{j.path.name} names '{step[j.path][0]}'" for j in trail)
        errors.append(ArticleError(start.path, start.line_of("same_as", step[start.path][0]),
                                   f"circular same_as: {said}; these {len(trail)} files describe one entity, "
                                   f"and only {start.path.name} is used",
                                   f"keep one file for the entity: move the aliases and notes of "
                                   f"{', '.join(j.path.name for j in trail[1:])} into {start.path.name} "
                                   "and delete them"))
        dropped.update(j.path for j in trail[1:])
    return [j for j in judgements if j.path not in dropped]


def _judged_twice(judgements: list[Judgement]) -> list[ArticleError]:
    """A name this file merges in has a file of its own: only one of the two is applied."""
    return [ArticleError(j.path, j.line_of(key, other_name),
                         f"{key} names '{other_name}', which has its own file {other.path}; the two files "
                         "describe one entity, and the name, type and note of only one of them are used",
                         f"move what {other.path.name} says into this file and delete it")
            for j, key, other_name, other in _links(judgements)]


def _contradictions(judgements: list[Judgement]) -> list[ArticleError]:
    """One file keeps apart what another says is one entity."""
    found = []
    for j in judgements:
        if not j.not_same:
            continue
        for other in judgements:
            if other is j or not (other.merge_keys & j.merge_keys):
                continue
            for name in j.not_same:
                if name_key(name) in other.merge_keys:
                    joined = next(n for n in other.aliases + other.same_as + (other.name,)
                                  if name_key(n) in j.merge_keys)
                    found.append(ArticleError(
                        j.path, j.line_of("not_same", name),
                        f"not_same names '{name}', but {other.path} says '{joined}', a name of this entity, "
                        f"is the same entity as '{other.name}'",
                        f"decide which is right: remove '{name}' from not_same here, or '{joined}' from "
                        f"{other.path.name}"))
    return found


def unmatched_same_as(judgements: Iterable[Judgement], known_keys: set[str]) -> list[ArticleError]:
    """A same_as name no article mentions: most likely misspelt, as it merges nothing."""
    return [ArticleError(j.path, j.line_of("same_as", name),
                         f"same_as names '{name}', but no article mentions an entity of that name",
                         "check the spelling; case, dots and a leading 'the' do not matter")
            for j in judgements if not j.ignore for name in j.same_as if name_key(name) not in known_keys]
