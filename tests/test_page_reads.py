"""Recorded page dependencies: a page's bytes are a function of the inputs it recorded.

Every page of the sample site is rendered with its reads recorded; then the site is
edited (an entity renamed or mentioned again, an article retitled or redated, a quoted
sentence reworded, a related count moved, reference data changed, a setting changed...)
and rendered again. A page whose recorded inputs all have the same value in both sites
must come out byte for byte the same: otherwise it read something without recording it.
And the preview's incremental render re-renders exactly the pages one of whose recorded
inputs changed, with the bytes of a clean render.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.config import SiteConfig
from sitegen.incremental import Memo
from sitegen.incremental.pages import render_pages
from sitegen.model import Entity, Reference, Site
from sitegen.site import pages as site_pages, paging
from sitegen.site.render import render_site
from sitegen.site.view import SiteView

from test_render import _article, _mention, make_site


def render(site: Site, config: SiteConfig, strategy=None):
    """(the build's SiteData, output file -> RenderedPage, pages rendered, all files)."""
    seen = {}

    def capture(data, plans, render_some):
        def counting(chosen):
            seen["rendered"] = [p.path for p in chosen]
            return render_some(chosen)
        pages = strategy(data, plans, counting) if strategy else counting(plans)
        seen["data"], seen["pages"] = data, {p.file: p for p in pages}
        return pages

    files = render_site(site, config, render_pages=capture)
    return seen["data"], seen["pages"], seen.get("rendered", []), files


# --- edits, one per kind of input -------------------------------------------------------


def _entity(site: Site, entity_id: str) -> Entity:
    return next(e for e in site.entities if e.id == entity_id)


def _replace_entity(site: Site, new: Entity) -> Site:
    return dataclasses.replace(site, entities=tuple(new if e.id == new.id else e for e in site.entities))


def rename_entity(site, config):
    return _replace_entity(site, dataclasses.replace(_entity(site, "places/moscow"), name="Moskva")), config


def mention_again(site, config):
    putin = _entity(site, "people/vladimir-putin")
    return _replace_entity(site, dataclasses.replace(putin, mentions=putin.mentions * 2)), config


def reword_sentence(site, config):
    trump = _entity(site, "people/donald-trump")
    first = dataclasses.replace(trump.mentions[0], sentence=trump.mentions[0].sentence + " Indeed.")
    return _replace_entity(site, dataclasses.replace(trump, mentions=(first, *trump.mentions[1:]))), config


def describe_entity(site, config):
    ankara = _entity(site, "places/ankara")
    reference = Reference("Ankara", "https://en.wikipedia.org/wiki/Ankara", "Q3640", description="capital of Turkey",
                          coordinates=(39.93, 32.86))
    return _replace_entity(site, dataclasses.replace(ankara, reference=reference)), config


def note_on_entity(site, config):
    sharaa = _entity(site, "people/ahmed-al-sharaa")
    return _replace_entity(site, dataclasses.replace(sharaa, note_html="<p>President of Syria.</p>")), config


def retitle_article(site, config):
    articles = tuple(dataclasses.replace(a, title="Putin and Trump, again") if a.id == "old-news" else a
                     for a in site.articles)
    return dataclasses.replace(site, articles=articles), config


def redate_article(site, config):
    articles = tuple(dataclasses.replace(a, date=dt.date(2025, 12, 1)) if a.id == "old-news" else a
                     for a in site.articles)
    return dataclasses.replace(site, articles=articles), config


def reword_article(site, config):
    articles = tuple(dataclasses.replace(a, body=a.body.replace("spoke to", "phoned")) if a.id == "old-news" else a
                     for a in site.articles)
    return dataclasses.replace(site, articles=articles), config


def move_related(site, config):
    related = dict(site.related)
    related["people/donald-trump"] = (("places/ankara", 3), ("people/ahmed-al-sharaa", 1), ("places/moscow", 1))
    related["places/ankara"] = (("people/donald-trump", 3), ("places/moscow", 1))
    related["places/moscow"] = (("places/ankara", 1),)
    return dataclasses.replace(site, related=related), config


def name_without_page(site, config):
    mr_bad = _entity(site, "people/mr-bad")
    return dataclasses.replace(site, entities=tuple(e for e in site.entities if e.id != mr_bad.id),
                               without_page=(mr_bad,)), config


def mention_in_new_article(site, config):
    """A new article, the newest, naming Trump: on a paged dossier, new mentions at the newest end."""
    new = _article("newest", "Trump again", dt.date(2025, 12, 2), "Donald Trump spoke again on Tuesday.")
    mention = _mention(new, "Donald Trump", "people/donald-trump")
    trump = _entity(site, "people/donald-trump")
    trump = dataclasses.replace(trump, mentions=(mention, *trump.mentions), articles=(new.id, *trump.articles))
    site = _replace_entity(site, trump)
    return dataclasses.replace(site, articles=(new, *site.articles),
                               mentions_by_article={**site.mentions_by_article, new.id: (mention,)}), config


def retitle_site(site, config):
    return site, dataclasses.replace(config, title="Other Dossiers")


def fewer_on_home(site, config):
    return site, dataclasses.replace(config, home_entities=1, home_articles=1)


def with_base_url(site, config):
    return site, dataclasses.replace(config, base_url="https://example.org/news/")


EDITS = (rename_entity, mention_again, reword_sentence, describe_entity, note_on_entity, retitle_article,
         redate_article, reword_article, move_related, name_without_page, mention_in_new_article, retitle_site,
         fewer_on_home, with_base_url)


def edited(edits, config):
    site = make_site()
    for edit in edits:
        site, config = edit(site, config)
    return site, config


def unrecorded_reads(before, after) -> list[str]:
    """Pages whose bytes differ although every input they recorded has the same value."""
    data_a, pages_a, _, _ = before
    data_b, pages_b, _, _ = after
    wrong = []
    for file, page in pages_a.items():
        other = pages_b.get(file)
        if other is None or other.data == page.data:
            continue
        if all(data_a.value(*read) == data_b.value(*read) for read in page.reads):
            wrong.append(file)
    return wrong


@pytest.fixture()
def config(tmp_path) -> SiteConfig:
    return SiteConfig(title="Test Dossiers", site_dir=tmp_path)


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_a_page_changes_only_with_an_input_it_recorded(edit, config):
    before = render(make_site(), config)
    after = render(*edit(make_site(), config))
    assert any(after[1][f].data != p.data for f, p in before[1].items() if f in after[1]), "the edit changed no page"
    assert unrecorded_reads(before, after) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.sampled_from(EDITS), min_size=1, max_size=4, unique=True))
