"""What the last `sitegen build` of a site saw, and whether anything has changed since.

A build with nothing to do must cost next to nothing on an archive of any size, so this
check reads no file it can avoid and loads none of the stages' libraries. What it compares:

- the settings: sitegen's version and code, the libraries that shape pages and analysis,
  the Pagefind binary, ``sitegen.toml``, the model and the reference source;
- every input file (articles, entity notes, templates, a replay folder), each by its size,
  time and inode as the last build saw it; a file that changed (or had changed so shortly
  before it was seen that another change might leave its time as it was) is read, and it
  counts as changed only if its bytes did;
- the output folder, by ``output.stamps.FolderRecord``.

All of it is kept in ``.sitegen/last-build.marshal``: values only (``marshal`` cannot
make objects), in columns where a large site has many. A record that cannot be read
is no record: the build then does its work.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import __version__
from .config import CONFIG_FILE, SiteConfig
from .output.stamps import SETTLED_NS, FolderRecord, int_array

if TYPE_CHECKING:
    from .build import BuildOptions

STATE_FILE = "last-build.marshal"
_OLD_STATE_FILE = "last-build.json"  # what sitegen kept before; removed when the new one is written
_FORMAT = 1
PACKAGE = Path(__file__).resolve().parent


class InputFiles:
    """What a build saw of each input file: size, time and inode, when it last read it, and
    the SHA-256 of its bytes. In columns: 10,000 articles load in a few milliseconds."""

    def __init__(self, paths: list[str] | None = None, numbers: tuple[array, ...] | None = None,
                 sha256s: bytes = b""):
        self.paths = paths if paths is not None else []
        # size, mtime (ns), inode, read at (ns): signed where a time may be before 1970
        self.sizes, self.times, self.inodes, self.read_at = numbers or tuple(int_array(k) for k in "QqQq")
        self.sha256s = bytearray(sha256s)
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {path: i for i, path in enumerate(self.paths)}
        return self._index

    def sha256(self, i: int) -> bytes:
        return bytes(self.sha256s[32 * i:32 * i + 32])

    def add(self, path: str, st: os.stat_result, read_at_ns: int, sha256: bytes) -> None:
        self.paths.append(path)
        self.sizes.append(st.st_size)
        self.times.append(st.st_mtime_ns)
        self.inodes.append(st.st_ino)
        self.read_at.append(read_at_ns)
        self.sha256s += sha256

    def packed(self) -> tuple:
        return ("\0".join(self.paths), *(a.tobytes() for a in (self.sizes, self.times, self.inodes, self.read_at)),
                bytes(self.sha256s))

    @classmethod
    def unpacked(cls, packed: tuple) -> InputFiles:
        joined, *columns, sha256s = packed
        numbers = tuple(int_array(kind, data) for kind, data in zip("QqQq", columns))
        paths = joined.split("\0") if numbers[0] else []
        if any(len(column) != len(paths) for column in numbers) or len(sha256s) != 32 * len(paths):
            raise ValueError("a record of input files whose columns differ in length")
        return cls(paths, numbers, sha256s)


@dataclass(frozen=True)
class LastBuild:
    """What the last build saw. ``settings`` is None when there was none, or it did not
    finish (input errors, reference data it still wants): the next build works again."""

    settings: str | None = None
    inputs: InputFiles = field(default_factory=InputFiles)
    output: FolderRecord | None = None
    software: Software | None = None
    fresh_until: float | None = None  # when an online build must fetch again (see build._fresh_until)
    reference_problems: tuple[str, ...] = ()
    retry_at: float | None = None


class Software(NamedTuple):
    """The digest of sitegen's code and libraries (``incremental.version.code_digest``) and
    where Pagefind is, kept with what they were told from (the stamps of the code's files
    and of the folders the libraries and Pagefind are found in) and when."""

    taken_ns: int
    stamps: tuple
    code: str
    pagefind: str | None


@dataclass(frozen=True)
class Seen:
    """What this build sees now."""

    settings: str
    inputs: InputFiles
    software: Software
    same_inputs: bool  # the same input files with the same bytes as the last build's
    renewed: bool  # something had to be read or looked up again to tell: worth keeping


def read(config: SiteConfig) -> LastBuild:
    try:
        with open(config.state_dir / STATE_FILE, "rb") as f:
            state = marshal.load(f)
        if state.get("format") != _FORMAT or state.get("version") != __version__:
            return LastBuild()
        return LastBuild(state["settings"], InputFiles.unpacked(state["inputs"]),
                         FolderRecord.unpacked(state["output"]) if state["output"] else None,
                         Software(*state["software"]) if state["software"] else None,
                         state["fresh_until"], tuple(state["reference_problems"]), state["retry_at"])
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        return LastBuild()


def write(config: SiteConfig, last: LastBuild) -> None:
    state = {"format": _FORMAT, "version": __version__, "settings": last.settings,
             "inputs": last.inputs.packed(),
             "output": last.output.packed() if last.output else None,
             "software": tuple(last.software) if last.software else None,
             "fresh_until": last.fresh_until, "reference_problems": list(last.reference_problems),
             "retry_at": last.retry_at}
    config.state_dir.mkdir(parents=True, exist_ok=True)
    path = config.state_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(marshal.dumps(state))
    tmp.replace(path)
    (config.state_dir / _OLD_STATE_FILE).unlink(missing_ok=True)


def forget(config: SiteConfig) -> None:
    """The output folder is no longer as a `sitegen build` left it (a preview wrote it)."""
    write(config, LastBuild())


def seen_now(config: SiteConfig, options: BuildOptions, last: LastBuild) -> Seen:
    software = _software(last.software)
    # The search binary too: installing Pagefind after a build without it must rebuild.
    search = software.pagefind if config.search else "off"
    folders = [config.articles_dir, config.entities_dir, config.templates_dir]
    if options.replay:
        folders.append(Path(options.replay))
    settings = hashlib.sha256(f"{__version__}\0{config.model}\0{options.offline}\0{options.replay}\0{search}\0"
                              f"{software.code}\0{folders}\0".encode("utf-8", "surrogateescape"))
    config_path = config.site_dir / CONFIG_FILE
    if config_path.is_file():
        settings.update(config_path.read_bytes())
    inputs, same, reread = _inputs(config, folders, last.inputs)
    return Seen(settings.hexdigest(), inputs, software, same, reread or software is not last.software)


def _inputs(config: SiteConfig, folders: list[Path], known: InputFiles) -> tuple[InputFiles, bool, bool]:
    """What this build sees of every input file; whether they are the files, with the
    bytes, the last build saw; whether any had to be read to tell."""
    found = [file for folder in folders for file in _files_under(config, folder)]
    index, sizes, times, inodes, read_at = known.index(), known.sizes, known.times, known.inodes, known.read_at

    def as_seen(path: str, st: os.stat_result) -> int | None:
        """The file's place in ``known`` if it is as the last build saw it, well after it changed."""
        i = index.get(path)
        if i is not None and sizes[i] == st.st_size and times[i] == st.st_mtime_ns and inodes[i] == st.st_ino \
                and read_at[i] - times[i] > SETTLED_NS:
            return i
        return None

    if len(found) == len(known) and all(as_seen(path, st) is not None for path, st in found):
        return known, True, False  # as many files, each as the last build saw it: a no-op's case
    seen = InputFiles()
    same = len(found) == len(known)
    reread = False
    for path, st in found:
        i = as_seen(path, st)
        if i is not None:
            seen.add(path, st, read_at[i], known.sha256(i))
            continue
        read_now = time.time_ns()
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).digest()
        seen.add(path, st, read_now, digest)
        i = index.get(path)
        if i is None or known.sha256(i) != digest:
            same = False
        else:
            reread = True
    return seen, same, reread


