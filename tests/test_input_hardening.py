"""Hostile or careless input is answered with a clear message, never silently or with a traceback.

Front matter is bounded and typed; article ids that cannot become a page are refused
when the file is read; symlinks follow one policy; every file that is not read is said to
be skipped; editor's judgement files and sitegen.toml name their mistakes.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SiteFolder, article_text
from sitegen import frontmatter
from sitegen.content import parse_article

GOOD_BODY = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."


def _good_site(make_site) -> SiteFolder:
    site = make_site()
    site.add_article("good", title="School visit", date="2025-02-03", body=GOOD_BODY)
    return site


def _parse(text: str):
    return parse_article(Path("content/articles/x.md"), "x", text.encode("utf-8"))


def _refused(text: str) -> frontmatter.FrontMatterError:
    with pytest.raises(frontmatter.FrontMatterError) as caught:
        _parse(text)
    return caught.value


def _message(error: frontmatter.FrontMatterError) -> str:
    return f"{error} ({error.hint})"


# ---- 1. front matter is bounded and typed ------------------------------------------------

ALIAS_BOMB = (
    "---\ntitle: Bomb\ndate: 2025-01-02\n"
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "tags: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "---\n\nText.\n"
)


def test_yaml_alias_bomb_is_refused_with_its_line():
    error = _refused(ALIAS_BOMB)
    assert "alias" in str(error).lower()
    assert error.line == 4  # the first anchor, "&a" in line 4
    assert "write the value out" in error.hint


def test_yaml_anchor_alone_is_refused():
    error = _refused("---\ntitle: &t Anchored\ndate: 2025-01-02\n---\n\nText.\n")
    assert "anchor" in str(error).lower() and error.line == 2
    assert "&" in error.hint


def test_alias_bomb_in_a_build_is_an_error_not_a_huge_page(make_site, cli):
    site = _good_site(make_site)
    site.write_article_file("bomb.md", ALIAS_BOMB)
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"error: .*bomb\.md:4: .*alias", result.stderr), result.stderr
    assert not (site.output / "articles" / "bomb").exists()
    assert (site.output / "articles" / "good" / "index.html").is_file()


def test_duplicate_front_matter_key_names_the_key_and_both_lines():
    error = _refused("---\ntitle: One\ndate: 2025-01-02\nsource: AFP\ntitle: Two\n---\n\nText.\n")
    assert "'title'" in str(error)
    assert error.line == 5
    assert "line 2" in str(error) and "line 5" in str(error)
    assert "remove" in error.hint


def test_duplicate_key_in_a_nested_mapping_is_refused():
    error = _refused("---\ntitle: One\ndate: 2025-01-02\nextra:\n  a: 1\n  a: 2\n---\n\nText.\n")
    assert "'a'" in str(error) and error.line == 6


@pytest.mark.parametrize("tags, what", [
    ("[[a, b], c]", "list"),
    ("[{c: d}]", "mapping"),
    ("[yes, no]", "true or false"),
    ("[~]", "empty"),
    ("{a: b}", "mapping"),
    ("12", "number"),
])
def test_tags_must_be_a_list_of_words(tags, what):
    error = _refused(f"---\ntitle: T\ndate: 2025-01-02\ntags: {tags}\n---\n\nText.\n")
    assert "'tags'" in str(error) and what in str(error), _message(error)
    assert error.line == 4
    assert "tags: [" in error.hint


def test_tags_that_are_words_and_numbers_are_kept_as_text():
    article = _parse("---\ntitle: T\ndate: 2025-01-02\ntags: [Syria, 2025, diplomacy]\n---\n\nText.\n")
    assert article.tags == ("Syria", "2025", "diplomacy")


def test_tags_as_a_block_list_report_the_line_of_the_bad_item():
    error = _refused("---\ntitle: T\ndate: 2025-01-02\ntags:\n  - Syria\n  - [a, b]\n---\n\nText.\n")
    assert error.line == 6, _message(error)


@pytest.mark.parametrize("key", ["source", "url", "author", "summary", "caption"])
@pytest.mark.parametrize("value, what", [("[a, b]", "list"), ("{a: b}", "mapping"), ("yes", "true or false"),
                                         ("2025-01-02", "date")])
def test_text_fields_must_be_text(key, value, what):
    error = _refused(f"---\ntitle: T\ndate: 2025-01-02\n{key}: {value}\n---\n\nText.\n")
    assert f"'{key}'" in str(error) and what in str(error), _message(error)
    assert error.line == 4
    assert f'{key}: "' in error.hint  # the fix: quote it


@pytest.mark.parametrize("value, what", [("[a, b]", "list"), ("{a: b}", "mapping"), ("yes", "true or false"),
                                         ("2025-01-02", "date")])
def test_title_must_be_text(value, what):
    error = _refused(f"---\ntitle: {value}\ndate: 2025-01-02\n---\n\nText.\n")
    assert "'title'" in str(error) and what in str(error), _message(error)
    assert error.line == 2 and 'title: "' in error.hint


@pytest.mark.parametrize("value", ["[2025-01-02]", "{y: 2025}", "yes", "2025-01-02 and more", "20250102"])
def test_date_must_be_a_date(value):
    error = _refused(f"---\ntitle: T\ndate: {value}\n---\n\nText.\n")
    assert "'date'" in str(error)
    assert error.line == 3 and "YYYY-MM-DD" in error.hint


@pytest.mark.parametrize("value", ["2025-01-02", "'2025-01-02'", "2025-01-02T09:30:00", "2025-01-02 09:30"])
def test_dates_as_editors_write_them_are_accepted(value):
    assert str(_parse(f"---\ntitle: T\ndate: {value}\n---\n\nText.\n").date) == "2025-01-02"


def test_front_matter_that_is_a_list_says_what_to_write():
    error = _refused("---\n- title\n- date\n---\n\nText.\n")
    assert error.line == 2 and "title:" in error.hint
