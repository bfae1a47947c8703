"""A mention's element id, which links from its dossier and readers' saved links point at.

It is made of the mention's sentence, its place there and its text (``Mention.anchor``),
not of its offset in the article: an edit elsewhere in the article leaves it as it was.
"""
from __future__ import annotations

import re
from collections import Counter

FIRST = "The weather in the valley was mild on Monday morning."
SECOND = "Angela Merkel met Donald Trump in Berlin to discuss trade."


def _ids(html: str) -> list[str]:
    return re.findall(r'\bid="(m[0-9a-f]+(?:-in-[^"]*)?(?:-\d+)?)"', html)


def test_an_edit_earlier_in_an_article_leaves_the_ids_of_its_later_mentions(make_site, build_site):
    site = make_site()
    site.add_article("talks", title="Talks", date="2025-03-01", body=f"{FIRST}\n\n{SECOND}")
    assert build_site(site).ok
    article_ids = _ids(site.article_page("talks"))
    dossier = site.page("people/angela-merkel/")
    assert article_ids and _ids(dossier)

    # A word mended before every mention: each offset after it moves by three characters
    site.add_article("talks", title="Talks", date="2025-03-01", body=f"{FIRST.replace('mild', 'very mild')}\n\n{SECOND}")
    assert build_site(site).ok
    assert _ids(site.article_page("talks")) == article_ids
    # the dossier quotes the mention unchanged: its page is as it was, links included
    assert site.page("people/angela-merkel/") == dossier


def test_a_sentence_repeated_in_an_article_gives_each_mention_an_id_of_its_own(make_site, build_site):
    site = make_site()
    site.add_article("repeat", title="Repeat", date="2025-03-01", body=f"{SECOND}\n\n{FIRST}\n\n{SECOND}")
    assert build_site(site).ok
    for html in (site.article_page("repeat"), site.page("people/angela-merkel/")):
        ids = _ids(html)
        assert ids and not [i for i, n in Counter(ids).items() if n > 1], ids
    # the dossier's links lead to ids the article page has (a twin's to the first, which reads the same)
    article_ids = set(_ids(site.article_page("repeat")))
    targets = re.findall(r'href="[^"]*articles/repeat/#([^"]+)"', site.page("people/angela-merkel/"))
    assert targets and set(targets) <= article_ids