def _files_under(config: SiteConfig, folder: Path) -> list[tuple[str, os.stat_result]]:
    """Every file under ``folder`` (a link to a file counts, a dangling link does not) and
    its ``stat``, not entering ``__pycache__``; linked folders are entered as the build
    reads them (see ``site_files``)."""
    found: list[tuple[str, os.stat_result]] = []
    linked_folders = False

    def walk(path: str) -> None:
        nonlocal linked_folders
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        walk(entry.path)
                elif entry.is_file():
                    found.append((entry.path, entry.stat()))
                elif entry.is_symlink() and entry.is_dir():
                    linked_folders = True

    if not folder.is_dir():
        return found
    walk(str(folder))
    if linked_folders and folder in (config.articles_dir, config.entities_dir):
        from .content.site_files import list_files

        walked = {path for path, _ in found}
        for path in map(str, list_files(folder, config.site_dir, ("",)).files):
            if path not in walked:
                found.append((path, os.stat(path)))
    return found


# ---- sitegen's own code, its libraries and Pagefind ----------------------------------

def _software(last: Software | None) -> Software:
    """The code digest and Pagefind's place, as the last build found them if nothing they
    come from has moved since (then without reading sitegen's code or asking the
    libraries' metadata, which costs more than the rest of a no-op on a small site)."""
    from .site.theme import builtin_theme_dir

    taken_ns = time.time_ns()
    # Where the libraries and Pagefind are found: installing, upgrading or removing one
    # changes the folder it is in (the folders of sys.path, and of PATH for a Pagefind
    # installed on its own).
    folders = tuple(sys.path) + tuple(os.environ.get("PATH", "").split(os.pathsep))
    stamps = (folders, os.environ.get("PAGEFIND_BINARY_PATH"), tuple(_stamp(folder) for folder in folders),
              tuple(_tree_stamps(folder) for folder in dict.fromkeys((PACKAGE, builtin_theme_dir().resolve()))))
    if last is not None and last.stamps == stamps and _settled(stamps, last.taken_ns):
        return last
    from .incremental.version import code_digest
    from .site.pagefind import find_pagefind

    found = find_pagefind()
    return Software(taken_ns, stamps, code_digest(), str(found) if found else None)


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path or ".")
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ino


def _tree_stamps(folder: Path) -> tuple:
    """(relative path, size, mtime, inode) of every file under ``folder`` but ``__pycache__``,
    and each folder's time."""
    stamps: list[tuple] = []

    def walk(path: str, prefix: str) -> None:
        st = os.stat(path)
        stamps.append((prefix, st.st_mtime_ns, st.st_ino))
        with os.scandir(path) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        walk(entry.path, prefix + entry.name + "/")
                else:
                    st = entry.stat()
                    stamps.append((prefix + entry.name, st.st_size, st.st_mtime_ns, st.st_ino))

    try:
        walk(str(folder), "")
    except OSError:
        return ()
    return tuple(stamps)


def _settled(stamps: tuple, taken_ns: int) -> bool:
    """Whether every time in ``stamps`` was long enough before ``taken_ns`` (see ``SETTLED_NS``)."""
    *_, library_folders, trees = stamps
    times = [s[0] for s in library_folders if s] + [s[-2] for tree in trees for s in tree]
    return all(taken_ns - t > SETTLED_NS for t in times)
