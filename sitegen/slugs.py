"""URL slugs for names: safe on every file system and static host, unique per folder."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

MAX_LENGTH = 80
# Names Windows refuses as file or folder names, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | \
    {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}


@lru_cache(maxsize=1 << 16)  # every entity's slug is claimed again in every build of a preview
def slugify(name: str) -> str:
    """'Ahmed al-Sharaa' -> 'ahmed-al-sharaa'. Never empty, never a path, at most 80 chars."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.casefold()).strip("-")
    if len(slug) > MAX_LENGTH:
        slug = slug[:MAX_LENGTH].rsplit("-", 1)[0] or slug[:MAX_LENGTH]
    if not slug:
        # A name in a script without a Latin spelling, or only punctuation: a stable id.
        slug = "name-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    if slug in _RESERVED:
        slug += "-1"
    return slug


class SlugRegistry:
    """Hands out distinct slugs when two names slugify alike ('Café' and 'Cafe')."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def release(self, slug: str) -> None:
        """Give back a slug claimed in vain."""
        self._taken.discard(slug)

    def take(self, slug: str) -> None:
        """Mark a slug already in use (an entity that keeps its URL)."""
        self._taken.add(slug)

    def claim(self, name: str) -> str:
        base = slugify(name)
        slug, n = base, 2
        while slug in self._taken:
            suffix = f"-{n}"
            slug = base[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
            n += 1
        self._taken.add(slug)
        return slug