def test_any_edits_change_only_pages_whose_recorded_inputs_changed(edits, config):
    assert unrecorded_reads(render(make_site(), config), render(*edited(edits, config))) == []


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_the_preview_re_renders_exactly_the_pages_whose_inputs_changed(edit, config):
    memo = Memo()
    memo.begin()
    data_a, pages_a, _, _ = render(make_site(), config, render_pages(memo))
    memo.end()
    site, changed_config = edit(make_site(), config)
    memo.begin()
    data_b, _, rendered, files = render(site, changed_config, render_pages(memo))
    memo.end()
    clean = render(site, changed_config)
    assert files == clean[3]
    still = {page.path for page in clean[1].values()}
    moved = {page.path for page in pages_a.values()
             if any(data_a.value(*read) != data_b.value(*read) for read in page.reads)}
    new = still - {page.path for page in pages_a.values()}
    assert set(rendered) == (moved & still) | new


def test_a_read_left_unrecorded_is_caught(config, monkeypatch):
    """The check above can fail: a view that forgets to note links lets a retitled entity
    change pages that recorded nothing of it."""
    original = SiteView.link

    def unnoted(self, entity_id):
        return self._data.value("link", entity_id)

    monkeypatch.setattr(SiteView, "link", unnoted)
    before = render(make_site(), config)
    after = render(*rename_entity(make_site(), config))
    assert unrecorded_reads(before, after), "a page read a link without recording it, unseen"
    monkeypatch.setattr(SiteView, "link", original)


# --- paged dossiers and split indexes: the sample site with tiny pages --------------------


