"""The words around an entity, which pick among Wikipedia candidates, follow every edit.

A preview used to keep each sentence's words under (article, sentence start) without the
sentence itself: after a sentence was edited in place, links went on being scored with
the old words.
"""
from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from sitegen.incremental import Memo, reference as kept_reference
from sitegen.incremental.digest import digest
from sitegen.incremental.reference import LAST_CONTEXTS, reference_steps
from sitegen.model import Mention
from sitegen.reference.context import article_nearby, contexts, nearby_counts, nearby_of, sentence_groups

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


# ---- a much-named entity's counts moved by an edit, not counted again -----------------------
_SENTENCES = ("Angela Merkel met Donald Trump in Berlin.", "Trump spoke in Paris.", "Merkel left Berlin for Paris.",
              "The United Nations met in Geneva.", "Maria Lopez told the United Nations about Berlin.",
              "Nothing happened.", "Emmanuel Macron and Merkel spoke in Paris.")


def test_the_kept_counts_of_the_entities_near_one_follow_every_edit(make_site, analyse_site, monkeypatch):
    """A preview moves an entity's counts of its neighbours by the articles an edit changed
    (``incremental.reference._near_again``): after adds, edits and deletions they are the
    counts made afresh, and so are the contexts."""
    monkeypatch.setattr(kept_reference, "KEEP_NEAR_FROM", 1)  # every entity's counts kept
    rng = random.Random(5)
    folder = make_site()
    memo = Memo()
    names: list[str] = []
    moved = 0  # contexts made from kept counts
    for step in range(14):
        action = rng.choice(["add", "add", "change", "delete"]) if len(names) > 1 else "add"
        if action == "delete":
            name = names.pop(rng.randrange(len(names)))
            (folder.articles_dir / f"{name}.md").unlink()
        else:
            name = f"story-{step}" if action == "add" else rng.choice(names)
            if action == "add":
                names.append(name)
            body = "\n\n".join(" ".join(rng.sample(_SENTENCES, 3)) for _ in range(rng.randint(1, 3)))
            folder.add_article(name, title=f"Story {step}", date=f"2025-03-{1 + step:02d}", body=body)
        site, _ = analyse_site(folder)
        last = memo.get(LAST_CONTEXTS, digest(LAST_CONTEXTS.name))
        memo.begin()
        kept = reference_steps(memo).contexts(site)
        now = memo.get(LAST_CONTEXTS, digest(LAST_CONTEXTS.name))
        memo.end()
        fresh = contexts(site)
        assert {i: c.neighbours for i, c in kept.items()} == {i: c.neighbours for i, c in fresh.items()}, action
        counts = {article_id: a.nearby for article_id, a in now.articles.items()}
        for entity in site.entities:
            near = now.entities[entity.id].near
            # as plain dicts: a Counter equals one without its zero counts, which would rank as neighbours
            assert dict(near) == dict(nearby_counts(entity, counts)), (action, entity.id)
            was = last.entities.get(entity.id) if last is not None else None
            moved += was is not None and was.near is not None and now.entities[entity.id] is not was
    assert moved > 5, "no context was made from counts kept: the moving of counts went untested"
