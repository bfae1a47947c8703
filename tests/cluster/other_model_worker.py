"""A `dask worker --preload` for tests/test_cluster.py: the worker reports another version
of the model than the machine that builds has, as a worker with an older install would."""
from __future__ import annotations

from sitegen.nlp import cluster


def dask_setup(worker) -> None:
    cluster.model_fingerprint = lambda model: f"{model}==0.0.1"
