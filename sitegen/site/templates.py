"""The site's templates as one value: their sources, and which templates each one uses.

A page depends on its own template and on every template that one extends, includes or
imports, transitively. Knowing that set lets a rebuild re-render only the pages whose
templates changed: an edit to ``entity.html`` leaves article pages alone, an edit to
``base.html`` reaches every page.
"""
from __future__ import annotations

import hashlib
import json
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from jinja2 import Environment, TemplateSyntaxError, meta

# Files under a template folder that are templates (the rest, e.g. static/, are not).
TEMPLATE_SUFFIXES = (".html", ".xml", ".txt")


@dataclass(frozen=True)
class TemplateSet:
    sources: Mapping[str, str]  # template name -> source, the site's own overriding the theme's
    digest: str  # of all sources together
    closures: Mapping[str, str]  # template name -> digest of it and every template it uses

    @classmethod
    def read(cls, dirs: tuple[Path, ...], kept: Path | None = None) -> "TemplateSet":
        """The templates of ``dirs``, the first folder winning for a name found in several.
        ``kept``: a folder where the closures worked out for these sources are kept for
        the next build (named by sitegen's code, as the compiled templates' folder is)."""
        sources: dict[str, str] = {}
        for directory in dirs:
            for path in sorted(directory.rglob("*")):
                name = path.relative_to(directory).as_posix()
                if path.suffix in TEMPLATE_SUFFIXES and path.is_file() and not name.startswith("static/"):
                    sources.setdefault(name, path.read_text(encoding="utf-8", errors="replace"))
        digest = _digest(sources, sources)
        return cls(sources, digest, _closure_digests(digest, sources, kept))

    def uses(self, name: str) -> str:
        """A digest of the template ``name`` and of every template it uses."""
        return self.closures.get(name, self.digest)


def _digest(names, sources: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(f"{name}\0{sources.get(name, '')}\0".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


_CLOSURES: dict[str, dict[str, str]] = {}  # by digest of all sources: parsing is the costly part


def _closure_digests(digest: str, sources: Mapping[str, str], kept: Path | None = None) -> dict[str, str]:
    if digest in _CLOSURES:
        return _CLOSURES[digest]
    closures = _kept_closures(kept, digest, sources)
    if closures is None:
        closures = _worked_out(sources)
        _keep_closures(kept, digest, closures)
    if len(_CLOSURES) >= 8:
        _CLOSURES.clear()
    _CLOSURES[digest] = closures
    return closures


def _kept_closures(kept: Path | None, digest: str, sources: Mapping[str, str]) -> dict[str, str] | None:
    """The closures an earlier build kept for the same sources (parsing the theme's
    templates again costs a `sitegen build` 0.07 s); None if none can be read."""
    if kept is None:
        return None
    try:
        found = json.loads((kept / f"closures-{digest}.json").read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or set(found) != set(sources) or \
            not all(isinstance(value, str) for value in found.values()):
        return None
    return found


def _keep_closures(kept: Path | None, digest: str, closures: Mapping[str, str]) -> None:
    if kept is None:
        return
    target = kept / f"closures-{digest}.json"
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        kept.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(closures, sort_keys=True), encoding="utf-8")
        os.replace(temporary, target)  # whole or not at all
        for other in kept.glob("closures-*.json"):  # templates edited since: one file is kept
            if other != target:
                other.unlink(missing_ok=True)
    except OSError:  # a folder that cannot be written only costs the parsing next time
        with suppress(OSError):
            temporary.unlink()


def _worked_out(sources: Mapping[str, str]) -> dict[str, str]:
    env = Environment()
    refs: dict[str, set[str] | None] = {}
    for name, source in sources.items():
        try:
            found = set(meta.find_referenced_templates(env.parse(source)))
        except TemplateSyntaxError:
            found = {None}  # rendering will report it; until then, assume it uses everything
        # A name computed at render time (None) could be any template.
        refs[name] = None if None in found else found
    return {name: _digest(_closure(name, refs, sources), sources) for name in sources}


def _closure(name: str, refs: Mapping[str, set[str] | None], everything: Mapping[str, str]) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        uses = refs.get(current, set())
        if uses is None:
            return set(everything)
        todo.extend(uses)
    return seen
