"""Templates compiled by one build are read back by the next instead of compiled again."""
from __future__ import annotations

import os

import jinja2
import pytest

from sitegen.config import SiteConfig
from sitegen.site import render
from sitegen.site.render import render_site
from test_render import make_site


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The names of the templates Jinja2 compiles from source, in this process."""
    names: list[str] = []
    real = jinja2.Environment.compile

    def compile(self, source, name=None, filename=None, *rest, **kw):
        names.append(name)
        return real(self, source, name, filename, *rest, **kw)

    monkeypatch.setattr(jinja2.Environment, "compile", compile)
    render._environment.cache_clear()  # as a new process starts: no environment yet
    yield names
    render._environment.cache_clear()


def _build(tmp_path, folder) -> dict[str, bytes]:
    render._environment.cache_clear()
    return dict(render_site(make_site(), SiteConfig(site_dir=tmp_path), compiled=folder).items())


def test_a_second_build_reads_the_compiled_templates_and_makes_the_same_pages(tmp_path, compiles):
    folder = tmp_path / ".sitegen" / "compiled-templates" / "v1"
    first = _build(tmp_path, folder)
    assert "entity.html" in compiles and sorted(os.listdir(folder))
    compiles.clear()
    assert _build(tmp_path, folder) == first
    assert compiles == []
    assert _build(tmp_path, None) == first and "entity.html" in compiles  # without a folder: compiled


def test_a_damaged_compiled_template_is_compiled_again(tmp_path, compiles):
    folder = tmp_path / "compiled" / "v1"
    first = _build(tmp_path, folder)
    for name in os.listdir(folder):
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[:len(data) // 2])  # cut off, as by a full disk
    compiles.clear()
    assert _build(tmp_path, folder) == first
    assert "entity.html" in compiles


def test_another_versions_compiled_templates_are_removed_and_a_folder_that_cannot_be_written_is_no_fault(
        tmp_path, compiles):
    old = tmp_path / "compiled" / "v0"
    old.mkdir(parents=True)
    (old / "x.code").write_bytes(b"stale")
    folder = tmp_path / "compiled" / "v1"
    first = _build(tmp_path, folder)
    assert not old.exists() and folder.is_dir()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would go")
    assert _build(tmp_path, blocked / "v1") == first


@pytest.fixture
def parses(monkeypatch) -> list[int]:
    """Each time the templates' closures are worked out by parsing, in this process."""
    from sitegen.site import templates

    calls: list[int] = []
    real = templates._worked_out
    monkeypatch.setattr(templates, "_worked_out", lambda sources: calls.append(1) or real(sources))
    templates._CLOSURES.clear()  # as a new process starts
    yield calls
    templates._CLOSURES.clear()


def test_the_templates_closures_are_kept_with_the_compiled_templates(tmp_path, parses):
    from sitegen.site import templates
    from sitegen.site.templates import TemplateSet

    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "base.html").write_text("<main>{% block body %}{% endblock %}</main>", encoding="utf-8")
    (theme / "page.html").write_text('{% extends "base.html" %}{% block body %}x{% endblock %}', encoding="utf-8")
    (theme / "alone.html").write_text("alone", encoding="utf-8")
    folder = tmp_path / "compiled"
    first = TemplateSet.read((theme,), folder)
    assert parses == [1] and first.uses("page.html") != first.uses("alone.html")

    templates._CLOSURES.clear()  # the next build, a new process
    assert TemplateSet.read((theme,), folder).closures == first.closures and parses == [1]

    templates._CLOSURES.clear()
    [kept] = folder.glob("closures-*.json")
    kept.write_text('{"page.html": "cut off', encoding="utf-8")  # damaged: worked out again
    assert TemplateSet.read((theme,), folder).closures == first.closures and parses == [1, 1]

    templates._CLOSURES.clear()
    (theme / "base.html").write_text("<main>{% block body %}{% endblock %}!</main>", encoding="utf-8")
    edited = TemplateSet.read((theme,), folder)
    assert parses == [1, 1, 1] and edited.uses("page.html") != first.uses("page.html")
    assert len(list(folder.glob("closures-*.json"))) == 1, "the closures of templates since edited were kept"
