"""What dossier and article pages show besides their text: pictures, previews, structured data.

``pages`` decides what a page lists; this module adds the parts drawn or serialised from
those lists, so each stays small: a dossier's timeline, co-mention network,
JSON-LD and OpenGraph tags; an article's JSON-LD, OpenGraph tags and the descriptions
its entity links preview on hover or focus.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from markupsafe import Markup

from . import structured
from .. import urls
from ..model import Article, Entity
from .pictures import network_svg, timeline_svg
from .pictures.network import Node
from .paging import group_anchor, page_path
from .pictures.timeline import Dated
from .view import MONTHS, EntityLink, SiteView

if TYPE_CHECKING:
    from .pages import ArticleMentions, Counted
    from .view import EntityCard

NETWORK_SIZE = 12
SUBJECT_OF_LIMIT = 20  # articles listed in a dossier's JSON-LD


def dossier_extras(view: SiteView, entity: Entity, groups: Sequence["ArticleMentions"],
                   related: Sequence["Counted"], type_labels: Mapping[str, str],
                   numbers: Mapping[str, int] | None = None) -> dict[str, Any]:
    """``groups``: every article's mentions, newest first; ``numbers``: on a paged dossier,
    the mention page that holds each article's first mention (see ``paging``)."""
    path = urls.entity_path(entity.id)
    root = urls.root_of(urls.page_file(path))
    canonical = view.canonical(path)
    title, base_url = view.setting("title"), view.setting("base_url")

    def node(e: Entity | EntityLink) -> Node:
        return Node(e.id, e.name, e.type, type_labels[e.type].lower(), urls.href(root, urls.entity_path(e.id)))

    # Each bar leads to its period's newest article in the list of mentions: on this page,
    # or on the numbered page that holds it.
    def bar_href(article_id: str) -> str:
        if numbers:
            return urls.href(root, page_path(entity.id, numbers[article_id]), group_anchor(article_id))
        return "#" + urls.href("", group_anchor(article_id))

    timeline = timeline_svg([Dated(g.article.date, len(g.mentions), g.article.title, g.article.id)
                             for g in groups], MONTHS, bar_href)
    drawn = related[:NETWORK_SIZE]
    network = network_svg(node(entity), [(node(c.entity), c.count) for c in drawn],
                          widths=view.lines(tuple(c.entity.id for c in drawn)))
    description = structured.short_description(entity)
    data = structured.entity_json_ld(entity, canonical, base_url,
                                     [g.article for g in groups[:SUBJECT_OF_LIMIT]])
    return {
        "timeline": timeline,
        "network": network,
        "json_ld": Markup(structured.json_ld_script_text(data)),
        "open_graph": structured.open_graph(entity.name, title, "profile" if entity.type == "person"
                                            else "website", canonical, description,
                                            structured.commons_image_url(entity.reference)),
        "description": description or f"{type_labels[entity.type]} in {_plural(len(groups), 'article')} "
                                      f"of {title}",
        "group_anchor": group_anchor,
        "search_filter": type_labels[entity.type],
    }


def home_extras(view: SiteView, search_path: str) -> dict[str, Any]:
    base_url = view.setting("base_url")
    if not base_url:
        return {}  # a WebSite without its address tells a machine nothing
    data = structured.website_json_ld(view.setting("title"), base_url, search_path)
    return {"json_ld": Markup(structured.json_ld_script_text(data))}


def article_extras(view: SiteView, article: Article, entities: Sequence["EntityCard"],
                   hrefs: Mapping[str, str], type_labels: Mapping[str, str],
                   counts: Mapping[str, int]) -> dict[str, Any]:
    """``entities`` are those the article names, in order of first mention; ``hrefs`` their
    links; ``counts`` how often this article names each."""
    path = urls.article_path(article.id)
    canonical = view.canonical(path)
    data = structured.article_json_ld(article, canonical, view.setting("base_url"), entities)
    previews = {}
    for entity in entities:
        # What this article says, not site-wide totals: those would make every article
        # page change whenever any article naming the same entity changes.
        previews[hrefs[entity.id]] = {
            "name": entity.name,
            "type": type_labels[entity.type],
            "description": entity.description or "",
            "count": f"{_plural(counts.get(entity.id, 0), 'mention')} in this article",
        }
    return {
        "json_ld": Markup(structured.json_ld_script_text(data)),
        "open_graph": structured.open_graph(article.title, view.setting("title"), "article", canonical,
                                            article.summary, published=article.date.isoformat()),
        "previews_json": Markup(structured.json_ld_script_text(previews)) if previews else None,
        "search_filter": "Article",
    }


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word if n == 1 else word + 's'}"

