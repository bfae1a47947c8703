"""Pages kept between builds: a page is rendered again iff an input it read changed.

While a page is built and rendered, every input it reads is recorded (see ``site_view``:
page builders reach the site only through a recording ``SiteView``). This module keeps
each page's bytes with the inputs it read, and each input's value as the last build saw
it. The next build compares the site's raw source values (entities, articles, mentions,
related lists, settings, templates) with the last build's, works out again only the
inputs made from a source that differs, and re-renders the pages that read an input whose
value is no longer equal. A page that is new is rendered; one whose inputs are all equal
is not rendered again.

A preview keeps the pages' bytes in memory. On disk, for the next ``sitegen build``, a
page is kept without its bytes: the output folder holds them. That build keeps the page
only where the folder still holds its file as written (``output_files``), and leaves its
bytes there: a one-article edit reads and writes only the pages it changed.

A preview compares inputs by value, not digest: a digest of every entity with all its
quoted sentences would cost more per save than rendering the pages it spares, and an
unchanged source is usually the very value the last build had, which ``==`` sees at once.
On disk the sources and the inputs are kept as digests of their values: ``sitegen build``
digests the site's sources once, and works out and digests again only the inputs made from
a source whose digest moved.
"""
from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .. import urls
from ..site.pages import PagePlan
from ..site.render import RenderedPage, RenderPages
from ..site.view import RAW_OF, Read, SiteData, parse_ids_key
from .digest import digest
from .memo import Entry, Memo
from .output_files import WrittenOutput


class KeptPage:
    """A rendered page as the memo keeps it: on disk without its bytes; in memory whole
    for a preview, and without them for `sitegen build`, whose pages come from the
    renderer already spooled (see ``render.render_site``). On disk the inputs it read are
    kept as ``ReadMarks``."""

    __slots__ = ("page",)

    def __init__(self, page: RenderedPage):
        self.page = page

    def __getstate__(self) -> RenderedPage:
        reads = self.page.reads
        return replace(self.page, data=None, reads=reads if isinstance(reads, ReadMarks) else ReadMarks.of(reads))

    def __setstate__(self, page: RenderedPage) -> None:
        self.page = page


class ReadMarks:
    """The inputs a page read, as kept on disk: a 64-bit mark of each, packed in bytes.

    A large site's pages read about a million inputs between them (a dossier reads each
    article it links to), as many small tuples of strings: reading them all back cost a
    one-article edit at 10,000 articles a second, spent making objects only to ask whether
    any is among the few inputs that changed. Marks answer that from bytes. Two inputs
    sharing a mark only cost a page rendered again that needed not be; a page that read a
    changed input is always found.
    """

    __slots__ = ("packed",)

    def __init__(self, packed: bytes):
        self.packed = packed

    @classmethod
    def of(cls, reads: Iterable[Read]) -> "ReadMarks":
        return cls(array("Q", sorted({read_mark(read) for read in reads})).tobytes())

    def numbers(self) -> Iterable[int]:
        return memoryview(self.packed).cast("Q")

    def __reduce__(self):
        return (ReadMarks, (self.packed,))


