"""The NER stage: a trimmed pipeline, batches, worker processes, long texts."""
from __future__ import annotations

from sitegen.nlp.extract import Extraction, extract_all, extract_texts, load_pipeline

TEXTS = [
    "Angela Merkel met Emmanuel Macron in Paris on Tuesday.",
    "The World Health Organization said Kenya had reported new cases.",
    "",
    "Shares of Toyota rose in Tokyo after the Bank of Japan held rates.",
    "Lionel Messi scored twice as Argentina beat Brazil in Buenos Aires.",
    "The European Union and Canada signed the agreement in Brussels.",
]


def test_only_what_ner_needs_is_loaded(nlp):
    assert "ner" in nlp.pipe_names
    for unneeded in ("tagger", "parser", "lemmatizer", "attribute_ruler"):
        assert unneeded not in nlp.pipe_names


def test_worker_processes_give_the_same_results_as_one_process(nlp):
    alone = list(extract_texts(nlp, TEXTS, batch_size=2))
    done = []
    together = extract_all("en_core_web_sm", TEXTS, jobs=2, batch_size=2, on_done=done.append)
    assert together == alone
    assert sum(done) == len(TEXTS)
    assert any(label == "PERSON" for x in together for _, _, label in x.spans)


def test_results_survive_the_cache_round_trip(nlp):
    for extraction in extract_texts(nlp, TEXTS):
        assert Extraction.from_json(extraction.to_json()) == extraction


def test_a_text_longer_than_the_model_accepts_is_read_in_pieces():
    short = load_pipeline("en_core_web_sm")
    short.max_length = 2000
    text = "\n\n".join(["Angela Merkel visited Paris."] * 150)
    (whole,) = extract_texts(short, [text])
    people = [text[s:e] for s, e, label in whole.spans if label == "PERSON"]
    assert len(people) >= 140 and set(people) == {"Angela Merkel"}
    assert whole.sentence_starts == tuple(sorted(whole.sentence_starts))


def test_loading_the_model_leaves_a_paused_collector_paused(monkeypatch):
    """spaCy reads a model's files with srsly, whose msgpack reader turns the cycle
    collector on when done: a build that paused it while linking found it running, and
    spent seconds of a one-sentence edit walking the archive's objects."""
    import gc

    import srsly

    from sitegen.nlp import extract

    class Pipeline:
        pipe_names = ["sentencizer", "ner"]

    def load_as_spacy_does(spacy, model):
        for _ in range(3):  # a file read, then the objects made from it
            srsly.msgpack_loads(srsly.msgpack_dumps({"vocab": [1, 2, 3]}))
            made.append([[n] for n in range(20_000)])
        return Pipeline()

    def note(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    made: list = []
    collections: list[int] = []
    monkeypatch.setattr(extract, "_load", load_as_spacy_does)
    was, thresholds = gc.isenabled(), gc.get_threshold()
    gc.disable()
    gc.callbacks.append(note)
    try:
        load_pipeline("en_core_web_sm")
        assert not gc.isenabled() and gc.get_threshold() == thresholds
    finally:
        gc.callbacks.remove(note)
        if was:
            gc.enable()
    assert collections == [], "the collector ran while the model loaded"
