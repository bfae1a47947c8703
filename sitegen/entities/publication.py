"""Which entities earn a dossier page, and why.

A page is a claim that a real person, place or organisation stands behind a name. On
real news most wrong pages rest on a single mention the model misread (a photo credit,
a headline fragment, a horse race read as an organisation), so a name gets a page only
with evidence: an editor's judgement, a confident reference link, a full personal
name, several mentions or articles, a place the offline gazetteer knows, or what the
name's own words, its sentence or a list it stands in say of it. Every other name stays
highlighted in its article, listed there and found by search, without a page of its own. The reason is kept for each entity: ``sitegen entities`` and the
export show it.
"""
from __future__ import annotations

import re
from dataclasses import replace
from operator import itemgetter
from typing import Callable, Mapping, Sequence

from ..content.judgements import Judgement
from ..nlp.evidence import (CONTEXT_NOTE, PERSON_CONTEXT_NOTE, given_names, sentence_names_a_body,
                       sentence_names_a_person, thing_kind)
from ..model import Entity, Site
from ..names import NAME_PARTICLES, name_key, person_tokens
from ..nlp.places import gazetteer

NO_EVIDENCE = "named once, with no full name, reference link or known place to confirm it"
COMMON_WORD = "a heading in capitals or a word its articles also write in lower case, with nothing to confirm it"


