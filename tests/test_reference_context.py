"""The words around an entity, which pick among Wikipedia candidates, follow every edit.

A preview used to keep each sentence's words under (article, sentence start) without the
sentence itself: after a sentence was edited in place, links went on being scored with
the old words.
"""
from __future__ import annotations

from sitegen.reference.context import ContextMemo, contexts

BEFORE = "Anna Berg played basketball in Boston for ten seasons. Berg retired last spring."
AFTER = "Anna Berg taught chemistry in Amman for ten seasons. Berg retired last spring."


def _words(site, memo):
    context = contexts(site, memo)
    (entity,) = [e for e in site.entities if e.name == "Anna Berg"]
    return set(context[entity.id].words)


def test_a_sentence_edited_in_place_is_read_again(make_site, analyse_site):
    folder = make_site()
    folder.add_article("profile", title="Profile", date="2025-04-02", body=BEFORE)
    memo = ContextMemo()
    first, _ = analyse_site(folder)
    assert {"basketball", "boston"} <= _words(first, memo)

    folder.add_article("profile", title="Profile", date="2025-04-02", body=AFTER)  # same sentence start
    second, _ = analyse_site(folder)
    kept = _words(second, memo)
    assert kept == _words(second, ContextMemo())  # what a clean build sees
    assert {"chemistry", "amman"} <= kept and not {"basketball", "boston"} & kept
