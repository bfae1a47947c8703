"""What a build holds on to: values a stage no longer needs are let go, and reused later."""
from __future__ import annotations

import gc
import shutil
import weakref
from dataclasses import replace

import pytest

import sitegen.build
import sitegen.pipeline

from conftest import without_search_index

ARTICLE_A = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."
ARTICLE_B = "Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues."


def _snapshot(folder):
    return without_search_index({p.relative_to(folder).as_posix(): p.read_bytes()
                                 for p in sorted(folder.rglob("*")) if p.is_file()})


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
    real_reusing, real_reference = sitegen.pipeline.clusters_reusing, sitegen.pipeline.reference_stage

    def watched_reusing(*args, **kwargs):
        clusters, extracted, keys = real_reusing(*args, **kwargs)
        made.extend(weakref.ref(c) for article in clusters.values() for c in article)
        return clusters, extracted, keys

    def watched_reference(*args, **kwargs):
        gc.collect()
        alive_when_linking.append(sum(1 for ref in made if ref() is not None))
        return real_reference(*args, **kwargs)

    monkeypatch.setattr(sitegen.pipeline, "clusters_reusing", watched_reusing)
    monkeypatch.setattr(sitegen.pipeline, "reference_stage", watched_reference)
    assert build_site(site).ok
    assert len(made) >= 4, "both articles have clusters"
    assert alive_when_linking == [0], "no cluster outlives resolving"
    built = _snapshot(site.output)

    def no_clustering(*args, **kwargs):
        raise AssertionError("the clusters were not reused from the memo file")

    monkeypatch.setattr(sitegen.pipeline, "cluster_stage", no_clustering)
    made.clear()
    assert build_site(site, force=True).ok
    assert alive_when_linking == [0, 0]
    assert _snapshot(site.output) == built


def test_ner_and_clustering_go_a_batch_of_articles_at_a_time_with_one_model(make_site, build_site, nlp,
                                                                          monkeypatch):
    """Every article's extraction was held until every article was clustered: on a cold
    build of an archive, the whole archive's NER results at once."""
    site = make_site()
    bodies = [ARTICLE_A, ARTICLE_B, "Maria Lopez opened a bakery in Madrid. Lopez hired four people."]
    for i, body in enumerate(bodies):
        site.add_article(f"a{i}", title=f"Article {i}", date=f"2025-05-0{i + 1}", body=body)
    assert build_site(site).ok
    built = _snapshot(site.output)
    for folder in (site.output, site.state_dir):
        shutil.rmtree(folder)

    batches: list[list[weakref.ref]] = []
    alive_at_next_batch: list[int] = []
    real_cluster_articles = sitegen.pipeline.cluster_articles

    def watched(articles, extractions, *args, **kwargs):
        gc.collect()
        alive_at_next_batch.append(sum(1 for batch in batches for ref in batch if ref() is not None))
        batches.append([weakref.ref(x) for x in extractions.values()])
        return real_cluster_articles(articles, extractions, *args, **kwargs)

    loads: list[int] = []

    def loader():
        loads.append(1)
        return nlp

    monkeypatch.setattr(sitegen.pipeline, "CLUSTER_BATCH", 1)
    monkeypatch.setattr(sitegen.pipeline, "cluster_articles", watched)
    result = build_site(site, nlp_loader=loader)
    assert result.ok and result.extracted == 3
    assert len(batches) == 3 and alive_at_next_batch == [0, 0, 0], "a batch's extractions are let go"
    assert loads == [1], "one model for every batch"
    assert _snapshot(site.output) == built


def test_sitegen_build_reads_from_the_memo_file_only_the_clusters_an_edit_touched(make_site, build_site,
                                                                                   monkeypatch):
    """Merges and entities are kept in the memo file: a new title reads no article's
    clusters back, a new sentence only its own article's."""
    from sitegen.incremental import articles as kept_articles

    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    site.add_article("trip", title="Trip", date="2025-05-03", body="Hannah Schmidt flew to Berlin.")
    assert build_site(site).ok
    read: list[str] = []
    real = kept_articles._ArticleClusters._clusters

    def reading(self):
        if self._read is None:
            read.append(self._key)
        return real(self)

    monkeypatch.setattr(kept_articles._ArticleClusters, "_clusters", reading)
    site.add_article("award", title="Chemistry award for Anna Berg", date="2025-05-02", body=ARTICLE_B)
    assert build_site(site).ok
    assert read == [], "a new title read clusters back"
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A + " Schmidt left Berlin.")
    assert build_site(site).ok
    # Schmidt's and Berlin's blocks are merged again, and their entities made again, from
    # their clusters' summaries, keeping their mentions in the trip: only the visit's new
    # clusters are read
    assert len(read) == 1, "the trip's clusters were read back to merge or make Schmidt and Berlin"


