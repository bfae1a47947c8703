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

from dataclasses import dataclass
from pathlib import Path

from . import frontmatter
from .markup import render_html
from .model import ENTITY_TYPES, ArticleError
from .names import name_key


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


def load_judgements(entities_dir: Path) -> tuple[list[Judgement], list[ArticleError]]:
    judgements, errors = [], []
    if not entities_dir.is_dir():
        return judgements, errors
    seen: dict[str, Path] = {}
    for path in sorted(entities_dir.rglob("*.md")):
        try:
            judgement = _read(path)
        except frontmatter.FrontMatterError as exc:
            errors.append(ArticleError(path, exc.line, str(exc), exc.hint))
            continue
        if judgement.key in seen:
            errors.append(ArticleError(path, None, f"judges '{judgement.name}' again, as {seen[judgement.key]} does",
                                       "keep one file per entity"))
            continue
        seen[judgement.key] = path
        judgements.append(judgement)
    return judgements, errors


def _read(path: Path) -> Judgement:
    doc = frontmatter.read(path)
    meta = doc.meta
    name = meta.get("name")
    if not isinstance(name, str) or not name.strip():
        raise frontmatter.FrontMatterError("an entity file needs 'name: ...'", doc.line_of("name") or 2)
    kind = meta.get("type")
    if kind is not None and kind not in ENTITY_TYPES:
        raise frontmatter.FrontMatterError(f"'type' must be one of {', '.join(ENTITY_TYPES)}; got {kind!r}",
                                           doc.line_of("type"))
    ignore = meta.get("ignore", False)
    if not isinstance(ignore, bool):
        raise frontmatter.FrontMatterError("'ignore' must be true or false", doc.line_of("ignore"))
    page = meta.get("page")
    if page is not None and not isinstance(page, bool):
        raise frontmatter.FrontMatterError("'page' must be true or false", doc.line_of("page"))
    wikipedia = meta.get("wikipedia")
    if wikipedia is False:
        wikipedia = ""  # "never link this entity"
    elif wikipedia is not None and not isinstance(wikipedia, str):
        raise frontmatter.FrontMatterError("'wikipedia' must be a page title, or false to keep the entity unlinked",
                                           doc.line_of("wikipedia"))
    body = doc.body.strip()
    return Judgement(
        path=path,
        name=name.strip(),
        type=kind,
        aliases=_names(doc, "aliases"),
        same_as=_names(doc, "same_as"),
        not_same=_names(doc, "not_same"),
        ignore=ignore,
        wikipedia=wikipedia.strip() if isinstance(wikipedia, str) else None,
        note_html=render_html(body) if body else None,
        page=page,
    )


def _names(doc: frontmatter.Document, key: str) -> tuple[str, ...]:
    value = doc.meta.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise frontmatter.FrontMatterError(f"'{key}' must be a list of names", doc.line_of(key),
                                           f"write {key}: [First Name, Other Name]")
    return tuple(str(v).strip() for v in value if str(v).strip())
