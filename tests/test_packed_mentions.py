"""Mentions kept packed in the memo file stand for their tuple in every way the build uses them."""
from __future__ import annotations

import pickle
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.errors import UnreadableResult
from sitegen.incremental.digest import digest, own_digest
from sitegen.incremental.packed_mentions import PackedMentions
from sitegen.model import Entity, Mention, named_entities

_mention = st.builds(
    Mention,
    article_id=st.sampled_from(["a", "b", "2025/c"]),
    start=st.integers(0, 500),
    end=st.integers(0, 500),
    text=st.text(max_size=12),
    sentence=st.text(max_size=40),
    sentence_start=st.integers(0, 500),
    entity_id=st.sampled_from(["people/x", "places/y", "organisations/z"]),
)
_mentions = st.lists(_mention, max_size=12).map(tuple)


def _unread(mentions: tuple[Mention, ...]) -> PackedMentions:
    """As the memo file gives it back: unpickled, the mentions not yet read."""
    packed = pickle.loads(pickle.dumps(PackedMentions.of(mentions), pickle.HIGHEST_PROTOCOL))
    assert not packed.is_read
    return packed


@settings(max_examples=200, deadline=None)
@given(_mentions)
def test_a_packed_tuple_is_digested_like_the_tuple_without_being_read(mentions):
    packed = _unread(mentions)
    assert digest(packed) == digest(mentions)
    assert len(packed) == len(mentions) and bool(packed) == bool(mentions)
    assert set(named_entities(packed)) == {m.entity_id for m in mentions}
    entity = Entity("people/x", "X", "person", (), mentions, ("a",))
    assert own_digest(replace(entity, mentions=packed)) == own_digest(entity)
    assert not packed.is_read, "digesting, counting or naming its entities read the mentions"


@settings(max_examples=200, deadline=None)
@given(_mentions, _mentions, st.integers(-15, 15), st.integers(-15, 15))
def test_a_packed_tuple_reads_compares_and_pickles_as_the_tuple(mentions, others, i, j):
    packed = _unread(mentions)
    assert packed == mentions and mentions == packed and not (packed != mentions)
    assert (packed == others) == (mentions == others)
    assert (_unread(mentions) == _unread(others)) == (mentions == others)
    assert list(packed) == list(mentions) and list(reversed(packed)) == list(reversed(mentions))
    assert packed[i:j] == mentions[i:j] and packed[::2] == mentions[::2]
    if -len(mentions) <= i < len(mentions):
        assert packed[i] == mentions[i]
        assert mentions[i] in packed and packed.index(mentions[i]) == mentions.index(mentions[i])
    else:
        with pytest.raises(IndexError):
            packed[i]
    assert hash(packed) == hash(mentions)
    assert packed + others == mentions + others and others + packed == others + mentions
    again = pickle.loads(pickle.dumps(packed, pickle.HIGHEST_PROTOCOL))  # read, then kept again
    assert again == mentions and digest(again) == digest(mentions)
    # the digests mentions keep are not pickled, and come out the same when made again
    assert all("_digest" in m.__dict__ for m in mentions)
    copied = pickle.loads(pickle.dumps(mentions, pickle.HIGHEST_PROTOCOL))
    assert all("_digest" not in m.__dict__ for m in copied)
    assert digest(copied) == digest(mentions)


def test_mentions_that_cannot_be_unpickled_say_so_when_read():
    mention = Mention("a", 0, 5, "Paris", "Paris is big.", 0, "places/paris")
    packed = PackedMentions.of((mention,))
    _, (blob, length, kept, ids, _) = packed.__reduce__()
    damaged = PackedMentions(blob[: len(blob) // 2], None, length, kept, ids)
    assert len(damaged) == 1, "what is kept beside the bytes still answers"
    with pytest.raises(UnreadableResult, match="unreadable"):
        list(damaged)
    wrong = PackedMentions(pickle.dumps((mention, mention)), None, length, kept, ids)
    with pytest.raises(UnreadableResult):
        wrong[0]


def test_a_large_entitys_pages_are_known_without_reading_its_mentions():
    """Every build plans every dossier's numbered pages: an entity kept in the memo file
    says where they start without its mentions being unpickled."""
    from sitegen.site import paging

    mentions = tuple(Mention(f"a{n // 3:04d}", n % 3 * 10, n % 3 * 10 + 5, "Paris", "Paris is big.", n % 3 * 10,
                             "places/paris") for n in range(600))
    unread = _unread(mentions)
    assert paging.layout(unread) == paging.layout(mentions) and paging.layout(mentions).count > 1
    assert not unread.is_read
    # Cut with other settings than this build's (another version's), it is cut again, read.
    unread = _unread(mentions)
    unread.layout = replace(unread.layout, starts=(0,), made_with=(0,))
    assert paging.layout(unread) == paging.layout(mentions)
    assert unread.is_read