def test_clusters_the_memo_file_cannot_give_back_are_made_again(make_site, build_site, tmp_path):
    """Read one article at a time, a damaged row of clusters is found mid-build: it costs
    clustering that article again, with a warning, not the build."""
    import sqlite3

    from sitegen.incremental import Memo

    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("trip", title="Trip", date="2025-05-03", body="Hannah Schmidt flew to Berlin.")
    assert build_site(site).ok
    db = sqlite3.connect(site.state_dir / "memo.sqlite")
    with db:  # the clusters, and their summaries, which merging reads instead
        db.execute("UPDATE results SET value = ? WHERE entry IN ('article clusters', 'cluster summaries')",
                   (b"\x80\x05garbage",))
    db.close()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A + " Schmidt left Berlin.")
    warnings: list[str] = []
    # merging Schmidt's block reads the trip's summaries, made again from its clusters
    assert build_site(site, warn=warnings.append).ok
    assert any("cluster summaries" in w and "unreadable" in w for w in warnings), warnings
    assert any("article clusters" in w and "unreadable" in w for w in warnings), warnings
    assert build_site(site, output=tmp_path / "fresh", force=True, memo=Memo()).ok
    assert _snapshot(site.output) == _snapshot(tmp_path / "fresh")


def _packed_and_unread(mentions) -> bool:
    from sitegen.incremental.packed_mentions import PackedMentions

    return isinstance(mentions, PackedMentions) and not mentions.is_read


def test_a_new_title_hands_back_the_last_resolving_and_reads_no_mentions_it_does_not_show(
        make_site, build_site, monkeypatch, tmp_path):
    """Nothing resolving reads changed: no block is merged again and no entity keyed; the
    entities and lists come back from the memo file with their mentions unread, and only
    the pages shown again read theirs."""
    from sitegen.incremental import Memo
    from sitegen.incremental import stored_entities

    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    assert build_site(site).ok

    def no_merging(*args, **kwargs):
        raise AssertionError("a block was merged again")

    monkeypatch.setattr(stored_entities, "merge_by_block", no_merging)
    site.add_article("award", title="Chemistry award for Anna Berg", date="2025-05-02", body=ARTICLE_B)
    result = build_site(site)
    assert result.ok
    everyone = (*result.site.entities, *result.site.without_page)
    schmidt = [e for e in everyone if "visit" in e.articles]
    assert schmidt and all(_packed_and_unread(e.mentions) for e in schmidt), \
        "the mentions of entities the edited article does not name were read"
    assert _packed_and_unread(result.site.mentions_by_article["visit"])
    # each entity came back with its digest, which is the one its fields give
    from sitegen.incremental.digest import own_digest

    for e in everyone:
        assert "_content_digest" in e.__dict__ and own_digest(e) == own_digest(replace(e, name=e.name))
    monkeypatch.undo()
    assert build_site(site, output=tmp_path / "fresh", force=True, memo=Memo()).ok
    assert _snapshot(site.output) == _snapshot(tmp_path / "fresh")


def test_a_new_sentence_cuts_again_only_the_lists_of_the_articles_it_reaches(make_site, build_site, tmp_path):
    """Schmidt's entity is made again for a new sentence in the visit; the trip's list,
    which also names Schmidt, keeps its last build's mentions, and the award's list, which
    names no one the edit reached, is not even read."""
    from sitegen.incremental import Memo

    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    site.add_article("trip", title="Trip", date="2025-05-03", body="Hannah Schmidt flew to Berlin.")
    assert build_site(site).ok
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A + " Schmidt left Berlin.")
    result = build_site(site)
    assert result.ok
    lists = result.site.mentions_by_article
    assert _packed_and_unread(lists["award"])
    assert not _packed_and_unread(lists["visit"]), "the edited article's list was not cut again"
    assert any(m.text == "Schmidt" and m.start > len(ARTICLE_A) for m in lists["visit"])
    assert build_site(site, output=tmp_path / "fresh", force=True, memo=Memo()).ok
    assert _snapshot(site.output) == _snapshot(tmp_path / "fresh")


