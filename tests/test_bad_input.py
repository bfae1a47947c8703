"""One broken input file never stops the site: it is reported, and everything else builds.

Each case writes a site with one good article and one bad file, runs the real command
line, and checks that (a) the exit status is 1, (b) stderr names the bad file (and the
line, where the problem has one) with a message saying what is wrong, and (c) the good
article still has its page and its entry in data/entities.json.
"""
from __future__ import annotations

import re

import pytest

from conftest import SiteFolder, article_text

GOOD_BODY = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _good_site(make_site) -> SiteFolder:
    site = make_site()
    site.add_article("good", title="School visit", date="2025-02-03", body=GOOD_BODY)
    return site


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def _assert_good_article_built(site: SiteFolder) -> None:
    page = site.output / "articles" / "good" / "index.html"
    assert page.is_file(), "the good article's page is missing"
    assert "School visit" in page.read_text(encoding="utf-8")
    data = site.entities_json()
    assert [a["id"] for a in data["articles"] if a["id"] == "good"] == ["good"]
    schmidt = [e for e in data["entities"] if e["name"] == "Hannah Schmidt"]
    assert schmidt and "good" in schmidt[0]["articles"]
    assert (site.output / "data" / "text" / "good.txt").is_file()


def _build_and_check(cli, site: SiteFolder, bad_name: str, message: str, line: int | None = None) -> str:
    """Build with the CLI; check exit status, the error line and the good article. Returns the error line."""
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    errors = [e for e in _error_lines(result.stderr) if bad_name in e]
    assert len(errors) == 1, f"expected one error naming {bad_name}; stderr:\n{result.stderr}"
    error = errors[0]
    assert re.search(message, error, re.IGNORECASE), f"{message!r} not in {error!r}"
    if line is not None:
        assert re.search(rf"{re.escape(bad_name)}:{line}:", error), f"line {line} not reported in {error!r}"
    # Only the bad file is reported; the good one is not.
    assert not any("good.md" in e for e in _error_lines(result.stderr)), result.stderr
    _assert_good_article_built(site)
    # The summary still reports what was built, and that one file failed.
    assert re.search(r"built 1 articles?, 1 failed", result.stdout), result.stdout
    return error


# One bad file each: (file name, its bytes or text, what the error must say, its line).
ONE_BAD_FILE = [
    pytest.param("broken.md", "---\ntitle: Broken\ndate: 2025-01-02\nsource: AFP: Paris\n---\n\nText.\n",
                 r"not valid YAML", 4, id="broken-yaml"),
    pytest.param("plain.md", "Just a paragraph of text, with no front matter.\n",
                 r"no front matter.*---", 1, id="no-front-matter"),
    pytest.param("open.md", "---\ntitle: Open\ndate: 2025-01-02\n\nThe body starts here.\n",
                 r"never closed", None, id="front-matter-never-closed"),
    pytest.param("untitled.md", "---\ndate: 2025-01-02\nsource: AFP\n---\n\nText.\n",
                 r"no 'title'", None, id="missing-title"),
    pytest.param("blank.md", '---\ndate: 2025-01-02\ntitle: "  "\n---\n\nText.\n',
                 r"no 'title'", 3, id="blank-title"),
    pytest.param("undated.md", "---\ntitle: Undated\n---\n\nText.\n",
                 r"no 'date'.*YYYY-MM-DD", None, id="missing-date"),
    pytest.param("word.md", "---\ntitle: Word date\ndate: yesterday\n---\n\nText.\n",
                 r"'date' is not a date.*yesterday.*YYYY-MM-DD", 3, id="date-is-a-word"),
    # Written like an ISO date, but month 13 and day 45 do not exist.
    pytest.param("impossible.md", "---\ntitle: Impossible date\ndate: 2025-13-45\n---\n\nText.\n",
                 r"date", 3, id="date-does-not-exist"),
    pytest.param("latin.md", "---\ntitle: Caf\xe9 society\ndate: 2025-01-02\n---\n\nText.\n".encode("latin-1"),
                 r"not valid UTF-8.*0xe9.*UTF-8", 2, id="latin-1"),
    pytest.param("empty.md", b"", r"empty", None, id="empty"),
    pytest.param("spaces.md", "  \n\n\t\n", r"empty", None, id="whitespace-only"),
    pytest.param("picture.md", PNG_BYTES, r"binary", None, id="binary"),
]


