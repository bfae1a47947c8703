"""The words around an entity, which pick among Wikipedia candidates, follow every edit.

A preview used to keep each sentence's words under (article, sentence start) without the
sentence itself: after a sentence was edited in place, links went on being scored with
the old words.
"""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from sitegen.incremental import Memo
from sitegen.incremental.reference import reference_steps
from sitegen.model import Mention
from sitegen.reference.context import article_nearby, contexts, nearby_of, sentence_groups

BEFORE = "Anna Berg played basketball in Boston for ten seasons. Berg retired last spring."
AFTER = "Anna Berg taught chemistry in Amman for ten seasons. Berg retired last spring."


def _words(site, memo=None):
    # a preview's build: the incremental layer's contexts step; without a memo, the stage's own
    context = reference_steps(memo).contexts(site) if memo is not None else contexts(site)
    (entity,) = [e for e in site.entities if e.name == "Anna Berg"]
    return set(context[entity.id].words)


def test_a_sentence_edited_in_place_is_read_again(make_site, analyse_site):
    folder = make_site()
    folder.add_article("profile", title="Profile", date="2025-04-02", body=BEFORE)
    memo = Memo()
    memo.begin()
    first, _ = analyse_site(folder)
    assert {"basketball", "boston"} <= _words(first, memo)
    memo.end()

    folder.add_article("profile", title="Profile", date="2025-04-02", body=AFTER)  # same sentence start
    second, _ = analyse_site(folder)
    memo.begin()
    kept = _words(second, memo)
    assert kept == _words(second)  # what a clean build sees
    assert {"chemistry", "amman"} <= kept and not {"basketball", "boston"} & kept


# ---- one entity's neighbours in an article, without counting every other's ----------------
_MENTIONS = st.lists(st.tuples(st.integers(0, 12), st.sampled_from(["a", "b", "c", "d", "e"])), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_MENTIONS)
def test_one_entitys_nearby_counts_equal_those_of_the_whole_article(placed):
    """`sitegen build` works out a much-named entity's context from its own counts in each
    of its articles (thousands), not from every entity's there."""
    mentions = [Mention("x", 10 * sentence, 10 * sentence + 1, name, "A sentence.", 10 * sentence, name)
                for sentence, name in placed]
    whole = article_nearby("x", mentions)
    groups = sentence_groups(mentions)
    for entity_id in "abcdef":
        assert nearby_of(groups, entity_id) == whole.get(entity_id, {})
