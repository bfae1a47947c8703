"""Rebuilds that keep values in memory (the preview server's) against builds from scratch.

The property: after any sequence of edits, the output of a build that reuses the last
one's values is byte for byte the output of a fresh build of the same folder. Edits are
drawn at random from what editors do: add, change, retitle, redate, rename and delete
articles; reword sentences in place; add, change and delete editor's notes; override,
change and drop a template; change sitegen.toml; break an article's front matter and mend
it; with and without reference data. Each seed is one reproducible sequence; set
SITEGEN_EDIT_SEEDS=200 (and SITEGEN_EDITS) to try more.
"""
from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build, write_exports
from sitegen.incremental import Memo
from sitegen.incremental.memory import BuildMemory
from sitegen.site.render import builtin_theme_dir

from conftest import SiteFolder, article_text, without_search_index

SENTENCES = (
    "Maria Lopez met Angela Merkel in Berlin on Tuesday.",
    "Angela Merkel said Germany would support the plan.",
    "The United Nations called for calm in Damascus.",
    "Ahmed al-Sharaa spoke to Donald Trump at the White House.",
    "Trump said the talks with al-Sharaa went well.",
    "Officials in Paris and London welcomed the news.",
    "Emmanuel Macron phoned Keir Starmer about the summit.",
    "The World Health Organization (WHO) sent doctors to Aleppo.",
    "WHO staff reached Aleppo by road.",
    "Lopez told Reuters the deal was close.",
    "Pedro Alvarez of the European Commission visited Madrid.",
    "Siemens and Volkswagen shares rose in Frankfurt.",
    "Nothing else happened that day.",
    # names the recorded reference data knows (tests/fixtures/replay)
    "Vladimir Putin called Donald Trump about the Golan Heights.",
    "The Pentagon said ISIS fighters left Syria.",
    "Hamas and the International Monetary Fund met in Gaza.",
    "Putin said Trump would visit the Kremlin.",
)
# Words swapped inside a sentence that keeps its place: the words around an entity change,
# its mentions' offsets do not.
REWORDINGS = (("Tuesday", "Friday"), ("support", "oppose"), ("calm", "restraint"), ("doctors", "nurses"),
              ("shares", "bonds"), ("fighters", "soldiers"), ("summit", "crisis"), ("close", "far"))
CONFIGS = ('title = "Dossiers"\n', 'title = "Other title"\n', 'stoplist = ["Reuters", "Siemens"]\n',
           "min_mentions = 2\n", "link_threshold = 0.5\n", 'entity_types = ["person", "place"]\n', None)
REPLAY = Path(__file__).resolve().parent / "fixtures" / "replay"
NOTE_NAMES = ("Angela Merkel", "Donald Trump", "United Nations", "Berlin", "Maria Lopez", "World Health Organization")
TEMPLATES = ("entity.html", "article.html", "base.html", "partials/entity_counts.html", "home.html")


def _body(rng: random.Random) -> str:
    return "\n\n".join(" ".join(rng.sample(SENTENCES, rng.randint(1, 3))) for _ in range(rng.randint(1, 3)))


def _date(rng: random.Random) -> str:
    return f"2025-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"