@pytest.fixture()
def small_pages(monkeypatch):
    """Pages of one or two mentions from three on, indexes split by initial, articles by month: the
    sample site's Trump gets numbered pages of mentions, every initial and month a page."""
    for name, value in (("UNPAGED_LIMIT", 2), ("MIN_PAGE", 1), ("MAX_PAGE", 2), ("FALLBACK_FROM", 1)):
        monkeypatch.setattr(paging, name, value)
    monkeypatch.setattr(site_pages, "INDEX_LIMIT", 1)
    monkeypatch.setattr(site_pages, "LETTER_PAGE_ROWS", 1)
    monkeypatch.setattr(site_pages, "ARTICLES_LIMIT", 1)
    monkeypatch.setattr(site_pages, "MONTH_PAGE_ROWS", 1)


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_paged_pages_change_only_with_an_input_they_recorded(edit, config, small_pages):
    before = render(make_site(), config)
    assert any("/mentions/" in f for f in before[1]) and any("/letter_" in f for f in before[1])
    assert any(f.startswith("months/") for f in before[1])
    after = render(*edit(make_site(), config))
    assert unrecorded_reads(before, after) == []


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_the_preview_re_renders_exactly_the_paged_pages_whose_inputs_changed(edit, config, small_pages):
    test_the_preview_re_renders_exactly_the_pages_whose_inputs_changed(edit, config)


def test_a_new_article_re_renders_the_dossier_and_its_newest_page_of_mentions_only(config, small_pages):
    memo = Memo()
    memo.begin()
    render(make_site(), config, render_pages(memo))
    memo.end()
    memo.begin()
    _, pages, rendered, _ = render(*mention_in_new_article(make_site(), config), render_pages(memo))
    memo.end()
    trump = "people/donald-trump/"
    paged = sorted(p.path for p in pages.values() if p.path.startswith(trump + "mentions/"))
    assert len(paged) >= 3
    # 5 mentions then 6, pages of 2 from the oldest: the new one joins the newest page, 4;
    # pages 2 and 3 keep their mentions and their navigation.
    assert paged == [trump + "mentions/2/", trump + "mentions/3/", trump + "mentions/4/"]
    assert sorted(p for p in rendered if p.startswith(trump)) == [trump, trump + "mentions/4/"]


def test_a_name_mentioned_again_re_renders_its_initial_only(config, small_pages):
    memo = Memo()
    memo.begin()
    _, before, _, _ = render(make_site(), config, render_pages(memo))
    memo.end()
    assert sum(1 for p in before.values() if p.path.startswith("people/letter_")) >= 4
    memo.begin()
    _, _, rendered, _ = render(*mention_again(make_site(), config), render_pages(memo))
    memo.end()
    # Putin's mention count changed: his initial's page only; the overview counts names.
    assert sorted(p for p in rendered if p.startswith("people/letter_") or p == "people/") == ["people/letter_v/"]


def _kinds_checked(edit, config, monkeypatch) -> set[str]:
    """The kinds of input whose value a rebuild after ``edit`` worked out again to compare."""
    import sitegen.incremental.pages as kept_pages
    from sitegen.site.view import SiteData

    memo = Memo()
    memo.begin()
    render(make_site(), config, render_pages(memo))
    memo.end()
    checked, comparing = set(), [False]
    value, changed_inputs = SiteData.value, kept_pages.changed_inputs

    def noting(self, kind, key):
        if comparing[0]:
            checked.add(kind)
        return value(self, kind, key)

    def comparing_inputs(*args, **kwargs):
        comparing[0] = True
        try:
            return changed_inputs(*args, **kwargs)
        finally:
            comparing[0] = False

    monkeypatch.setattr(SiteData, "value", noting)
    monkeypatch.setattr(kept_pages, "changed_inputs", comparing_inputs)
    memo.begin()
    render(*edit(make_site(), config), render_pages(memo))
    memo.end()
    return checked


def test_an_entity_edit_leaves_the_network_lines_unchecked(config, small_pages, monkeypatch):
    """A network picture's lines are read from related lists only: an edit to an entity's
    mentions, its related list unchanged, does not work out every picture naming it again
    (a hub's edit at 10,000 articles had ten thousand of them worked out and compared)."""
    checked = _kinds_checked(reword_sentence, config, monkeypatch)
    assert "mention_page" in checked and "lines" not in checked


def test_a_related_list_edit_leaves_the_pages_of_mentions_unchecked(config, small_pages, monkeypatch):
    checked = _kinds_checked(move_related, config, monkeypatch)
    assert "lines" in checked and "mention_page" not in checked
