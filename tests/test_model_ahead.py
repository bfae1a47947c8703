"""`sitegen build` loads the NER model in a process of its own while it reads its
articles, and an edit's new paragraphs are read there (see ``sitegen.nlp.ahead``)."""
from __future__ import annotations

import os

import pytest

from sitegen.build import BuildOptions, build
from sitegen.incremental import Memo
from sitegen.nlp import extract
from sitegen.nlp.ahead import ModelAhead

from test_incremental import files_of

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or len(os.sched_getaffinity(0)) < 2,
                                reason="the model is loaded ahead only where a build can fork, on two cores or more")


@pytest.fixture
def loads_here(monkeypatch) -> list[int]:
    """The processes ``load_pipeline`` ran in, as this process sees them: a forked
    process's calls are its own, never appended here."""
    pids: list[int] = []
    real = extract.load_pipeline
    monkeypatch.setattr(extract, "load_pipeline", lambda model: pids.append(os.getpid()) or real(model))
    return pids


@pytest.fixture
def aheads(monkeypatch) -> list[ModelAhead]:
    """Each ModelAhead a build starts."""
    started: list[ModelAhead] = []
    real = ModelAhead.__init__

    def init(self, model):
        started.append(self)
        real(self, model)

    monkeypatch.setattr(ModelAhead, "__init__", init)
    return started


def test_a_new_sentence_is_read_by_the_model_loaded_ahead(make_site, loads_here, aheads, tmp_path):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", body="Angela Merkel met Maria Lopez in Berlin.")
    site.add_article("paris", title="Paris talks", body="Emmanuel Macron phoned Keir Starmer in Paris.")
    assert build(site.root, BuildOptions(offline=True)).ok
    assert aheads == [], "a first build has nothing to load ahead for: its NER is the whole archive"
    loads_here.clear()

    path = site.articles_dir / "berlin.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOlaf Scholz flew to Warsaw on Monday.\n",
                    encoding="utf-8")
    result = build(site.root, BuildOptions(offline=True))
    assert result.ok and result.extracted == 1
    assert len(aheads) == 1
    assert loads_here == [], "the model was loaded in the build's own process"
    assert "Olaf Scholz" in {e.name for e in result.site.entities}

    assert build(site.root, BuildOptions(offline=True, output=tmp_path / "fresh", memo=Memo(), force=True)).ok
    assert files_of(site.output) == files_of(tmp_path / "fresh")


def test_an_edit_with_no_new_text_ends_the_process_unused(make_site, loads_here, aheads):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", body="Angela Merkel met Maria Lopez in Berlin.")
    assert build(site.root, BuildOptions(offline=True)).ok
    loads_here.clear()
    path = site.articles_dir / "berlin.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Berlin talks", "Talks in Berlin"), encoding="utf-8")
    result = build(site.root, BuildOptions(offline=True))
    assert result.ok and result.extracted == 0
    assert len(aheads) == 1 and loads_here == []
    process = aheads[0]._process
    assert not process.is_alive() and process.exitcode is not None, "the process outlived its build"


def test_a_model_that_cannot_load_is_reported_as_without_the_process(make_site, aheads, tmp_path):
    """The process fails to load the model; the build loads it itself, and says why it cannot."""
    from sitegen.errors import ModelError

    site = make_site()
    site.add_article("berlin", title="Berlin talks", body="Angela Merkel met Maria Lopez in Berlin.")
    assert build(site.root, BuildOptions(offline=True)).ok
    (site.root / "sitegen.toml").write_text('model = "no_such_model_xx"\n', encoding="utf-8")
    site.add_article("paris", title="Paris talks", body="Emmanuel Macron phoned Keir Starmer in Paris.")
    with pytest.raises(ModelError, match="no_such_model_xx"):
        build(site.root, BuildOptions(offline=True))
    assert len(aheads) == 1 and not aheads[0]._process.is_alive()


def test_a_process_killed_mid_load_leaves_the_work_to_the_build(make_site, loads_here, aheads, monkeypatch):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", body="Angela Merkel met Maria Lopez in Berlin.")
    assert build(site.root, BuildOptions(offline=True)).ok
    loads_here.clear()
    real_extract = ModelAhead.extract

    def killed_first(self, texts, batch_size):
        self._process.kill()
        self._process.join()
        return real_extract(self, texts, batch_size)

    monkeypatch.setattr(ModelAhead, "extract", killed_first)
    site.add_article("paris", title="Paris talks", body="Emmanuel Macron phoned Keir Starmer in Paris.")
    result = build(site.root, BuildOptions(offline=True))
    assert result.ok and result.extracted == 1
    assert loads_here == [os.getpid()], "the build did not load the model itself"
    assert "Emmanuel Macron" in {e.name for e in result.site.entities}