class Editor:
    """Random edits to one site folder; each returns a line for the failure report."""

    def __init__(self, site: SiteFolder, rng: random.Random) -> None:
        self.site, self.rng = site, rng
        self.count = 0

    def articles(self) -> list[Path]:
        return sorted(self.site.articles_dir.rglob("*.md"))

    def notes(self) -> list[Path]:
        return sorted(self.site.entities_dir.glob("*.md")) if self.site.entities_dir.is_dir() else []

    def edit(self) -> str:
        choices = [self.add_article, self.add_article, self.change_body, self.change_meta, self.rename,
                   self.delete_article, self.write_note, self.delete_note, self.change_template,
                   self.break_article, self.mend_article, self.reword, self.reword, self.change_config]
        folders = self._folder_times()
        while True:
            done = self.rng.choice(choices)()
            if done:
                self._date_back(folders)
                return done

    def _folder_times(self) -> dict[Path, int]:
        root = self.site.articles_dir
        return {f: f.stat().st_mtime_ns for f in [root, *root.rglob("*")] if f.is_dir()} if root.is_dir() else {}

    def _date_back(self, before: dict[Path, int]) -> None:
        """Date the folders whose entries the edit changed well back, as if it had been made
        long before the build: a build reuses the last listing of a folder only once its
        time has settled (see ``incremental.articles.article_lister``), which it never
        would here, a build following each edit at once."""
        past = time.time_ns() - 60 * 10**9
        for folder, modified in self._folder_times().items():
            if before.get(folder) != modified:
                os.utime(folder, ns=(past, past))

    def add_article(self) -> str:
        self.count += 1
        folder = self.rng.choice(["", "2025/"])
        name = f"{folder}story-{self.count}.md"
        title = self.rng.choice(["Talks", "Summit", "Aid", "Markets"]) + f" {self.count}"
        self.site.add_article(name, title=title, date=_date(self.rng), body=_body(self.rng))
        return f"add {name}"

    def _pick(self) -> Path | None:
        articles = self.articles()
        return self.rng.choice(articles) if articles else None

    def change_body(self) -> str | None:
        path = self._pick()
        if path is None:
            return None
        path.write_text(article_text(f"Changed {self.rng.randint(1, 99)}", _date(self.rng), _body(self.rng)),
                        encoding="utf-8")
        return f"change {path.name}"

    def change_meta(self) -> str | None:
        path = self._pick()
        if path is None:
            return None
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---\ntitle:"):
            return None
        body = text.split("---\n", 2)[2]
        title = self.rng.choice(["Alpha", "beta", "Zulu", "Élan"]) + f" {self.rng.randint(1, 9)}"
        path.write_text(article_text(title, _date(self.rng), body, source=self.rng.choice([None, "AFP"])),
                        encoding="utf-8")
        return f"retitle/redate {path.name} as {title!r}"

    def rename(self) -> str | None:
        path = self._pick()
        if path is None:
            return None
        self.count += 1
        target = self.site.articles_dir / f"renamed-{self.count}.md"
        path.rename(target)
        return f"rename {path.name} to {target.name}"

    def delete_article(self) -> str | None:
        articles = self.articles()
        if len(articles) < 2:
            return None
        path = self.rng.choice(articles)
        path.unlink()
        return f"delete {path.name}"

    def write_note(self) -> str:
        name = self.rng.choice(NOTE_NAMES)
        meta = {"name": name}
        kind = self.rng.random()
        if kind < 0.2:
            meta["ignore"] = True
        elif kind < 0.4:
            meta["aliases"] = [self.rng.choice(["Merkel", "the UN", "Lopez", "Trump"])]
        elif kind < 0.55:
            meta["type"] = self.rng.choice(["person", "place", "organisation"])
        elif kind < 0.7:
            meta["same_as"] = [self.rng.choice(["Siemens", "Paris", "Emmanuel Macron"])]
        file = name.lower().replace(" ", "-")
        self.site.add_note(file, body=self.rng.choice(["", "A note on *this* name."]), **meta)
        return f"note {file}: {meta}"

    def delete_note(self) -> str | None:
        notes = self.notes()
        if not notes:
            return None
        path = self.rng.choice(notes)
        path.unlink()
        return f"delete note {path.name}"

    def change_template(self) -> str:
        name = self.rng.choice(TEMPLATES)
        own = self.site.root / "templates" / name
        if own.exists() and self.rng.random() < 0.4:
            own.unlink()
            return f"drop template override {name}"
        own.parent.mkdir(parents=True, exist_ok=True)
        marker = f"<!-- edit {self.rng.randint(1, 10**6)} -->"
        own.write_text(marked_template(name, marker), encoding="utf-8")
        return f"template {name} {marker}"

    def reword(self) -> str | None:
        path = self._pick()
        if path is None:
            return None
        text = path.read_text(encoding="utf-8")
        swaps = [(a, b) for pair in REWORDINGS for a, b in (pair, pair[::-1]) if a in text]
        if not swaps:
            return None
        old, new = self.rng.choice(swaps)
        path.write_text(text.replace(old, new), encoding="utf-8")
        return f"reword {path.name}: {old} -> {new}"

    def change_config(self) -> str:
        config = self.rng.choice(CONFIGS)
        path = self.site.root / "sitegen.toml"
        if config is None:
            path.unlink(missing_ok=True)
            return "drop sitegen.toml"
        self.site.write_config(config)
        return f"sitegen.toml: {config.strip()}"

    def break_article(self) -> str | None:
        path = self._pick()
        if path is None:
            return None
        path.write_text(path.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
        return f"break {path.name}"

    def mend_article(self) -> str | None:
        broken = [p for p in self.articles() if "titel:" in p.read_text(encoding="utf-8")]
        if not broken:
            return None
        path = self.rng.choice(broken)
        path.write_text(path.read_text(encoding="utf-8").replace("titel:", "title:", 1), encoding="utf-8")
        return f"mend {path.name}"


def marked_template(name: str, marker: str) -> str:
    """The theme's template ``name`` with ``marker`` where every page using it shows it."""
    source = (builtin_theme_dir() / name).read_text(encoding="utf-8")
    for after in ("{% block content %}\n", "-#}\n"):  # a child template shows only its blocks
        head, sep, rest = source.partition(after)
        if sep:
            return f"{head}{sep}{marker}\n{rest}"
    return f"{marker}\n{source}"


def files_of(folder: Path) -> dict[str, bytes]:
    """Every output file but the search index, which Pagefind never writes the same way
    twice (see search.py), and which a preview brings up to date after publishing."""
    return without_search_index({p.relative_to(folder).as_posix(): p.read_bytes()
                                 for p in sorted(folder.rglob("*")) if p.is_file()})


def assert_same_output(kept: dict[str, bytes], fresh: dict[str, bytes], history: list[str]) -> None:
    steps = "\n  ".join(history)
    assert sorted(kept) == sorted(fresh), f"different files after:\n  {steps}\n" \
        f"only incremental: {sorted(set(kept) - set(fresh))}\nonly fresh: {sorted(set(fresh) - set(kept))}"
    differing = [name for name in kept if kept[name] != fresh[name]]
    assert not differing, f"different bytes in {differing} after:\n  {steps}"


# Six seeds of fifty edits: 300 random edits per run, each checked against a fresh build.
SEEDS = range(int(os.environ.get("SITEGEN_EDIT_SEEDS", "6")))
EDITS = int(os.environ.get("SITEGEN_EDITS", "50"))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_edits_rebuild_to_what_a_fresh_build_makes(seed, make_site, nlp, tmp_path, monkeypatch):
    from sitegen.incremental import reference as kept_reference

    decided: list[int] = []  # entities whose link a build decided afresh
    real_decide = kept_reference.decide_links
    monkeypatch.setattr(kept_reference, "decide_links",
                        lambda todo, source: decided.append(len(todo)) or real_decide(todo, source))
    # Every entity's counts of its neighbours kept and moved by each edit, as a preview
    # does for an entity named in many articles (a test site's are named in a few).
    monkeypatch.setattr(kept_reference, "KEEP_NEAR_FROM", 1)
    reused_links = False
    rng = random.Random(seed)
    site = make_site(f"edited-{seed}")
    editor = Editor(site, rng)
    for _ in range(3):
        editor.add_article()
    memory = BuildMemory()
    fresh_output = tmp_path / f"fresh-{seed}"
    history: list[str] = []
    published: dict[str, bytes] | None = None
    # Seeds 2 and 5 link entities with the recorded reference data, as a preview started
    # with --replay does; seeds 1 and 4 build offline from a reference cache an online
    # build filled, as `sitegen serve` does after its first build; the others build
    # offline with no reference records.
    reference = {"replay": REPLAY} if seed % 3 == 2 else {"offline": True}
    if seed % 3 == 1:
        fill_reference_cache(site, nlp)
    linked = 0
    entity_files = 0  # the most data/entities/<id>.json files a compared build had
    for _ in range(EDITS):
        history.append(editor.edit())
        decided.clear()
        # Odd seeds build as the preview does: pages first, then data/* (see write_exports).
        kept = build(site.root, BuildOptions(jobs=1, nlp_loader=lambda: nlp, memory=memory,
                                             exports_later=bool(seed % 2), **reference))
        reused_links |= bool(kept.reference and kept.reference.linked) and sum(decided) == 0
        if kept.exports_pending:
            write_exports(kept.site, memory, site.output)
        linked = max(linked, kept.reference.linked if kept.reference else 0)
        if kept.held:
            # A file that was fine broke: the last published site stays as it was.
            assert files_of(site.output) == published, "a held build changed the output"
            continue
        shutil.rmtree(fresh_output, ignore_errors=True)
        build(site.root, BuildOptions(jobs=1, nlp_loader=lambda: nlp, output=fresh_output, force=True, memo=Memo(),
                                      **reference))
        published = files_of(site.output)
        assert_same_output(published, files_of(fresh_output), history)
        entity_files = max(entity_files, sum(name.startswith("data/entities/") for name in published))
    assert linked > 0 or seed % 3 == 0, "no entity was ever linked: the reference path went untested"
    assert entity_files > 1, "no entity's data file was compared: the exports went untested"
    assert reused_links or seed % 3 != 1, "no build kept its links from the cache: the reuse went untested"


def fill_reference_cache(site: SiteFolder, nlp) -> None:
    """The site's reference cache filled by an online build of every sentence the edits
    draw from, the recorded reference data standing in for the network."""
    from sitegen.reference.replay import ReplayTransport

    site.add_article("every-name", title="Every name", date="2025-01-01", body=" ".join(SENTENCES))
    assert build(site.root, BuildOptions(jobs=1, nlp_loader=lambda: nlp, network=ReplayTransport(REPLAY),
                                         output=site.root / "filling", memo=Memo(), sleep=lambda s: None)).ok
    (site.articles_dir / "every-name.md").unlink()
    shutil.rmtree(site.root / "filling")


def test_a_preview_reads_the_reference_cache_again_once_another_process_changed_it(make_site, nlp, tmp_path):
    """`sitegen build --refresh` in another terminal refetches records a preview has read:
    its next build must show them, as a fresh build does."""
    from sitegen.reference.store import ReferenceStore

    site = make_site()
    site.add_article("one", title="Golan", date="2025-02-01", body=SENTENCES[13] + " " + SENTENCES[16])
    fill_reference_cache(site, nlp)
    memory = BuildMemory()
    options = BuildOptions(jobs=1, nlp_loader=lambda: nlp, memory=memory, offline=True)
    assert build(site.root, options).reference.linked > 0
    assert "a subject of this test" not in site.page("places/golan-heights/")

    with ReferenceStore(site.state_dir / "reference.sqlite") as store:  # as another process would
        ((key, (item, fetched)),) = store.get_many("item", ["Q83210"]).items()
        store.put_many("item", {key: {**item, "description": "a subject of this test"}}, fetched)
    build(site.root, options)
    build(site.root, BuildOptions(jobs=1, nlp_loader=lambda: nlp, output=tmp_path / "fresh", force=True, memo=Memo(),
                                  offline=True))
    assert "a subject of this test" in site.page("places/golan-heights/")
    assert_same_output(files_of(site.output), files_of(tmp_path / "fresh"), ["changed Q83210 in the cache"])


@pytest.mark.parametrize("seed", (0, 2))
def test_random_edits_on_small_pages_rebuild_to_what_a_fresh_build_makes(seed, make_site, nlp, tmp_path, monkeypatch):
    """The same with pages of one or two mentions from three on, indexes split by initial and
    articles by month from two on: edits add, move and drop numbered pages all the time."""
    from sitegen.site import pages, paging

    for name, value in (("UNPAGED_LIMIT", 2), ("MIN_PAGE", 1), ("MAX_PAGE", 2), ("FALLBACK_FROM", 1)):
        monkeypatch.setattr(paging, name, value)
    for name, value in (("INDEX_LIMIT", 1), ("LETTER_PAGE_ROWS", 2), ("ARTICLES_LIMIT", 1), ("MONTH_PAGE_ROWS", 2)):
        monkeypatch.setattr(pages, name, value)
    built = set()
    for kind in ("mention_page", "letter_page", "month_page"):
        real = getattr(pages, kind)
        monkeypatch.setattr(pages, kind, lambda *args, _real=real, _kind=kind, **kw: built.add(_kind) or _real(*args, **kw))
    test_random_edits_rebuild_to_what_a_fresh_build_makes(seed, make_site, nlp, tmp_path, monkeypatch)
    assert built == {"mention_page", "letter_page", "month_page"}, "a kind of paged page went untested"


# ---- the command line: each `sitegen build` a new process, reusing .sitegen/memo.sqlite ----


def test_random_edits_built_from_the_persisted_memo_match_a_fresh_build(make_site, nlp, tmp_path, monkeypatch):
    """As a user running `sitegen build` after each edit: nothing is kept in memory between
    builds, only what the last build left in .sitegen/memo.sqlite."""
    from sitegen.incremental import articles as kept_articles

    parsed: list[Path] = []
    real_parse = kept_articles.article_from_bytes
    monkeypatch.setattr(kept_articles, "article_from_bytes",
                        lambda path, *rest: parsed.append(path) or real_parse(path, *rest))
    rng = random.Random(1000)
    site = make_site("edited-cli")
    editor = Editor(site, rng)
    for _ in range(3):
        editor.add_article()
    fresh_output = tmp_path / "fresh"
    history: list[str] = []
    reparsed_all = []
    for _ in range(int(os.environ.get("SITEGEN_CLI_EDITS", "30"))):
        history.append(editor.edit())
        parsed.clear()
        build(site.root, BuildOptions(jobs=1, nlp_loader=lambda: nlp, replay=REPLAY))
        reparsed_all.append(len(parsed) >= len(editor.articles()))
        shutil.rmtree(fresh_output, ignore_errors=True)
        build(site.root, BuildOptions(jobs=1, nlp_loader=lambda: nlp, output=fresh_output, force=True, memo=Memo(),
                                      replay=REPLAY))
        assert_same_output(files_of(site.output), files_of(fresh_output), history)
    assert not all(reparsed_all), "no build reused an article from the memo file: the persisted path went untested"


def _poison_articles(memo_file: Path, version: str | None) -> None:
    """Rewrite every article the memo file keeps with the title POISON (and its version)."""
    import dataclasses
    import pickle
    import sqlite3

    db = sqlite3.connect(memo_file)
    with db:
        for key, blob in db.execute("SELECT key, value FROM results WHERE entry = 'article'").fetchall():
            article = dataclasses.replace(pickle.loads(blob), title="POISON")
            db.execute("UPDATE results SET value = ? WHERE entry = 'article' AND key = ?",
                       (pickle.dumps(article), key))
        if version is not None:
            db.execute("UPDATE meta SET value = ? WHERE name = 'version'", (version,))
    db.close()


def test_a_memo_file_of_another_sitegen_or_model_is_not_trusted(make_site, build_site):
    site = make_site()
    site.add_article("one", title="Berlin talks", body="Angela Merkel met Maria Lopez in Berlin.")
    memo_file = site.state_dir / "memo.sqlite"
    assert build_site(site).ok and memo_file.is_file()
    # The same version is trusted (this is what makes the next check able to fail) ...
    _poison_articles(memo_file, None)
    build_site(site, force=True)
    assert b"POISON" in (site.output / "index.html").read_bytes()
    # ... another version's results are not.
    _poison_articles(memo_file, "another sitegen or model")
    build_site(site, force=True)
    assert b"POISON" not in (site.output / "index.html").read_bytes()
    assert b"Berlin talks" in (site.output / "index.html").read_bytes()


def test_a_corrupt_memo_file_is_set_aside_and_the_site_still_builds(make_site, build_site, tmp_path):
    site = make_site()
    site.add_article("one", title="Berlin talks", body="Angela Merkel met Maria Lopez in Berlin.")
    memo_file = site.state_dir / "memo.sqlite"
    assert build_site(site).ok
    build_site(site, output=tmp_path / "fresh", memo=Memo())
    garbage = b"not a database\x00\xff" * 200
    memo_file.write_bytes(garbage)
    warnings: list[str] = []
    assert build_site(site, force=True, warn=warnings.append).ok
    assert any("memo.sqlite" in w and "unreadable" in w for w in warnings), warnings
    assert (site.state_dir / "memo.sqlite.broken").read_bytes() == garbage
    assert files_of(site.output) == files_of(tmp_path / "fresh")
    # A value that no longer unpickles is work to redo, with a warning, not a failed build.
    import sqlite3

    db = sqlite3.connect(memo_file)
    with db:
        db.execute("UPDATE results SET value = ? WHERE entry = 'article'", (b"\x80\x05garbage",))
    db.close()
    warnings.clear()
    assert build_site(site, force=True, warn=warnings.append).ok
    assert any("memo.sqlite" in w and "article" in w for w in warnings), warnings
    assert files_of(site.output) == files_of(tmp_path / "fresh")


def test_sitegen_build_in_a_new_process_reuses_the_memo_and_matches_a_fresh_build(make_site, build_site,
                                                                                  tmp_path):
    from conftest import run_cli

    site = make_site()
    site.add_article("one", title="Berlin talks", body="Angela Merkel met Maria Lopez in Berlin.")
    site.add_article("two", title="Paris talks", body="Emmanuel Macron phoned Keir Starmer in Paris.")
    assert build_site(site).ok  # NER in this process: the command line then finds it in the cache
    path = site.articles_dir / "one.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Berlin talks", "Talks in Berlin"), encoding="utf-8")
    done = run_cli("build", site.root, "--offline", "--quiet")
    assert done.returncode == 0, done.stderr
    build_site(site, output=tmp_path / "fresh", memo=Memo(), force=True)
    assert files_of(site.output) == files_of(tmp_path / "fresh")
    assert b"Talks in Berlin" in (site.output / "index.html").read_bytes()