@pytest.mark.parametrize("name, content, message, line", ONE_BAD_FILE)
def test_one_bad_file_is_reported_and_the_rest_builds(make_site, cli, name, content, message, line):
    site = _good_site(make_site)
    site.write_article_file(name, content)
    _build_and_check(cli, site, name, message, line=line)


def test_broken_yaml_in_a_later_line(make_site, cli):
    site = _good_site(make_site)
    site.write_article_file(
        "broken.md",
        '---\ntitle: Broken\ndate: 2025-01-02\nauthor: Jo\ntags: [one, two\nsummary: fine\n---\n\nText.\n',
    )
    error = _build_and_check(cli, site, "broken.md", r"not valid YAML")
    # The line points at or after the unclosed list, never before it.
    line = int(re.search(r"broken\.md:(\d+):", error).group(1))
    assert 5 <= line <= 7


def test_two_files_with_one_id_by_extension(make_site, cli):
    site = _good_site(make_site)
    site.add_article("a.md", title="First of two", body="Anna Berg won the award in Stockholm.")
    site.add_article("a.markdown", title="Second of two", body="Erik Berg scored twice in Oslo.")
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1, result.stderr
    errors = [e for e in _error_lines(result.stderr) if "same id" in e]
    assert len(errors) == 1, result.stderr
    # The message names both files, so the editor knows which two to reconcile.
    assert "a.md" in errors[0] and "a.markdown" in errors[0]
    assert "'a'" in errors[0]
    _assert_good_article_built(site)
    # One of the two is built, at the one id; the other is not silently mixed in.
    data = site.entities_json()
    assert sorted(a["id"] for a in data["articles"]) == ["a", "good"]
    built_title = next(a["title"] for a in data["articles"] if a["id"] == "a")
    assert built_title in ("First of two", "Second of two")
    assert (site.output / "articles" / "a" / "index.html").is_file()


def test_two_files_with_one_id_by_case(make_site, cli):
    site = _good_site(make_site)
    site.add_article("Report.md", title="Upper case report", body="Anna Berg won the award in Stockholm.")
    site.add_article("report.md", title="Lower case report", body="Erik Berg scored twice in Oslo.")
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1, result.stderr
    errors = [e for e in _error_lines(result.stderr) if "same id" in e]
    assert len(errors) == 1, result.stderr
    assert "Report.md" in errors[0] and "report.md" in errors[0]
    _assert_good_article_built(site)
    ids = sorted(a["id"] for a in site.entities_json()["articles"])
    assert len(ids) == 2 and "good" in ids and ids[0].casefold() == "report"


