"""The NER model, loading in a process of its own while a build reads its articles.

A one-article edit that brings new text needs NER on a paragraph or two, and spaCy must
first be imported and its model loaded: about 1.2 s on the bench machine (0.8 s the
library, 0.4 s the model), nearly all of that edit's NER. `sitegen build` knows at its
start that some input file changed, but only once it has read every article whether any
paragraph is new to the cache. So it starts loading the model in a forked process at
once (``ModelAhead``), reads its articles meanwhile, and hands that process the new
paragraphs if there are any (``extract``), or ends it unused (``close``).

The process only ever answers requests; whatever goes wrong in it (the model cannot be
loaded, the process is killed) makes ``extract`` return None, and the build loads the
model itself as it would have without one, so an error is reported as it always was.
"""
from __future__ import annotations

import multiprocessing
from contextlib import suppress
from typing import Sequence

from .extract import Extraction


class ModelAhead:
    """A forked process loading ``model``, then running NER on the texts it is sent."""

    def __init__(self, model: str):
        context = multiprocessing.get_context("fork")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(model, theirs, self._conn),
                                        name="sitegen-model-ahead", daemon=True)
        self._process.start()
        theirs.close()

    def extract(self, texts: Sequence[str], batch_size: int) -> list[Extraction] | None:
        """The extractions of ``texts``, in order; None if this process cannot give them."""
        if self._conn is None:
            return None
        try:
            self._conn.send((list(texts), batch_size))
            status, value = self._conn.recv()
        except (OSError, EOFError):  # the process died (killed, out of memory)
            status, value = "error", None
        if status != "ok":
            self.close()
            return None
        return [Extraction.from_json(found) for found in value]

    def close(self) -> None:
        """End the process, whatever it is doing (loading the model, most often)."""
        if self._conn is None:
            return
        self._conn.close()
        self._conn = None
        with suppress(OSError):
            self._process.kill()
        self._process.join()


def _serve(model: str, conn, parents_end) -> None:
    """In the forked process: load the model, then answer each request until the build
    closes its end of the pipe."""
    from ..workers import die_with_parent
    from .extract import extract_texts, load_pipeline

    parents_end.close()  # else the pipe would never read as closed here
    die_with_parent()
    nlp = None
    try:
        nlp = load_pipeline(model)
    except BaseException:  # noqa: BLE001: told as a failed request; the build loads it again and reports why
        pass
    while True:
        try:
            texts, batch_size = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if nlp is None:
                raise RuntimeError("the model did not load")
            conn.send(("ok", [x.to_json() for x in extract_texts(nlp, texts, batch_size)]))
        except Exception as exc:  # noqa: BLE001: as above
            conn.send(("error", repr(exc)))
