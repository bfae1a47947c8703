"""The files hosts, crawlers and spreadsheets read are right whatever the settings and notes say."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from sitegen.config import load_config
from sitegen.errors import ConfigError
from sitegen.site.hosting import atom_feed, robots_txt, sitemap
from sitegen.site.redirects import Redirect, redirect_files


@pytest.mark.parametrize("base_url, complaint", [
    ("https://example.org/news/\nDisallow: /", "control characters"),
    ("https://example.org/news/\r\nSitemap: https://evil.example/x", "control characters"),
    ("https://example.org/my news/", "spaces"),
    ("https://example.org/news/\t", "control characters"),
    ('https://example.org/"><script>/', "'\"'"),
    ("https://example.org/<news>/", "'<'"),
    ("https://example.org/a\\b/", "'\\\\'"),
    ("ftp://example.org/", "public address"),
    ("example.org/news/", "public address"),
    ("https://example.org/?page=1", "public address"),
    ("https://user:secret@example.org/", "user name or password"),
    ("https://[::1/", "public address"),
    ("https://example.org/100%/", "%25"),
])
def test_a_base_url_that_could_inject_lines_or_markup_is_refused(tmp_path, base_url, complaint):
    (tmp_path / "sitegen.toml").write_text(f"base_url = {json.dumps(base_url)}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    message = str(raised.value)
    assert "sitegen.toml" in message and "'base_url'" in message and complaint in message, message
    assert "\n" not in message  # the bad value is shown quoted, never printed raw


def test_a_base_url_with_letters_outside_ascii_is_percent_encoded(tmp_path):
    (tmp_path / "sitegen.toml").write_text('base_url = "https://bücher.example/presse/düsseldorf"\n',
                                           encoding="utf-8")
    assert load_config(tmp_path).base_url == "https://xn--bcher-kva.example/presse/d%C3%BCsseldorf/"


def test_a_bad_base_url_stops_the_build_with_exit_2(make_site, cli):
    site = make_site()
    site.add_article("a", body="Angela Merkel visited Paris.")
    site.write_config('base_url = "https://example.org/news/\\nDisallow: /"\n')
    done = cli("build", site.root, "--offline")
    assert done.returncode == 2
    assert "'base_url'" in done.stderr and "Traceback" not in done.stderr
    assert not site.output.exists()


# A base_url that reached the writers without passing through sitegen.toml (a caller's
# own SiteConfig) must still not break the syntax of any file.
RAW_BASE = 'https://example.org/a b"<x>\nDisallow: /\n'


def test_robots_txt_names_the_sitemap_on_one_line():
    lines = robots_txt(RAW_BASE).decode().splitlines()
    assert lines == ["User-agent: *", "Allow: /", "", "Sitemap: https://example.org/a%20b%22%3Cx%3E%0ADisallow:%20/%0A/sitemap.xml"]


def test_redirect_rules_hold_exactly_three_fields_per_line():
    files = redirect_files([Redirect("people/old/", "people/new/", "New")], RAW_BASE, "T")
    rules = files["_redirects"].decode().splitlines()
    assert rules == ["/a%20b%22%3Cx%3E%0ADisallow:%20/%0A/people/old/ /a%20b%22%3Cx%3E%0ADisallow:%20/%0A/people/new/ 301",
                     "/a%20b%22%3Cx%3E%0ADisallow:%20/%0A/people/old/mentions/* "
                     "/a%20b%22%3Cx%3E%0ADisallow:%20/%0A/people/new/ 301"]
    page = files["people/old/index.html"].decode()
    canonical = re.search(r'<link rel="canonical" href="([^"]*)">', page).group(1)
    assert canonical == "https://example.org/a%20b%22%3Cx%3E%0ADisallow:%20/%0A/people/new/"


def test_sitemap_and_feed_hold_only_encoded_addresses():
    from xml.etree import ElementTree

    locs = [el.text for el in ElementTree.fromstring(sitemap(RAW_BASE, [("people/x/", None)])).iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs == ["https://example.org/a%20b%22%3Cx%3E%0ADisallow:%20/%0A/people/x/"]
    feed = ElementTree.fromstring(atom_feed("T", RAW_BASE, []))
    assert feed.find("{http://www.w3.org/2005/Atom}id").text == "https://example.org/a%20b%22%3Cx%3E%0ADisallow:%20/%0A/"


def test_a_site_under_an_encoded_sub_path_passes_the_check(make_site, build_site):
    from sitegen.check.site import check_site

    site = make_site()
    site.add_article("a", body="Angela Merkel visited Paris.")
    site.add_note("merkel", name="Angela Merkel", type="person", same_as=["Merkel"], aliases=["Mutti"])
    site.write_config('base_url = "https://example.org/presse/düsseldorf/"\n')
    assert build_site(site).ok
    rules = (site.output / "_redirects").read_text(encoding="utf-8")
    assert "/presse/d%C3%BCsseldorf/people/mutti/ /presse/d%C3%BCsseldorf/people/angela-merkel/ 301" in rules
    assert "Sitemap: https://example.org/presse/d%C3%BCsseldorf/sitemap.xml" in \
        (site.output / "robots.txt").read_text(encoding="utf-8")
    report = check_site(site.output)
    assert report.ok, [str(p) for p in report.problems]


def test_check_refuses_a_bad_base_url_plainly(make_site, cli):
    site = make_site()
    site.output.mkdir()
    done = cli("check", site.output, "--base-url", "https://example.org/a b/")
    assert done.returncode == 2 and done.stderr.startswith("error: --base-url must not contain spaces")


NOTE = 'Runs Smith & Sons <Ltd> with her "partner" and O\'Brien\'s crew.'


def test_an_editors_note_is_plain_text_in_the_csv_and_the_link_previews(make_site, build_site):
    site = make_site()
    site.add_article("visit", title="A visit", body="Angela Merkel visited Paris on Monday.")
    site.add_note("merkel", NOTE, name="Angela Merkel", type="person")
    assert build_site(site).ok
    rows = list(csv.reader(io.StringIO((site.output / "data" / "entities.csv").read_text(encoding="utf-8-sig"))))
    row = dict(zip(rows[0], next(r for r in rows if r[1] == "Angela Merkel")))
    assert row["description"] == NOTE
    article = site.article_page("visit")
    previews = json.loads(re.search(r'<script type="application/json" id="entity-previews">(.*?)</script>',
                                    article, re.S).group(1))
    assert previews["../../people/angela-merkel/"]["description"] == NOTE
    # In HTML the note is escaped exactly once.
    dossier = site.page("people/angela-merkel/")
    assert '<meta name="description" content="Runs Smith &amp; Sons &lt;Ltd&gt; with her &#34;partner&#34;' in dossier \
        or '<meta name="description" content="Runs Smith &amp; Sons &lt;Ltd&gt; with her &quot;partner&quot;' in dossier
    assert "&amp;amp;" not in dossier and "&amp;lt;" not in dossier
