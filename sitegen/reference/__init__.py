"""Reference data: link entities to Wikipedia and Wikidata, enrich their dossiers.

The stage is ``reference_stage``, a pure function whose per-entity work is in
``ReferenceSteps`` (the incremental layer passes versions that reuse); the pieces, each small: ``http`` (the polite guarded
transport), ``replay`` (record and replay folders), ``store`` (the SQLite cache),
``source`` (cache first, then batched fetches), ``wikipedia`` and ``wikidata`` (requests
and parsers), ``classes`` (type fit), ``context`` and ``link`` (choosing with evidence),
``combine`` (one dossier per item) and ``facts`` (what a dossier shows).
"""
from .stage import ReferenceOptions, ReferenceReport, ReferenceSteps, reference_stage

__all__ = ["ReferenceOptions", "ReferenceReport", "ReferenceSteps", "ReferenceUnavailable", "reference_stage"]


def __getattr__(name: str):
    # ``http`` imports httpx, which a build that does not link (a no-op) need not load.
    if name == "ReferenceUnavailable":
        from .http import ReferenceUnavailable

        return ReferenceUnavailable
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
