"""A `dask worker --preload` for tests/test_cluster.py: the worker takes NER batches but
never finishes one. It notes each batch it started in the file named by
SITEGEN_STALL_MARKER, so the test knows for certain that a batch is running there when it
kills the worker, whatever the timing.
"""
from __future__ import annotations

import os
import threading

from sitegen.nlp import cluster


def dask_setup(worker) -> None:
    marker = os.environ["SITEGEN_STALL_MARKER"]

    def stalled(model: str, texts: list[str], batch_size: int):
        with open(marker, "a", encoding="utf-8") as f:
            f.write(f"{len(texts)}\n")
        threading.Event().wait()  # until the test kills this worker

    # Tasks name the function by module and name: this worker finds this one instead.
    cluster.extract_batch = stalled
