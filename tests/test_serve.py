"""``sitegen serve`` without a browser: the HTTP server, the event stream, the watcher, the CLI.

A real server on a free port, spoken to over real sockets. Builds are started directly
(``Preview.rebuild``) where the test is about what a build publishes, and by the real
watcher where it is about watching.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.preview.devserver import EVENTS_PATH, SCRIPT_PATH, PreviewServer, inject, resolve_request_path
from sitegen.output.ownership import RECORD
from sitegen.preview.serve import Preview
from sitegen.preview.watch import Debouncer, SiteWatcher, is_input

from conftest import REPO
from test_incremental import files_of

STORY = "Maria Lopez met Angela Merkel in Berlin on Tuesday."


class Served:
    def __init__(self, site, preview: Preview, server: PreviewServer, said: list[str]) -> None:
        self.site, self.preview, self.server = site, preview, server
        self.port = server.server_address[1]
        self.said = said  # what the preview told its terminal

    def get(self, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


def _start(site, nlp, livereload: bool = True) -> Served:
    said: list[str] = []
    preview = Preview(site.root, offline=True, nlp_loader=lambda: nlp, say=said.append)
    preview.rebuild()
    server = PreviewServer(("127.0.0.1", 0), preview.output, preview.status, livereload)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Served(site, preview, server, said)


@pytest.fixture
def served(make_site, nlp):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", date="2025-03-01", body=STORY)
    running = _start(site, nlp)
    yield running
    running.preview.exports.stop()
    running.preview.search.stop()
    running.server.shutdown()
    running.server.server_close()


# ---- serving files -----------------------------------------------------------------------


def test_pages_have_their_types_and_folders_their_index(served):
    status, headers, body = served.get("/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"Berlin talks" in body and headers["cache-control"] == "no-store"
    status, headers, _ = served.get("/static/style.css")
    assert status == 200 and headers["content-type"] == "text/css; charset=utf-8"
    status, headers, body = served.get("/data/entities.json")
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body)["articles"][0]["id"] == "berlin"
    status, headers, _ = served.get("/data/text/berlin.txt")
    assert headers["content-type"] == "text/plain; charset=utf-8"
    status, headers, body = served.get("/articles/berlin/")
    assert status == 200 and b"Angela Merkel" in body
    status, headers, body = served.get("/articles/berlin/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_a_folder_without_its_slash_is_redirected(served):
    status, headers, _ = served.get("/articles/berlin?x=1")
    assert status == 301 and headers["location"] == "/articles/berlin/?x=1"


def test_a_missing_page_gets_the_sites_404_page(served):
    status, headers, body = served.get("/people/nobody-at-all/")
    assert status == 404 and headers["content-type"] == "text/html; charset=utf-8"
    assert body == inject((served.site.output / "404.html").read_bytes(), served.preview.status.site_version)


@pytest.mark.parametrize("path", [
    "/../sitegen-secret.txt", "/%2e%2e/sitegen-secret.txt", "/..%2fsitegen-secret.txt",
    "/articles/../../sitegen-secret.txt", "//sitegen-secret.txt", "/%00", "/..\\sitegen-secret.txt",
    "/escape/sitegen-secret.txt", "/escape", "/%ff",
])
def test_nothing_outside_the_output_folder_is_served(served, path):
    (served.site.root / "sitegen-secret.txt").write_text("secret", encoding="utf-8")
    (served.site.output / "escape").symlink_to(served.site.root, target_is_directory=True)
    status, _, body = served.get(path)
    assert status in (400, 404) and b"secret" not in body


def test_resolve_request_path_stays_inside(tmp_path):
    root = (tmp_path / "out").resolve()
    (root / "a").mkdir(parents=True)
    (root / "a" / "index.html").write_text("x")
    assert resolve_request_path(root, "/a/index.html?q=1") == root / "a" / "index.html"
    assert resolve_request_path(root, "/") == root
    assert resolve_request_path(root, "/a/../../out/a/index.html") is None
    assert resolve_request_path(root, "/missing") is None


# ---- live reload only in a preview --------------------------------------------------------


def test_html_gets_the_reload_script_and_nothing_else_does(served):
    _, _, page = served.get("/articles/berlin/")
    version = served.preview.status.site_version
    assert page.count(b"__sitegen") == 1
    assert f'<script src="{SCRIPT_PATH}" data-site="{version}" defer></script>\n</body>'.encode() in page
    _, _, css = served.get("/static/style.css")
    assert b"__sitegen" not in css
    status, headers, script = served.get(SCRIPT_PATH)
    assert status == 200 and headers["content-type"].startswith("text/javascript") and b"EventSource" in script


def test_the_files_a_preview_writes_are_exactly_a_builds(served, build_site, tmp_path):
    # The script is added as pages are sent: what lies in output/ is what `build` writes.
    for file in served.site.output.rglob("*"):
        assert not file.is_file() or b"__sitegen" not in file.read_bytes(), file
    fresh = tmp_path / "fresh"
    build_site(served.site, output=fresh, force=True)
    assert files_of(served.site.output) == files_of(fresh)


def test_the_built_sample_site_has_no_live_reload(build_site, tmp_path):
    import shutil

    shutil.copytree(REPO / "content", tmp_path / "sample" / "content")
    result = build_site(tmp_path / "sample")
    assert result.ok
    files = [p for p in (tmp_path / "sample" / "output").rglob("*") if p.is_file()]
    assert len(files) > 10
    for file in files:
        data = file.read_bytes()
        assert b"__sitegen" not in data and b"EventSource" not in data and b"livereload" not in data, file


def test_no_livereload_serves_plain_pages(make_site, nlp):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", date="2025-03-01", body=STORY)
    running = _start(site, nlp, livereload=False)
    try:
        _, _, page = running.get("/articles/berlin/")
        assert page == (site.output / "articles" / "berlin" / "index.html").read_bytes()
        assert running.get(EVENTS_PATH)[0] == 404 and running.get(SCRIPT_PATH)[0] == 404
    finally:
        # Its threads too: one left waiting keeps a later test's build from forking.
        running.preview.exports.stop()
        running.preview.search.stop()
        running.server.shutdown()
        running.server.server_close()


# ---- the event stream -------------------------------------------------------------------


class EventStream:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", EVENTS_PATH)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type").startswith("text/event-stream")

    def next_status(self) -> dict:
        """The data of the next ``status`` event (keep-alive comments skipped)."""
        event, data = None, []
        while True:
            line = self.response.fp.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif not line and event == "status":
                return json.loads("\n".join(data))
            elif not line:
                event, data = None, []

    def close(self) -> None:
        self.conn.close()


def test_the_stream_tells_each_build_and_its_errors(served):
    stream = EventStream(served.port)
    try:
        first = stream.next_status()
        assert first == {"site": served.preview.status.site_version, "problems": []}

        served.site.add_article("berlin", title="Berlin talks", date="2025-03-01",
                                body=STORY + " Pedro Alvarez joined them.")
        served.preview.rebuild()
        changed = stream.next_status()
        assert changed["site"] != first["site"] and changed["problems"] == []

        good_page = served.get("/articles/berlin/")[2]
        served.site.write_article_file("berlin.md", "---\ntitle: Berlin talks\ndate: someday\n---\nText.\n")
        served.preview.rebuild()
        broken = stream.next_status()
        assert broken["site"] == changed["site"]  # nothing was published: no reload
        [problem] = broken["problems"]
        assert problem["file"] == "content/articles/berlin.md" and problem["line"] == 3
        assert "date" in problem["message"] and problem["hint"]
        assert served.get("/articles/berlin/")[2] == good_page  # the last good site is still served

        served.site.add_article("berlin", title="Berlin talks", date="2025-03-01", body=STORY)
        served.preview.rebuild()
        mended = stream.next_status()
        assert mended["problems"] == [] and mended["site"] != changed["site"]
    finally:
        stream.close()


def test_a_failing_template_is_reported_and_the_site_kept(served):
    stream = EventStream(served.port)
    try:
        stream.next_status()
        own = served.site.root / "templates" / "article.html"
        own.parent.mkdir()
        own.write_text('{% extends "base.html" %}{% block content %}{{ no_such_thing }}{% endblock %}',
                       encoding="utf-8")
        served.preview.rebuild()
        [problem] = stream.next_status()["problems"]
        assert "article.html" in problem["message"] and "no_such_thing" in problem["message"]
        assert b"Angela Merkel" in served.get("/articles/berlin/")[2]
    finally:
        stream.close()


def test_the_search_index_catches_up_after_the_pages_are_published(served):
    entry = served.site.output / "pagefind" / "pagefind-entry.json"
    if not entry.is_file():
        # Once in a full run of the suite the first build had no index: what the preview
        # said then is kept in the reason, to find out why.
        pytest.skip(f"Pagefind cannot run here: {' | '.join(served.said)[-600:]}")

    def indexed_pages() -> int:
        return sum(lang["page_count"] for lang in json.loads(entry.read_text(encoding="utf-8"))["languages"].values())

    before = indexed_pages()
    served.site.add_article("aleppo", title="Aid to Aleppo", date="2025-03-02", body="Doctors reached Aleppo.")
    served.preview.rebuild()
    assert served.get("/articles/aleppo/")[0] == 200  # published before the index is brought up to date
    assert served.preview.search.wait_idle(300)
    assert indexed_pages() > before
    on_disk = {p.relative_to(served.site.output).as_posix(): p.read_bytes()
               for p in served.site.output.rglob("*") if p.is_file() and p.name != RECORD}
    assert on_disk == served.preview.memory.written  # what the next build compares with


# ---- watching ----------------------------------------------------------------------------


def test_which_paths_are_inputs(tmp_path):
    site = tmp_path
    yes = ["content/articles/a.md", "content/articles/2025/b.markdown", "content/entities/x.md",
           "templates/base.html", "templates/static/style.css", "sitegen.toml"]
    no = ["output/index.html", ".sitegen/cache.sqlite", "content/articles/.a.md.swp", "content/articles/a.md~",
          "content/articles/4913", "content/articles/notes.txt", "README.md", "templates/.#base.html",
          "content/articles/.git/HEAD"]
    for path in yes:
        assert is_input(site, str(site / path)), path
    for path in no:
        assert not is_input(site, str(site / path)), path
    assert not is_input(site, "/elsewhere/content/articles/a.md")


def test_a_burst_of_saves_is_one_build(tmp_path):
    calls: list[set[str]] = []
    done = threading.Event()
    # A long quiet period: all the saves below arrive well inside it.
    debouncer = Debouncer(lambda paths: (calls.append(paths), done.set()), quiet=1.0)
    debouncer.start()
    try:
        names = [f"content/articles/a{i}.md" for i in range(5)]
        for name in names:
            debouncer.add([name])
        debouncer.add(names[:2])
        assert done.wait(30)
    finally:
        debouncer.stop()
    assert calls == [set(names)]


def test_a_burst_whose_files_are_all_closed_builds_without_the_long_wait():
    calls: list[set[str]] = []
    done = threading.Event()
    # The long quiet period would outlast the test: only whole saves can start the build.
    debouncer = Debouncer(lambda paths: (calls.append(paths), done.set()), quiet=600, settled=0.01)
    debouncer.start()
    try:
        debouncer.add(["content/articles/a.md"])  # written ...
        debouncer.add(["content/articles/b.md"], whole=True)  # ... while another is saved whole
        assert not done.wait(0.5)  # a.md may still be half-written
        debouncer.add(["content/articles/a.md"], whole=True)  # closed
        assert done.wait(30)
    finally:
        debouncer.stop()
    assert calls == [{"content/articles/a.md", "content/articles/b.md"}]


def test_saving_an_article_rebuilds_and_publishes(served, tmp_path):
    stream = EventStream(served.port)
    watcher = SiteWatcher(served.site.root, served.preview.rebuild)
    watcher.start()
    try:
        first = stream.next_status()
        served.site.add_article("berlin", title="Berlin talks, updated", date="2025-03-01", body=STORY)
        update = stream.next_status()
        assert update["site"] != first["site"]
        assert b"Berlin talks, updated" in served.get("/articles/berlin/")[2]
    finally:
        watcher.stop()
        stream.close()
    # The exports follow the pages once the saving pauses: then data/ is what a fresh
    # build writes.
    served.preview.rebuild()
    assert served.preview.exports.wait_idle(60)
    fresh = tmp_path / "fresh"
    build(served.site.root, BuildOptions(offline=True, jobs=1, output=fresh, force=True,
                                          nlp_loader=served.preview._nlp_loader))
    assert b"Berlin talks, updated" in (served.site.output / "data" / "entities.json").read_bytes()
    assert {f: b for f, b in files_of(served.site.output).items() if f.startswith("data/")} == \
        {f: b for f, b in files_of(fresh).items() if f.startswith("data/")}


def _data_files(folder: Path) -> dict[str, bytes]:
    return {f: b for f, b in files_of(folder).items() if f.startswith("data/")}


def test_saves_in_quick_succession_are_not_held_up_by_the_exports_of_the_one_before(served, tmp_path, monkeypatch):
    # data/ is made once the saving pauses, for the last site published: never for a site
    # a newer build has replaced, and never before the next build may start.
    import sitegen.preview.serve as serve_module

    made = []
    real = serve_module.write_exports
    monkeypatch.setattr(serve_module, "write_exports", lambda site, *rest: (made.append(site), real(site, *rest))[1])
    preview = served.preview
    preview.exports.pause = 3600  # no pause comes between the saves below
    before = _data_files(served.site.output)
    served.site.add_article("berlin", title="Berlin talks, second draft", date="2025-03-01", body=STORY)
    preview.rebuild()
    assert b"second draft" in served.get("/articles/berlin/")[2]
    assert preview.exports.pending() and _data_files(served.site.output) == before
    served.site.add_article("paris", title="Paris summit", date="2025-03-02",
                            body="Emmanuel Macron met Olaf Scholz in Paris on Monday.")
    preview.rebuild()
    assert made == []
    preview.exports.stop(finish=True)  # as the preview does when it is stopped
    assert [site.articles[0].title for site in made] == ["Paris summit"]
    fresh = tmp_path / "fresh"
    build(served.site.root, BuildOptions(offline=True, jobs=1, output=fresh, force=True,
                                          nlp_loader=preview._nlp_loader))
    assert _data_files(served.site.output) == _data_files(fresh)


def test_exports_owed_are_written_even_when_the_next_build_fails(served, tmp_path):
    preview = served.preview
    preview.exports.pause = 3600
    served.site.add_article("berlin", title="Berlin talks, second draft", date="2025-03-01", body=STORY)
    preview.rebuild()
    good = tmp_path / "good"
    build(served.site.root, BuildOptions(offline=True, jobs=1, output=good, force=True,
                                          nlp_loader=preview._nlp_loader))
    served.site.write_article_file("berlin.md", "---\ntitle: [unclosed\n---\nText.\n")
    preview.rebuild()
    assert preview.status.snapshot().problems and b"second draft" in served.get("/articles/berlin/")[2]
    preview.exports.stop(finish=True)
    assert _data_files(served.site.output) == _data_files(good)


def test_a_content_folder_removed_and_made_again_is_watched_again(served):
    stream = EventStream(served.port)
    watcher = SiteWatcher(served.site.root, served.preview.rebuild)
    watcher.start()
    try:
        first = stream.next_status()
        content = served.site.root / "content"
        shutil.move(content, served.site.root / "content-away")
        gone = stream.next_status()
        assert gone["problems"] and "content/articles" in gone["problems"][0]["message"]
        shutil.move(served.site.root / "content-away", content)
        back = stream.next_status()
        assert back["problems"] == []
        served.site.add_article("berlin", title="Berlin talks, once more", date="2025-03-01", body=STORY)
        while b"once more" not in served.get("/articles/berlin/")[2]:
            assert stream.next_status()["problems"] == []
        assert first["site"] != served.preview.status.site_version
    finally:
        watcher.stop()
        stream.close()


# ---- the command line ---------------------------------------------------------------------


def _serve_command(site_root: Path, *args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "sitegen", "serve", str(site_root), "--offline", *map(str, args)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_as_from_a_terminal)


def _as_from_a_terminal() -> None:
    """Ctrl-C reaches the preview as it does when a terminal starts it. A shell starts a
    command in the background (``pytest ... &``) with SIGINT ignored, and an ignored signal
    stays ignored in every process started from it: the test of Ctrl-C then failed."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def thread_stacks(pid: int) -> str:
    """What every thread of a running process is doing, for a test that timed out waiting on it."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    try:
        return subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return f"(py-spy could not read them: {exc})"


def wait_for_address(process: subprocess.Popen) -> str:
    """The address a starting `sitegen serve` prints once its first build is done."""
    for line in process.stdout:
        found = re.search(r"at (http://\S+/) \(Ctrl-C to stop\)", line)
        if found:
            return found.group(1)
    raise AssertionError(f"sitegen serve ended without serving: {process.stderr.read()}")


def test_a_port_in_use_is_a_clear_error(make_site, cli):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", date="2025-03-01", body=STORY)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", site.root, "--offline", "--port", port)
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "--port" in result.stderr
    assert not site.output.exists()  # refused before building


def test_reference_options_are_checked_before_anything_runs(make_site, cli, tmp_path):
    site = make_site()
    both = cli("serve", site.root, "--offline", "--replay", REPO / "tests" / "fixtures" / "replay")
    assert both.returncode == 2 and "--offline and --replay" in both.stderr
    missing = cli("serve", site.root, "--replay", tmp_path / "nowhere")
    assert missing.returncode == 2 and "no such replay folder" in missing.stderr


def test_a_folder_without_articles_is_refused_at_once(tmp_path, cli):
    result = cli("serve", tmp_path, "--offline", "--port", 0)
    assert result.returncode == 2 and "content/articles" in result.stderr


def test_ctrl_c_stops_cleanly(make_site):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", date="2025-03-01", body=STORY)
    process = _serve_command(site.root, "--port", "0")
    try:
        address = wait_for_address(process)
        conn = http.client.HTTPConnection(address.split("//")[1].rstrip("/").split(":")[0],
                                          int(address.rstrip("/").rsplit(":", 1)[1]), timeout=30)
        conn.request("GET", "/articles/berlin/")
        assert conn.getresponse().status == 200
        conn.close()
        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(timeout=60) == 0
        except subprocess.TimeoutExpired:
            stacks = thread_stacks(process.pid)
            process.kill()
            _, stderr = process.communicate()
            pytest.fail(f"sitegen serve did not exit within 60 s of Ctrl-C; its threads:\n{stacks}\nits stderr:\n{stderr}")
    finally:
        if process.poll() is None:
            process.kill()
    assert not (site.root / ".output.pending").exists()
    assert (site.output / "articles" / "berlin" / "index.html").is_file()


@pytest.mark.parametrize("fails", [False, True])
def test_a_save_is_built_with_the_cycle_collector_paused_and_its_garbage_collected_once_saving_pauses(
        served, monkeypatch, fails):
    """A preview's save walks a site it has kept since the last (hundreds of thousands of
    objects): the cycle collector, run by every few hundred objects made, took a tenth of
    a save at 10,000 articles. It waits until the save is built and published, and then
    until the saving pauses: a save made straight after a reload does not wait for it
    (26-117 ms a save at 10,000 articles). Two saves in a row are collected once; a save
    whose build failed is collected too."""
    import gc

    import sitegen.preview.serve as serve_module

    seen, real = [], serve_module.build

    def building(*args, **kwargs):
        seen.append(gc.isenabled())
        if fails:
            raise RuntimeError("a bug in a stage")
        return real(*args, **kwargs)

    assert served.preview.collector.wait_idle(30)  # the first build's turn
    collected = []
    real_collect = gc.collect
    monkeypatch.setattr(serve_module, "build", building)
    monkeypatch.setattr(served.preview.collector, "pause", 1.0)  # longer than a save here
    monkeypatch.setattr(gc, "collect", lambda *args: collected.append(gc.isenabled()) or real_collect(*args))
    served.site.add_article("berlin", title="Berlin talks, second draft", date="2025-03-01", body=STORY)
    assert gc.isenabled()
    served.preview.rebuild()
    served.site.add_article("berlin", title="Berlin talks, third draft", date="2025-03-01", body=STORY)
    served.preview.rebuild()
    assert seen == [False, False]
    assert collected == [] and not gc.isenabled()  # not between two saves in a row
    assert served.preview.collector.wait_idle(30)
    assert collected == [False]
    assert gc.isenabled()
    assert bool(served.preview.status.snapshot().problems) == fails
    # Its thread ended with the work: a process making many previews keeps none of them,
    # which would stop it forking
    with served.preview.collector._wanted:
        assert served.preview.collector._thread is None


def test_the_collector_that_waited_for_a_build_waits_for_the_pause_after_it(served, monkeypatch):
    """A save that takes longer than the pause: the collector, due during it, waits for
    it to end, then finds it too recent and waits for the pause after it (it would
    otherwise run between that save and the next)."""
    import gc

    from sitegen.preview.serve import COLLECT_PAUSE

    assert served.preview.collector.wait_idle(30)
    monkeypatch.setattr(served.preview.collector, "pause", 60.0)  # the test's own turn, below
    served.site.add_article("berlin", title="Berlin talks, second draft", date="2025-03-01", body=STORY)
    served.preview.rebuild()
    assert served.preview.settle_memory() is False and not gc.isenabled()
    time.sleep(COLLECT_PAUSE + 0.05)
    assert served.preview.settle_memory() is True and gc.isenabled()
    served.preview.collector.stop()  # its thread, waiting out the long pause set above
