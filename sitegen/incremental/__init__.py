"""The incremental layer: the only code that knows a previous build existed.

Stages are pure: frozen values in, frozen values out, no memo argument. This layer keeps
their results between builds in one ``Memo``, each under a digest of the values it was
made from (text, judgements, settings, templates, model and code version), never under an
object's identity or a position in a tuple. What a build did not use is forgotten when it
ends, so memory follows the site, not the number of edits.

Flows in: the stages' inputs and their digests. Flows out: the stages' results, reused
where a key's digest is unchanged. ``sitegen serve`` keeps one ``Memo`` in memory between
builds; ``sitegen build`` keeps the entries marked ``persist`` in ``.sitegen/``.
"""
from .digest import digest, Digestible
from .memo import Entry, Memo

__all__ = ["Digestible", "Entry", "Memo", "digest"]
