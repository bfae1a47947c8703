"""Name forms that spelling, transliteration and company forms do not change.

"al-Sharaa", "Al Sharaa" and "Sharaa"; "West Germany" and "West-Germany"; "Texaco Inc"
and "Texacos": the core words of a name, folded, are what is compared.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..names import COMPANY_SUFFIXES, LINKING_WORDS, NAME_PARTICLES, TITLES, strip_particle
from ..nlp.places import gazetteer

_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1 << 16)
def folded_words(name: str) -> tuple[str, ...]:
    """Lower-case ASCII words; apostrophes and dots close up ("Moody's" -> "moodys", "U.S." -> "us")."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    ascii_text = re.sub(r"['\u2019.]", "", ascii_text)
    return tuple(_WORD.findall(ascii_text))


@lru_cache(maxsize=1 << 16)
def core_words(name: str, kind: str) -> tuple[str, ...]:
    """The words that tell this name from others, each in a singular, particle-free form.

    Left out: company forms ("Inc", "Corp"), linking words, leading titles, name particles ("al",
    "van"), and for organisations a leading country ("U.S. Treasury" is the Treasury
    as the text says it) and a trailing "of <country>".
    """
    words = list(folded_words(name))
    if not words:  # a name with no Latin letters: compared as it is written
        return (name.casefold(),)
    if kind == "organisation" and len(words) > 1:
        original = name.split()
        if original and gazetteer().canonical(original[0].rstrip(",")):
            words = words[1:] if len(folded_words(original[0])) == 1 else words
        if len(words) > 3 and words[-3] in COMPANY_SUFFIXES and words[-2] == "of" and \
                gazetteer().canonical(words[-1].capitalize()):
            words = words[:-2]  # "Dominion Textiles Inc of Canada"
    if kind == "person":
        while len(words) > 1 and words[0] in TITLES:
            words = words[1:]  # "President Yeltsin"; a title word later is a name ("John Major")
    skip = COMPANY_SUFFIXES | LINKING_WORDS | NAME_PARTICLES if kind != "person" else NAME_PARTICLES
    kept = [w for w in words if w not in skip] or words
    return tuple(singular(strip_particle(w)) for w in kept)


def singular(word: str) -> str:
    """'textiles' -> 'textile', 'germanys' -> 'germany': a trailing s on a long word dropped."""
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def is_doubled(name: str) -> str | None:
    """'NorandaNoranda' -> 'noranda': a name the text ran together twice (a table, a headline)."""
    letters = "".join(folded_words(name))
    half = len(letters) // 2
    if len(letters) >= 4 and len(letters) % 2 == 0 and letters[:half] == letters[half:]:
        return letters[:half]
    return None
