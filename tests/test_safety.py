"""Untrusted text never becomes markup, and no name or id can write outside output/."""
from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.errors import OutputError
from sitegen.output.write import safe_relative, write_site
from sitegen.slugs import MAX_LENGTH, SlugRegistry, slugify

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
SEGMENT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


# The theme's own scripts: its static files, and JSON data blocks (structured data, link
# previews) whose text may hold no "<" at all, so article text can never close them.
_THEME_SCRIPT = re.compile(
    r'<script (?:src="(?:\.\./)*static/[a-z]+\.js" defer|type="application/(?:ld\+)?json"(?: id="[a-z-]+")?)>'
    r"(.*?)</script>", re.DOTALL)


def _without_theme_scripts(html: str, where: str) -> str:
    def check(match: re.Match) -> str:
        assert "<" not in match.group(1), f"'<' inside a data script in {where}"
        if match.group(1):
            json.loads(match.group(1))
        return ""
    return _THEME_SCRIPT.sub(check, html)


def _assert_no_live_markup(html: str, where: str) -> None:
    # Text is fine ("&lt;script&gt;" is what a reader should see, and "onerror=" inside
    # an escaped, quoted attribute value is text too); markup is not.
    html = _without_theme_scripts(html, where)
    assert "<script" not in html.lower(), f"raw <script in {where}"
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "img", "iframe", "object", "embed"), f"<{tag}> in {where}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name}= on <{tag}> in {where}"
            if name in ("href", "src", "action") and value:
                assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), \
                    f"{name}={value!r} on <{tag}> in {where}"


# ---- escaping -----------------------------------------------------------------------------


@pytest.fixture
def hostile_site(make_site, build_site):
    site = make_site()
    site.add_article(
        "hostile",
        title=f"Mayor {SCRIPT} speaks {IMG}",
        date="2025-04-05",
        body=(
            f"Hannah Schmidt visited a school in Berlin on Monday. {SCRIPT}\n\n"
            f"Schmidt met the students. {IMG}\n\n"
            "<div onclick=\"alert(2)\">A raw block of HTML</div>\n\n"
            "A [link](javascript:alert(3)) and an ![image](javascript:alert(4)) too."
        ),
        caption=f"Hannah Schmidt in Berlin. {SCRIPT} {IMG}",
        summary=f"Summary {SCRIPT}",
        source=f"Agency {IMG}",
        author=f"Reporter {SCRIPT}",
        tags=[f"tag {SCRIPT}", "politics"],
        url="javascript:alert(5)",
    )
    # An editor's note can rename an entity: the name is untrusted too, and so is the note.
    site.add_note(
        "schmidt",
        name=f"Hannah {SCRIPT} Schmidt {IMG}",
        aliases=["Hannah Schmidt"],
        body=f"Checked by the desk. {SCRIPT}\n\n{IMG}",
    )
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    return site


def test_no_raw_script_or_handler_in_any_page(hostile_site):
    pages = hostile_site.html_files()
    assert len(pages) >= 5
    for page in pages:
        _assert_no_live_markup(page.read_text(encoding="utf-8"), str(page.relative_to(hostile_site.output)))


def test_hostile_text_is_shown_escaped(hostile_site):
    article = hostile_site.article_page("hostile")
    # The reader sees the text as written: escaped, not dropped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert "&lt;img src=x onerror=alert(1)&gt;" in article
    assert "A raw block of HTML" in article and "&lt;div" in article
    # The caption is shown, escaped too.
    assert article.count("&lt;script&gt;") >= 3  # title, body, caption


def test_hostile_entity_name_and_note_are_escaped(hostile_site):
    entity = next(e for e in hostile_site.entities() if e["type"] == "person" and "Schmidt" in e["name"])
    assert entity["name"] == f"Hannah {SCRIPT} Schmidt {IMG}"
    # The URL of the dossier is a plain slug, whatever the name.
    folder, slug = entity["id"].split("/")
    assert folder == "people" and SEGMENT.match(slug), entity["id"]
    page = hostile_site.page(entity["url"])
    assert "Hannah &lt;script&gt;alert(1)&lt;/script&gt; Schmidt" in page
    assert "Checked by the desk." in page
    _assert_no_live_markup(page, entity["url"])


def test_raw_html_in_markdown_is_text_by_default(make_site, build_site):
    site = make_site()
    site.add_article("raw", title="Raw", body="Some <b>bold</b> words.\n\n<em>emphasis</em>\n\n**real bold**")
    build_site(site)
    page = site.article_page("raw")
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;em&gt;emphasis&lt;/em&gt;" in page
    assert "<b>bold</b>" not in page and "<em>emphasis</em>" not in page
    assert "<strong>real bold</strong>" in page
    # The plain text NER reads keeps the tags as written, so offsets match the page.
    text = (site.output / "data" / "text" / "raw.txt").read_text(encoding="utf-8")
    assert "<b>bold</b>" in text


def test_allow_html_lets_raw_html_through(make_site, build_site):
    site = make_site()
    site.write_config("allow_html = true\n")
    site.add_article("raw", title="Raw", body="Some <b>bold</b> words.")
    build_site(site)
    assert "<b>bold</b>" in site.article_page("raw")


# ---- slugs --------------------------------------------------------------------------------

