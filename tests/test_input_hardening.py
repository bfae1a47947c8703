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
from sitegen.content import frontmatter
from sitegen.content.articles import parse_article

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


# ---- 4. article ids that cannot be a page are refused when read ------------------------------

def _load(site: SiteFolder):
    from sitegen.content.articles import load_articles

    return load_articles(site.articles_dir)


def _only_error(loaded, name: str):
    errors = [e for e in loaded.errors if e.path.name == name]
    assert len(errors) == 1, [str(e) for e in loaded.errors]
    assert name not in {a.path.name for a in loaded.articles}
    return str(errors[0])


@pytest.mark.parametrize("name, what", [
    ("bell\x07ring.md", "control character U\\+0007"),
    ("line\nbreak.md", "control character U\\+000A"),
    ("con.md", "Windows keeps for a device"),
    ("NUL.md", "Windows keeps for a device"),
    ("com1.md", "Windows keeps for a device"),
    ("lpt9.md", "Windows keeps for a device"),
    ("aux/report.md", "Windows keeps for a device"),
    ("con.old.md", "Windows keeps for a device"),
    ("index.html.md", "index.html"),
    ("2025/index.html.md", "index.html"),
    ("trailing..md", "ends with a dot"),
    ("back\\slash.md", "backslash"),
])
def test_article_id_that_cannot_be_a_page_is_refused(make_site, name, what):
    site = _good_site(make_site)
    site.write_article_file(name, article_text("Odd name", "2025-01-02", "Text."))
    error = _only_error(_load(site), Path(name).name)
    assert re.search(what, error), error
    assert "rename the file" in error
    assert [a.id for a in _load(site).articles] == ["good"]


def test_article_file_name_not_valid_utf8_is_refused(make_site):
    site = _good_site(make_site)
    raw = bytes(site.articles_dir) + b"/caf\xe9.md"
    with open(raw, "wb") as f:
        f.write(article_text("Latin-1 name", "2025-01-02", "Text.").encode("utf-8"))
    errors = [str(e) for e in _load(site).errors]
    assert len(errors) == 1 and "not valid UTF-8" in errors[0] and "rename the file" in errors[0]


def test_article_name_too_long_for_its_text_file_is_refused(make_site, cli):
    """A 252-character file name made the commit step crash with 'File name too long':
    its text is published as data/text/<id>.txt, 256 bytes."""
    site = _good_site(make_site)
    name = "a" * 252 + ".md"
    site.write_article_file(name, article_text("Long name", "2025-01-02", "Erik Berg scored twice in Oslo."))
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and name in errors[0], result.stderr
    assert "too long" in errors[0] and "rename the file" in errors[0]
    assert (site.output / "articles" / "good" / "index.html").is_file()
    assert [a["id"] for a in site.entities_json()["articles"]] == ["good"]


def test_article_name_at_the_limit_builds(make_site, build_site):
    site = _good_site(make_site)
    stem = "b" * 251  # data/text/<251>.txt is 255 bytes
    site.add_article(stem, title="Long but fine", date="2025-01-02", body="Erik Berg scored twice in Oslo.")
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    assert (site.output / "data" / "text" / f"{stem}.txt").is_file()


def test_article_path_too_long_in_total_is_refused(make_site):
    site = _good_site(make_site)
    folders = "/".join(["f" * 200] * 6)
    site.write_article_file(f"{folders}/deep.md", article_text("Deep", "2025-01-02", "Text."))
    error = _only_error(_load(site), "deep.md")
    assert "over the limit of 1024" in error


# ---- 5. symlinks: followed inside the site folder, refused outside it ------------------------

def test_symlinked_file_outside_the_site_is_refused(make_site, tmp_path, cli):
    site = _good_site(make_site)
    secret = tmp_path / "private.md"
    secret.write_text(article_text("Private notes", "2025-01-02", "Anna Berg won the award in Stockholm."),
                      encoding="utf-8")
    (site.articles_dir / "leak.md").symlink_to(secret)
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1, result.stderr
    leak = r"error: .*leak\.md: is a link to .*private\.md, outside the site folder; not read"
    assert re.search(leak, result.stderr), result.stderr
    assert not (site.output / "articles" / "leak").exists()
    assert "Private notes" not in (site.output / "data" / "entities.json").read_text(encoding="utf-8")
    assert (site.output / "articles" / "good" / "index.html").is_file()


