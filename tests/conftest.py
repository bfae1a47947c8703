"""Shared helpers: throw-away site folders, one loaded NER pipeline, in-process and CLI builds.

``make_site()`` returns a ``SiteFolder`` in a fresh temporary folder; write articles,
editor's notes and ``sitegen.toml`` into it, then build it with ``build_site(site)``
(in-process, reusing the session's spaCy pipeline) or ``run_cli("build", site.root)``
(the real command line in a subprocess, for exit codes and messages).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the expected files under tests/golden/ from the current code",
    )


# ---- writing site folders --------------------------------------------------------------


def _yaml_value(value: Any) -> str:
    """A front matter value: JSON is valid YAML, and quoting keeps '<', ':' and '#' literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def front_matter(**meta: Any) -> str:
    lines = ["---"]
    for key, value in meta.items():
        if value is None:
            continue
        # Dates are written bare, as editors write them.
        if key == "date" and isinstance(value, str):
            lines.append(f"date: {value}")
        else:
            lines.append(f"{key}: {_yaml_value(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def article_text(title: str = "An article", date: str = "2025-03-04", body: str = "", **meta: Any) -> str:
    """A complete article file: front matter, a blank line, then the Markdown body."""
    return front_matter(title=title, date=date, **meta) + "\n" + body.strip("\n") + "\n"


@dataclass
class SiteFolder:
    root: Path

    @property
    def articles_dir(self) -> Path:
        return self.root / "content" / "articles"

    @property
    def entities_dir(self) -> Path:
        return self.root / "content" / "entities"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def state_dir(self) -> Path:
        return self.root / ".sitegen"

    @property
    def cache_file(self) -> Path:
        return self.state_dir / "cache.sqlite"

    def add_article(self, name: str, title: str = "An article", date: str = "2025-03-04", body: str = "",
                    **meta: Any) -> Path:
        """Write ``content/articles/<name>`` (``.md`` added when ``name`` has no extension)."""
        if not name.endswith((".md", ".markdown")):
            name += ".md"
        return self.write_article_file(name, article_text(title, date, body, **meta))

    def write_article_file(self, name: str, content: str | bytes) -> Path:
        path = self.articles_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def add_note(self, file_name: str, body: str = "", **meta: Any) -> Path:
        """Write an editor's judgement ``content/entities/<file_name>.md``."""
        path = self.entities_dir / (file_name if file_name.endswith(".md") else file_name + ".md")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front_matter(**meta) + "\n" + body.strip("\n") + "\n", encoding="utf-8")
        return path

    def write_config(self, text: str) -> Path:
        path = self.root / "sitegen.toml"
        path.write_text(text, encoding="utf-8")
        return path

    # ---- reading the output ----

    def entities_json(self) -> dict:
        return json.loads((self.output / "data" / "entities.json").read_text(encoding="utf-8"))

    def entities(self) -> list[dict]:
        return self.entities_json()["entities"]

    def entity_named(self, name: str) -> dict:
        found = [e for e in self.entities() if e["name"] == name]
        assert len(found) == 1, f"expected one entity named {name!r}; entities: {self.names()}"
        return found[0]

    def names(self) -> list[str]:
        return sorted(e["name"] for e in self.entities())

    def page(self, site_path: str) -> str:
        """The HTML of a page by its site path, e.g. "people/maria-lopez/"."""
        file = self.output / site_path / "index.html" if not site_path.endswith(".html") else self.output / site_path
        return file.read_text(encoding="utf-8")

    def article_page(self, article_id: str) -> str:
        return self.page(f"articles/{article_id}/")

    def html_files(self) -> list[Path]:
        return sorted(p for p in self.output.rglob("*.html") if p.is_file())


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., SiteFolder]:
    """A factory of fresh site folders: ``make_site()``, ``make_site("second")``."""
    counter = {"n": 0}

    def make(name: str | None = None) -> SiteFolder:
        counter["n"] += 1
        root = tmp_path / (name or f"site{counter['n']}")
        (root / "content" / "articles").mkdir(parents=True)
        return SiteFolder(root)

    return make


@pytest.fixture
def site(make_site) -> SiteFolder:
    return make_site()


# ---- building ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def nlp():
    """The English pipeline, loaded once for the whole session."""
    from sitegen.nlp.extract import load_pipeline

    return load_pipeline("en_core_web_sm")


@pytest.fixture
def build_site(nlp):
    """Build a site in-process, offline, with the session's pipeline; returns the BuildResult."""
    from sitegen.build import BuildOptions, build

    def run(site: SiteFolder | Path, **options: Any):
        root = site.root if isinstance(site, SiteFolder) else Path(site)
        options.setdefault("offline", True)
        options.setdefault("nlp_loader", lambda: nlp)
        return build(root, BuildOptions(**options))

    return run


@pytest.fixture
def analyse_site(nlp):
    """The resolved ``Site`` model of a folder (every stage but rendering), and its errors."""
    from sitegen.build import BuildOptions
    from sitegen.pipeline import linked_site
    from sitegen.config import load_config

    def run(site: SiteFolder):
        config = load_config(site.root)
        model, errors, _, _ = linked_site(config, BuildOptions(offline=True, nlp_loader=lambda: nlp))
        return model, errors

    return run


def run_cli(*args: Any, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m sitegen ARGS`` as a user would; text output captured."""
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess]:
    return run_cli


def without_search_index(files: dict[str, bytes]) -> dict[str, bytes]:
    """Output files but the search index, which Pagefind never writes the same way twice
    (see search.py); the record of written files keeps its other entries."""
    from sitegen.output.ownership import RECORD

    kept = {name: data for name, data in files.items() if not name.startswith("pagefind/")}
    if RECORD in kept:
        listed = json.loads(kept[RECORD])["files"]
        kept[RECORD] = json.dumps([name for name in listed if not name.startswith("pagefind/")]).encode()
    return kept


def kept_reads(monkeypatch) -> list[str]:
    """Record each kept file (see ``SiteFiles``) a build reads back from the output folder."""
    from sitegen.site.files import SiteFiles

    read_back: list[str] = []
    real = SiteFiles.__getitem__

    def reading(self, path):
        if self.kept(path) is not None:
            read_back.append(path)
        return real(self, path)

    monkeypatch.setattr(SiteFiles, "__getitem__", reading)
    return read_back


def power_cut_after(monkeypatch, replaces: int) -> None:
    """The power goes after ``replaces`` renames of the writer's commit (KeyboardInterrupt)."""
    import sitegen.output.write

    real_replace = os.replace
    done = []

    def cut_off(source, target):
        if len(done) == replaces:
            raise KeyboardInterrupt
        done.append(target)
        real_replace(source, target)

    monkeypatch.setattr(sitegen.output.write.os, "replace", cut_off)
