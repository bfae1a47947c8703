"""NER on a Dask cluster (`sitegen build --cluster ADDRESS`), for archives one machine
cannot read in good time.

The paragraphs NER must read are sent to the cluster's workers in batches; each worker
process loads the spaCy model once (on its first batch) and keeps it, and every batch
comes back as the same plain values the local worker processes return, so the build
caches and uses them exactly as it does local results. Only this module imports
``distributed``, an optional extra (``pip install 'sitegen[cluster]'``); a build without
``--cluster`` never loads it.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from contextlib import contextmanager
from typing import Callable, Sequence

from ..errors import ModelError, SitegenError
from .extract import Extraction, extract_texts, load_pipeline, model_fingerprint

INSTALL_HINT = "pip install 'sitegen[cluster]'"
# How long to try to reach the scheduler, then for it to have at least one worker.
CONNECT_SECONDS = 10
WORKERS_SECONDS = 30
# Batches in flight per worker thread: enough to keep every worker busy while results
# travel back, few enough that the scheduler never holds the whole archive's text.
IN_FLIGHT_PER_THREAD = 2
LARGEST_BATCH = 512  # paragraphs; the same cap the local worker processes use


class ClusterError(SitegenError):
    """The cluster cannot be used: nothing is built (exit 2)."""


def parse_address(value: str) -> str:
    """``local``, ``local:N`` or a scheduler address, checked; raises ValueError."""
    if value == "local":
        return value
    if value.startswith("local:"):
        count = value.partition(":")[2]
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"'{value}': the number of local workers must be 1 or more, as in local:4")
        return value
    if not value or value.startswith("-"):
        raise ValueError("give a scheduler address, as in tcp://HOST:8786, or local or local:N")
    return value


# ---- on the workers ------------------------------------------------------------------

_pipelines: dict[str, object] = {}
_pipelines_lock = threading.Lock()


def extract_batch(model: str, texts: list[str], batch_size: int) -> tuple[str, list[dict]]:
    """A worker's part: the model's fingerprint here, and each text's extraction as JSON.

    The pipeline is loaded on a process's first batch and kept for the next ones. One
    lock covers loading and running: spaCy pipelines are not meant to be shared by
    threads at once, and NER holds the interpreter anyway (run workers with --nthreads 1).
    """
    with _pipelines_lock:
        nlp = _pipelines.get(model)
        if nlp is None:
            nlp = _pipelines[model] = load_pipeline(model)
        return model_fingerprint(model), [x.to_json() for x in extract_texts(nlp, texts, batch_size)]


# ---- on the machine that builds --------------------------------------------------------

def extract_on_cluster(address: str, model: str, texts: Sequence[str], batch_size: int,
                       on_done: Callable[[int], None] = lambda n: None) -> list[Extraction]:
    """Every text's extraction, in order, read by the cluster at ``address``."""
    distributed = _import_distributed()
    expected = model_fingerprint(model)
    with _connected(distributed, address) as client:
        threads = _worker_threads(client, address)
        size = max(batch_size, min(LARGEST_BATCH, len(texts) // (threads * 4) or 1))
        batches = [list(texts[i:i + size]) for i in range(0, len(texts), size)]
        results: list[list[dict] | None] = [None] * len(batches)
        run = uuid.uuid4().hex[:12]  # task keys of their own: two builds may share a cluster

        index: dict[str, int] = {}  # task key -> batch number

        # A batch whose worker dies is given to another one by the scheduler (up to its
        # allowed-failures setting, 3 by default); one that raises is not retried: the
        # error comes from the model or the text, and would come again.
        def submit(i: int):
            future = client.submit(extract_batch, model, batches[i], batch_size, key=f"sitegen-ner-{run}-{i}")
            index[future.key] = i
            return future

        window = max(2, IN_FLIGHT_PER_THREAD * threads)
        queue = iter(range(len(batches)))
        pending = distributed.as_completed([submit(i) for _, i in zip(range(window), queue)])
        for future in pending:
            fingerprint, part = _result(future, address, model)
            if fingerprint != expected:
                raise ClusterError(f"the workers of {address} have the spaCy model {fingerprint}, this machine "
                                   f"{expected}; install the same version of sitegen and its model on the workers")
            results[index.pop(future.key)] = part
            future.release()
            on_done(len(part))
            following = next(queue, None)
            if following is not None:
                pending.add(submit(following))
    return [Extraction.from_json(d) for part in results for d in part]


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError(f"--cluster needs Dask's 'distributed' package, which is not installed ({exc}); "
                           f"install it with {INSTALL_HINT}") from exc
    return distributed


@contextmanager
def _connected(distributed, address: str):
    """A Client of the scheduler at ``address``, or of a LocalCluster started for this build."""
    if address == "local" or address.startswith("local:"):
        count = int(address.partition(":")[2] or os.cpu_count() or 1)
        # One thread per worker process: NER holds the interpreter, threads would only wait.
        with distributed.LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, \
                distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_SECONDS)
    except (OSError, ValueError, TypeError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); check the address and "
                           f"that the scheduler runs (dask scheduler), or build without --cluster") from exc
    with client:
        yield client


def _worker_threads(client, address: str) -> int:
    """Threads the cluster's workers have, once at least one worker has joined."""
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except (TimeoutError, OSError) as exc:
        raise ClusterError(f"the Dask scheduler at {address} has no workers after {WORKERS_SECONDS} s; "
                           f"start some (dask worker {address} --nthreads 1) with sitegen installed") from exc
    return max(1, sum(client.nthreads().values()))


def _result(future, address: str, model: str):
    """A batch's result; what went wrong on the workers as a ClusterError."""
    try:
        return future.result()
    except ModelError as exc:
        raise ClusterError(f"on the workers of {address}, {exc} Install sitegen with the same model on every "
                           f"worker") from exc
    except ImportError as exc:
        raise ClusterError(f"the workers of {address} cannot run sitegen ({exc}); install sitegen with the "
                           f"model '{model}' on every worker, the same version as here") from exc
    except SitegenError:
        raise
    except Exception as exc:  # a worker's failure, a batch that killed workers, a lost scheduler
        raise ClusterError(f"NER on the cluster {address} failed: {type(exc).__name__}: {exc}") from exc