# ---- rebuilds do only the work an edit calls for -------------------------------------------


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The output files rendered by each build, in order (cleared by the test as it goes)."""
    from sitegen.site import render

    files: list[str] = []
    original = render._Renderer.render

    def counting(self, page, file, *rest):
        files.append(file)
        return original(self, page, file, *rest)

    monkeypatch.setattr(render._Renderer, "render", counting)
    return files


def _two_stories(site: SiteFolder) -> None:
    site.add_article("berlin", title="Berlin talks", date="2025-03-01",
                     body="Maria Lopez met Angela Merkel in Berlin on Tuesday.")
    site.add_article("aleppo", title="Aid to Aleppo", date="2025-03-02",
                     body="The World Health Organization (WHO) sent doctors to Aleppo.")


@pytest.mark.parametrize("kept_by", ["preview", "command line"])
def test_an_article_edit_renders_only_the_pages_it_touches(kept_by, make_site, nlp, rendered):
    """The preview keeps its memo in memory; `sitegen build` reopens .sitegen/memo.sqlite."""
    site = make_site()
    _two_stories(site)
    memory = BuildMemory() if kept_by == "preview" else None
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=memory)
    build(site.root, options)
    assert "articles/aleppo/index.html" in rendered
    rendered.clear()

    site.add_article("berlin", title="Berlin talks", date="2025-03-01",
                     body="Maria Lopez met Angela Merkel and Pedro Alvarez in Berlin on Tuesday.")
    build(site.root, options)

    assert "articles/berlin/index.html" in rendered
    assert "people/pedro-alvarez/index.html" in rendered  # a new dossier
    assert "people/angela-merkel/index.html" in rendered  # its related list gained a name
    untouched = {"articles/aleppo/index.html", "places/aleppo/index.html", "404.html",
                 "organisations/world-health-organization/index.html"}
    assert not untouched & set(rendered), rendered


@pytest.mark.parametrize("kept_by", ["preview", "command line"])
def test_an_article_edit_works_out_again_only_the_inputs_of_what_it_changed(kept_by, make_site, nlp, monkeypatch):
    """Which pages to render again is found from the sources that changed (by value in a
    preview, by digest from .sitegen/memo.sqlite): inputs made only from untouched
    entities and articles are not worked out again, let alone compared."""
    from sitegen.site.view import SiteData

    site = make_site()
    _two_stories(site)
    memory = BuildMemory() if kept_by == "preview" else None
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=memory)
    build(site.root, options)
    worked_out: list[tuple[str, str]] = []
    real_value = SiteData.value
    monkeypatch.setattr(SiteData, "value", lambda self, kind, key: worked_out.append((kind, key)) or
                        real_value(self, kind, key))

    site.add_article("berlin", title="Berlin talks", date="2025-03-01",
                     body="Maria Lopez met Angela Merkel and Pedro Alvarez in Berlin on Tuesday.")
    build(site.root, options)

    assert ("article", "berlin") in worked_out and ("entity", "people/angela-merkel") in worked_out
    untouched = {("entity", "places/aleppo"), ("link", "places/aleppo"), ("article", "aleppo"),
                 ("mentions", "aleppo"), ("entity", "organisations/world-health-organization")}
    assert not untouched & set(worked_out), sorted(untouched & set(worked_out))


def test_a_new_sentence_renders_only_the_dossiers_whose_page_it_changes(make_site, nlp, rendered):
    site = make_site()
    first = "Maria Lopez met Angela Merkel in Berlin on Tuesday."
    site.add_article("berlin", title="Berlin talks", date="2025-03-01", body=first)
    site.add_article("aleppo", title="Aid to Aleppo", date="2025-03-02",
                     body="The World Health Organization (WHO) sent doctors to Aleppo.")
    memory = BuildMemory()
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=memory)
    build(site.root, options)
    rendered.clear()

    # A paragraph that names only Merkel again: the other dossiers quoting this article
    # show its title, date and their own sentences, none of which changed.
    site.add_article("berlin", title="Berlin talks", date="2025-03-01",
                     body=f"{first}\n\nThe talks went on into the night, Angela Merkel said.")
    build(site.root, options)
    assert "articles/berlin/index.html" in rendered and "people/angela-merkel/index.html" in rendered
    assert not {"people/maria-lopez/index.html", "places/berlin/index.html", "articles/index.html"} & set(rendered)


def test_an_unchanged_site_renders_nothing(make_site, nlp, rendered):
    site = make_site()
    _two_stories(site)
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=BuildMemory())
    build(site.root, options)
    rendered.clear()
    result = build(site.root, options)
    assert rendered == []
    assert result.stats.written == 0 and result.stats.removed == 0


def test_a_template_edit_renders_the_pages_that_use_it(make_site, nlp, rendered):
    site = make_site()
    _two_stories(site)
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=BuildMemory())
    build(site.root, options)
    rendered.clear()

    own = site.root / "templates" / "entity.html"
    own.parent.mkdir()
    own.write_text(marked_template("entity.html", "<!-- edited -->"), encoding="utf-8")
    build(site.root, options)
    assert rendered and all(f.startswith(("people/", "places/", "organisations/")) and f.count("/") == 2
                            for f in rendered), rendered
    assert "<!-- edited -->" in site.page("people/angela-merkel/")

    rendered.clear()
    (site.root / "templates" / "partials").mkdir()
    partial = site.root / "templates" / "partials" / "entity_counts.html"
    partial.write_text(marked_template("partials/entity_counts.html", "<!-- partial -->"), encoding="utf-8")
    build(site.root, options)
    # The partial is included by the home, article and dossier pages, not by the indexes.
    assert "articles/aleppo/index.html" in rendered and "index.html" in rendered
    assert "people/index.html" not in rendered and "articles/index.html" not in rendered


def test_a_config_change_renders_everything(make_site, nlp, rendered):
    site = make_site()
    _two_stories(site)
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=BuildMemory())
    build(site.root, options)
    everything = sorted(rendered)
    rendered.clear()
    site.write_config('title = "Renamed"\n')
    build(site.root, options)
    assert sorted(rendered) == everything
    assert "Renamed" in site.page("articles/aleppo/")


def test_deleting_an_article_removes_the_dossiers_only_it_mentioned(make_site, nlp):
    site = make_site()
    _two_stories(site)
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=BuildMemory())
    build(site.root, options)
    # Names without a page of their own have no address to remove.
    only_aleppo = [e["url"] for e in site.entities() if e["articles"] == ["aleppo"] and e["page"]]
    elsewhere = [e["url"] for e in site.entities() if "berlin" in e["articles"] and e["page"]]
    assert only_aleppo and elsewhere
    (site.articles_dir / "aleppo.md").unlink()
    result = build(site.root, options)
    assert not (site.output / "articles" / "aleppo").exists()
    for url in only_aleppo:
        assert not (site.output / url).exists(), url
    for url in elsewhere:
        assert (site.output / url / "index.html").is_file(), url
    assert result.stats.removed >= 1 + len(only_aleppo)


def test_a_file_already_broken_does_not_hold_back_other_edits(make_site, nlp):
    site = make_site()
    _two_stories(site)
    site.write_article_file("broken.md", "---\ntitle: [unclosed\n---\nText.\n")
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=BuildMemory())
    first = build(site.root, options)
    assert first.errors and not first.held
    site.add_article("aleppo", title="Aid to Aleppo, day two", date="2025-03-02", body="Doctors reached Aleppo.")
    second = build(site.root, options)
    assert not second.held and "day two" in site.article_page("aleppo")
    # A newly broken file holds the site back until it is mended.
    site.write_article_file("berlin.md", "---\ntitle: Berlin talks\ndate: someday\n---\nText.\n")
    third = build(site.root, options)
    assert third.held
    assert "Maria Lopez" in site.article_page("berlin")


# ---- reading articles: by file signature, with a margin for coarse file times ------------

def _article_file(folder: Path, title: str) -> Path:
    path = folder / "note.md"
    path.write_text(f"---\ntitle: {title}\ndate: 2025-03-01\n---\nMaria Lopez spoke.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kept_by", ["preview", "memo file"])
def test_a_file_read_long_after_it_was_written_is_not_read_again(kept_by, tmp_path, monkeypatch):
    from sitegen.content import articles as content
    from sitegen.incremental.articles import article_reader

    folder = tmp_path / "articles"
    folder.mkdir()
    path = _article_file(folder, "First")
    old = path.stat().st_mtime_ns - 10 * 10**9
    os.utime(path, ns=(old, old))  # written well before it is read
    memo = Memo()

    def titles() -> str:
        # as `sitegen build` runs: each build a new memo read from the file the last one saved
        build_memo = Memo("v", tmp_path / "memo.sqlite") if kept_by == "memo file" else memo
        build_memo.begin()
        title = content.load_articles(folder, read=article_reader(build_memo)).articles[0].title
        build_memo.end()
        build_memo.save()
        build_memo.close()
        return title

    assert titles() == "First"
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real(self))
    assert titles() == "First"
    assert reads == []
    path.write_text(path.read_text(encoding="utf-8").replace("First", "Other"), encoding="utf-8")
    assert titles() == "Other"
    assert reads == [path]


def test_a_same_size_rewrite_within_the_file_times_step_is_seen(tmp_path):
    from sitegen.content import articles as content
    from sitegen.incremental.articles import article_reader

    path = _article_file(tmp_path, "First")
    memo = Memo()
    assert content.load_articles(tmp_path, read=article_reader(memo)).articles[0].title == "First"
    stamp = path.stat().st_mtime_ns
    # A second save in the same step of a coarse clock: same size, same time, same inode.
    with open(path, "r+b") as f:
        data = f.read().replace(b"First", b"Fixed")
        f.seek(0)
        f.write(data)
    os.utime(path, ns=(stamp, stamp))
    assert content.load_articles(tmp_path, read=article_reader(memo)).articles[0].title == "Fixed"


# ---- the command line keeps pages too ----------------------------------------------------


@pytest.mark.parametrize("seed,records", [(1, "none"), (2, "replay"), (4, "cache")])
def test_random_edits_built_by_the_command_line_match_a_fresh_build(seed, records, make_site, nlp, tmp_path):
    """``sitegen build`` reuses the pages (and, offline, the links) the last one kept in
    .sitegen/ (a new process each time: nothing in memory), and still writes what a
    forced build writes."""
    rng = random.Random(seed)
    site = make_site(f"command-line-{seed}")
    editor = Editor(site, rng)
    for _ in range(3):
        editor.add_article()
    reference = {"replay": REPLAY} if records == "replay" else {"offline": True}
    if records == "cache":
        fill_reference_cache(site, nlp)
    fresh_output = tmp_path / f"fresh-{seed}"
    history: list[str] = []
    for _ in range(max(4, EDITS // 3)):
        history.append(editor.edit())
        kept = build(site.root, BuildOptions(jobs=1, nlp_loader=lambda: nlp, **reference))
        if kept.held or kept.up_to_date:
            continue
        shutil.rmtree(fresh_output, ignore_errors=True)
        build(site.root, BuildOptions(jobs=1, nlp_loader=lambda: nlp, output=fresh_output, force=True,
                                     memo=Memo(), **reference))
        assert_same_output(files_of(site.output), files_of(fresh_output), history)


def test_force_renders_every_page_the_command_line_kept(make_site, nlp, rendered):
    site = make_site()
    _two_stories(site)
    build(site.root, BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp))
    rendered.clear()
    build(site.root, BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, force=True))
    assert "articles/aleppo/index.html" in rendered, "--force renders every page"
    # ... and keeps them, with what they read: the next edit renders only what it touches.
    rendered.clear()
    site.add_article("berlin", title="Berlin talks, again", date="2025-03-01",
                     body="Maria Lopez met Angela Merkel in Berlin on Tuesday.")
    build(site.root, BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp))
    assert "articles/berlin/index.html" in rendered
    assert "articles/aleppo/index.html" not in rendered, "the build after --force reuses its pages"
