"""The dossier pictures drawn at build time: the timeline and the co-mention network."""
from __future__ import annotations

import datetime as dt
import re
from xml.etree import ElementTree

from hypothesis import given, strategies as st

from sitegen.config import SiteConfig
from sitegen.site.pages import MONTHS
from sitegen.site.pictures import network_svg, timeline_svg
from sitegen.site.pictures.network import Node, shared_counts
from sitegen.site.pictures.timeline import Dated
from sitegen.site.render import render_site
from test_render import make_site, page

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> list[ElementTree.Element]:
    return ElementTree.fromstring(svg).findall(f"{SVG}a")


def _anchor(article_id: str) -> str:
    return "#" + article_id


def test_timeline_by_month_keeps_empty_months():
    items = [Dated(dt.date(2025, 1, 5), 2, "January piece", "a"),
             Dated(dt.date(2025, 1, 20), 3, "Later January piece", "b"),
             Dated(dt.date(2025, 4, 2), 1, "April piece", "c")]
    asked = []
    picture = timeline_svg(items, MONTHS, lambda article_id: asked.append(article_id) or f"#in-{article_id}")
    links = bars(picture.svg)
    assert [a.get("aria-label") for a in links] == ["January 2025: 5 mentions in 2 articles",
                                                     "April 2025: 1 mention in 1 article"]
    assert links[0].get("href") == "#in-b"  # the month's newest article
    assert asked == ["b", "c"]  # for the bars drawn only: a large dossier has thousands of articles
    heights = [float(a.find(f"{SVG}rect").get("height")) for a in links]
    assert heights[0] == 5 * heights[1]  # bars are to scale
    xs = [float(a.find(f"{SVG}rect").get("x")) for a in links]
    slot = (xs[1] - xs[0]) / 3  # February and March keep their places
    assert slot > 0
    assert picture.summary == ("6 mentions in 3 articles from 5 January 2025 to 2 April 2025; "
                               "the most in January 2025 (5).")


def test_timeline_unit_follows_the_span():
    day = timeline_svg([Dated(dt.date(2025, 3, 1), 1, "a", "a"), Dated(dt.date(2025, 3, 9), 1, "b", "b")], MONTHS, _anchor)
    assert "1 March 2025: 1 mention" in day.svg and "9 March 2025" in day.svg
    years = timeline_svg([Dated(dt.date(2010, 3, 1), 1, "a", "a"), Dated(dt.date(2025, 3, 9), 4, "b", "b")], MONTHS,
                         _anchor)
    assert [a.get("aria-label") for a in bars(years.svg)] == ["2010: 1 mention in 1 article",
                                                               "2025: 4 mentions in 1 article"]
    assert timeline_svg([], MONTHS, _anchor) is None


def test_timeline_text_is_escaped():
    picture = timeline_svg([Dated(dt.date(2025, 3, 1), 1, "<script>", '"x'),
                            Dated(dt.date(2025, 3, 1), 1, "b", "b")], MONTHS, _anchor)
    assert "<script>" not in picture.svg
    ElementTree.fromstring(picture.svg)  # well-formed


def test_network_places_the_strongest_first_and_links_each_neighbour():
    def node(i, kind="person"):
        return Node(f"people/p{i}", f"Person {i} with a very long name indeed", kind, kind, f"../p{i}/")
    neighbours = [(node(i), 10 - i) for i in range(6)]
    related = {"people/p1": (("people/p2", 3),)}
    picture = network_svg(Node("people/me", "Me <b>", "person", "person", "./"), neighbours, shared_counts(related))
    root = ElementTree.fromstring(picture.svg)
    links = root.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == [f"../p{i}/" for i in range(6)]
    assert links[0].get("aria-label") == "Person 0 with a very long name indeed (person): 10 shared articles"
    first = links[0].find(f"{SVG}circle")
    assert float(first.get("cx")) == 320.0 and float(first.get("cy")) < 200  # twelve o'clock
    # Long names wrap onto lines of whole words, so the visible text stays in the link's name.
    lines = [t.text for t in links[0].find(f"{SVG}text")]
    assert lines == ["Person 0 with a ", "very long name ", "indeed"]
    between = root.findall(f"{SVG}path[@class='edge edge-between']")
    assert [p.get("d").count("M") for p in between] == [1]  # only p1 and p2 share articles
    assert "Me &lt;b&gt;" in picture.svg
    assert picture.summary.startswith("Most often in the same articles as Me <b>: Person 0")
    assert network_svg(node(9), [], shared_counts({})) is None


def test_dossier_shows_both_pictures(tmp_path):
    files = render_site(make_site(), SiteConfig(site_dir=tmp_path))
    html = page(files, "people/donald-trump/index.html")
    assert html.count('<svg class="chart') == 2
    # Timeline bars lead to the article's group of mentions on the same page.
    fragments = re.findall(r'<a href="#([^"]+)" aria-label="[^"]*mention', html)
    assert len(fragments) == 3  # three articles, three years apart or more: one bar each
    for fragment in fragments:
        assert f'id="{fragment}"' in html
    # Network nodes lead to other dossiers.
    assert 'href="../../places/ankara/" aria-label="Ankara (place): 2 shared articles"' in html
    # An entity with nobody beside it (no related entities in this hand-made site) gets
    # no network, only a timeline.
    lonely = page(files, "people/ocalan/index.html")
    assert lonely.count('<svg class="chart') == 1 and "Mentions over time" in lonely


@given(st.dictionaries(st.sampled_from("abcdef"),
                       st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(1, 9)), max_size=6), max_size=6))
def test_shared_counts_read_the_first_side_that_lists_the_other(related):
    """One side's count of the other if it lists it, else the other side's, else 0."""
    def scanned(a, b):
        for first, second in ((a, b), (b, a)):
            for other, count in related.get(first, ()):
                if other == second:
                    return count
        return 0

    shared = shared_counts(related)
    for a in "abcdef":
        for b in "abcdef":
            assert shared(a, b) == scanned(a, b)


def test_lines_between_neighbours_are_to_scale_among_themselves():
    """Two capitals in a small name's picture share thousands of articles, the name a few
    with each: the lines between neighbours stay within the picture's widths (the pair
    sharing most drawn widest), and one more shared article moves none of them."""
    def node(i):
        return Node(f"places/p{i}", f"Place {i}", "place", "place", f"../p{i}/")
    neighbours = [(node(i), 3 - i) for i in range(3)]  # the centre shares 3, 2 and 1 articles

    def widths(capitals: int) -> list[float]:
        related = {"places/p0": (("places/p1", capitals), ("places/p2", capitals // 2))}
        picture = network_svg(node(9), neighbours, shared_counts(related))
        return sorted(float(p.get("stroke-width")) for p in
                      ElementTree.fromstring(picture.svg).findall(f"{SVG}path[@class='edge edge-between']"))

    assert widths(6000) == [2.0, 3.5]
    assert widths(6001) == widths(6000)
    assert max(widths(2)) <= 3.5