def test_mentions_found_damaged_only_when_read_make_the_build_start_again_without_the_memo_file(
        make_site, build_site, tmp_path):
    """Packed mentions are unpickled when a page reads them, too late to make them again:
    the build starts again from scratch, says why, and gives the site a clean build gives."""
    import pickle
    import sqlite3

    from sitegen.incremental import Memo
    from sitegen.incremental.packed_mentions import PackedMentions

    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    assert build_site(site).ok
    db = sqlite3.connect(site.state_dir / "memo.sqlite")
    with db:  # the outer pickle reads; the mentions inside it are cut short
        for key, value in db.execute("SELECT key, value FROM results WHERE entry = 'stored article mentions'"
                                     ).fetchall():
            _, (blob, length, kept, ids, layout) = pickle.loads(value).__reduce__()
            damaged = PackedMentions(blob[: len(blob) // 2], None, length, kept, ids, layout)
            db.execute("UPDATE results SET value = ? WHERE entry = 'stored article mentions' AND key = ?",
                       (pickle.dumps(damaged), key))
    db.close()
    site.add_article("visit", title="A school visit", date="2025-05-01", body=ARTICLE_A)  # its page reads its list
    warnings: list[str] = []
    assert build_site(site, warn=warnings.append).ok
    assert any("memo.sqlite" in w and "unreadable" in w and "building again" in w for w in warnings), warnings
    assert build_site(site, output=tmp_path / "fresh", force=True, memo=Memo()).ok
    assert _snapshot(site.output) == _snapshot(tmp_path / "fresh")


def test_a_build_on_disk_keeps_each_place_names_geonames_record(make_site, build_site, monkeypatch, tmp_path):
    """Looking a place name up loads the GeoNames lists, a tenth of a second at every
    build: the records of the names looked up are kept in the memo file."""
    from sitegen.incremental import Memo
    from sitegen.reference import offline

    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    assert build_site(site).ok
    assert any(e.place is not None for e in build_site(site, force=True).site.entities), "Berlin has a record"
    looked_up: list[str] = []
    monkeypatch.setattr(offline, "country_record", lambda name: looked_up.append(name))
    monkeypatch.setattr(offline, "city_record", lambda name: looked_up.append(name))
    offline.place_record.cache_clear()
    site.add_article("award", title="Chemistry award for Anna Berg", date="2025-05-02", body=ARTICLE_B)
    assert build_site(site).ok
    assert looked_up == [], "a place name was looked up in GeoNames again"
    monkeypatch.undo()
    offline.place_record.cache_clear()
    assert build_site(site, output=tmp_path / "fresh", force=True, memo=Memo()).ok
    assert _snapshot(site.output) == _snapshot(tmp_path / "fresh")


def test_a_kept_resolving_without_its_article_lists_is_resolved_again(make_site, build_site, tmp_path):
    """The last resolving is handed back only with the lists it made: were their row
    unreadable, an unchanged resolving must not come back with no mentions at all."""
    import sqlite3

    from sitegen.incremental import Memo

    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    assert build_site(site).ok
    db = sqlite3.connect(site.state_dir / "memo.sqlite")
    with db:
        db.execute("UPDATE results SET value = ? WHERE entry = 'stored article lists'", (b"\x80\x05garbage",))
    db.close()
    site.add_article("award", title="Chemistry award for Anna Berg", date="2025-05-02", body=ARTICLE_B)
    warnings: list[str] = []
    result = build_site(site, warn=warnings.append)
    assert result.ok and any("stored article lists" in w and "unreadable" in w for w in warnings), warnings
    assert result.site.mentions_by_article["visit"], "the visit's mentions were lost"
    assert build_site(site, output=tmp_path / "fresh", force=True, memo=Memo()).ok
    assert _snapshot(site.output) == _snapshot(tmp_path / "fresh")


def test_the_same_site_named_another_way_reuses_the_last_builds_work(make_site, build_site, monkeypatch):
    """`sitegen build .` in the site's folder and `sitegen build /path/to/site` from
    elsewhere build the same site: the second reuses what the first made. (Its articles'
    paths were as typed, so every article read as new: at 10,000 articles the first
    build after switching re-rendered every article page, 25 s instead of 6.)"""
    import sitegen.site.render as render

    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    monkeypatch.chdir(site.root)
    assert build_site(".").ok
    rendered: list[str] = []
    real = render.render_page
    monkeypatch.setattr(render, "render_page", lambda renderer, plan: rendered.append(plan.path) or real(renderer, plan))
    monkeypatch.chdir(site.root.parent)
    site.add_article("visit", title="A school visit", date="2025-05-01", body=ARTICLE_A)
    assert build_site(site.root.resolve()).ok
    assert "articles/visit/" in rendered and "articles/award/" not in rendered, rendered