def test_symlinked_folder_outside_the_site_is_refused(make_site, tmp_path):
    site = _good_site(make_site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.md").write_text(article_text("Elsewhere", "2025-01-02", "Text."), encoding="utf-8")
    (site.articles_dir / "more").symlink_to(elsewhere, target_is_directory=True)
    loaded = _load(site)
    assert [a.id for a in loaded.articles] == ["good"]
    assert len(loaded.errors) == 1 and "outside the site folder" in str(loaded.errors[0])
    assert loaded.errors[0].path.name == "more"


def test_symlinked_other_file_outside_the_site_is_a_warning(make_site, tmp_path):
    site = _good_site(make_site)
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(b"jpeg")
    (site.articles_dir / "photo.jpg").symlink_to(picture)
    loaded = _load(site)
    assert not loaded.errors and [a.id for a in loaded.articles] == ["good"]
    assert len(loaded.warnings) == 1 and "outside the site folder; not read" in str(loaded.warnings[0])


def test_symlinks_inside_the_site_are_followed(make_site):
    """A symlinked folder used to be skipped silently."""
    site = _good_site(make_site)
    archive = site.root / "archive"
    archive.mkdir()
    (archive / "old.md").write_text(article_text("Old", "2024-01-02", "Text."), encoding="utf-8")
    (site.articles_dir / "archive").symlink_to(archive, target_is_directory=True)
    (site.articles_dir / "alias.md").symlink_to(site.articles_dir / "good.md")
    loaded = _load(site)
    assert not loaded.errors, [str(e) for e in loaded.errors]
    assert sorted(a.id for a in loaded.articles) == ["alias", "archive/old", "good"]


def test_symlink_loop_is_refused_not_followed_forever(make_site):
    site = _good_site(make_site)
    (site.articles_dir / "sub").mkdir()
    (site.articles_dir / "sub" / "x.md").write_text(article_text("X", "2025-01-02", "Text."), encoding="utf-8")
    (site.articles_dir / "sub" / "again").symlink_to(site.articles_dir, target_is_directory=True)
    loaded = _load(site)
    assert sorted(a.id for a in loaded.articles) == ["good", "sub/x"]
    assert len(loaded.errors) == 1 and "loop" in str(loaded.errors[0]), [str(e) for e in loaded.errors]


def test_broken_symlink_is_reported(make_site):
    site = _good_site(make_site)
    (site.articles_dir / "gone.md").symlink_to(site.articles_dir / "deleted.md")
    loaded = _load(site)
    assert len(loaded.errors) == 1 and "does not exist" in str(loaded.errors[0])


def test_symlinked_entity_file_outside_the_site_is_refused(make_site, tmp_path):
    from sitegen.content.judgements import load_judgements

    site = _good_site(make_site)
    outside = tmp_path / "note.md"
    outside.write_text("---\nname: Hannah Schmidt\n---\nA private note.\n", encoding="utf-8")
    site.entities_dir.mkdir()
    (site.entities_dir / "schmidt.md").symlink_to(outside)
    loaded = load_judgements(site.entities_dir)
    assert loaded.judgements == []
    assert len(loaded.errors) == 1 and "outside the site folder" in str(loaded.errors[0])


# ---- 6. every file not read is said to be skipped ----------------------------------------------

def test_files_that_look_like_articles_but_are_not_read_are_warned_about(make_site, build_site):
    site = _good_site(make_site)
    for name in ("..md", ".draft.md", "notes.txt", "story.mdown"):
        site.write_article_file(name, article_text("Not read", "2025-01-02", "Text."))
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    for name in ("..md", ".draft.md", "notes.txt", "story.mdown"):
        found = [w for w in result.warnings if f"/{name}: not read" in w]
        assert len(found) == 1, (name, result.warnings)
    assert "leading '.'" in next(w for w in result.warnings if "/.draft.md:" in w)
    assert "rename it to end in .md" in next(w for w in result.warnings if "/notes.txt:" in w)


def test_editor_leftovers_and_hidden_folders_are_skipped_quietly(make_site, build_site):
    site = _good_site(make_site)
    for name in ("good.md~", "#good.md#", ".good.md.swp", ".DS_Store", "Thumbs.db", "good.md.bak",
                 ".git/HEAD", ".git/x.md"):
        site.write_article_file(name, "leftover")
    (site.articles_dir / ".#good.md").symlink_to("user@host.1234")  # how Emacs marks a file being edited
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    assert not [w for w in result.warnings if "not read" in w], result.warnings


# ---- 2. editor's judgement files --------------------------------------------------------------

def _judge(site: SiteFolder, files: dict[str, str]):
    from sitegen.content.judgements import load_judgements

    site.entities_dir.mkdir(exist_ok=True)
    for name, text in files.items():
        (site.entities_dir / name).write_text(text, encoding="utf-8")
    return load_judgements(site.entities_dir)


def _one(messages, name: str) -> str:
    found = [str(m) for m in messages if m.path.name == name]
    assert len(found) == 1, [str(m) for m in messages]
    return found[0]


def test_unknown_judgement_key_gets_a_did_you_mean(site):
    loaded = _judge(site, {"isis.md": "---\nname: Islamic State\nsame-as: [Daesh]\n---\n"})
    warning = _one(loaded.warnings, "isis.md")
    assert "isis.md:3:" in warning and "unknown key 'same-as'" in warning and "did you mean 'same_as'" in warning
    assert not loaded.errors and loaded.judgements[0].same_as == ()


def test_unknown_judgement_key_far_from_any_lists_the_known_ones(site):
    loaded = _judge(site, {"isis.md": "---\nname: Islamic State\ncolour: black\n---\n"})
    warning = _one(loaded.warnings, "isis.md")
    assert "unknown key 'colour'" in warning and "not_same" in warning and "wikipedia" in warning


def test_not_same_with_itself_is_an_error(site):
    loaded = _judge(site, {"berg.md": "---\nname: Anna Berg\naliases: [A. Berg]\nnot_same:\n  - Erik Berg\n"
                                      "  - anna berg\n---\n"})
    error = _one(loaded.errors, "berg.md")
    assert "berg.md:6:" in error and "'anna berg'" in error and "itself" in error
    assert "remove" in error


def test_same_as_and_not_same_on_one_name_is_an_error(site):
    loaded = _judge(site, {"isis.md": "---\nname: Islamic State\nsame_as: [Daesh]\nnot_same: [the Daesh]\n---\n"})
    error = _one(loaded.errors, "isis.md")
    assert "isis.md:4:" in error and "'the Daesh'" in error and "same_as" in error and "not_same" in error


def test_same_as_one_file_and_not_same_the_other_is_an_error(site):
    loaded = _judge(site, {
        "a-isis.md": "---\nname: Islamic State\nsame_as: [Daesh]\n---\n",
        "b-daesh.md": "---\nname: Daesh group\naliases: [Daesh]\nnot_same: [Islamic State]\n---\n",
    })
    errors = [str(e) for e in loaded.errors]
    assert len(errors) == 1 and "b-daesh.md:4:" in errors[0] and "a-isis.md" in errors[0], errors


def test_circular_same_as_is_an_error_naming_both_files(site):
    loaded = _judge(site, {
        "a.md": "---\nname: Islamic State\nsame_as: [Daesh]\n---\nThe note.\n",
        "b.md": "---\nname: Daesh\nsame_as: [Islamic State]\n---\nAnother note.\n",
    })
    errors = [str(e) for e in loaded.errors]
    assert len(errors) == 1, errors
    assert "circular" in errors[0] and "a.md" in errors[0] and "b.md" in errors[0]
    assert "one file" in errors[0]
    assert [j.name for j in loaded.judgements] == ["Islamic State"]


def test_circular_same_as_of_three_files(site):
    loaded = _judge(site, {
        "a.md": "---\nname: Alpha\nsame_as: [Beta]\n---\n",
        "b.md": "---\nname: Beta\nsame_as: [Gamma]\n---\n",
        "c.md": "---\nname: Gamma\nsame_as: [Alpha]\n---\n",
    })
    errors = [str(e) for e in loaded.errors]
    assert len(errors) == 1 and all(n in errors[0] for n in ("a.md", "b.md", "c.md")), errors


def test_same_as_naming_another_judged_entity_is_a_warning(site):
    loaded = _judge(site, {
        "a.md": "---\nname: Islamic State\nsame_as: [Daesh]\n---\n",
        "b.md": "---\nname: Daesh\ntype: organisation\n---\n",
    })
    assert not loaded.errors
    warning = _one(loaded.warnings, "a.md")
    assert "a.md:3:" in warning and "b.md" in warning


@pytest.mark.parametrize("line, what", [("aliases: [yes]", "true or false"), ("same_as: [[a]]", "a list"),
                                        ("name: [a]", "a list"), ("name: yes", "true or false")])
def test_judgement_values_of_the_wrong_kind_are_errors(site, line, what):
    body = f"---\nname: Islamic State\n{line}\n---\n" if not line.startswith("name") else f"---\n{line}\n---\n"
    loaded = _judge(site, {"isis.md": body})
    error = _one(loaded.errors, "isis.md")
    assert what in error, error


def test_same_as_naming_no_entity_is_a_warning_after_the_build(make_site, build_site):
    site = _good_site(make_site)
    site.add_note("schmidt", name="Hannah Schmidt", same_as=["Hanna Schmitt", "Schmidt"])
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    found = [w for w in result.warnings if "same_as" in w]
    assert len(found) == 1, result.warnings
    assert "schmidt.md:" in found[0] and "'Hanna Schmitt'" in found[0] and "spelling" in found[0]


# ---- 3. sitegen.toml -----------------------------------------------------------------------------

def _config(site: SiteFolder, text: str):
    from sitegen.config import load_config

    site.write_config(text)
    warnings: list[str] = []
    return load_config(site.root, warnings.append), warnings


def test_unknown_config_key_gets_a_did_you_mean(site):
    config, warnings = _config(site, 'titel = "Typo"\nlink_treshold = 0.7\n')
    assert len(warnings) == 2, warnings
    assert "unknown key 'titel'" in warnings[0] and "did you mean 'title'" in warnings[0]
    assert "did you mean 'link_threshold'" in warnings[1]
    assert "sitegen.toml:1:" in warnings[0] and "sitegen.toml:2:" in warnings[1]
    assert config.title == "Dossiers"


def test_unknown_config_key_far_from_any_lists_the_known_ones(site):
    _, warnings = _config(site, 'colour = "red"\n')
    assert len(warnings) == 1 and "unknown key 'colour'" in warnings[0] and "base_url" in warnings[0]


def test_keys_beside_a_site_table_are_read_too(site):
    """Keys above a [site] table used to be dropped silently."""
    config, warnings = _config(site, 'title = "Top"\n[site]\nsearch = false\n')
    assert config.title == "Top" and config.search is False and not warnings


def test_a_key_both_at_the_top_and_in_the_site_table_is_an_error(site):
    from sitegen.errors import ConfigError

    with pytest.raises(ConfigError, match=r"'title' is set twice"):
        _config(site, 'title = "Top"\n[site]\ntitle = "Below"\n')


def test_wrong_config_value_says_what_it_got_and_what_to_write(site):
    from sitegen.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        _config(site, 'min_mentions = "two"\nstoplist = "Reuters"\nsearch = "yes"\n')
    message = str(caught.value)
    assert "got 'two'" in message and "e.g. min_mentions = 1" in message
    assert 'stoplist = ["' in message and "search = true" in message


def test_invalid_toml_names_its_line(site):
    from sitegen.errors import ConfigError

    with pytest.raises(ConfigError, match=r"sitegen\.toml:2: not valid TOML"):
        _config(site, 'title = "x"\nsearch = \n')


# ---- 7. messages say what to do, and the right thing --------------------------------------------

@pytest.mark.parametrize("text", ["Just a note about Daesh.\n", "", "--- name: Daesh\n---\n"])
def test_entity_file_hints_name_its_own_fields(site, text):
    """The hints of a broken entity file used to ask for a title and a date."""
    loaded = _judge(site, {"daesh.md": text})
    error = _one(loaded.errors, "daesh.md")
    assert "title" not in error and "date" not in error, error
    assert "'name: ...'" in error or "next line" in error, error


@pytest.mark.parametrize("front, hint", [
    ("title: a\n\tdate: 2025-01-02\n", "spaces, not tabs"),
    ("title: T\ndate: 2025-01-02\ntags: [one, two\n", "close the list"),
    ("title: T\ndate: 2025-01-02\nsource: AFP: Paris\n", "quote values that contain ': '"),
    ('title: "open\ndate: 2025-01-02\n', "never closed"),
    ("title: T\ndate: 2025-01-02\nauthor: @newsdesk\n", "special character"),
])
def test_yaml_error_hint_fits_the_problem(front, hint):
    error = _refused(f"---\n{front}---\n\nText.\n")
    assert "not valid YAML" in str(error) and hint in error.hint, _message(error)


def test_every_article_error_has_a_hint(make_site):
    """Each way an article can be refused says what to do."""
    from sitegen.content.articles import load_articles

    site = _good_site(make_site)
    bad = {
        "a.md": "---\ntitle: A\n", "b.md": "--- x\n---\n", "c.md": "---\n- a\n---\n", "d.md": "---\ntitle: [a]\n---\n",
        "e.md": "---\ntitle: E\ndate: 2025-02-30\n---\n", "f.md": "---\ntitle: F\ndate: soon\n---\n",
        "g.md": "---\ntitle: G\ndate: 2025-01-01\ntags: [[a]]\n---\n", "h.md": "", "i.md": b"\x00\x01",
        "j.md": "---\ntitle: J\ndate: 2025-01-01\ntitle: J\n---\n", "k.md": "---\ntitle: &k K\n---\n",
        "con.md": "---\ntitle: Con\ndate: 2025-01-01\n---\n", "l.md": "---\ndate: 2025-01-01\n---\n",
    }
    for name, text in bad.items():
        site.write_article_file(name, text)
    errors = load_articles(site.articles_dir).errors
    assert sorted(e.path.name for e in errors) == sorted(bad)
    for error in errors:
        assert error.hint, str(error)


# ---- 8. fuzzing: generated input loads or is an input error naming its file -------------------

import datetime as dt  # noqa: E402  (the fuzz tests' own imports, kept with them)
import os  # noqa: E402
import tempfile  # noqa: E402

import yaml  # noqa: E402
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from sitegen.model import Article  # noqa: E402

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ARTICLE_KEYS = ["title", "date", "source", "url", "author", "tags", "summary", "caption", "extra"]
JUDGEMENT_KEYS = ["name", "type", "aliases", "same_as", "not_same", "ignore", "wikipedia", "nmae"]
# Characters YAML and Markdown give meaning to, so generated text hits their corners.
SYNTAX = "-:#&*!|>'\"%@`{}[],?\n\t \\<>_=~()0123456789aZé€\u202e\x00\x1b"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                    st.text(max_size=30), st.dates(min_value=dt.date(1, 1, 1)), st.datetimes())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) |
                      st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
