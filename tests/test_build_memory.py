"""What a build holds on to: values a stage no longer needs are let go, and reused later."""
from __future__ import annotations

import gc
import weakref

import pytest

import sitegen.build

ARTICLE_A = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."
ARTICLE_B = "Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues."


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sitegen_build_lets_the_clusters_go_once_resolved_and_reuses_them_next_time(make_site, build_site,
                                                                                     monkeypatch):
    """Every article's clusters were kept to the build's end (by the build and by the memo
    waiting to save them): the largest value a build makes, carried through linking,
    rendering and writing. They are written to .sitegen/memo.sqlite once resolved."""
    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    made: list[weakref.ref] = []
    alive_when_linking: list[int] = []
    real_reusing, real_reference = sitegen.build.clusters_reusing, sitegen.build.reference_stage

    def watched_reusing(*args, **kwargs):
        clusters, extracted = real_reusing(*args, **kwargs)
        made.extend(weakref.ref(c) for article in clusters.values() for c in article)
        return clusters, extracted

    def watched_reference(*args, **kwargs):
        gc.collect()
        alive_when_linking.append(sum(1 for ref in made if ref() is not None))
        return real_reference(*args, **kwargs)

    monkeypatch.setattr(sitegen.build, "clusters_reusing", watched_reusing)
    monkeypatch.setattr(sitegen.build, "reference_stage", watched_reference)
    assert build_site(site).ok
    assert len(made) >= 4, "both articles have clusters"
    assert alive_when_linking == [0], "no cluster outlives resolving"
    built = _snapshot(site.output)

    def no_clustering(*args, **kwargs):
        raise AssertionError("the clusters were not reused from the memo file")

    monkeypatch.setattr(sitegen.build, "cluster_stage", no_clustering)
    made.clear()
    assert build_site(site, force=True).ok
    assert alive_when_linking == [0, 0]
    assert _snapshot(site.output) == built