def page_reason(entity: Entity, judgement: Judgement | None, link_threshold: float,
                texts: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """(whether ``entity`` gets a page, why), strongest evidence first. ``texts`` (article
    id -> plain text) lets a capitalised common word be told from a name."""
    if judgement is not None and judgement.page is not None:
        return judgement.page, f"editor: {judgement.path.name} says page: {'true' if judgement.page else 'false'}"
    if judgement is not None:
        return True, f"editor: {judgement.path.name} judges it"
    ref = entity.reference
    if ref is not None and ref.confidence >= link_threshold:
        return True, f"linked to Wikipedia “{ref.wikipedia_title}” ({ref.confidence:.2f})"
    if entity.type == "person" and _full_personal_name(entity.name):
        return True, "a full personal name"
    if entity.type == "person" and _name_shaped(entity.name) and any(
            sentence_names_a_person(m.sentence, m.start - m.sentence_start, m.end - m.sentence_start)
            for m in entity.mentions):
        return True, PERSON_CONTEXT_NOTE
    repeated = len(entity.articles) > 1 or len(entity.mentions) > 1
    if repeated and _counts_as_evidence(entity, texts or {}):
        if len(entity.articles) > 1:
            return True, f"named in {len(entity.articles)} articles"
        return True, f"mentioned {len(entity.mentions)} times"
    if entity.type == "place" and (entity.place is not None or _known_place(entity.name)):
        return True, "a known place (GeoNames)"
    if entity.type != "person":
        if thing_kind(entity.name) == entity.type:
            return True, f"its name says it is {'a place' if entity.type == 'place' else 'an organisation'}"
        if any(sentence_names_a_body(m.sentence, m.start - m.sentence_start, m.end - m.sentence_start)
               for m in entity.mentions):
            return True, CONTEXT_NOTE
    return False, COMMON_WORD if repeated else NO_EVIDENCE


# "'Israel' and Hamas", "Laurel or Hardy": what stands between two names of one list.
_CONJOINED = re.compile(r"[\s'’\"”“,]*\b(?:and|or)\b[\s'’\"”“]*")


def _family(kind: str) -> str:
    return "person" if kind == "person" else "other"


def _conjoined_with_a_page(entity: Entity, site: Site, paged: Mapping[str, str],
                          texts: Mapping[str, str]) -> str | None:
    """The name of a paged entity this one is listed with ("between Israel and Hamas"):
    the parts of a list are of one kind, so a name beside a confirmed one is a real name."""
    family = _family(entity.type)
    for m in entity.mentions:
        text = texts.get(m.article_id, "")
        if not _beside_a_conjunction(text, m.start, m.end):
            continue  # no name of its article can be listed with it
        others = site.mentions_by_article.get(m.article_id, ())
        for o in others:
            # People are listed with people, places and bodies with their like: "Israel
            # and Hamas"; a person listed with places is more likely a misread place.
            if o.entity_id not in paged or o.entity_id == entity.id or _family(paged[o.entity_id]) != family:
                continue
            between = text[o.end:m.start] if o.end <= m.start else text[m.end:o.start]
            if between and _CONJOINED.fullmatch(between):
                return o.text
    return None


_BEFORE_CONJUNCTION = frozenset("'’\"”“")  # what _CONJOINED allows after "and"/"or", with spaces
_AFTER_NAME = _BEFORE_CONJUNCTION | {","}  # what it allows before them, with spaces


def _beside_a_conjunction(text: str, start: int, end: int) -> bool:
    """Whether a name at ``text[start:end]`` could be listed with another (``_CONJOINED``):
    "and" or "or" ends right before it or starts right after it, but for spaces, quotes
    and commas. Most names are not: their article's other names need not be looked at."""
    k = start
    while k > 0 and (text[k - 1].isspace() or text[k - 1] in _BEFORE_CONJUNCTION):
        k -= 1
    if text.endswith(("and", "or"), 0, k):
        return True
    k = end
    while k < len(text) and (text[k].isspace() or text[k] in _AFTER_NAME):
        k += 1
    return text.startswith(("and", "or"), k)


# Articles of the languages news names come from. A name that starts with one is a
# newspaper's, a place's or a company's ("Le Parisien", "Der Spiegel", "La Liga"), never a
# person's, although given-name lists hold "Le" as a name of its own. "Les" and "El" are
# left out: "Les" is an English given name, "El" starts Arabic ones ("El Hadji").
_ARTICLES = {"the", "le", "la", "los", "las", "il", "der", "die", "das", "den", "het", "de", "del",
             "della", "du"}


def _name_shaped(name: str) -> bool:
    """Two or more words, the last more than an initial, not in headline capitals, not
    starting with an article."""
    words = person_tokens(name_key(name))
    return (len(words) >= 2 and len(words[-1]) > 1 and any(c.islower() for c in name)
            and words[0] not in _ARTICLES)


def _full_personal_name(name: str) -> bool:
    """A known given name or initials, then a surname, not in headline capitals ("Ahmed
    al-Sharaa", "H. Morris", "JD Vance", "Jean-Pierre Raffarin"; not "Morris", "JOHN
    SMITH", "Der Spiegel", "Al-Qassam Brigades")."""
    words = person_tokens(name_key(name))
    if not _name_shaped(name):
        return False
    first = name.split()[0]
    initials = len(first.replace(".", "")) <= 3 and first.replace(".", "").isupper()
    # "Jean-Pierre" starts with a given name; "Al-Qassam" with the article "al-".
    joined = words[0].split("-")[0]
    return initials or words[0] in given_names() or (joined in given_names() and joined not in NAME_PARTICLES)


def _counts_as_evidence(entity: Entity, texts: Mapping[str, str]) -> bool:
    """Whether repeating the name says anything: not for table headings in capitals
    ("W D L PCT") nor for a common word its own articles also write in lower case
    ("Standings", "Extras" at the start of a line)."""
    name = entity.name
    if " " in name and not any(c.islower() for c in name):
        return False
    if " " not in name and name[:1].isupper() and name[1:].islower():
        lower = name.lower()
        if isinstance(texts, ArticleTexts) and _WORD.fullmatch(lower):
            return not any(texts.has_word(a, lower) for a in entity.articles)
        word = re.compile(rf"(?<![\w-]){re.escape(lower)}(?![\w-])")
        return not any(word.search(texts.get(a, "")) for a in entity.articles)
    return True


_WORD = re.compile(r"[\w-]+")


class ArticleTexts(dict):
    """Article id -> plain text, with each text's words as written, split once.

    Most single-word names are checked against the same few long articles; scanning each
    text again per name cost a second a build at 1,000 articles. A word made only of
    word characters and hyphens occurs on its own in a text exactly when it is one of
    the text's maximal runs of such characters."""

    def __init__(self, texts: Mapping[str, str]):
        super().__init__(texts)
        self._words: dict[str, frozenset[str]] = {}

    def has_word(self, article_id: str, word: str) -> bool:
        # A text without the word anywhere, even inside another, need not be split: the
        # usual case (a name is rarely written in lower case), found by one scan in C.
        return word in self.get(article_id, "") and word in self.words(article_id)

    def words(self, article_id: str) -> frozenset[str]:
        found = self._words.get(article_id)
        if found is None:
            found = self._words[article_id] = frozenset(_WORD.findall(self.get(article_id, "")))
        return found


def _known_place(name: str) -> bool:
    places = gazetteer()
    return bool(places.canonical(name)) or places.is_place(name_key(name))


_PARTNER = itemgetter(0)  # of a related pair: (entity id, articles shared)


def publish(site: Site, judgements: Sequence[Judgement], link_threshold: float,
            decide: Callable[[Entity, Judgement | None, float, Mapping[str, str]], tuple[bool, str]] = page_reason,
            texts: ArticleTexts | None = None) -> Site:
    """``site`` with only the entities that earn a page in ``entities``; the others in
    ``without_page``, their mentions still in each article's list, and left out of the
    related lists of those with a page.

    ``decide`` is ``page_reason``; a preview passes one that hands back the decision
    kept for the same entity, note, threshold and article texts (see ``incremental``),
    and ``texts`` the site's article texts with the words of each split once for good.
    """
    by_path = {j.path: j for j in judgements}
    texts = texts if texts is not None else ArticleTexts({a.id: a.text for a in site.articles})
    decided = {}
    for entity in site.entities:
        judgement = by_path.get(entity.note_path) if entity.note_path else None
        decided[entity.id] = decide(entity, judgement, link_threshold, texts)
    confirmed = {e.id: e.type for e in site.entities if decided[e.id][0]}
    for entity in site.entities:
        if decided[entity.id][1] == NO_EVIDENCE:
            partner = _conjoined_with_a_page(entity, site, confirmed, texts)
            if partner:
                decided[entity.id] = (True, f"listed with “{partner}”, which has a page")
    paged = [e for e in site.entities if decided[e.id][0]]
    unpaged = [e for e in site.entities if not decided[e.id][0]]
    reasons = {eid: why for eid, (_, why) in decided.items()}
    if not unpaged:
        return replace(site, page_reasons=reasons)
    hidden = frozenset(e.id for e in unpaged)
    related = {}
    for entity in paged:
        pairs = site.related.get(entity.id, ())
        # The very list where nothing in it lost its page: pages find it unchanged at once.
        related[entity.id] = tuple(p for p in pairs if p[0] not in hidden) \
            if not hidden.isdisjoint(map(_PARTNER, pairs)) else pairs
    return replace(site, entities=tuple(paged), without_page=tuple(unpaged), related=related,
                   page_reasons=reasons)