yaml_noise = st.text(alphabet=SYNTAX, max_size=120)


def _front(meta: dict) -> str:
    return yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)


def _loads_or_names_the_problem(text: str) -> None:
    try:
        article = _parse(text)
    except frontmatter.FrontMatterError as error:
        assert str(error), "an input error must say what is wrong"
        assert error.line is None or error.line >= 1
    else:
        assert isinstance(article, Article) and article.title and isinstance(article.date, dt.date)
        assert all(isinstance(t, str) and t for t in article.tags)
        for value in (article.source, article.url, article.author, article.summary, article.caption):
            assert value is None or isinstance(value, str)


@FUZZ
@given(st.dictionaries(st.sampled_from(ARTICLE_KEYS), values, max_size=8))
def test_fuzzed_front_matter_values_load_or_are_input_errors(meta):
    _loads_or_names_the_problem(f"---\n{_front(meta)}---\n\nText.\n")


@FUZZ
@given(yaml_noise)
def test_fuzzed_front_matter_text_loads_or_is_an_input_error(noise):
    _loads_or_names_the_problem(f"---\ntitle: T\ndate: 2025-01-02\n{noise}\n---\n\nText.\n")
    _loads_or_names_the_problem(f"---\n{noise}\n---\n\nText.\n")
    _loads_or_names_the_problem(noise)


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300) |
       st.text(alphabet=SYNTAX + "*_#>[]()!", max_size=300))
