"""What the output folder holds, file by file: each file's size and modification time.

Recorded when a build has written the folder, these stamps tell the next build two things
without reading any file: whether anything in the folder changed at all (a no-op build
stops there: see ``FolderRecord``), and which files are still exactly as written (those a
one-article edit does not touch are then kept as they are: see ``files.SiteFiles``). A
first build walks the folder to record it (``folder_record``); a later one looks at the
last record's entries once before writing (``check_folder``) and records the folder from
that look and the files it wrote (``refreshed``).
"""
from __future__ import annotations

import os
import stat
from array import array
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

Stamp = tuple[int, int]  # size in bytes, modification time in nanoseconds

# File systems keep modification times in steps (up to 2 s on some): a folder seen within
# this long of its last change might change again without its time moving.
SETTLED_NS = 2_000_000_000


class FolderRecord(NamedTuple):
    """The whole folder as a build left it: every folder's time and every file's stamp.

    A file edited by hand changes its own stamp; a file added, removed or renamed changes
    the time of the folder holding it. So checking the folder again is one ``stat`` per
    folder and per file, and no folder is listed unless its time says it changed, or it
    changed so shortly before the record was taken that a later change might not move its
    time (see ``SETTLED_NS``). Kept as columns: a large site's record loads in a few
    milliseconds (see ``packed``).
    """

    taken_ns: int  # when the look the record was made from began (time.time_ns())
    folders: list[str]  # relative paths, "" (the folder itself) first
    folder_times: array  # mtime of each folder, in ns
    folder_inodes: array
    files: list[str]  # relative paths
    file_sizes: array
    file_times: array  # mtime of each file, in ns

    def stamps(self) -> dict[str, Stamp]:
        """Every file -> its stamp."""
        return dict(zip(self.files, zip(self.file_sizes, self.file_times)))

    def packed(self) -> tuple:
        """The record as plain values (strings, bytes, numbers), for ``marshal``."""
        return (self.taken_ns, "\0".join(self.folders), self.folder_times.tobytes(), self.folder_inodes.tobytes(),
                "\0".join(self.files), self.file_sizes.tobytes(), self.file_times.tobytes())

    @classmethod
    def unpacked(cls, packed: tuple) -> FolderRecord:
        taken_ns, folders, folder_times, folder_inodes, files, file_sizes, file_times = packed
        folder_times, file_times = int_array("q", folder_times), int_array("q", file_times)
        record = cls(int(taken_ns), _names(folders, folder_times), folder_times, int_array("Q", folder_inodes),
                     _names(files, file_times), int_array("Q", file_sizes), file_times)
        if not (len(record.folders) == len(record.folder_times) == len(record.folder_inodes)
                and len(record.files) == len(record.file_sizes) == len(record.file_times)):
            raise ValueError("a folder record whose columns differ in length")
        return record


def _names(joined: str, numbers: array) -> list[str]:
    # "".join([]) and "".join([""]) (the folder itself) look alike: the numbers tell them apart.
    return joined.split("\0") if numbers else []


def int_array(kind: str, data: bytes = b"") -> array:
    """An array of 64-bit numbers: "q" signed (times), "Q" unsigned (sizes, inodes)."""
    numbers = array(kind)
    numbers.frombytes(data)
    return numbers


def folder_record(output: Path, taken_ns: int) -> FolderRecord | None:
    """Walk ``output`` (None if there is no such folder); ``taken_ns``: the time now, read
    before the walk."""
    try:
        st = os.stat(output)
    except FileNotFoundError:
        return None
    record = FolderRecord(taken_ns, [], int_array("q"), int_array("Q"), [], int_array("Q"), int_array("q"))
    if not stat.S_ISDIR(st.st_mode):
        return record
    folders, folder_times, folder_inodes = record.folders, record.folder_times, record.folder_inodes
    files, file_sizes, file_times = record.files, record.file_sizes, record.file_times
    folders.append("")
    folder_times.append(st.st_mtime_ns)
    folder_inodes.append(st.st_ino)

    # os.scandir, not Path.rglob: several times quicker over the thousands of files of a site.
    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                st = entry.stat(follow_symlinks=False)
                if entry.is_dir(follow_symlinks=False):
                    rel = prefix + entry.name
                    folders.append(rel)
                    folder_times.append(st.st_mtime_ns)
                    folder_inodes.append(st.st_ino)
                    walk(entry.path, rel + "/")
                else:
                    files.append(prefix + entry.name)
                    file_sizes.append(st.st_size)
                    file_times.append(st.st_mtime_ns)

    walk(str(output), "")
    return record


