"""Across articles: clusters merged into entities, co-mentions counted, pages earned.

Flows in: every article's clusters (from ``nlp``) and the editor's judgements. Flows out: the
``Site`` value: entities with their mentions, and which of them earn a dossier page.
"""
