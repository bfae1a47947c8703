"""``sitegen check``: every problem in a built site is found and listed, and a sound site passes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitegen.check.site import check_site
from sitegen.site.search import find_pagefind

REPO = Path(__file__).resolve().parent.parent


def html(body: str, head: str = "<title>T</title>") -> str:
    return f'<!doctype html>\n<html lang="en">\n<head>{head}</head>\n<body>\n{body}\n</body>\n</html>\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def problems(root: Path, base_url: str | None = None) -> list[str]:
    return [str(p) for p in check_site(root, base_url).problems]


def test_a_sound_site_passes(tmp_path):
    root = write(tmp_path, {
        "index.html": html('<a href="people/a/#m1">A</a> <a href="articles/">all</a> <a href="#top" id="top">up</a>'),
        "people/a/index.html": html('<p id="m1">A <a href="../../">home</a> <a href="../../feed.xml">feed</a>'),
        "articles/index.html": html('<svg><title>tooltip</title><rect/></svg><a href="https://example.org/x">out</a>'),
        "404.html": html('<a href="/">home</a>'),
        "feed.xml": "<feed/>",
    })
    report = check_site(root)
    assert report.ok, report.problems
    assert report.pages == 4 and report.links == 7


def test_every_kind_of_problem_is_listed_with_file_and_line(tmp_path):
    root = write(tmp_path, {
        "index.html": html('<a href="people/a/">A</a>\n<a href="people/b/">B</a>\n<a href="people/a/#nowhere">x</a>\n'
                           '<a href="../outside.html">up</a>\n<a href="/elsewhere/">root</a>'),
        "people/a/index.html": html('<div id="d"><span id="d">twice</span>\n<section>unclosed</div>'),
        "lonely/index.html": html("<p>nobody links here</p>"),
        "untitled/index.html": '<html><body><a href="../">home</a></body></html>',
        "sitemap.xml": "<urlset><url>",
        "feed.xml": '<feed xmlns="http://www.w3.org/2005/Atom"><link href="articles/gone/"/></feed>',
        "data/x.json": "{oops",
        "_redirects": "/old/ /gone/ 301\n",
    })
    found = problems(root)
    expected = [
        "index.html:6: <a> link 'people/b/': no such file",
        "index.html:7: <a> link 'people/a/#nowhere': no element with id 'nowhere' in people/a/index.html",
        "index.html:8: <a> link '../outside.html': points above the site's root folder",
        "index.html:9: <a> link '/elsewhere/': no such file",  # the root path is / here
        "people/a/index.html:5: duplicate id 'd'",
        "people/a/index.html:6: <section> opened on line 6 is not closed before </div>",
        "lonely/index.html: orphaned: no link leads here from the home page",
        "untitled/index.html:1: <html> has no lang attribute",
        "untitled/index.html:1: the page needs exactly one non-empty <title>",
        "untitled/index.html: orphaned: no link leads here from the home page",
        "_redirects:1: '/gone/': no such file",
        "data/x.json: not valid JSON",
        "sitemap.xml:1: not well-formed XML",
        "feed.xml: 'articles/gone/': no such file",
    ]
    for line in expected:
        assert any(f.startswith(line) for f in found), f"{line!r} not in {found}"
    assert len(found) == len(expected), found


def test_root_absolute_links_under_a_sub_path(tmp_path):
    root = write(tmp_path, {
        "index.html": html('<a href="a/">A</a>', '<title>T</title><link rel="canonical" href="https://x.org/news/">'),
        "a/index.html": html('<a href="../">home</a>'),
        "404.html": html('<a href="/news/a/">A</a> <a href="/news/missing/">gone</a>'),
    })
    # The sub-path comes from the home page's canonical link, or from --base-url.
    assert problems(root) == ["404.html:5: <a> link '/news/missing/': no such file"]
    assert problems(root, "https://x.org/other/")[0] == "404.html:5: <a> link '/news/a/': leaves the site's root path /other/"


def test_redirect_pages_are_not_orphans(tmp_path):
    root = write(tmp_path, {
        "index.html": html('<a href="new/">new</a>'),
        "new/index.html": html("<p>here</p>"),
        "old/index.html": html('<a href="../new/">moved</a>', '<title>T</title><meta http-equiv="refresh" content="0; url=../new/">'),
        "older/index.html": html("", '<title>T</title><meta http-equiv="refresh" content="0; url=../nowhere/">'),
    })
    assert problems(root) == ["older/index.html:3: <meta> link '../nowhere/': no such file"]


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory, nlp):
    from sitegen.build import BuildOptions, build

    site = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "content", site / "content")
    (site / "sitegen.toml").write_text('base_url = "https://example.org/news/dossiers/"\n', encoding="utf-8")
    assert build(site, BuildOptions(offline=True, nlp_loader=lambda: nlp)).ok
    return site / "output"


def test_the_sample_site_passes_the_check(sample_output, cli):
    done = cli("check", sample_output)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stdout
    if find_pagefind() is not None:
        assert "and the search index (" in done.stdout
    assert cli("check", sample_output, "--quiet").stdout == ""


def test_a_damaged_site_fails_the_check(sample_output, tmp_path, cli):
    damaged = tmp_path / "out"
    shutil.copytree(sample_output, damaged)
    shutil.rmtree(damaged / "people" / "donald-trump")
    done = cli("check", damaged)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any("articles/2025-11-10-syria-joins-coalition-against-daesh/index.html:" in line
               and "people/donald-trump/': no such file" in line for line in lines), lines
    assert "problems" in done.stderr
    missing = cli("check", tmp_path / "nothing-here")
    assert missing.returncode == 2 and "no such folder" in missing.stderr


def _pagefind_files(output: Path, folder: str) -> list[Path]:
    return sorted((output / "pagefind" / folder).iterdir())


@pytest.mark.skipif(find_pagefind() is None, reason="the Pagefind binary is not installed")
def test_a_broken_search_index_fails_the_check(sample_output, tmp_path, cli):
    damaged = tmp_path / "out"
    shutil.copytree(sample_output, damaged)
    fragment = _pagefind_files(damaged, "fragment")[0]
    fragment.unlink()
    chunk = _pagefind_files(damaged, "index")[0]
    chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])
    found = problems(damaged)
    fragment_rel, chunk_rel = (p.relative_to(damaged).as_posix() for p in (fragment, chunk))
    assert any(f.startswith(f"{fragment_rel}: missing") for f in found), found
    assert any(f.startswith(f"{chunk_rel}: truncated or damaged") for f in found), found
    assert len(found) == 2, found
    done = cli("check", damaged)
    assert done.returncode == 1 and f"{damaged / fragment_rel}: missing" in done.stdout


@pytest.mark.skipif(find_pagefind() is None, reason="the Pagefind binary is not installed")
def test_a_search_index_without_its_entry_file_or_interface_fails_the_check(sample_output, tmp_path):
    damaged = tmp_path / "out"
    shutil.copytree(sample_output, damaged)
    (damaged / "pagefind" / "pagefind-entry.json").unlink()
    (damaged / "pagefind" / "pagefind-ui.js").write_bytes(b"")
    meta = next((damaged / "pagefind").glob("*.pf_meta"))
    meta.write_bytes(b"\x1f\x8b" + b"\x00" * 40)
    found = problems(damaged)
    assert found == [
        "pagefind/pagefind-entry.json: missing (pagefind.js reads it first; without it search finds nothing)",
        "pagefind/pagefind-ui.js: empty (search/index.html loads it)",
    ], found
    # With the entry file back, the damaged metadata it names is found.
    shutil.copy(sample_output / "pagefind" / "pagefind-entry.json", damaged / "pagefind" / "pagefind-entry.json")
    assert any(f.startswith(f"pagefind/{meta.name}: truncated or damaged") for f in problems(damaged))


def test_a_site_built_without_search_passes_the_check(tmp_path):
    root = write(tmp_path, {
        "index.html": html('<a href="search/">search</a>'),
        "search/index.html": html('<div id="search" data-bundle="../pagefind/"></div>'),
    })
    report = check_site(root)
    assert report.ok and report.search_pages is None
