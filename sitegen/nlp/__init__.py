"""Per article: named-entity recognition, spans cleaned into mentions, mentions chained into clusters.

Flows in: ``Article`` values (from ``content``). Flows out: each article's ``Extraction`` (what
the model found) and its ``Cluster`` values (the names it uses for one entity, with a voted
type). NER can run in worker processes, in a process loading the model while a build reads its
articles (``ahead``), in a server keeping it loaded between builds (``kept_model``) or on a Dask
cluster; its results are cached by text.
"""
