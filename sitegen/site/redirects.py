"""Old dossier addresses keep working: where a page went when names were merged or renamed.

An entity's address comes from its name, so it moves when two names turn out to be one
entity (an editor's ``same_as``, or reference data showing that "Daesh" and "ISIS" are
both "Islamic State") or when a fuller name appears. Two sources say where an old
address went:

* the entity's own aliases: "Daesh" merged into "Islamic State" means the address
  ``organisations/daesh/`` now belongs to ``organisations/islamic-state/``. This needs
  no record, so it holds on a fresh checkout too;
* the record of every dossier address the site has published, with the names it was
  published under (``.sitegen/addresses.json``): an address that no longer has a page
  goes to the one entity that now carries the name it was published under, whatever its
  type became.

An address is redirected only when exactly one entity claims it; a redirect never
shadows a live page. Each redirect becomes a small HTML page (meta refresh, canonical
link, a plain link: works on any host, no script) and a line of ``_redirects``, the
file Netlify and Cloudflare Pages read to answer with a real 301, with one more line for
its numbered pages of mentions (see ``paging``).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from .. import urls
from ..errors import SitegenError
from ..model import TYPE_FOLDERS, Entity
from ..names import name_key
from ..set_aside import set_aside
from ..slugs import slugify
from .paging import MENTIONS_FOLDER

HISTORY_FILE = "addresses.json"
REDIRECTS_FILE = "_redirects"
# The site's icon, named so a browser does not ask the host for /favicon.ico (a 404).
FAVICON = "static/favicon.svg"
HISTORY_VERSION = 1


@dataclass(frozen=True)
class Redirect:
    old: str  # site path that has no page any more, e.g. "organisations/daesh/"
    new: str  # site path of the dossier that took its place, or of an article naming it
    name: str  # the entity's name now, for the redirect page
    to_article: bool = False  # the name has no dossier now: it leads to its newest article


def plan_redirects(entities: Sequence[Entity], history: Mapping[str, Sequence[str]],
                   unpaged: Sequence[Entity] = ()) -> tuple[Redirect, ...]:
    """Every old dossier address that should lead to a current one, in address order.

    A published dossier whose name no longer earns a page of its own (see publication)
    leads to the newest article that names it, where the name is still highlighted: a
    link someone saved or cited keeps leading somewhere true.
    """
    live = {e.id for e in entities}
    by_id = {e.id: e for e in entities}
    claims: dict[str, set[str]] = defaultdict(set)  # old id -> entity ids that claim it
    for entity in entities:
        folder = entity.id.split("/", 1)[0]
        for alias in entity.aliases:
            claims[f"{folder}/{slugify(alias)}"].add(entity.id)
    by_name: dict[str, set[str]] = defaultdict(set)
    for entity in entities:
        for name in {entity.name, *entity.aliases}:
            by_name[name_key(name)].add(entity.id)
    for old_id, names in history.items():
        if old_id in live or not names:
            continue
        # Only the name the page was published under: its short forms ("Berg") may now
        # belong to someone else, and a wrong dossier is worse than "not found".
        owners = by_name.get(name_key(names[0]), set())
        if len(owners) == 1:
            claims[old_id] = set(owners)  # the record is more precise than a slug guess
    redirects = []
    for old_id, owners in claims.items():
        if old_id in live or len(owners) != 1 or not _is_entity_id(old_id):
            continue
        target = by_id[next(iter(owners))]
        redirects.append(Redirect(urls.entity_path(old_id), urls.entity_path(target.id), target.name))
    unpaged_by_name: dict[str, list[Entity]] = defaultdict(list)
    for entity in unpaged:
        for name in {entity.name, *entity.aliases}:
            unpaged_by_name[name_key(name)].append(entity)
    for old_id, names in history.items():
        if old_id in live or old_id in claims or not names or not _is_entity_id(old_id):
            continue
        named = unpaged_by_name.get(name_key(names[0]), [])
        if len(named) == 1 and named[0].articles and not by_name.get(name_key(names[0])):
            entity = named[0]
            redirects.append(Redirect(urls.entity_path(old_id), urls.article_path(entity.articles[0]),
                                      entity.name, to_article=True))
    return tuple(sorted(redirects, key=lambda r: r.old))


def redirect_files(redirects: Iterable[Redirect], base_url: str, title: str) -> dict[str, bytes]:
    """One HTML page per old address, and ``_redirects`` for hosts that answer with a 301."""
    files: dict[str, bytes] = {}
    lines = []
    for r in redirects:
        file, page, rules = _redirect(r, base_url, title)
        files[file] = page
        lines += rules
    if lines:
        files[REDIRECTS_FILE] = ("\n".join(lines) + "\n").encode("utf-8")
    return files


@lru_cache(maxsize=1 << 14)  # a preview makes the same redirects after every save
def _redirect(r: Redirect, base_url: str, title: str) -> tuple[str, bytes, tuple[str, str]]:
    """One redirect's page file, its bytes and its two ``_redirects`` rules."""
    file = urls.page_file(r.old)
    page = _redirect_page(r, urls.relative_url(file, r.new), urls.absolute_url(base_url, r.new) if base_url else None,
                          title, urls.relative_url(file, FAVICON))
    base = urls.base_path(base_url)
    old, new = f"{base}{urls.href('', r.old)}", f"{base}{urls.href('', r.new)}"
    # The old dossier's numbered pages of mentions: their numbers do not carry over to
    # the new one (its mentions are others), so they lead to its first page.
    return file, page, (f"{old} {new} 301", f"{old}{MENTIONS_FOLDER}/* {new} 301")


