"""Site configuration: one typed class, read from an optional ``sitegen.toml``.

Every field has a default, so a folder holding only ``content/articles/*.md`` builds.
Validation collects every problem at once and warns about keys it does not know.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import ConfigError
from .urls import public_base_url
from .suggest import did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILE = "sitegen.toml"
ALL_TYPES = ("person", "place", "organisation")


@dataclass(frozen=True)
class SiteConfig:
    """Settings of one site. Each field is a key of ``sitegen.toml``."""

    #: Site title shown in the header and the browser tab.
    title: str = "Dossiers"
    #: Public address of the site, e.g. "https://example.org/news/"; used for canonical
    #: links, sitemap.xml, the feed, structured data, redirects and 404.html. Pages link
    #: relatively, so the site works under any sub-path.
    base_url: str = ""
    #: Language of the articles (HTML lang attribute).
    language: str = "en"
    #: spaCy pipeline to load; "en_core_web_sm" falls back to the bundled copy.
    model: str = "en_core_web_sm"
    #: Entity types to publish pages for.
    entity_types: tuple[str, ...] = ALL_TYPES
    #: Names that are never entities (compared case-insensitively, "the" ignored).
    stoplist: tuple[str, ...] = ()
    #: Entities mentioned fewer times than this over the whole site get no page.
    min_mentions: int = 1
    #: Allow raw HTML inside article Markdown. Off: it is shown as text.
    allow_html: bool = False
    #: Articles shown on the home page.
    home_articles: int = 20
    #: Entities per type shown on the home page.
    home_entities: int = 12
    #: Articles larger than this many bytes are refused with an error (NER on them
    #: would take minutes, and they are almost always a mistake).
    max_article_bytes: int = 1_000_000
    #: Articles per batch handed to the NER model.
    batch_size: int = 64
    #: How to reach whoever runs this site (an e-mail or a web address), sent in the
    #: User-Agent of reference requests as Wikimedia asks of every client.
    reference_contact: str = ""
    #: A complete User-Agent for reference requests, replacing the default.
    reference_user_agent: str = ""
    #: Days a cached Wikipedia or Wikidata record stays fresh before it is refetched.
    reference_ttl_days: int = 30
    #: Most reference requests one build may send (retries count); the rest waits for
    #: the next build. Anonymous Wikimedia clients are held to about 500 an hour.
    reference_request_budget: int = 400
    #: Most title searches one build may run for names no page title matches.
    reference_max_searches: int = 200
    #: Least confidence (0 to 1) for a link to Wikipedia; below it an entity stays unlinked.
    link_threshold: float = 0.6
    #: Build the full-text search index (Pagefind) with the site.
    search: bool = True

    # Where things are; derived from the site folder, not read from the file.
    site_dir: Path = field(default=Path("."), compare=False)

    @property
    def articles_dir(self) -> Path:
        return self.site_dir / "content" / "articles"

    @property
    def entities_dir(self) -> Path:
        return self.site_dir / "content" / "entities"

    @property
    def templates_dir(self) -> Path:
        return self.site_dir / "templates"

    @property
    def state_dir(self) -> Path:
        return self.site_dir / ".sitegen"


_FILE_KEYS = {f.name: f for f in fields(SiteConfig) if f.name != "site_dir"}


def load_config(site_dir: Path, warn=lambda message: None) -> SiteConfig:
    """Read ``SITE_DIR/sitegen.toml`` if present; raise ConfigError listing every problem.

    The site's folder is made absolute (not resolved: a link stays as named): every file
    of the site is then named the same way however the folder was typed (``.`` in it,
    ``~/archive`` elsewhere), and what a build kept under a file's name is found again.
    """
    site_dir = Path(os.path.abspath(site_dir))
    path = site_dir / CONFIG_FILE
    if not path.exists():
        return SiteConfig(site_dir=site_dir)
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 ({exc.reason}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"\(at line (\d+)", str(exc))
        where = f"{path}:{line.group(1)}" if line else str(path)
        raise ConfigError(f"{where}: not valid TOML: {exc} (see the example in the README, \"Settings\"; "
                          "text values need quotes: title = \"My site\")") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    values, problems = {}, []
    for key, value in _settings(raw, problems).items():
        spec = _FILE_KEYS.get(key)
        if spec is None:
            line = _line_of(text, key)
            warn(f"{path}{f':{line}' if line else ''}: unknown key '{key}' ignored "
                 f"({did_you_mean(key, sorted(_FILE_KEYS))})")
            continue
        default = spec.default
        if isinstance(default, tuple):
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                problems.append(f"'{key}' must be a list of strings, e.g. {key} = [\"...\"]; got {value!r}")
                continue
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                problems.append(f"'{key}' must be true or false, e.g. {key} = true; got {value!r}")
                continue
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                problems.append(f"'{key}' must be a number from 0 to 1, e.g. {key} = {default}; got {value!r}")
                continue
            value = float(value)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(f"'{key}' must be a whole number >= 0, e.g. {key} = {default}; got {value!r}")
                continue
        elif not isinstance(value, str):
            problems.append(f"'{key}' must be a string, e.g. {key} = \"...\"; got {value!r}")
            continue
        values[key] = value
    bad_types = [t for t in values.get("entity_types", ()) if t not in ALL_TYPES]
    if bad_types:
        problems.append(f"'entity_types' may hold only {', '.join(ALL_TYPES)}; got {', '.join(bad_types)}")
    base_url = values.get("base_url", "")
    if base_url:
        try:
            values["base_url"] = public_base_url(base_url)
        except ValueError as exc:
            problems.append(f"'base_url' {exc}")
    if values.get("batch_size") == 0:
        problems.append("'batch_size' must be at least 1")
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return SiteConfig(site_dir=site_dir, **values)


def _settings(raw: dict, problems: list[str]) -> dict:
    """The keys at the top of the file and those under a ``[site]`` table, as one."""
    table = raw.get("site")
    if not isinstance(table, dict):
        return raw
    top = {k: v for k, v in raw.items() if k != "site"}
    for key in top.keys() & table.keys():
        problems.append(f"'{key}' is set twice, above [site] and in it; keep one")
    return {**top, **table}


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None