def test_oversized_article(make_site, cli):
    site = _good_site(make_site)
    sentence = "The committee met again today and discussed the weather at length. "
    body = sentence * (5_000_000 // len(sentence) + 1)
    path = site.write_article_file("huge.md", article_text("Huge", "2025-01-02", body))
    assert path.stat().st_size > 5_000_000
    error = _build_and_check(cli, site, "huge.md", r"MB.*limit")
    assert "max_article_bytes" in error
    assert "1.0 MB" in error  # the default limit is named


def test_max_article_bytes_is_configurable(make_site, build_site):
    site = _good_site(make_site)
    site.write_config("max_article_bytes = 2000\n")
    # 1500 characters but 3000 bytes: the limit counts bytes, as its name says.
    site.add_article("wide", title="Wide", date="2025-01-02", body="\u00e9" * 1500)
    result = build_site(site)
    assert [e.path.name for e in result.errors] == ["wide.md"]
    assert "max_article_bytes" in str(result.errors[0])
    site.write_config("max_article_bytes = 4000\n")
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    assert sorted(a["id"] for a in site.entities_json()["articles"]) == ["good", "wide"]


def test_article_longer_than_the_model_accepts(make_site, build_site):
    """An article within max_article_bytes but longer than the NER pipeline's
    ``max_length`` (spaCy's default is 1,000,000 characters, less than a site may allow
    with a raised max_article_bytes) must not crash the whole build.

    A pipeline with a small ``max_length`` stands in for the default one, so the test
    stays fast: either the long article is built, or it is reported as a bad file and
    every other article still builds.
    """
    from sitegen.nlp.extract import load_pipeline

    short_nlp = load_pipeline("en_core_web_sm")
    short_nlp.max_length = 5_000
    site = _good_site(make_site)
    body = "Erik Berg scored twice in Oslo on Sunday. " + "The crowd cheered for a long time. " * 200
    site.add_article("long", title="Long report", date="2025-01-02", body=body)
    assert len(body) > short_nlp.max_length
    result = build_site(site, nlp_loader=lambda: short_nlp)
    assert all(e.path.name == "long.md" for e in result.errors), [str(e) for e in result.errors]
    _assert_good_article_built(site)
    ids = {a["id"] for a in site.entities_json()["articles"]}
    assert "good" in ids
    if not result.errors:
        assert "long" in ids


def test_several_bad_files_are_all_reported(make_site, cli):
    site = _good_site(make_site)
    site.write_article_file("empty.md", b"")
    site.write_article_file("undated.md", "---\ntitle: Undated\n---\n\nText.\n")
    site.write_article_file("picture.md", PNG_BYTES)
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1
    errors = _error_lines(result.stderr)
    for name in ("empty.md", "undated.md", "picture.md"):
        assert sum(name in e for e in errors) == 1, result.stderr
    assert "3 failed" in result.stdout
    _assert_good_article_built(site)


def test_bad_entity_note_is_reported_and_the_site_builds(make_site, cli):
    site = _good_site(make_site)
    site.add_note("schmidt", name="Hannah Schmidt", type="celebrity")
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1
    errors = [e for e in _error_lines(result.stderr) if "schmidt.md" in e]
    assert len(errors) == 1 and "'type' must be one of" in errors[0], result.stderr
    _assert_good_article_built(site)


def test_invalid_toml_exits_2_naming_the_file(make_site, cli):
    site = _good_site(make_site)
    site.write_config('title = "My site\nstoplist = [\n')
    result = cli("build", site.root, "--offline")
    assert result.returncode == 2, result.stderr
    assert "sitegen.toml" in result.stderr
    assert "not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr
    assert not site.output.exists()


def test_wrongly_typed_toml_values_are_all_reported(make_site, cli):
    site = _good_site(make_site)
    site.write_config('max_article_bytes = "big"\nstoplist = "Berlin"\nentity_types = ["person", "animal"]\n')
    result = cli("build", site.root, "--offline")
    assert result.returncode == 2, result.stderr
    message = result.stderr
    assert "sitegen.toml" in message
    assert "max_article_bytes" in message and "stoplist" in message and "animal" in message
    assert not site.output.exists()


def test_unknown_toml_key_is_a_warning_only(make_site, cli):
    site = _good_site(make_site)
    site.write_config('titel = "Typo"\n')
    result = cli("build", site.root, "--offline")
    assert result.returncode == 0, result.stderr
    assert re.search(r"warning: .*sitegen\.toml.*unknown key 'titel'", result.stderr), result.stderr
    _assert_good_article_built(site)


@pytest.mark.parametrize("command", ["build", "entities"])
def test_missing_articles_folder_exits_2(tmp_path, cli, command):
    root = tmp_path / "empty-site"
    root.mkdir()
    result = cli(command, root)
    assert result.returncode == 2, result.stderr
    assert "content/articles" in result.stderr.replace("\\", "/")
    assert "Traceback" not in result.stderr
    assert not (root / "output").exists()


def test_missing_site_folder_exits_2(tmp_path, cli):
    result = cli("build", tmp_path / "nowhere", "--offline")
    assert result.returncode == 2
    assert "nowhere" in result.stderr and "no such folder" in result.stderr


@pytest.mark.parametrize("output", [".", "content/articles"])
def test_output_over_the_site_is_refused(make_site, cli, output):
    site = _good_site(make_site)
    result = cli("build", site.root, "--offline", "--output", site.root / output)
    assert result.returncode == 2, result.stderr
    assert "output folder" in result.stderr
    assert (site.articles_dir / "good.md").is_file()


def test_tolerated_variants_build_cleanly(make_site, build_site):
    """Not errors: a byte-order mark, Windows line endings, a date with a time, a number
    as title, tags as one string, and the other Markdown extensions."""
    site = _good_site(make_site)
    site.write_article_file(
        "windows.md",
        "\ufeff---\r\ntitle: Windows file\r\ndate: 2025-01-05\r\n---\r\n\r\nErik Berg scored twice in Oslo.\r\n"
        .encode("utf-8"),
    )
    site.write_article_file("timed.markdown", "---\ntitle: 1984\ndate: 2025-01-06T09:30:00\ntags: one, two\n---\n\nText.\n")
    site.write_article_file("SHOUTING.MD", "---\ntitle: Upper case extension\ndate: 2025-01-07\n---\n\nText.\n")
    site.write_article_file(".hidden.md", "not an article at all")
    site.write_article_file("notes.txt", "not an article either")
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    articles = {a["id"]: a for a in site.entities_json()["articles"]}
    assert set(articles) == {"good", "windows", "timed", "SHOUTING"}
    assert articles["windows"]["title"] == "Windows file"
    assert articles["timed"]["title"] == "1984" and articles["timed"]["date"] == "2025-01-06"
    assert "Erik Berg" in {e["name"] for e in site.entities()}
    text = (site.output / "data" / "text" / "windows.txt").read_text(encoding="utf-8")
    assert "\r" not in text and "\ufeff" not in text


def test_the_bad_file_is_named_from_the_folder_the_command_ran_in(make_site, cli):
    """Built from inside the site's folder, an error or a warning names the file from
    there, as the user would type it; from a folder the site is not in, by its whole path."""
    site = _good_site(make_site)
    site.write_article_file("broken.md", "---\ntitle: [unclosed\n---\nText.\n")
    site.write_article_file("typo.md", "---\ntitle: A typo\ndate: 2025-01-08\nsoruce: Agency\n---\n\nText.\n")
    inside = cli("build", ".", "--offline", cwd=site.root)
    assert [e for e in _error_lines(inside.stderr) if "broken.md" in e][0].startswith(
        "error: content/articles/broken.md:"), inside.stderr
    assert "warning: content/articles/typo.md:4: unknown key 'soruce' ignored" in inside.stderr, inside.stderr
    listed = cli("entities", ".", cwd=site.root)
    assert "warning: content/articles/typo.md:4:" in listed.stderr and \
        "error: content/articles/broken.md:" in listed.stderr, listed.stderr
    elsewhere = site.root.parent / "elsewhere"
    elsewhere.mkdir()
    outside = cli("build", site.root, "--offline", cwd=elsewhere)
    assert [e for e in _error_lines(outside.stderr) if "broken.md" in e][0].startswith(
        f"error: {site.root / 'content' / 'articles' / 'broken.md'}:"), outside.stderr
    assert f"warning: {site.root / 'content' / 'articles' / 'typo.md'}:4:" in outside.stderr, outside.stderr
