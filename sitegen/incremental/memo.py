"""One typed store of results kept between builds, each under the digest of its inputs.

An ``Entry`` names one kind of result (an article's clusters, a merge block's groups, a
page's bytes) and says whether ``sitegen build`` keeps it on disk. Stages never see the
store: the code that wraps a stage asks ``memo.reuse(ENTRY, key, make)``, where ``key``
is a digest of everything ``make`` reads.

A build opens with ``begin()`` and closes with ``end()``: every result the build did not
ask for is dropped then, so a store holds what the latest build used and no more. An entry
made by a step that may run after its build has ended (a preview's exports) has rounds of
its own instead (``own_rounds``, ``round()``): the build's leave it alone.

Persisted entries live in a SQLite file (``.sitegen/memo.sqlite``), each read whole when
first asked for (or a result at a time, for a ``lazy`` entry) and written in one
transaction at ``save()``; an entry the build is done with can be
written into that transaction early and forgotten in memory (``release``). The file belongs to the site's own state
folder and holds pickled values of sitegen's own types; it is tied to one ``version``
(sitegen's code and the model) and emptied when that changes. An unreadable file is set
aside and the build starts afresh (see ``sqlite_files``). A part of a build run in a
forked process (``incremental.apart``) reads the file through a connection of its own and
writes what it releases into a staging file, which the build takes into its transaction.
"""
from __future__ import annotations

import gc
import pickle
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Generic, Iterable, Iterator, TypeVar

from ..sqlite_files import open_or_set_aside

V = TypeVar("V")

# Pickled results held at once while saving (bytes): memory stays flat however many there are.
SAVE_BATCH_BYTES = 8 * 2**20
# keys read back in one query (SQLite before 3.32 takes at most 999 parameters a statement)
_ROWS_A_QUERY = 500


@dataclass(frozen=True)
class Entry(Generic[V]):
    """A named kind of result. ``persist``: also kept on disk for the next ``sitegen build``."""

    name: str
    persist: bool = False
    # kept and dropped by its own rounds (``Memo.round``), not by the build's
    own_rounds: bool = False
    # read from the file one result at a time, when asked for, not all at once: for
    # results a build needs only a few of (those of what an edit touched); a result it
    # keeps unread is marked used with ``touch``
    lazy: bool = False


