"""The exports' JSON encoder writes what the standard library's compact encoder would."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from sitegen.site.export import _dumps, _encoded

# Text as articles and Wikipedia give it: any character a UTF-8 file can hold.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 63 - 1) | TEXT | \
    st.floats(allow_nan=False, allow_infinity=False)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
                      max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_the_same_json_as_the_standard_encoder(value):
    encoded = _encoded(value)
    assert json.loads(encoded) == json.loads(_dumps(value))
    # Text is written as it is, in UTF-8: only what JSON requires is escaped.
    if isinstance(value, str):
        assert encoded == _dumps(value).encode("utf-8")