def test_fuzzed_markdown_body_renders(body):
    from sitegen.content.markup import render_html

    text = f"---\n{_front({'title': 'T', 'date': dt.date(2025, 1, 2), 'caption': body[:20]})}---\n\n{body}"
    if "\0" in body:  # read as a binary file, refused as such
        assert "binary" in str(_refused(text))
        return
    article = _parse(text)
    assert isinstance(article.text, str)
    assert isinstance(render_html(article.body), str)


@FUZZ
@given(st.binary(max_size=200))
def test_fuzzed_bytes_load_or_are_input_errors(data):
    try:
        parse_article(Path("x.md"), "x", b"---\ntitle: T\ndate: 2025-01-02\n---\n" + data)
        parse_article(Path("x.md"), "x", data)
    except frontmatter.FrontMatterError as error:
        assert str(error)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(JUDGEMENT_KEYS), values | st.lists(st.sampled_from(
    ["Daesh", "Islamic State", "ISIS", "the Daesh", "Anna Berg"]), max_size=3), max_size=6), min_size=1, max_size=4),
    st.lists(yaml_noise, max_size=2))
def test_fuzzed_judgement_files_load_or_are_input_errors(metas, noises):
    from sitegen.content.judgements import load_judgements

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content" / "entities"
        folder.mkdir(parents=True)
        texts = [f"---\n{_front(meta)}---\nA note.\n" for meta in metas] + [f"---\n{n}\n---\n" for n in noises]
        for i, text in enumerate(texts):
            (folder / f"e{i}.md").write_text(text, encoding="utf-8")
        loaded = load_judgements(folder)
        for problem in loaded.errors + loaded.warnings:
            assert problem.path.parent == folder and str(problem)
        reported = {e.path for e in loaded.errors}
        assert len(loaded.judgements) + len(reported) <= len(texts)
        for j in loaded.judgements:
            assert isinstance(j.name, str) and j.name
            assert all(isinstance(n, str) for n in j.aliases + j.same_as + j.not_same)