def _redirect_page(r: Redirect, href: str, canonical: str | None, title: str, icon: str) -> bytes:
    name, target = escape(r.name), escape(href)
    if r.to_article:
        heading = f"{name} has no dossier of its own"
        body = (f"<h1>{heading}</h1>\n<p>Too little is known of it for a page of its own; it is named in "
                f"<a href=\"{target}\">this article</a>.</p>")
    else:
        heading = f"Moved to {name}"
        body = f"<h1>This dossier has moved</h1>\n<p>It is now <a href=\"{target}\">{name}</a>.</p>"
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{heading} – {escape(title)}</title>
<link rel="canonical" href="{escape(canonical or href)}">
<link rel="icon" type="image/svg+xml" href="{escape(icon)}">
<meta http-equiv="refresh" content="0; url={target}">
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""
    return page.encode("utf-8")


# ---- the record of published addresses ---------------------------------------------


def load_history(state_dir: Path, warn: Callable[[str], None] = lambda m: None) -> dict[str, list[str]]:
    """Every dossier address published so far, with its names (the page's name first)."""
    path = state_dir / HISTORY_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        addresses = data["addresses"]
        return {str(k): [str(n) for n in v] for k, v in addresses.items() if isinstance(v, list)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # Starting a new record over it would lose the site's whole history for good.
        try:
            moved = set_aside(path, keep_earlier=True)
        except OSError as move_error:
            raise SitegenError(f"{path}: the record of published addresses cannot be read ({_reason(exc)}) "
                               f"nor moved aside ({move_error.strerror or move_error}); repair it or move it "
                               "away yourself, then build again") from None
        warn(f"{path}: the record of published addresses cannot be read ({_reason(exc)}); moved to {moved} "
             "and a new record started, so old addresses that no current name explains are not redirected; "
             f"to restore them, repair that file (or take it from version control) and move it back to {path}")
        return {}


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"it has no {exc} entry"
    return " ".join(str(exc).split()) or type(exc).__name__


def updated_history(history: Mapping[str, Sequence[str]], entities: Iterable[Entity]) -> dict[str, list[str]]:
    """The record after this build: every current address with its names, every older one kept."""
    merged = {k: list(v) for k, v in history.items()}
    for entity in entities:
        names = [entity.name] + [a for a in entity.aliases if a != entity.name]
        merged[entity.id] = names
    return dict(sorted(merged.items()))


def save_history(state_dir: Path, history: Mapping[str, Sequence[str]]) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / HISTORY_FILE
    tmp = path.with_suffix(".tmp")
    data = {"version": HISTORY_VERSION, "addresses": history}
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def _is_entity_id(value: str) -> bool:
    folder, _, slug = value.partition("/")
    return folder in TYPE_FOLDERS.values() and bool(slug) and "/" not in slug and slug not in (".", "..") \
        and "\\" not in slug