AWKWARD_NAMES = [
    "../../etc",
    "..",
    ".",
    "/etc/passwd",
    "C:\\Windows\\System32",
    "con",
    "CON",
    "Con",
    "nul",
    "com1",
    "LPT9",
    "",
    "   ",
    "x" * 300,
    "!!!",
    "Café",
    "Cafe",
    "محمد بن سلمان",
    "Владимир Путин",
    "習近平",
    "a/b",
    "name\0with nul",
    "Ahmed al-Sharaa",
    "-leading and trailing-",
    "🙂",
]


def _assert_safe_segment(slug: str, name: str) -> None:
    assert slug, f"empty slug for {name!r}"
    assert len(slug) <= MAX_LENGTH <= 80, f"{len(slug)} characters for {name!r}"
    assert SEGMENT.match(slug), f"{slug!r} (from {name!r}) is not a plain path segment"
    assert slug not in (".", "..") and "/" not in slug and "\\" not in slug
    assert slug.casefold() not in WINDOWS_RESERVED, f"{slug!r} is a reserved Windows name"


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_slugify_gives_one_safe_segment(name):
    _assert_safe_segment(slugify(name), name)


def test_slugify_examples():
    assert slugify("Ahmed al-Sharaa") == "ahmed-al-sharaa"
    assert slugify("../../etc") == "etc"
    assert slugify("Café") == "cafe"
    assert slugify("con") != "con"
    assert len(slugify("x" * 300)) == 80


def test_slugify_is_stable_and_distinguishes_unlatin_names():
    arabic, other = "محمد بن سلمان", "عبد الله"
    assert slugify(arabic) == slugify(arabic)
    assert slugify(arabic) != slugify(other)
    assert slugify("!!!") != slugify("???")


def test_registry_hands_out_distinct_safe_slugs():
    registry = SlugRegistry()
    slugs = [registry.claim(name) for name in AWKWARD_NAMES]
    assert len(set(slugs)) == len(slugs), slugs
    for slug, name in zip(slugs, AWKWARD_NAMES):
        _assert_safe_segment(slug, name)
    # Casing and accents aside, these are distinct names: distinct pages.
    cafe, plain = slugs[AWKWARD_NAMES.index("Café")], slugs[AWKWARD_NAMES.index("Cafe")]
    assert cafe != plain and {cafe, plain} == {"cafe", "cafe-2"}


def test_registry_slugs_stay_within_the_length_limit():
    """Two long names alike in their first 80 characters still get slugs of at most 80."""
    registry = SlugRegistry()
    first = "International Committee " * 10
    second = first + "of Experts"
    for name in (first, second, first.upper(), "x" * 300, "x" * 301, "X" * 90):
        _assert_safe_segment(registry.claim(name), name)


# ---- paths inside output/ ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../b", "..", "", ".", "a\\..\\b", "a/./b/../c"])
def test_safe_relative_refuses_paths_leaving_the_folder(path):
    with pytest.raises(OutputError):
        safe_relative(path)


@pytest.mark.parametrize("path", ["index.html", "people/maria-lopez/index.html", "data/text/2025/a b.txt"])
def test_safe_relative_accepts_plain_paths(path):
    assert safe_relative(path).as_posix() == path


def test_write_site_refuses_an_escaping_path_and_writes_nothing_outside(tmp_path):
    output = tmp_path / "output"
    with pytest.raises(OutputError):
        write_site(output, {"index.html": b"ok", "../escaped.txt": b"bad"})
    assert not (tmp_path / "escaped.txt").exists()
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_every_output_file_stays_inside_output(make_site, build_site):
    site = make_site()
    site.add_article("2025/04/visit", title="Visit", date="2025-04-01",
                     body="Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students.")
    site.add_article("Café news", title="Café", date="2025-04-02",
                     body="Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues.")
    # "con" itself is refused when read (a Windows device name, see test_input_hardening);
    # a name that only starts like one is an ordinary name.
    site.add_article("console", title="Nearly reserved name", date="2025-04-03",
                     body="Erik Berg, a footballer, scored twice in Oslo. Berg celebrated with the fans.")
    site.add_note("weird", name="../../../outside", aliases=["Erik Berg"])
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    output = site.output.resolve()
    files = []
    for folder, dirs, names in os.walk(output):
        for name in dirs + names:
            path = Path(folder, name)
            assert not path.is_symlink(), path
            assert path.resolve().is_relative_to(output), path
            if path.is_file():
                files.append(path)
    assert len(files) > 10
    # Nothing was written beside the site folder or above it.
    assert sorted(p.name for p in site.root.parent.iterdir()) == [site.root.name]
    assert sorted(p.name for p in site.root.iterdir()) == [".sitegen", "content", "output"]
    erik = next(e for e in site.entities() if "Erik Berg" in e["aliases"] or e["name"] == "Erik Berg")
    assert erik["name"] == "../../../outside"
    assert erik["id"] == "people/outside"
    assert (output / "people" / "outside" / "index.html").is_file()
    # Every path written in entities.json is a page that exists inside output/.
    for entity in site.entities():
        assert (output / entity["url"] / "index.html").resolve().is_file()
    for article in site.entities_json()["articles"]:
        assert (output / article["url"] / "index.html").resolve().is_file()
