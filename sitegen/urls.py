"""Where each page of the site lives, and how one page links to another.

A page's *site path* is its public address relative to the site root, unencoded:
``""`` for the home page, ``"people/donald-trump/"`` for a dossier. Every page is an
``index.html`` inside its own folder, so site paths of pages end with "/" ("pretty"
URLs) and a static host serves them without the file name.

Pages link to each other relatively (``"../../articles/2025/syria-talks/"``), so a built
site works at any sub-path of a host and when opened from disk. Hrefs are
percent-encoded; site paths and output file names are not.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

from .errors import SitegenError
from .model import TYPE_FOLDERS

HOME = ""
ARTICLES = "articles/"
NOT_FOUND_FILE = "404.html"


def article_path(article_id: str) -> str:
    """Site path of an article page: ``"2025/syria-talks"`` -> ``"articles/2025/syria-talks/"``."""
    return f"{ARTICLES}{article_id}/"


def entity_path(entity_id: str) -> str:
    """Site path of a dossier: the entity id is already ``"<type folder>/<slug>"``."""
    return f"{entity_id}/"


def type_path(entity_type: str) -> str:
    """Site path of the A-Z index of one entity type, e.g. ``"people/"``."""
    from .model import TYPE_FOLDERS  # here: the settings read urls, and a no-op build only them

    return f"{TYPE_FOLDERS[entity_type]}/"


def page_file(site_path: str) -> str:
    """The output file that serves a site path: ``"people/x/"`` -> ``"people/x/index.html"``."""
    if site_path == HOME or site_path.endswith("/"):
        return site_path + "index.html"
    return site_path


def root_of(file: str) -> str:
    """The relative path from an output file's folder back to the site root (``""`` at the root)."""
    return "../" * file.count("/")


def href(root: str, target: str, fragment: str = "") -> str:
    """The href of site path ``target`` from a page whose way back to the root is ``root``.

    ``root`` is what ``root_of`` returns, or an absolute path such as ``"/news/"`` for
    pages that hosts serve at arbitrary addresses (404.html).
    """
    link = root + _encode(target)
    if not link:
        link = "./"  # the home page linking to itself
    if fragment:
        link += "#" + _encode(fragment)
    return link


@lru_cache(maxsize=1 << 16)
def _encode(text: str) -> str:
    return quote(text)


def relative_url(page: str, target: str, fragment: str = "") -> str:
    """The href from output file ``page`` to site path ``target``.

    >>> relative_url("people/donald-trump/index.html", "articles/x/", "m12")
    '../../articles/x/#m12'
    >>> relative_url("index.html", "")
    './'
    """
    return href(root_of(page), target, fragment)


def base_path(base_url: str) -> str:
    """The path part of the site's public address, always starting and ending with "/"."""
    path = urlsplit(_encode_address(base_url)).path if base_url else ""
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def absolute_url(base_url: str, target: str) -> str:
    """The public address of site path ``target`` under ``base_url``."""
    return _encode_address(base_url).rstrip("/") + "/" + quote(target)


# Every character a URL may hold as it is: reserved delimiters, and "%" of an escape already made.
_URL_CHARACTERS = "!#$%&'()*+,/:;=?@[]~"
# Characters a URL cannot hold unencoded: refused in base_url rather than guessed at.
_NOT_IN_ADDRESS = '"<>\\^`{|}'
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@lru_cache(maxsize=16)
def _encode_address(url: str) -> str:
    """``url`` with anything a URL cannot hold percent-encoded (spaces, line breaks, quotes,
    letters outside ASCII), so that no file's syntax (a robots.txt line, a ``_redirects``
    rule, an attribute) can be broken by it, whoever made the setting."""
    return quote(url, safe=_URL_CHARACTERS)