class Memo:
    def __init__(self, version: str = "", path: Path | None = None, warn: Callable[[str], None] = lambda m: None):
        self.version = version
        self._path = path
        self._warn = warn
        self._tables: dict[str, dict[str, object]] = {}
        self._used: dict[str, set[str]] = {}
        self._stored: dict[str, set[str]] = {}  # keys on disk, per persisted entry read from it
        self._remade: dict[str, set[str]] = {}  # keys on disk whose result was put again since
        self._own_rounds: set[str] = set()  # entries kept by rounds of their own (see ``round``)
        self._lazy_entries: set[str] = set()  # entries read a result at a time (see ``Entry.lazy``)
        self._db: sqlite3.Connection | None = None
        # In a forked process working for a build (see ``stage_writes``): where ``release``
        # writes, for the build's own process to take into its transaction
        self._staging: sqlite3.Connection | None = None

    # ---- one build -----------------------------------------------------------------

    def begin(self) -> None:
        """A build starts: nothing is used yet."""
        for name in self._tables:
            if name not in self._own_rounds:
                self._used[name] = set()

    def end(self) -> None:
        """A build ended: forget what it did not use."""
        for name in self._tables:
            if name not in self._own_rounds:
                self._drop_unused(name)

    @contextmanager
    def round(self, entries: Iterable[Entry]) -> Iterator[None]:
        """A round of ``entries`` (each ``own_rounds``): what it did not use is forgotten
        when it ends, unless it failed."""
        entries = list(entries)
        for entry in entries:
            self._table(entry)
            self._used[entry.name] = set()
        yield
        for entry in entries:
            self._drop_unused(entry.name)

    def _drop_unused(self, name: str) -> None:
        table = self._tables[name]
        used = self._used.get(name, set())
        if len(used) != len(table):
            for key in [k for k in table if k not in used]:
                del table[key]

    def forget(self) -> None:
        """Drop everything (in memory; the file is emptied at the next ``save``)."""
        for table in self._tables.values():
            table.clear()

    # ---- results -------------------------------------------------------------------

    def get(self, entry: Entry[V], key: str) -> V | None:
        table = self._table(entry)
        value = table.get(key)
        if value is None and entry.lazy and key in self._stored.get(entry.name, ()):
            value = self._read_one(entry, key)
            if value is not None:
                table[key] = value
        if value is not None:
            self._used[entry.name].add(key)
        return value  # type: ignore[return-value]

    def has(self, entry: Entry, key: str) -> bool:
        """Whether a result is kept under ``key`` (without reading it, for a ``lazy`` entry)."""
        table = self._table(entry)
        return key in table or (entry.lazy and key in self._stored.get(entry.name, ()))

    def touch(self, entry: Entry, key: str) -> None:
        """Keep the result under ``key`` for the next build, unread (a ``lazy`` entry's)."""
        table = self._table(entry)
        if key in table or key in self._stored.get(entry.name, ()):
            self._used[entry.name].add(key)

    def get_many(self, entry: Entry[V], keys: Iterable[str]) -> dict[str, V]:
        if entry.lazy:
            # Those not read yet are read together, a batch of rows a query: a large merge
            # block asks for thousands, and a query a row costs a third more than reading them
            # back (5,000 summaries: 0.14 s against 0.11 s, most of it unpickling).
            table, stored = self._table(entry), self._stored.get(entry.name, ())
            keys = list(keys)
            unread = [key for key in dict.fromkeys(keys) if key not in table and key in stored]
            if unread:
                table.update(self._read_many(entry, unread))
        else:
            table = self._table(entry)
        used = self._used[entry.name]
        found = {}
        for key in keys:
            value = table.get(key)
            if value is not None:
                used.add(key)
                found[key] = value
        return found  # type: ignore[return-value]

    def put(self, entry: Entry[V], key: str, value: V) -> V:
        self._table(entry)[key] = value
        self._used[entry.name].add(key)
        if key in self._stored.get(entry.name, ()):
            self._remade.setdefault(entry.name, set()).add(key)
        return value

    def reuse(self, entry: Entry[V], key: str, make: Callable[[], V]) -> V:
        """The result kept under ``key``, or ``make()``'s, kept from now on."""
        found = self.get(entry, key)
        return found if found is not None else self.put(entry, key, make())

    def remembers(self, entry: Entry) -> bool:
        """Whether a result of ``entry`` put now can be found by a later build.

        A memo kept in memory (a preview's) remembers every entry; a memo on disk (what
        ``sitegen build`` opens for one build) only the persisted ones. Looking results up
        in an entry that is not remembered would only cost the keys' digests, so a
        wrapper runs its stage directly then.
        """
        return entry.persist or self._path is None

    def finder(self, entry: Entry[V]) -> Callable[[str], V | None]:
        """``get`` for one entry, for a caller asking for thousands of keys in a row (until
        the build or round ends)."""
        if entry.lazy:
            return lambda key: self.get(entry, key)
        table, used = self._table(entry), self._used[entry.name]

        def find(key: str) -> V | None:
            value = table.get(key)
            if value is not None:
                used.add(key)
            return value  # type: ignore[return-value]
        return find

    def take(self, entry: Entry[V], key: str) -> V | None:
        """The result under ``key``, forgotten: a value one step of a build hands to a later
        step of the same build (a later build can never find it stale)."""
        return self._table(entry).pop(key, None)  # type: ignore[return-value]

    @property
    def on_disk(self) -> bool:
        """Whether this memo is a `sitegen build`'s, read from and saved to a file."""
        return self._path is not None

    def size(self, entry: Entry) -> int:
        return len(self._table(entry))

    def _table(self, entry: Entry) -> dict[str, object]:
        table = self._tables.get(entry.name)
        if table is None:
            if not entry.persist:
                table = {}
            elif entry.lazy:
                table, self._stored[entry.name] = {}, self._stored_keys(entry)
            else:
                table = self._read(entry)
            self._tables[entry.name] = table
            self._used.setdefault(entry.name, set())
            if entry.lazy:
                self._lazy_entries.add(entry.name)
            if entry.own_rounds:
                self._own_rounds.add(entry.name)
        return table

    # ---- on disk -------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection | None:
        if self._path is None:
            return None
        if self._db is None:
            self._db = open_or_set_aside(self._path, self._open, self._warn, "incremental state",
                                         "; this build redoes what it would have reused")
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path)
        # Results come and go with every build: space they free goes back to the file
        # system (at ``save``), so the file is the size of what the last build kept.
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # takes effect on a new file or at VACUUM
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS results (entry TEXT, key TEXT, value BLOB NOT NULL, "
                   "PRIMARY KEY (entry, key))")
        row = db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
        if row is None or row[0] != self.version:
            with db:  # results of other code or another model are not this build's to reuse
                db.execute("DELETE FROM results")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (self.version,))
            db.execute("VACUUM")  # quick on a file just emptied; also turns on auto_vacuum for an older file
        return db

    def _read(self, entry: Entry) -> dict[str, object]:
        db = self._connect()
        if db is None:
            return {}
        table: dict[str, object] = {}
        try:
            with _collector_paused():
                for key, blob in db.execute("SELECT key, value FROM results WHERE entry = ?", (entry.name,)):
                    table[key] = pickle.loads(blob)
        except Exception as exc:  # noqa: BLE001: a pickle that cannot be read fails in many ways
            # A result that cannot be read is only work to redo.
            self._warn(f"{self._path}: incremental state for {entry.name} unreadable ({exc}); redoing that work")
            table = {}
        self._stored[entry.name] = set(table)
        return table

    def _stored_keys(self, entry: Entry) -> set[str]:
        db = self._connect()
        if db is None:
            return set()
        return {key for key, in db.execute("SELECT key FROM results WHERE entry = ?", (entry.name,))}

    def _read_one(self, entry: Entry, key: str) -> object | None:
        db = self._connect()
        row = db.execute("SELECT value FROM results WHERE entry = ? AND key = ?", (entry.name, key)).fetchone() \
            if db is not None else None
        try:
            return pickle.loads(row[0]) if row is not None else None
        except Exception as exc:  # noqa: BLE001: as in ``_read``
            self._warn(f"{self._path}: incremental state for {entry.name} unreadable ({exc}); redoing that work")
            return None

    def _read_many(self, entry: Entry, keys: list[str]) -> Iterator[tuple[str, object]]:
        """The results kept under ``keys`` that can be read back (as ``_read_one``)."""
        db = self._connect()
        if db is None:
            return
        for start in range(0, len(keys), _ROWS_A_QUERY):
            batch = keys[start:start + _ROWS_A_QUERY]
            rows = db.execute(f"SELECT key, value FROM results WHERE entry = ? AND key IN ({','.join('?' * len(batch))})",
                              (entry.name, *batch)).fetchall()
            for key, blob in rows:
                try:
                    yield key, pickle.loads(blob)
                except Exception as exc:  # noqa: BLE001: as in ``_read``
                    self._warn(f"{self._path}: incremental state for {entry.name} unreadable ({exc}); "
                               "redoing that work")

    def write_ahead(self) -> None:
        """Write the persisted entries as they are now into the transaction ``save``
        commits: a build with time to spare before it may save (waiting for its search
        index) spends it here, and ``save`` then writes only what changed since. Nothing
        is committed: a build that fails before ``save`` leaves the file as it was."""
        db = self._connect()
        if db is None:
            return
        for name in list(self._tables):
            if name in self._stored:
                self._write(db, name)

    def save(self) -> None:
        """Write the persisted entries as the last build left them: one transaction."""
        db = self._connect()
        if db is None:
            return
        with db:
            for name in list(self._tables):
                if name in self._stored:
                    self._write(db, name)
        # run to its end (a single step of the statement, as execute() makes, frees one page)
        db.executescript("PRAGMA incremental_vacuum;")

    def release(self, entry: Entry) -> None:
        """This build asks no more for ``entry``: drop what it did not use, write the rest
        into the transaction ``save()`` commits, and forget it in memory (it is read back
        from the file if asked for again). A memo in memory (a preview's) keeps it.

        The values need not live until the build's end just to be saved: a large site's
        clusters are the largest thing the stages after resolving would otherwise carry.
        """
        if entry.name not in self._tables or entry.name not in self._stored or entry.own_rounds:
            return
        db = self._staging or self._connect()
        if db is None:
            return
        self._drop_unused(entry.name)
        self._write(db, entry.name)
        del self._tables[entry.name]
        del self._stored[entry.name]
        self._used.pop(entry.name, None)

    def _write(self, db: sqlite3.Connection, name: str) -> None:
        """Write one persisted entry's changes since it was read (in the open transaction),
        pickling its new results a batch at a time: the pickles of a whole site at once
        would double the memory its results take."""
        table, stored = self._tables[name], self._stored[name]
        # A lazy entry's results the build kept unread are in ``_used``, not in its table.
        kept = table.keys() | self._used.get(name, set()) if self._lazy(name) else table
        dropped = [(name, k) for k in stored if k not in kept]
        if db is self._staging:
            db.executemany("INSERT INTO dropped VALUES (?, ?)", dropped)
        else:
            db.executemany("DELETE FROM results WHERE entry = ? AND key = ?", dropped)
        remade = self._remade.pop(name, set())
        batch: list[tuple[str, str, bytes]] = []
        size = 0
        for key, value in table.items():
            if key in stored and key not in remade:
                continue
            blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            batch.append((name, key, blob))
            size += len(blob)
            if size >= SAVE_BATCH_BYTES:
                db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", batch)
                batch, size = [], 0
        db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", batch)
        self._stored[name] = set(kept)

    def _lazy(self, name: str) -> bool:
        return name in self._lazy_entries

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ---- a part of the build run in a forked process (see ``incremental.apart``) ------

    def open(self) -> None:
        """Open the file now (setting aside one that cannot be read), if it is not open yet."""
        self._connect()

    def read_apart(self, warn: Callable[[str], None]) -> None:
        """In a forked copy of the build's process: read the file through a connection of
        this process's own. ``warn``: where this copy's warnings go."""
        # The build's connection is not this process's to use, nor to close (closing it
        # here would touch the build's file handles): held unused until this copy exits.
        self._inherited, self._db, self._warn = self._db, None, warn
        if self._path is not None:
            self._db = sqlite3.connect(f"{self._path.resolve().as_uri()}?mode=ro", uri=True)

    def stage_writes(self, staging: Path, warn: Callable[[str], None]) -> None:
        """In a forked copy of the build's process: ``read_apart``, and write what
        ``release`` writes into ``staging`` rather than the file, for the build's process
        to take into its transaction (``adopt``)."""
        self.read_apart(warn)
        self._staging = sqlite3.connect(staging, isolation_level=None)
        self._staging.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE results (entry TEXT, key TEXT, value BLOB NOT NULL);
            CREATE TABLE dropped (entry TEXT, key TEXT);""")

    def state(self) -> tuple:
        """What this memo holds and knows of its file, to hand to the build's process
        (``adopt``); with it, what ``release`` wrote is in the staging file."""
        return self._tables, self._used, self._stored, self._remade, self._own_rounds, self._lazy_entries

    def entries_state(self, entries: Iterable[Entry]) -> dict[str, tuple]:
        """What this memo holds and knows of ``entries`` (each kept by rounds of its own), to
        hand to the build's process (``adopt_entries``) from a copy that made them alone."""
        return {entry.name: (self._tables[entry.name], self._used.get(entry.name, set()),
                             self._stored.get(entry.name), self._remade.get(entry.name))
                for entry in entries if entry.name in self._tables}

    def adopt_entries(self, states: dict[str, tuple]) -> None:
        """Take ``entries_state`` over: those entries as a forked copy of this process left them."""
        for name, (table, used, stored, remade) in states.items():
            self._tables[name], self._used[name] = table, used
            self._own_rounds.add(name)
            for known, value in ((self._stored, stored), (self._remade, remade)):
                if value is None:
                    known.pop(name, None)
                else:
                    known[name] = value

    def adopt(self, state: tuple, staging: Path) -> None:
        """Become the memo a forked copy of this process left (``state``), taking what it
        wrote into ``staging`` into the transaction ``save`` commits."""
        self._tables, self._used, self._stored, self._remade, self._own_rounds, self._lazy_entries = state
        db = self._connect()
        if db is None:
            return
        source = sqlite3.connect(staging)
        try:
            db.executemany("DELETE FROM results WHERE entry = ? AND key = ?",
                           source.execute("SELECT entry, key FROM dropped"))
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                           source.execute("SELECT entry, key, value FROM results"))
        finally:
            source.close()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a table is read back.

    Unpickling makes objects by the hundred thousand (an article's clusters, their
    mentions), and as they pile up the collector walks them again and again: reading the
    clusters of 10,000 articles took 8.5 s with it running, 2.0 s without. What is read
    holds no garbage to collect.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
