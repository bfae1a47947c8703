"""Articles read and clustered in an earlier build, reused where their inputs are unchanged.

Two kinds of result, both per article:

- the article (or the error) a file's bytes make, under a digest of its path, id, bytes
  and the reading settings; each file's size, time and inode when it was read are noted
  too, so a file that has not been touched since is not even read again;
- the article's clusters, under its id and its analysis key: a digest of the text, the
  model, the stoplist and the code of the rules (see ``analysis.clusters_key``).
  NER and cleaning run only for the articles whose key is new.

Both are kept on disk for ``sitegen build``; a changed sitegen or model empties them (see
``Memo``'s version).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

from ..entities.merge import name_keys
from ..nlp.clustering import clusters_key
from ..nlp.cache import extraction_key
from ..nlp.chains import Cluster
from ..config import SiteConfig
from ..content.articles import article_from_bytes, find_article_files, read_file, unreadable
from ..content.site_files import Listing
from ..nlp.extract import model_fingerprint
from ..model import Article, ArticleError
from .digest import digest, own_digest
from .memo import Entry, Memo
from .stored_entities import RESOLVING_ONLY


@dataclass(frozen=True)
class FileRead:
    """When a file was read, and the ARTICLES key its bytes had then."""

    read_at_ns: int
    article_key: str


ARTICLES = Entry["Article | ArticleError"]("article", persist=True)
# The articles folder's listing, by the folder's path: listed again only where a folder's
# stamp changed (see ``article_lister``)
ARTICLE_LISTING = Entry[Listing]("article listing", persist=True)
# by the file's path, settings and stat signature; kept on disk too, so that `sitegen
# build` reads and digests only the files touched since the last build
READ_FILES = Entry[FileRead]("article file", persist=True)
# read one article at a time (see ``ClustersOnDemand``)
CLUSTERS = Entry["list[Cluster]"]("article clusters", persist=True, lazy=True)
CLUSTERS_KEYS = Entry[str]("article clusters key", persist=True)  # by the article's own digest, the model and stoplist

# A file whose size, modification time and inode are what they were when it was last
# read is not read again; unless it was read within this long of being modified, as file
# systems keep times in steps (up to 2 s) and a second write in the same step could
# leave them all unchanged. A preview then reads just the file being edited each time.
SETTLED_NS = 2_000_000_000


def article_lister(memo: Memo) -> Callable[[Path], Listing]:
    """``content.find_article_files``, reusing the last listing where no folder it walked
    has changed since (for ``load_articles``'s ``find``).

    A folder's entries come and go only with a change of its modification time, so the
    last listing holds as long as every folder it walked has the inode, modification and
    change (permissions) times it had just before it was read, its modification time
    settled when the listing began (see ``SETTLED_NS``: an entry added within the same
    step of a coarse clock would leave it as it was). One look at each folder, instead of
    one at each of its entries and the naming rules run on each: a 10,000-article folder
    took 30 ms to list, at every build and every save of a preview. A listing that
    followed a symbolic link or could not read a folder is made again each time.
    """
    def find(articles_dir: Path) -> Listing:
        key = str(articles_dir)
        kept = memo.get(ARTICLE_LISTING, key)
        if kept is not None and _still_listed(kept):
            return kept.copy()  # the caller's to keep or change, the kept one the next build's
        listing = find_article_files(articles_dir)
        memo.put(ARTICLE_LISTING, key, listing.copy())
        return listing

    return find


def _still_listed(listing: Listing) -> bool:
    """Whether listing its folder again would find what ``listing`` found."""
    if listing.volatile or not listing.folders:
        return False
    for path, inode, modified, changed in listing.folders:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_ino != inode or st.st_mtime_ns != modified or st.st_ctime_ns != changed \
                or listing.listed_at_ns - modified <= SETTLED_NS:
            return False
    return True


def article_reader(memo: Memo) -> Callable[[Path, str, bool, int], "Article | ArticleError"]:
    """``content.read_article``, reusing what ``memo`` holds (for ``load_articles``'s ``read``)."""
    # Each asked of 10,000 files at every save of a preview: the two tables looked up directly
    seen_as, article_of = memo.finder(READ_FILES), memo.finder(ARTICLES)

    def read(path: Path, aid: str, allow_html: bool, max_bytes: int) -> Article | ArticleError:
        try:
            st = os.stat(path)
        except OSError as exc:
            return unreadable(path, exc)
        settings = (str(path), aid, allow_html, max_bytes)
        # The stat signature, said plainly: digesting it was most of what a preview spends
        # on each of the archive's files at every save (a path holds no NUL).
        signature = f"{path}\0{aid}\0{allow_html:d}\0{max_bytes}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}"
        seen = seen_as(signature)
        if seen is not None and seen.read_at_ns - st.st_mtime_ns > SETTLED_NS:
            found = article_of(seen.article_key)
            if found is not None:
                return found
        read_at = time.time_ns()  # before reading: whatever is written later has a later time
        data = read_file(path)
        if isinstance(data, ArticleError):
            return data
        key = digest(settings, data)
        memo.put(READ_FILES, signature, FileRead(read_at, key))
        return memo.reuse(ARTICLES, key, lambda: article_from_bytes(path, aid, data, allow_html, max_bytes))

    return read


def clusters_reusing(memo: Memo, cluster: Callable[[Sequence[Article]], "tuple[dict[str, list[Cluster]], int]"],
                     config: SiteConfig, articles: Sequence[Article]
                     ) -> tuple[dict[str, list[Cluster]], int, dict[str, str]]:
    """Every article's clusters: ``cluster(articles)`` runs only on those ``memo`` lacks.

    Returns the clusters by article id, how many articles NER ran on, and each article's
    clusters key (a digest of everything its clusters are made from).
    """
    keys = _clusters_keys(memo, config, articles)
    if memo.on_disk:
        # `sitegen build`: the clusters of the file are read only when looked at (those of
        # the merge blocks and entities an edit touched), not all of them every build.
        todo = [a for a in articles if not memo.has(CLUSTERS, keys[a.id])]
        made, ran = cluster(todo) if todo else ({}, 0)
        for article in todo:
            memo.put(CLUSTERS, keys[article.id], made[article.id])
        for key in keys.values():
            memo.touch(CLUSTERS, key)
        by_id = {a.id: a for a in articles}
        return ClustersOnDemand(memo, keys, lambda article_id: cluster([by_id[article_id]])[0][article_id]), ran, keys
    found = memo.get_many(CLUSTERS, keys.values())
    todo = [a for a in articles if keys[a.id] not in found]
    made, ran = cluster(todo) if todo else ({}, 0)
    for article in todo:
        found[keys[article.id]] = memo.put(CLUSTERS, keys[article.id], made[article.id])
    return {a.id: found[keys[a.id]] for a in articles}, ran, keys


def _clusters_keys(memo: Memo, config: SiteConfig, articles: Sequence[Article]) -> dict[str, str]:
    """Each article's clusters key, by article id."""
    model_id = model_fingerprint(config.model)

    def key_of(article: Article) -> str:
        # Clusters name their article: two articles of the same text have clusters of their own.
        return digest(article.id, clusters_key(extraction_key(article.text, model_id), config.stoplist))

    # Each article's key is kept under its own digest (kept with the article: see
    # ``model.Article``), so an article unchanged is not hashed again: hashing every
    # article's text three times over was a tenth of a preview's save at 10,000 articles,
    # and 0.1 s of every `sitegen build` there.
    settings = digest(model_id, config.stoplist)
    find = memo.finder(CLUSTERS_KEYS)
    keys: dict[str, str] = {}
    for article in articles:
        # Two digests of fixed length, side by side: the same key as a digest of both,
        # without hashing 10,000 of them at every save of a preview
        key = own_digest(article) + settings
        found = find(key)
        keys[article.id] = found if found is not None else memo.put(CLUSTERS_KEYS, key, key_of(article))
    return keys


def unclustered(memo: Memo, config: SiteConfig, articles: Sequence[Article]) -> int:
    """How many of ``articles`` a `sitegen build` would cluster afresh (0 for a memo in memory)."""
    if not memo.on_disk:
        return 0
    return sum(1 for key in _clusters_keys(memo, config, articles).values() if not memo.has(CLUSTERS, key))


class ClustersOnDemand(Mapping[str, Sequence[Cluster]]):
    """Article id -> its clusters, each article's read from the memo when first looked at.

    ``remake(article_id)`` clusters an article again: for clusters the file held but
    cannot give back (a damaged row is only work to redo)."""

    def __init__(self, memo: Memo, keys: Mapping[str, str], remake: Callable[[str], list[Cluster]]):
        self._memo, self._keys, self._remake = memo, keys, remake

    def __getitem__(self, article_id: str) -> Sequence[Cluster]:
        return _ArticleClusters(self._memo, self._keys[article_id], lambda: self._remake(article_id))

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _ArticleClusters(Sequence[Cluster]):
    """One article's clusters, read when first asked for."""

    def __init__(self, memo: Memo, key: str, remake: Callable[[], list[Cluster]]):
        self._memo, self._key, self._remake = memo, key, remake
        self._read: list[Cluster] | None = None

    def _clusters(self) -> list[Cluster]:
        if self._read is None:
            found = self._memo.get(CLUSTERS, self._key)
            if found is None:  # unreadable (the memo said why)
                found = self._memo.put(CLUSTERS, self._key, self._remake())
            self._read = found
        return self._read

    def __getitem__(self, at):
        return self._clusters()[at]

    def __len__(self) -> int:
        return len(self._clusters())


# every name key an article's clusters go by (``merge.name_keys``), under its clusters key
NAME_KEYS = Entry[frozenset]("name keys of an article", persist=True)


def kept_name_keys(memo: Memo, clusters: Mapping[str, Sequence[Cluster]], keys: Mapping[str, str]
                   ) -> Iterator[frozenset[str]]:
    """Each article's ``merge.name_keys``, kept under its clusters key: its clusters are
    read only for an article whose keys are not kept."""
    for key in keys.values():  # kept for the next build, however far the caller reads
        memo.touch(NAME_KEYS, key)
    for article_id, key in keys.items():
        yield memo.reuse(NAME_KEYS, key, lambda: name_keys(clusters[article_id]))


def clusters_done(memo: Memo) -> None:
    """The build has resolved its clusters: ``sitegen build`` writes them, and what merging
    kept of them, to its memo file now and forgets them, rather than holding them to the
    build's end to save them."""
    for entry in (CLUSTERS, NAME_KEYS, *RESOLVING_ONLY):
        memo.release(entry)