@lru_cache(maxsize=1 << 20)  # pages share most of what they read (settings, templates, cards)
def read_mark(read: Read) -> int:
    return int.from_bytes(hashlib.blake2b(repr(read).encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _read_any(reads: "frozenset[Read] | ReadMarks", changed: set[Read], changed_marks: set[int]) -> bool:
    """Whether a page that read ``reads`` read one of ``changed`` (whose marks are ``changed_marks``)."""
    if isinstance(reads, ReadMarks):
        return not changed_marks.isdisjoint(reads.numbers())
    return not reads.isdisjoint(changed)


# Both kept on disk for the next ``sitegen build``, saved together: a page is reused only
# beside the inputs it was rendered from. Templates and settings are inputs like any
# other; sitegen's own code is the memo's version.
RENDERED = Entry[KeptPage]("rendered page", persist=True)  # key: the page's output file
INPUTS = Entry["PageInputs"]("page inputs", persist=True)  # key: INPUTS_KEY; one per site
INPUTS_KEY = digest("the inputs the last build's pages read")
# The digests of this build's sources, made while its pages were picked (on disk only),
# for a later step of the same build (see ``made_digests``).
SOURCE_DIGESTS = Entry[Mapping[str, Mapping[str, str]]]("this build's source digests")
_MISSING = object()
_EVERY = "\0every "  # ``naming`` key of the inputs of a kind that reads all of its source


class ValueDigest(str):
    """An input's value as kept on disk: its digest (see ``PageInputs.__getstate__``)."""

    __slots__ = ()


@dataclass(frozen=True)
class PageInputs:
    """What the last build's pages read, and the sources it was worked out from."""

    # raw source kind -> key -> value (see SiteData.raw): the site itself, so kept in
    # memory only; read from disk it is None, and ``raw_digests`` stand for it
    raw: Mapping[str, Mapping[str, Any]] | None
    values: Mapping[Read, Any]  # each input a page read -> its value then
    # an id -> the inputs whose key lists it ("ids" kinds); _EVERY + kind -> that kind's
    # inputs ("all" kinds)
    naming: Mapping[str, frozenset[Read]]
    pruned_at: int  # how many inputs there were when unread ones were last dropped
    # raw source kind -> key -> digest of the value: what is kept on disk of ``raw``
    # (None: worked out from ``raw`` when saved)
    raw_digests: Mapping[str, Mapping[str, str]] | None = None

    def __getstate__(self) -> dict:
        # On disk each input and each source value is kept as its digest: a large site's
        # values are hundreds of megabytes, read and written again by every `sitegen
        # build`, while digesting the sources again costs less than reading them back.
        # The digests are pickled as plain strings and marked again when read back: a
        # subclass of str is pickled as a call with its state, four times slower to write
        # (46,000 inputs at 10,000 articles: 0.09 s against 0.02 s at every build).
        values = {read: str(value) if isinstance(value, ValueDigest) else digest(value)
                  for read, value in self.values.items()}
        raw_digests = self.raw_digests
        if raw_digests is None and self.raw is not None:
            raw_digests = source_digests(self.raw)
        return {**self.__dict__, "raw": None, "values": values, "raw_digests": raw_digests}

    def __setstate__(self, state: dict) -> None:
        values = state["values"]
        self.__dict__.update(state, values=dict(zip(values, map(ValueDigest, values.values()))))


def render_pages(memo: Memo, written: WrittenOutput | None = None,
                 digested: Callable[[], None] | None = None) -> RenderPages:
    """How to render a build's pages reusing those ``memo`` kept whose inputs are unchanged.

    A page kept without its bytes (read from disk) is reused only where ``written`` says
    the output folder still holds its file; it comes back without bytes (``data`` None).
    ``digested``: called once the sources' digests are made (see ``made_digests``), before
    the pages are rendered: what needs them (the exports) may start then.
    """

    def reuse(data: SiteData, plans: Sequence[PagePlan],
              render: Callable[[Sequence[PagePlan]], list[RenderedPage]]) -> list[RenderedPage]:
        last = memo.get(INPUTS, INPUTS_KEY)
        values = dict(last.values) if last else {}
        naming = dict(last.naming) if last else {}
        # A memo on disk keeps the sources' digests: now's are made once, compared, kept,
        # and handed to the exports, whose keys are made from them (see ``made_digests``).
        now_digests = source_digests(data.raw) if memo.on_disk and (last is None or last.raw is None) else None
        if now_digests is not None:
            memo.put(SOURCE_DIGESTS, INPUTS_KEY, now_digests)
            if digested is not None:
                digested()
        changed = changed_inputs(last, data, values, now_digests) if last else None
        # A kept page is found by its output file (a digest of it, made for every page at
        # every build, cost 40 ms of a one-article edit at 10,000 articles).
        keys = [urls.page_file(plan.path) for plan in plans]
        kept = memo.get_many(RENDERED, keys) if changed is not None else {}
        changed_marks = {read_mark(read) for read in changed} if changed else set()
        pages: list[RenderedPage | None] = []
        todo: list[int] = []
        for i, key in enumerate(keys):
            record = kept.get(key)
            page = record.page if record is not None else None
            if page is None or _read_any(page.reads, changed, changed_marks) or \
                    (page.data is None and (written is None or not written.holds(page.file))):
                todo.append(i)
            pages.append(page)
        for i, page in zip(todo, render([plans[i] for i in todo])):
            pages[i] = memo.put(RENDERED, keys[i], KeptPage(page)).page
            for read in page.reads:
                if read not in values:
                    values[read] = data.value(*read)
                    _note_naming(naming, read)
        pruned_at = last.pruned_at if last else 0
        if len(values) > 2 * pruned_at + 1000:
            values, naming = _prune(values, naming, pages)
            pruned_at = len(values)
        # Copies of the source maps: a stage that updated one in place next time would
        # otherwise change the last build's values too, and hide the change.
        raw = {source: dict(now) for source, now in data.raw.items()}
        memo.put(INPUTS, INPUTS_KEY, PageInputs(raw, values, naming, pruned_at, now_digests))
        return pages  # type: ignore[return-value]

    return reuse


def made_digests(memo: Memo) -> Mapping[str, Mapping[str, str]] | None:
    """The digests of this build's sources (``source_digests``) if its pages made them:
    taken, so that a build that renders no page with the memo (``--force``) never finds
    an earlier build's."""
    return memo.take(SOURCE_DIGESTS, INPUTS_KEY)


def source_digests(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The digest of every source value, by source kind and key."""
    return {source: {key: digest(value) for key, value in values.items()} for source, values in raw.items()}


def _sources_differing(last: PageInputs, data: SiteData,
                       now_digests: Mapping[str, Mapping[str, str]] | None) -> Iterator[tuple[str, set[str]]]:
    """Each source kind with the keys whose value is not the last build's (added,
    changed or gone): by value in memory, by digest as kept on disk."""
    if last.raw is not None:
        for source, now in data.raw.items():
            before = last.raw.get(source, {})
            differ = {key for key, value in now.items() if before.get(key, _MISSING) != value}
            differ.update(before.keys() - now.keys())
            yield source, differ
        return
    assert last.raw_digests is not None and now_digests is not None
    for source, now in now_digests.items():
        before = last.raw_digests.get(source, {})
        differ = {key for key, value in now.items() if before.get(key) != value}
        differ.update(before.keys() - now.keys())
        yield source, differ


def changed_inputs(last: PageInputs, data: SiteData, values: dict[Read, Any],
                   now_digests: Mapping[str, Mapping[str, str]] | None = None) -> set[Read]:
    """The inputs whose value differs from the last build's (``values`` updated to now's).

    ``now_digests``: the digests of ``data``'s sources (``source_digests``), with which a
    last build read from disk is compared."""
    changed: set[Read] = set()

    def check(read: Read) -> None:
        old = values.get(read, _MISSING)
        if old is _MISSING:
            return  # no page read it
        new = data.value(*read)
        if isinstance(old, ValueDigest):  # as read from disk
            new = ValueDigest(digest(new))
        if new != old:
            values[read] = new
            changed.add(read)

    if last.raw is None and (last.raw_digests is None or now_digests is None):
        for read in list(values):  # the sources are not known: every input is compared
            check(read)
        return changed

    for source, differ in _sources_differing(last, data, now_digests):
        if not differ:
            continue
        for kind, (raw, reads) in RAW_OF.items():
            if raw != source:
                continue
            if reads == "one":
                for key in differ:
                    check((kind, key))
            elif reads == "all":
                for read in last.naming.get(_EVERY + kind, ()):
                    check(read)
            else:  # "ids"
                # An id names the reads of every kind keyed by ids (a network's lines and a
                # dossier's pages of mentions): only this kind's are of this source. A hub's
                # edited mentions had every picture naming it worked out and compared again.
                for key in differ:
                    for read in last.naming.get(key, ()):
                        if read[0] == kind:
                            check(read)
    return changed


def _note_naming(naming: dict[str, frozenset[Read]], read: Read) -> None:
    reads = RAW_OF[read[0]][1]
    if reads == "ids":
        for named in parse_ids_key(read[1])[0]:
            naming[named] = naming.get(named, frozenset()) | {read}
    elif reads == "all":
        naming[_EVERY + read[0]] = naming.get(_EVERY + read[0], frozenset()) | {read}


def _prune(values: dict[Read, Any], naming: Mapping[str, frozenset[Read]],
           pages: Sequence[RenderedPage | None]) -> tuple[dict[Read, Any], dict[str, frozenset[Read]]]:
    """Only the inputs some page of this build read."""
    read: set[Read] = set()
    marks: set[int] = set()
    for page in pages:
        if page is None:
            continue
        if isinstance(page.reads, ReadMarks):
            marks.update(page.reads.numbers())
        else:
            read.update(page.reads)
    read.update(r for r in values if r not in read and read_mark(r) in marks)
    kept_naming = {}
    for key, reads in naming.items():
        still = reads & read
        if still:
            kept_naming[key] = still
    return {r: v for r, v in values.items() if r in read}, kept_naming