def as_recorded(output: Path, record: FolderRecord, now_ns: int) -> FolderRecord | None:
    """Whether ``output`` is still as ``record`` says: the record to keep if so (with a later
    ``taken_ns`` where folders had to be listed to tell), else None.

    ``now_ns``: the time now, read before looking.
    """
    if not record.folders:  # there was no folder, or not a folder
        return None
    unsettled = []
    settled_before = record.taken_ns - SETTLED_NS
    try:
        with _Looker(output) as look:
            for rel, mtime, inode in zip(record.folders, record.folder_times, record.folder_inodes):
                st = look(rel)
                if st.st_mtime_ns != mtime or st.st_ino != inode or not stat.S_ISDIR(st.st_mode):
                    return None
                if mtime >= settled_before:
                    unsettled.append(rel)
            for rel, size, mtime in zip(record.files, record.file_sizes, record.file_times):
                st = look(rel)
                if st.st_mtime_ns != mtime or st.st_size != size:
                    return None
    except OSError:  # gone, or no longer a folder
        return None
    if not unsettled:
        return record
    if not _same_names(output, record, unsettled):
        return None
    # Listed now and unchanged: their times are settled from now on, once long enough ago.
    return record._replace(taken_ns=now_ns)


class _Looker:
    """``stat`` of paths relative to a folder, by an open handle on it where the system
    allows: each then looks up a name or two, not the whole path from the root."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.fd: int | None = None

    def __enter__(self) -> Callable[[str], os.stat_result]:
        if os.stat in os.supports_dir_fd:
            self.fd = fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            look = os.stat
            return lambda rel: look(rel or ".", dir_fd=fd, follow_symlinks=False)
        base = os.path.join(self.folder, "")
        return lambda rel: os.lstat(base + rel)

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)


def _same_names(output: Path, record: FolderRecord, folders: list[str]) -> bool:
    """Whether each of ``folders`` holds exactly the files and folders ``record`` has in it."""
    recorded: dict[str, set[str]] = {rel: set() for rel in folders}
    for rel in record.folders[1:] + record.files:
        parent, _, name = rel.rpartition("/")
        if parent in recorded:
            recorded[parent].add(name)
    try:
        return all({entry.name for entry in os.scandir(os.path.join(output, rel))} == names
                   for rel, names in recorded.items())
    except OSError:
        return False


def unchanged(output: Path | str, rel: str, stamp: Stamp | None) -> bool:
    """Whether the file ``rel`` still has the stamp it was written with."""
    if stamp is None:
        return False
    try:
        st = os.stat(os.path.join(output, rel), follow_symlinks=False)  # no Path made: asked per file
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == tuple(stamp)


class FolderCheck(NamedTuple):
    """The output folder looked at against a record, entry by entry (``check_folder``)."""

    record: FolderRecord
    taken_ns: int  # when the look began
    same_files: frozenset[str]  # recorded files whose stamp is still the recorded one
    moved_folders: frozenset[str]  # recorded folders whose time or inode moved, or that are gone


def check_folder(output: Path, record: FolderRecord, taken_ns: int) -> FolderCheck:
    """Which of ``record``'s files and folders ``output`` still holds as recorded: one
    ``stat`` each, in one pass (``taken_ns``: the time now, read before looking)."""
    same: list[str] = []
    moved: list[str] = []
    looker = _Looker(output)
    try:
        look = looker.__enter__()
    except OSError:  # no such folder, or not a folder: nothing in it is as recorded
        return FolderCheck(record, taken_ns, frozenset(), frozenset(record.folders))
    try:
        for rel, mtime, inode in zip(record.folders, record.folder_times, record.folder_inodes):
            try:
                st = look(rel)
            except OSError:
                moved.append(rel)
                continue
            if st.st_mtime_ns != mtime or st.st_ino != inode or not stat.S_ISDIR(st.st_mode):
                moved.append(rel)
        for rel, size, mtime in zip(record.files, record.file_sizes, record.file_times):
            try:
                st = look(rel)
            except OSError:
                continue
            if st.st_mtime_ns == mtime and st.st_size == size and stat.S_ISREG(st.st_mode):
                same.append(rel)
    finally:
        looker.__exit__(None, None, None)
    return FolderCheck(record, taken_ns, frozenset(same), frozenset(moved))


def refreshed(output: Path, check: FolderCheck, touched: Iterable[str]) -> FolderRecord | None:
    """The folder's record after a build that wrote or removed only the files ``touched``
    since ``check`` was made: what ``folder_record`` would find, listing only the folders
    the check saw move. A folder the build wrote into is not listed: its other files are
    as the check found them, and those the build touched are looked at again.

    Entries carried from the check stand as they were then: a change made by someone else
    while the build ran leaves the record behind the folder, so the next build with nothing
    to do sees a difference and builds (never the other way round). None if the folder is gone.
    """
    try:
        top = os.stat(output)
    except FileNotFoundError:
        return None
    old = check.record
    if not stat.S_ISDIR(top.st_mode) or not old.folders:
        return folder_record(output, check.taken_ns)
    touched_files = set(touched)
    listed = {""}  # the folders to look at again, with those they are in
    for rel in (*touched_files, *(f + "/x" for f in check.moved_folders if f)):
        parts = rel.split("/")[:-1]
        for n in range(1, len(parts) + 1):
            listed.add("/".join(parts[:n]))
    old_folders = {rel: (mtime, inode) for rel, mtime, inode in
                   zip(old.folders, old.folder_times, old.folder_inodes)}
    children: dict[str, list[str]] = {}  # recorded folder -> its recorded subfolders
    for rel in old.folders[1:]:
        children.setdefault(rel.rpartition("/")[0], []).append(rel)
    files_in: dict[str, list[int]] = {}  # recorded folder -> its recorded files, by place in the record
    for i, rel in enumerate(old.files):
        files_in.setdefault(rel.rpartition("/")[0], []).append(i)
    record = FolderRecord(check.taken_ns, [], int_array("q"), int_array("Q"), [], int_array("Q"), int_array("q"))
    base = os.path.join(output, "")

    def add_folder(rel: str, mtime: int, inode: int) -> None:
        record.folders.append(rel)
        record.folder_times.append(mtime)
        record.folder_inodes.append(inode)

    def add_file(rel: str, size: int, mtime: int) -> None:
        record.files.append(rel)
        record.file_sizes.append(size)
        record.file_times.append(mtime)

    def carry(rel: str) -> None:
        """A folder the check found as recorded, with all it held, none of it listed."""
        mtime, inode = old_folders[rel]
        add_folder(rel, mtime, inode)
        for i in files_in.get(rel, ()):
            name = old.files[i]
            if name in check.same_files:
                add_file(name, old.file_sizes[i], old.file_times[i])
            else:  # changed in place since it was recorded: as it is now
                try:
                    st = os.lstat(base + name)
                except OSError:
                    continue
                add_file(name, st.st_size, st.st_mtime_ns)
        for sub in children.get(rel, ()):
            if sub in listed:
                looked_at(sub)
            else:
                carry(sub)

    recorded_files = set(old.files)
    new_files_in: dict[str, list[str]] = {}  # recorded folder -> files the build made in it
    for rel in touched_files - recorded_files:
        new_files_in.setdefault(rel.rpartition("/")[0], []).append(rel)
    new_folders_in: dict[str, list[str]] = {}  # folder -> folders the build made in it
    for rel in listed - old_folders.keys():
        new_folders_in.setdefault(rel.rpartition("/")[0], []).append(rel)

    def write_into(rel: str) -> None:
        """A folder the check found as recorded, into which the build wrote: its files as
        recorded but those the build touched, looked at again, and those it made; not
        listed (the data/text folder of 10,000 articles, for one article's text)."""
        path = base + rel if rel else os.fspath(output)
        try:
            st = os.lstat(path)
        except OSError:
            return  # gone since: as in ``list_folder``
        if not stat.S_ISDIR(st.st_mode):
            return
        add_folder(rel, st.st_mtime_ns, st.st_ino)
        for i in files_in.get(rel, ()):
            name = old.files[i]
            if name in check.same_files and name not in touched_files:
                add_file(name, old.file_sizes[i], old.file_times[i])
            else:
                look_again(name)
        for name in new_files_in.get(rel, ()):
            look_again(name)
        for sub in children.get(rel, ()):
            if sub in listed:
                looked_at(sub)
            else:
                carry(sub)
        for sub in new_folders_in.get(rel, ()):
            list_folder(sub)

    def look_again(name: str) -> None:
        try:
            st = os.lstat(base + name)
        except OSError:
            return  # removed, by the build or since
        if not stat.S_ISDIR(st.st_mode):  # a folder made in its place is listed as one
            add_file(name, st.st_size, st.st_mtime_ns)

    def looked_at(rel: str) -> None:
        """A folder the build wrote into: listed if the check saw it move, else not."""
        if rel in check.moved_folders:
            list_folder(rel)
        else:
            write_into(rel)

    def list_folder(rel: str) -> None:
        """A folder looked at again: its entries as they are, those carried where they can be."""
        path = base + rel if rel else os.fspath(output)
        try:
            st = os.lstat(path)
            if not stat.S_ISDIR(st.st_mode):
                return
            entries = list(os.scandir(path))
        except OSError:
            return  # gone since: its parent's listing no longer names it, or the next check sees it
        add_folder(rel, st.st_mtime_ns, st.st_ino)
        prefix = rel + "/" if rel else ""
        for entry in entries:
            name = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name not in old_folders or name in check.moved_folders:
                        list_folder(name)
                    elif name in listed:
                        write_into(name)
                    else:
                        carry(name)
                    continue
                entry_st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            add_file(name, entry_st.st_size, entry_st.st_mtime_ns)

    looked_at("")
    return record
