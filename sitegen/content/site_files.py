"""List the input files of a content folder, and say which files are not read and why.

The policy, also in the README ("A site's folder"):
- editors' leftovers (``foo.md~``, ``#foo.md#``, ``.#foo.md``, ``*.swp``, ``*.bak``, ...),
  system files (``.DS_Store``, ``Thumbs.db``, ``desktop.ini``) and hidden folders
  (``.git``) are skipped quietly;
- every other file that is not read is reported: a hidden file that looks like an input
  (``.draft.md``), a file with another extension, the new text ``sitegen import`` leaves
  beside an article the editor changed (``foo.incoming.md``);
- a symbolic link (to a file or a folder) is followed when what it points at is inside
  the site folder; one that leads out of the site folder, points at nothing, or leads
  back into a folder that holds it is refused with an error naming it, and not read.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..model import ArticleError, shared_path

# Editors' backup, swap and lock files, and what operating systems leave in folders.
_LEFTOVER = re.compile(r"(?:.*~|#.*#|\.#.*|.*\.(?:swp|swo|swx|tmp|bak|orig|part|crdownload)"
                       r"|\.ds_store|thumbs\.db|desktop\.ini|\._.*)", re.IGNORECASE)
# `sitegen import` puts the new text of an article the editor has changed beside it, for
# the editor to merge: not an article of its own, and a reminder each build.
INCOMING = ".incoming.md"
_MAX_DEPTH = 64  # folders within folders; deeper is surely a mistake (or a loop of links)


FolderStamp = tuple[str, int, int, int]  # a folder's path, inode, modification and change times (ns)


@dataclass
class Listing:
    files: list[Path] = field(default_factory=list)  # the files to read, in path order
    refused: list[ArticleError] = field(default_factory=list)  # links not followed
    skipped: list[ArticleError] = field(default_factory=list)  # warnings: files not read
    # What listing again would have to look at to find the same (see
    # ``incremental.articles.article_lister``): each folder walked, stamped just before it
    # was read; when the walk began; and whether anything was met whose change no folder's
    # stamp shows (a symbolic link, which may come to lead elsewhere; a folder not read).
    folders: list[FolderStamp] = field(default_factory=list)
    listed_at_ns: int = 0
    volatile: bool = False

    def copy(self) -> "Listing":
        """The same listing in lists of its own (one kept for a later build stays whole)."""
        return Listing(list(self.files), list(self.refused), list(self.skipped), self.folders, self.listed_at_ns,
                       self.volatile)

    def __reduce__(self):
        # The files as strings, made back into the process's own Paths (``shared_path``):
        # unpickling 10,000 Paths parses each again, 50 ms.
        return (_listing, (list(map(str, self.files)), self.refused, self.skipped, self.folders,
                           self.listed_at_ns, self.volatile))


def _listing(files: list[str], refused, skipped, folders, listed_at_ns: int, volatile: bool) -> Listing:
    return Listing(list(map(shared_path, files)), refused, skipped, folders, listed_at_ns, volatile)


def list_files(folder: Path, site_dir: Path, extensions: tuple[str, ...], kind: str = "article") -> Listing:
    """Every file under ``folder`` whose name ends with one of ``extensions`` (lower case),
    in path order. Strings, not Paths, while walking: a preview lists the folder after
    every save, and a large archive holds thousands of files."""
    listing = Listing()
    if not folder.is_dir():
        listing.volatile = True  # no folder to stamp: one made later must be listed
        return listing
    # Inside the site folder, or inside the content folder itself should that be a link
    # the site's owner made on purpose.
    roots = tuple({os.path.realpath(site_dir), os.path.realpath(folder)})
    found: list[tuple[tuple[str, ...], str]] = []
    listing.listed_at_ns = time.time_ns()  # before any folder is read: a change meanwhile is later
    _Walk(listing, found, roots, extensions, kind).folder(str(folder), (), (os.path.realpath(folder),))
    found.sort()
    listing.files = [shared_path(path) for _, path in found]
    return listing




def _is_utf8(name: str) -> bool:
    """Whether a file name came from UTF-8 bytes (Python keeps other bytes as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class _Walk:
    listing: Listing
    found: list
    roots: tuple[str, ...]
    extensions: tuple[str, ...]
    kind: str

    def folder(self, folder: str, parts: tuple[str, ...], holders: tuple[str, ...]) -> None:
        if len(parts) > _MAX_DEPTH:
            self.refuse(folder, f"is more than {_MAX_DEPTH} folders deep; not read",
                        "move its files to a shallower folder")
            return
        try:
            st = os.stat(folder)  # before reading it: an entry added meanwhile changes it later
            entries = list(os.scandir(folder))
        except OSError as exc:
            self.listing.volatile = True  # fixing its permissions leaves no stamp seen here
            self.refuse(folder, f"cannot be read: {exc.strerror or exc}", "check the folder's permissions")
            return
        self.listing.folders.append((folder, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
        for entry in entries:
            name = entry.name
            if _LEFTOVER.fullmatch(name):
                continue
            is_input = name.lower().endswith(self.extensions)
            if name.lower().endswith(INCOMING):
                self.skip(entry.path, "is the newer text sitegen import found for an article you had edited",
                          "merge what you want of it into the article beside it, then delete this file")
                continue
            if name.startswith("."):
                if is_input and not entry.is_dir(follow_symlinks=False):
                    self.skip(entry.path, "is hidden: its name starts with '.'",
                              "rename it without the leading '.' to publish it")
                continue  # hidden folders (.git, .drafts) and hidden files are not inputs
            if is_input and not _is_utf8(name):
                self.refuse(entry.path, "its name is not valid UTF-8; not read",
                            "rename the file; letters, digits, '-' and '_' are always safe")
            elif entry.is_symlink():
                self.link(entry, parts, holders, is_input)
            elif entry.is_dir(follow_symlinks=False):
                # not a link: its real path is its real parent's and its name
                self.folder(entry.path, parts + (name,), holders + (os.path.join(holders[-1], name),))
            elif is_input and entry.is_file(follow_symlinks=False):
                self.found.append((parts + (name,), entry.path))
            elif entry.is_file(follow_symlinks=False):
                self.not_input(entry.path)
            else:
                self.skip(entry.path, "is not a regular file", "move it out of this folder")

    def link(self, entry: os.DirEntry, parts: tuple[str, ...], holders: tuple[str, ...], is_input: bool) -> None:
        self.listing.volatile = True  # where it leads can change while this folder does not
        target = os.path.realpath(entry.path)
        # An error where an input or a folder of them is lost; a warning for other files.
        report = self.refuse if is_input or os.path.isdir(target) else self.skip
        if not os.path.exists(target):
            report(entry.path, f"is a link to {os.readlink(entry.path)!r}, which does not exist; not read",
                   "point the link at an existing file, or delete it")
            return
        if not any(target == root or target.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots):
            report(entry.path, f"is a link to {target}, outside the site folder; not read",
                   "copy what it points at into the site folder instead of linking to it")
            return
        if os.path.isdir(target):
            if target in holders:
                self.refuse(entry.path, "is a link to a folder that holds it (a loop); not followed",
                            "delete the link")
                return
            self.folder(entry.path, parts + (entry.name,), holders + (target,))
        elif is_input and os.path.isfile(target):
            self.found.append((parts + (entry.name,), entry.path))
        elif os.path.isfile(target):
            self.not_input(entry.path)

    def not_input(self, path: str) -> None:
        self.skip(path, f"is not {'an' if self.kind[0] in 'aeiou' else 'a'} {self.kind}: only "
                  f"{' and '.join(self.extensions)} files are read",
                  f"rename it to end in {self.extensions[0]} if it is one, or move it out of this folder")

    def refuse(self, path: str, message: str, hint: str) -> None:
        self.listing.refused.append(ArticleError(shared_path(path), None, message, hint))

    def skip(self, path: str, message: str, hint: str) -> None:
        if not message.endswith("not read"):
            message = f"not read: it {message}"
        self.listing.skipped.append(ArticleError(shared_path(path), None, message, hint))
