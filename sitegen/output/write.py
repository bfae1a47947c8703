"""Write the site safely, touching only files whose bytes changed, and only sitegen's own.

A build changes ``output/`` in two phases:
1. stage: every path is checked (inside the folder, a name the file system takes, no file
   sitegen did not write in the way, every folder to change writable), and every new or
   changed file is written in full into a pending folder beside ``output/``
   (``.output.pending``), or moved there from the build's spool (``output.spool``), with a journal of the moves and deletions to make. Whatever can
   fail (a name too long, permissions, a full disk) fails here, while nothing in
   ``output/`` has changed: the previous site stays exactly as it was.
2. commit: the journal is carried out. Each step is one atomic rename or one deletion,
   in an order that keeps the site usable at every instant: first the record of what
   sitegen wrote grows to cover the new files, then the new and changed files move in,
   the search index's entry files last of them, and the list of its shards after them
   (before it, the old entry points at the old index files, which are all still there;
   after it, the new entry finds every new file),
   then stale files go, then the record shrinks to the new site. Should this phase be cut
   off (kill -9, power), the journal lets the next build finish it before anything else.
Unchanged files are not touched at all (same bytes, same modification time), which keeps
rebuilds fast and lets deployment tools see exactly what changed.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Mapping

from ..errors import OutputError, os_error_message
from ..site.files import SiteFiles
from .ownership import RECORD, existing_files, record_bytes, recorded_files

JOURNAL = "journal.json"
# What a reader's browser loads first of the search index: the list of its shards, then
# each shard's entry file.
SEARCH_SHARDS = "pagefind/shards.json"
SEARCH_ENTRY = "pagefind-entry.json"
NAME_MAX = 255  # bytes in one file or folder name, on every common file system
PATH_MAX = 4000  # bytes in a whole path, a little under Linux's 4096


@dataclass(frozen=True)
class WriteStats:
    written: int  # new or changed files
    unchanged: int
    removed: int
    # every path moved into place or removed (the record of files among them): all the
    # writing changed in the folder (see ``stamps.refreshed``)
    touched: tuple[str, ...] = ()


def safe_relative(path: str) -> PurePosixPath:
    """Refuse any page path that could land outside the output folder or that no file
    system would take (a name over 255 bytes, characters the file system cannot encode)."""
    p = PurePosixPath(path)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts) or "\\" in path:
        raise OutputError(f"refusing to write '{path}': not a plain path inside the output folder")
    for part in p.parts:
        try:
            size = len(os.fsencode(part))
        except UnicodeError:
            raise OutputError(f"cannot write '{path}': the name '{part}' cannot be encoded for this file "
                              f"system; rename the file it comes from") from None
        if size > NAME_MAX or "\0" in part:
            raise OutputError(f"cannot write '{path}': the name '{part[:40]}...' is {size} bytes long, more than "
                              f"file systems allow ({NAME_MAX}); rename the file it comes from to a shorter name")
    return p


@lru_cache(maxsize=1 << 16)  # a preview writes the same thousands of paths after every save
def _checked(path: str) -> str:
    return safe_relative(path).as_posix()


def pending_folder(output: Path) -> Path:
    return output.with_name(f".{output.name}.pending")


def recover(output: Path) -> bool:
    """Finish a commit that was cut off, or drop a staging that never reached one.

    Returns False if a journal could not be carried out (it is dropped: the caller must
    then compare every file with the disk, which repairs whatever it left).
    """
    pending = pending_folder(output)
    if not pending.exists():
        return True
    finished = True
    journal = pending / JOURNAL
    if journal.is_file():
        try:
            _apply(output, pending, json.loads(journal.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            finished = False
    shutil.rmtree(pending, ignore_errors=True)
    return finished


# The record file as this process last left it in each output folder (inode, size, time).
# A preview compares files with what it last wrote instead of reading them back; that is
# only right while nobody else (a `sitegen build` between two saves) wrote there since.
_last_record: dict[Path, tuple[int, int, int] | None] = {}


def write_site(output: Path, files: Mapping[str, bytes], known: Mapping[str, bytes] | None = None) -> WriteStats:
    """Make ``output`` hold exactly ``files`` (and any file sitegen did not write), changing
    only what differs.

    ``known`` is what this process last wrote there, if it knows: then files are compared
    in memory instead of read back (a preview server rewrites after every save). A file
    ``files`` keeps (see ``SiteFiles``) is left as it is, unread.
    """
    output = output.resolve()
    if not recover(output) or _record_signature(output) != _last_record.get(output):
        known = None
    recorded = frozenset(known) if known is not None else recorded_files(output)
    pending = pending_folder(output)
    try:
        pending.mkdir(parents=True)
    except FileExistsError:
        raise OutputError(f"{pending} is in the way (left by another program?); remove it and build again") from None
    except OSError as exc:
        raise OutputError(os_error_message(exc, "make the staging folder beside the output folder")) from exc
    try:
        journal, unchanged = _stage(output, pending, files, known, recorded)
    except BaseException:
        shutil.rmtree(pending, ignore_errors=True)
        raise
    try:
        _apply(output, pending, journal)
    except OSError as exc:  # staging checked everything that can fail; the next build finishes the journal
        raise OutputError(os_error_message(exc, "move the new files into the output folder") +
                          "; the next build finishes the job") from exc
    shutil.rmtree(pending, ignore_errors=True)
    # Also when nothing moved: the folder then held ``files`` already (compared above), so
    # the next write can compare with them in memory. A preview started on a folder a
    # `sitegen build` had just written read every page back at its first save (11,000
    # files at 1,000 articles, a second).
    _last_record[output] = _record_signature(output)
    touched = tuple(rel for _, rel in (*journal["moves"], *journal.get("after", ()))) + tuple(journal["deletes"])
    return WriteStats(len(journal["moves"]), unchanged, len(journal["deletes"]), touched)  # the record is one move


def _stage(output: Path, pending: Path, files: Mapping[str, bytes] | SiteFiles, known: Mapping[str, bytes] | None,
           recorded: frozenset[str]) -> tuple[dict, int]:
    """Check every path and write every new or changed file into ``pending``; the journal."""
    files = SiteFiles.of(files)
    # Looked up in their dicts, not through a call per file: a save changes a few of a
    # large site's thousands of files, and the preview stages them all after every save.
    kept, held = files.kept_files(), files.held()
    read = held.__getitem__ if held is not None else files.__getitem__
    # A path written last time was checked then (a path's check reads the path alone): one
    # this process wrote (``known``) or one kept as the last build wrote it.
    new = {rel: _checked(rel) for rel in files if rel not in kept and (known is None or rel not in known)}
    # Likewise only a new path can be too long for this folder (encoding every path again
    # cost a preview tens of milliseconds a save on a large site).
    if len(os.fsencode(str(output))) + max((len(rel.encode()) for rel in new), default=0) > PATH_MAX:
        raise OutputError(f"{output}: some page paths would be longer than file systems allow; "
                          f"choose an output folder with a shorter path")
    wanted = set(files).difference(new).union(new.values()) if new else set(files)
    stale = recorded - wanted
    gate = _Gate(output, recorded, stale)
    moves = []
    for rel in files:
        clean = new.get(rel, rel)
        if rel in kept and clean in recorded:
            continue  # the build vouched that the folder holds it as written
        if known is not None:
            before = known.get(clean)
            if before is None:
                gate.check_new(clean)
            elif before == read(rel):
                continue
        elif _unchanged_on_disk(output, clean, files, rel, gate):
            continue
        gate.check_folder(clean)
        moves.append((_stage_made(pending, len(moves), files, rel), clean))
    deletes = sorted(stale if known is not None else (r for r in stale if (output / r).is_file() or (output / r).is_symlink()))
    for rel in deletes:
        gate.check_folder(rel)
    return _journal(output, pending, moves, deletes, recorded, wanted, len(files) - len(moves), gate)


def _journal(output: Path, pending: Path, moves: list, deletes: list, recorded: frozenset[str], wanted,
             unchanged: int, gate: "_Gate") -> tuple[dict, int]:
    """The journal of staged ``moves`` and ``deletes`` (with the record of the files), written into ``pending``."""
    if not moves and not deletes and (output / RECORD).is_file():
        return {"moves": [], "deletes": [], "after": []}, unchanged + 1  # the record too
    # The search index's entries go last: until then they still describe the old index.
    moves.sort(key=lambda move: _search_entry_rank(move[1]))
    if not deletes and wanted == recorded and (output / RECORD).is_file():
        # The record lists these very files already: the changed ones move in under it (a
        # large site's record is megabytes, and an edit rarely adds or removes a page).
        journal = {"moves": moves, "deletes": [], "after": []}
        _write_journal(pending, journal)
        return journal, unchanged + 1  # the record too
    grown = _stage_file(pending, "record-before", record_bytes(recorded | wanted))
    final = _stage_file(pending, "record", record_bytes(wanted))
    gate.check_folder(RECORD)
    journal = {"moves": [(grown, RECORD)] + moves, "deletes": deletes, "after": [(final, RECORD)]}
    _write_journal(pending, journal)
    return journal, unchanged


def _search_entry_rank(rel: str) -> int:
    if rel == SEARCH_SHARDS:
        return 2
    return 1 if rel.startswith("pagefind/") and rel.endswith("/" + SEARCH_ENTRY) else 0


def _stage_made(pending: Path, name: int, files: SiteFiles, rel: str) -> str:
    """Stage a file the build made: moved from the spool if it is there, else written."""
    spooled = files.spooled(rel)
    if spooled is None:
        return _stage_file(pending, name, files[rel])
    try:
        # os.rename, not the commit's os.replace: the name in ``pending`` is a fresh one.
        os.rename(spooled, pending / str(name))
    except OSError as exc:
        raise OutputError(os_error_message(exc, f"stage the new site in {pending}")) from exc
    return str(name)


def _stage_file(pending: Path, name, data: bytes) -> str:
    name = str(name)
    try:
        (pending / name).write_bytes(data)
    except OSError as exc:
        raise OutputError(os_error_message(exc, f"stage the new site in {pending}")) from exc
    return name


class _Gate:
    """What may be changed in ``output``: no file sitegen did not write is replaced or
    removed, and every folder to change can be written (tried, not guessed: a read-only
    file system or an immutable folder refuses even root)."""

    def __init__(self, output: Path, recorded: frozenset[str], stale: frozenset[str]) -> None:
        self.output, self.recorded, self.stale = output, recorded, stale
        self.writable: set[Path] = set()

    def check_new(self, rel: str) -> None:
        """``rel`` is not among sitegen's files: nothing may stand in its way."""
        target = self.output / rel
        if target.is_symlink() or target.is_file():
            self.refuse(rel)
        if target.is_dir():
            self.check_folder_in_the_way(rel)
        parent = PurePosixPath(rel).parent
        while parent.parts:
            path = self.output / parent
            if path.is_dir() and not path.is_symlink():
                break
            if path.exists() or path.is_symlink():
                if parent.as_posix() not in self.stale:
                    self.refuse(parent.as_posix())
            parent = parent.parent

    def check_folder_in_the_way(self, rel: str) -> None:
        for name in existing_files(self.output / rel):
            if f"{rel}/{name}" not in self.stale:
                self.refuse(f"{rel}/{name}")

    def check_folder(self, rel: str) -> None:
        folder = (self.output / rel).parent
        while not folder.is_dir():
            if folder == self.output.parent or folder == folder.parent:
                break
            folder = folder.parent
        if folder in self.writable:
            return
        try:
            _probe(folder)
        except OSError as exc:
            raise OutputError(os_error_message(exc, f"write into {folder}")) from exc
        self.writable.add(folder)

    def refuse(self, rel: str) -> None:
        raise OutputError(f"{self.output / rel} was not written by sitegen and stands where the site needs to "
                          f"write; move it out of the output folder (sitegen never replaces files it did "
                          f"not write)")