def public_base_url(value: str) -> str:
    """``base_url`` as sitegen.toml gives it, checked and made canonical (ASCII, ending in "/").

    Raises ValueError saying what is wrong and what to write instead.
    """
    shown = repr(value)
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in value):
        raise ValueError(f"must not contain spaces, line breaks or other control characters "
                         f"(write a space in the path as %20); got {shown}")
    bad = next((ch for ch in value if ch in _NOT_IN_ADDRESS), None)
    if bad is not None:
        raise ValueError(f"must not contain the character {bad!r} (percent-encode it as %{ord(bad):02X}); got {shown}")
    if _LONE_PERCENT.search(value):
        raise ValueError(f"has a '%' that begins no escape (write '%' itself as %25); got {shown}")
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        hostname = None
    if not hostname or parts.scheme not in ("http", "https") or parts.query or parts.fragment \
            or value.endswith(("?", "#")):
        raise ValueError(f"must be the site's public address, like \"https://example.org/news/\"; got {shown}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"must not contain a user name or password: it is written into every page; got {shown}")
    try:
        host = parts.netloc.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"has a host name that cannot be written in ASCII (IDNA); got {shown}") from None
    return urlunsplit((parts.scheme, host, _encode_address(parts.path).rstrip("/") + "/", "", ""))


def is_web_url(url: str | None) -> bool:
    """Whether ``url`` is an http(s) address, safe to use as a link target."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def check_article_id(article_id: str) -> None:
    """Refuse an article id that would put its page outside ``articles/``."""
    if not _is_clean_path(article_id):
        raise SitegenError(f"article id {article_id!r} cannot be used as a page path")


# Names Windows keeps for devices, with or without an extension ("con", "nul.txt"): a
# folder of that name cannot be made there, so a site holding one cannot be copied to it.
_DEVICE_NAMES = frozenset({"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(10)})
NAME_MAX = 255  # bytes in one file name, on the common file systems
# The whole id: with the output folder's own path it must stay well within PATH_MAX.
MAX_ARTICLE_ID_BYTES = 1024
TEXT_SUFFIX = ".txt"  # the article's plain text is published as data/text/<id>.txt


@lru_cache(maxsize=1 << 16)  # the same ids after every save of a preview
def article_id_problem(article_id: str) -> str | None:
    """Why ``article_id`` cannot be the address of a page on every host, if it cannot.

    Its page is ``articles/<id>/index.html`` and its text ``data/text/<id>.txt``: every
    part must be a name any file system and host accepts, and none may be a name the
    site itself writes there.
    """
    try:
        size = len(article_id.encode("utf-8"))
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8"
    if size > MAX_ARTICLE_ID_BYTES:
        return f"its path is {size} bytes long, over the limit of {MAX_ARTICLE_ID_BYTES}"
    parts = article_id.split("/")
    for position, part in enumerate(parts):
        if part in ("", ".", ".."):
            return f"'{part}' cannot be a folder of the site"
        bad = next((c for c in part if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c == "\\"), None)
        if bad is not None:
            what = "a backslash" if bad == "\\" else f"the control character U+{ord(bad):04X}"
            return f"'{part.encode('unicode_escape').decode('ascii')}' holds {what}"
        if part.split(".", 1)[0].rstrip(" ").casefold() in _DEVICE_NAMES:
            return f"'{part}' is a name Windows keeps for a device"
        if part.endswith((".", " ")):
            return f"'{part}' ends with a dot or a space, which Windows drops"
        if part.casefold() == "index.html":
            return "'index.html' is the name of the page file sitegen writes in each page's folder"
        limit = NAME_MAX - len(TEXT_SUFFIX) if position == len(parts) - 1 else NAME_MAX
        length = len(part.encode("utf-8"))
        if length > limit:
            return f"a name of {length} bytes is too long for a file system (at most {limit})"
    return None


def check_entity_id(entity_id: str, entity_type: str) -> None:
    """Refuse an entity id that is not ``"<folder of its type>/<slug>"``: its page would
    land outside its type's folder or on the type index itself."""
    folder, _, slug = entity_id.partition("/")
    if folder != TYPE_FOLDERS.get(entity_type) or not _is_clean_path(slug):
        raise SitegenError(
            f"entity id {entity_id!r} cannot be used as a page path "
            f"(expected '{TYPE_FOLDERS.get(entity_type) or '<type folder>'}/<slug>')"
        )


@lru_cache(maxsize=1 << 17)  # every id is checked again after every save of a preview
def _is_clean_path(value: str) -> bool:
    return bool(value) and "\\" not in value and all(part not in ("", ".", "..") for part in value.split("/"))