@FUZZ
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\0"), min_size=1, max_size=90),
                min_size=1, max_size=4))
def test_an_article_id_that_passes_the_screen_can_be_written(parts):
    """Whatever id is not refused can be the folder of a page and the name of a text file."""
    from sitegen.urls import article_id_problem

    article_id = "/".join(parts)
    if article_id_problem(article_id) is not None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp, "articles", *parts, "index.html")
        page.parent.mkdir(parents=True)
        page.write_bytes(b"page")
        text = Path(tmp, "data", "text", *parts[:-1], parts[-1] + ".txt")
        text.parent.mkdir(parents=True)
        text.write_bytes(b"text")


fuzzed_article = st.fixed_dictionaries(
    {"title": st.text(min_size=1, max_size=40), "date": st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))},
    optional={"tags": st.lists(st.text(max_size=10), max_size=3), "caption": st.text(max_size=60),
              "summary": values, "author": values})
fuzzed_body = st.lists(st.sampled_from([
    "Anna Berg met Erik Berg in Oslo.", "The **United Nations** said", "# Heading", "> quote", "- item",
    "[link](http://x)", "`code`", "<script>x</script>", "\u202e", "Daesh", "ISIS", "Berg", "\n\n", "|a|b|\n|-|-|",
]), max_size=12).map(" ".join)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(fuzzed_article, fuzzed_body), min_size=1, max_size=4),
       st.lists(st.dictionaries(st.sampled_from(JUDGEMENT_KEYS), values | st.sampled_from(
           ["Daesh", "Islamic State", "Berg", ["Anna Berg"], ["ISIS", "Daesh"]]), max_size=5), max_size=3),
       yaml_noise)