def _probe(folder: Path) -> None:
    """Make a file in ``folder`` and let it go: raises what writing the site there would.

    The file has no name where the system allows it (O_TMPFILE), so a build killed here
    leaves nothing behind; elsewhere a named one is made and removed at once."""
    tmpfile = getattr(os, "O_TMPFILE", 0)
    if tmpfile:
        try:
            os.close(os.open(folder, tmpfile | os.O_WRONLY, 0o600))
            return
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise  # refused for a reason that would refuse the site too
    probe = folder / f".sitegen-probe-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    os.unlink(probe)


def _unchanged_on_disk(output: Path, rel: str, files: SiteFiles, made: str, gate: _Gate) -> bool:
    """Whether ``output`` holds file ``rel`` with the bytes of ``files[made]`` (read only if
    the sizes are equal)."""
    target = output / rel
    try:
        st = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        gate.check_new(rel)
        return False
    if stat.S_ISDIR(st.st_mode):
        gate.check_folder_in_the_way(rel)
        return False
    if rel not in gate.recorded:
        gate.refuse(rel)
    if not stat.S_ISREG(st.st_mode) or st.st_size != files.size(made):
        return False
    try:
        return target.read_bytes() == files[made]
    except OSError:
        return False


def _write_journal(pending: Path, journal: dict) -> None:
    tmp = pending / (JOURNAL + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(journal, f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(pending / JOURNAL)  # the journal exists whole or not at all
    except OSError as exc:
        raise OutputError(os_error_message(exc, f"write the build journal in {pending}")) from exc


def _apply(output: Path, pending: Path, journal: dict) -> None:
    """Carry out the journal; safe to run again after being cut off at any instant."""
    output.mkdir(parents=True, exist_ok=True)
    _move_all(output, pending, journal["moves"])
    emptied = set()
    for rel in journal["deletes"]:
        target = output / rel
        if target.is_file() or target.is_symlink():
            target.unlink()
        emptied.add(target.parent)
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while folder != output and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    _move_all(output, pending, journal.get("after", []))


def _move_all(output: Path, pending: Path, moves) -> None:
    made: set[Path] = set()
    for name, rel in moves:
        source = pending / name
        if not source.exists():
            continue  # moved before the cut
        target = output / rel
        if target.parent not in made:
            _make_folder(output, target.parent)
            made.add(target.parent)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # a folder of stale files where a file now belongs (checked when staged)
        os.replace(source, target)


def _make_folder(output: Path, folder: Path) -> None:
    """Create ``folder``, removing a stale file that stands where one of its folders goes
    (staging made sure it is one sitegen wrote)."""
    for parent in reversed([folder, *folder.relative_to(output).parents][:-1]):
        path = parent if parent.is_absolute() else output / parent
        if path.is_file() or path.is_symlink():
            path.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _record_signature(output: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(output / RECORD)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)

