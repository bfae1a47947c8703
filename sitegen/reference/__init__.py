"""Reference data: link entities to Wikipedia and Wikidata, enrich their dossiers.

The stage is ``reference_stage``, a pure function whose per-entity work is in
``ReferenceSteps`` (the incremental layer passes versions that reuse); the pieces, each small: ``api`` (where
the APIs are, how a request fails), ``http`` (the polite guarded transport, imported only by a build that
sends or replays requests), ``replay`` (record and replay folders), ``store`` (the SQLite cache),
``source`` (cache first, then batched fetches), ``wikipedia`` and ``wikidata`` (requests
and parsers), ``classes`` (type fit), ``context`` and ``link`` (choosing with evidence),
``combine`` (one dossier per item) and ``facts`` (what a dossier shows).
"""
from .api import ReferenceUnavailable
from .stage import ReferenceOptions, ReferenceReport, ReferenceSteps, reference_stage

__all__ = ["ReferenceOptions", "ReferenceReport", "ReferenceSteps", "ReferenceUnavailable", "reference_stage"]
