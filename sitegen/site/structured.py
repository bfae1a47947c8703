"""What machines read about a page: schema.org JSON-LD, OpenGraph tags, a one-line description.

Dossiers are described as a schema.org Person, Place or Organization (``sameAs`` its
Wikidata item and Wikipedia article where reference data is linked); articles as a
NewsArticle whose ``mentions`` are the entities it names. Absolute addresses need
``base_url``; without one they are left out rather than guessed.
"""
from __future__ import annotations

import html
import json
import re
from typing import Any, Mapping, Sequence
from urllib.parse import quote

from .. import urls
from ..model import Article, Entity, Reference

SCHEMA_TYPES: Mapping[str, str] = {"person": "Person", "place": "Place", "organisation": "Organization"}
# Link previews in social apps want a large picture; the dossier itself shows a thumbnail.
COMMONS_WIDTH = 1200
_FIRST_SENTENCE = re.compile(r"^(.{20,300}?[.!?])(?:\s|$)", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def wikidata_url(reference: Reference) -> str | None:
    if not reference.wikidata_id or not re.fullmatch(r"Q[0-9]+", reference.wikidata_id):
        return None
    return f"https://www.wikidata.org/wiki/{reference.wikidata_id}"


def commons_image_url(reference: Reference | None) -> str | None:
    """A scaled copy of the reference's Wikimedia Commons picture, served by Commons itself."""
    if not reference or not reference.image:
        return None
    name = reference.image.strip().replace(" ", "_")
    if not name or "/" in name:
        return None
    return f"https://commons.wikimedia.org/wiki/Special:FilePath/{quote(name)}?width={COMMONS_WIDTH}"


def same_as(reference: Reference | None) -> list[str]:
    if not reference:
        return []
    links = [wikidata_url(reference)]
    if urls.is_web_url(reference.wikipedia_url):
        links.append(reference.wikipedia_url.strip())
    return [link for link in links if link]


def coordinates(reference: Reference | None) -> tuple[float, float] | None:
    """The reference's (latitude, longitude), if it has sound ones."""
    if not reference or not reference.coordinates:
        return None
    lat, lon = reference.coordinates
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def short_description(entity: Entity) -> str | None:
    """One line saying what the entity is: Wikidata's description, else the summary's first
    sentence, else the first sentence of the editor's note. None if nothing says."""
    ref = entity.reference
    if ref and ref.description and ref.description.strip():
        return ref.description.strip()
    for text in (ref.summary if ref else None, note_text(entity.note_html)):
        if text and text.strip():
            return first_sentence(text)
    return None


def note_text(note_html: str | None) -> str:
    """The editor's note as plain text: tags dropped, then its character references
    decoded, so that whoever shows it (a CSV cell, JSON read by a script, a template that
    escapes) shows "&" and "<" rather than "&amp;" and "&lt;"."""
    return html.unescape(_TAGS.sub("", note_html or ""))


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = _FIRST_SENTENCE.match(text)
    if match:
        return match.group(1)
    return text if len(text) <= 300 else text[:299].rsplit(" ", 1)[0] + "…"


def entity_json_ld(entity: Entity, canonical: str | None, base_url: str,
                   articles: Sequence[Article] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": SCHEMA_TYPES[entity.type], "name": entity.name}
    if canonical:
        data["@id"] = canonical
        data["url"] = canonical
    others = [a for a in entity.aliases if a != entity.name]
    if others:
        data["alternateName"] = others
    description = short_description(entity)
    if description:
        data["description"] = description
    links = same_as(entity.reference)
    if links:
        data["sameAs"] = links
    image = commons_image_url(entity.reference)
    if image:
        data["image"] = image
    where = coordinates(entity.reference) if entity.type == "place" else None
    if where:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": where[0], "longitude": where[1]}
    if articles and base_url:
        data["subjectOf"] = [_article_stub(a, base_url) for a in articles]
    return data


def article_json_ld(article: Article, canonical: str | None, base_url: str,
                    mentioned: Sequence[Any]) -> dict[str, Any]:
    """``mentioned``: what the article shows of each entity it names (``id``, ``name``,
    ``type`` and ``same_as``, see ``site_view.EntityCard``)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.date.isoformat(),
    }
    if canonical:
        data["@id"] = canonical
        data["url"] = canonical
        data["mainEntityOfPage"] = canonical
    if article.summary:
        data["description"] = article.summary
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    if article.source:
        data["publisher"] = {"@type": "Organization", "name": article.source}
    if urls.is_web_url(article.url):
        data["isBasedOn"] = article.url.strip()
    if article.tags:
        data["keywords"] = list(article.tags)
    if mentioned:
        data["mentions"] = [_entity_stub(e, base_url) for e in mentioned]
    return data


def website_json_ld(title: str, base_url: str, search_path: str) -> dict[str, Any]:
    """The home page's description: the site, and how to search it (lets a search engine
    offer a search box for it)."""
    home = urls.absolute_url(base_url, "")
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": title,
        "url": home,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": urls.absolute_url(base_url, search_path) + "?q={query}"},
            "query-input": "required name=query",
        },
    }


def json_ld_script_text(data: Mapping[str, Any]) -> str:
    """JSON for a ``<script type="application/ld+json">``: nothing in it can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def open_graph(title: str, site_title: str, kind: str, canonical: str | None, description: str | None,
               image: str | None = None, published: str | None = None) -> tuple[tuple[str, str], ...]:
    """``(property, content)`` pairs for the ``og:`` meta tags of a page."""
    tags = [("og:site_name", site_title), ("og:title", title or site_title), ("og:type", kind)]
    if canonical:
        tags.append(("og:url", canonical))
    if description:
        tags.append(("og:description", description))
    if image:
        tags.append(("og:image", image))
    if published:
        tags.append(("article:published_time", published))
    return tuple(tags)


def _entity_stub(entity: Any, base_url: str) -> dict[str, Any]:
    stub: dict[str, Any] = {"@type": SCHEMA_TYPES[entity.type], "name": entity.name}
    if base_url:
        stub["url"] = urls.absolute_url(base_url, urls.entity_path(entity.id))
    if entity.same_as:
        stub["sameAs"] = list(entity.same_as)
    return stub


def _article_stub(article: Article, base_url: str) -> dict[str, Any]:
    return {"@type": "NewsArticle", "headline": article.title, "datePublished": article.date.isoformat(),
            "url": urls.absolute_url(base_url, urls.article_path(article.id))}
