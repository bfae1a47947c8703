"""The errors sitegen reports to users. Each carries a message a user can act on."""
from __future__ import annotations

import errno
import os


class SitegenError(Exception):
    """Base class: a problem the user can fix. ``exit_code`` is what the CLI returns."""

    exit_code = 2


class ConfigError(SitegenError):
    """sitegen.toml cannot be used."""


class SiteDirError(SitegenError):
    """The site folder is missing or holds no articles folder."""


class ModelError(SitegenError):
    """The spaCy pipeline cannot be loaded."""


class OutputError(SitegenError):
    """The output folder cannot be written safely."""


_OS_HINTS = {
    errno.EACCES: "check the folder's permissions, or choose another folder with --output",
    errno.EPERM: "check the folder's permissions and attributes (chattr), or choose another folder with --output",
    errno.EROFS: "the file system is read-only; choose a writable folder with --output",
    errno.ENOSPC: "free some disk space, then build again",
    errno.EDQUOT: "the disk quota is used up; free some space, then build again",
    errno.ENAMETOOLONG: "shorten the name: rename the file it comes from, or choose a shorter --output path",
    errno.EMFILE: "too many files are open; raise the limit (ulimit -n) or close other programs",
}


def os_error_message(exc: OSError, doing: str | None = None) -> str:
    """One plain line for an operating-system error: the path, what failed, what to do."""
    path = exc.filename if isinstance(exc.filename, str) else os.fsdecode(exc.filename) if exc.filename else ""
    hint = _OS_HINTS.get(exc.errno, "fix the cause, then build again")
    what = f"cannot {doing}: " if doing else ""
    return f"{path + ': ' if path else ''}{what}{exc.strerror or exc}; {hint}"


class UnreadableResult(Exception):
    """A result read back from the incremental memo file could not be used once the build
    came to it (one kept unread until then, see ``incremental.packed_mentions``): too late
    to make it again in that build, so the build starts again without the file."""


def said_from_here(message: str) -> str:
    """A message that begins with a file's whole path, the file named from the current
    folder where it is under it (``content/articles/x.md``, as the user would type it):
    the build names every file by its whole path (see ``config.load_config``), and its
    warnings are made as text, the file they name first."""
    here = os.path.join(os.getcwd(), "")
    return message[len(here):] if message.startswith(here) else message