def test_a_fuzzed_site_builds_and_reports_only_input_errors(nlp, articles, judgements, noise):
    from sitegen.build import BuildOptions, build

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "content" / "articles").mkdir(parents=True)
        (root / "content" / "entities").mkdir()
        for i, (meta, body) in enumerate(articles):
            (root / "content" / "articles" / f"a{i}.md").write_text(f"---\n{_front(meta)}---\n\n{body}\n",
                                                                     encoding="utf-8")
        (root / "content" / "articles" / "noise.md").write_text(f"---\n{noise}\n---\nText.\n", encoding="utf-8")
        for i, meta in enumerate(judgements):
            (root / "content" / "entities" / f"e{i}.md").write_text(f"---\n{_front(meta)}---\nA note.\n",
                                                                     encoding="utf-8")
        result = build(root, BuildOptions(offline=True, nlp_loader=lambda: nlp))
        for error in result.errors:
            assert error.path.is_relative_to(root / "content") and str(error)
        built = {a.id for a in result.site.articles}
        failed = {e.path.stem for e in result.errors if e.path.parent.name == "articles"}
        assert built | failed == {f"a{i}" for i in range(len(articles))} | {"noise"}
        for aid in built:
            assert (root / "output" / "articles" / aid / "index.html").is_file()


def test_an_edit_in_a_symlinked_folder_is_not_up_to_date(make_site, build_site):
    """Now that linked folders are read, a change inside one must rebuild the site."""
    site = _good_site(make_site)
    archive = site.root / "archive"
    archive.mkdir()
    old = archive / "old.md"
    old.write_text(article_text("Old title", "2024-01-02", "Text."), encoding="utf-8")
    (site.articles_dir / "archive").symlink_to(archive, target_is_directory=True)
    assert build_site(site).ok
    old.write_text(article_text("New title", "2024-01-02", "Text."), encoding="utf-8")
    result = build_site(site)
    assert not result.up_to_date
    assert "New title" in site.article_page("archive/old")


