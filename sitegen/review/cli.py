"""``sitegen entities --review``: the review queue as a table or as JSON for scripts."""
from __future__ import annotations

import json
from typing import Sequence

from ..content.judgements import Judgement
from ..model import Site
from .queue import suggest
from .suggestion import site_entities

TABLE_EVIDENCE = 110  # characters of the first piece of evidence shown per row


def print_review(site: Site, output_format: str, only_type: str | None = None,
                 judgements: Sequence[Judgement] = ()) -> None:
    queue = suggest(site, judgements)
    if only_type:
        types = {e.id: e.type for e in site_entities(site)}
        queue = [s for s in queue if any(types.get(i) == only_type for i in s.entities)]
    if output_format == "json":
        print(json.dumps({"suggestions": [s.to_json() for s in queue]}, ensure_ascii=False, indent=1))
        return
    names = {e.id: e.name for e in site_entities(site)}
    if not queue:
        print("nothing to review")
        return
    print(f"{'kind':6}  {'score':>6}  {'entities':40}  evidence")
    for s in queue:
        who = " | ".join(names.get(i, i) for i in s.entities)
        why = next((e["reason"] for e in s.evidence if "reason" in e), "")
        print(f"{s.kind:6}  {s.score:6.2f}  {who[:40]:40}  {why[:TABLE_EVIDENCE]}".rstrip())
