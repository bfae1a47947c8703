"""The editor's review queue: suggestions ranked by what they fix, and the judgement files
accepting one writes.

``suggest(site)`` reads a built Site and returns the queue; each kind of evidence has its
own module (``same``: names that look like one entity; ``apart``: an entity whose
mentions fall into groups with nothing in common; ``doubts``: type, junk and link
doubts). ``judgements`` writes an editor's decision into ``content/entities/*.md`` with a
minimal diff and an undo log. The preview serves the queue (its review endpoints).
"""
from .queue import suggest
from .suggestion import Suggestion

__all__ = ["Suggestion", "suggest"]