def test_article_key_close_to_a_known_one_is_warned_about(make_site, build_site):
    """'tag:' for 'tags:' was ignored silently; keys of other tools (layout:) stay quiet."""
    site = _good_site(make_site)
    site.write_article_file("typo.md", "---\ntitle: Typo\ndate: 2025-01-02\ntag: [Syria]\nlayout: post\n"
                                       "Author: Jo\n---\n\nText.\n")
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    found = [w for w in result.warnings if "typo.md" in w]
    assert len(found) == 2, result.warnings
    assert "typo.md:4: unknown key 'tag' ignored" in found[0] and "did you mean 'tags'" in found[0]
    assert "typo.md:6:" in found[1] and "did you mean 'author'" in found[1]


def test_entity_file_problems_on_the_command_line(make_site, cli):
    """Errors exit 1 and name file and line; warnings do not stop the site."""
    site = _good_site(make_site)
    site.add_note("a-schmidt", name="Hannah Schmidt", same_as=["H. Schmidt"], colour="red")
    site.add_note("b-schmidt", name="H. Schmidt", same_as=["Hannah Schmidt"])
    site.add_note("berlin", name="Berlin", not_same=["Berlin"])
    result = cli("build", site.root, "--offline")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, result.stderr
    assert any("a-schmidt.md:3: circular same_as" in e and "b-schmidt.md" in e for e in errors), errors
    assert any("berlin.md:3: not_same names 'Berlin'" in e for e in errors), errors
    assert re.search(r"warning: .*a-schmidt\.md:4: unknown key 'colour' ignored", result.stderr), result.stderr
    assert (site.output / "articles" / "good" / "index.html").is_file()
    assert "Hannah Schmidt" in {e["name"] for e in site.entities()}


def test_file_names_not_valid_utf8_on_the_command_line(make_site, cli):
    """A non-UTF-8 file name crashed the up-to-date check with a traceback before any
    file was read."""
    site = _good_site(make_site)
    folder = bytes(site.articles_dir)
    with open(folder + b"/caf\xe9.md", "wb") as f:
        f.write(article_text("Latin-1 name", "2025-01-02", "Anna Berg won.").encode("utf-8"))
    with open(folder + b"/n\xe9tes.txt", "wb") as f:
        f.write(b"notes")
    site.entities_dir.mkdir()
    with open(bytes(site.entities_dir) + b"/b\xe9rg.md", "wb") as f:
        f.write(b"---\nname: Anna Berg\n---\n")
    result = cli("build", site.root, "--offline")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and all("not valid UTF-8" in e for e in errors), result.stderr
    assert "caf" in errors[0] and "b\\udce9rg.md" in errors[1]
    assert (site.output / "articles" / "good" / "index.html").is_file()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab.-_ é"), min_size=1, max_size=6)
                .filter(lambda part: part not in (".", "..")), min_size=1, max_size=3))
def test_an_articles_id_is_its_path_without_suffix_as_pathlib_says(parts):
    """The id is worked out on strings for speed: it must be what pathlib gives, dots and all."""
    from sitegen.content.articles import article_id

    root = Path("/site/content/articles")
    path = root.joinpath(*parts)
    assert article_id(root, path) == path.relative_to(root).with_suffix("").as_posix()
