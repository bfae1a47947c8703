"""The NER model kept loaded between builds in a server of its own (``sitegen.nlp.kept_model``):
an edit's new paragraphs are read there, nothing is left running by a script, and a
server that is gone, idle, refused or broken costs only the time it would have saved."""
from __future__ import annotations

import os
import shutil
import signal
import time
from contextlib import suppress
from multiprocessing.connection import AuthenticationError, Client
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.incremental import Memo
from sitegen.nlp import extract
from sitegen.nlp.kept_model import FOLDER, KeptModel

from test_incremental import files_of

pytestmark = pytest.mark.skipif(not hasattr(os, "posix_spawn") or os.name != "posix",
                                reason="the model is kept in a server only where a build can spawn one and lock files")

# Long enough that no test sees its server end of idleness unless it asks for that
MINUTE = 60.0


@pytest.fixture
def loads_here(monkeypatch) -> list[int]:
    """The processes ``load_pipeline`` ran in, as this process sees them (a server's own are not)."""
    pids: list[int] = []
    real = extract.load_pipeline
    monkeypatch.setattr(extract, "load_pipeline", lambda model: pids.append(os.getpid()) or real(model))
    return pids


@pytest.fixture
def servers(monkeypatch):
    """Each KeptModel the builds made; every server they started is ended after the test."""
    made: list[KeptModel] = []
    started: list[int] = []
    real = KeptModel.__init__

    def init(self, folder, name, key, spawned):
        made.append(self)
        if spawned is not None:
            started.append(spawned)
        real(self, folder, name, key, spawned)

    monkeypatch.setattr(KeptModel, "__init__", init)
    yield made
    for pid in started:  # children of this process: their pids cannot have been reused
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if not _ended_within(pid, 10):
            os.kill(pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(pid, 0)


def test_a_server_told_to_end_takes_its_socket_with_it(make_site, servers):
    site = _two_articles(make_site)
    assert build(site.root, BuildOptions(offline=True, keep_model=MINUTE)).ok
    pid, sock = _pid_of(servers[0]), servers[0]._socket
    os.kill(pid, signal.SIGTERM)
    assert _ended_within(pid, 30) and not sock.exists()


def _pid_of(kept: KeptModel) -> int | None:
    """The pid its server wrote in its lock file."""
    try:
        return int(kept._lock.read_text().strip())
    except (OSError, ValueError):
        return None


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (collected if it is an ended child of this process)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not a child of this process
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return done == 0


def _ended_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _running(pid):
            return True
        time.sleep(0.05)
    return False


def _two_articles(make_site):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", body="Angela Merkel met Maria Lopez in Berlin.")
    site.add_article("paris", title="Paris talks", body="Emmanuel Macron phoned Keir Starmer in Paris.")
    return site


def _append(site, name: str, text: str) -> None:
    path = site.articles_dir / f"{name}.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


def test_edits_are_read_by_one_server_that_outlives_each_build(make_site, loads_here, servers, tmp_path):
    site = _two_articles(make_site)
    assert build(site.root, BuildOptions(offline=True, keep_model=MINUTE)).ok
    assert len(servers) == 1 and loads_here == [], "the first build loaded the model itself"
    pid = _pid_of(servers[0])
    assert pid is not None and _running(pid), "no server outlived the build"

    for n, sentence in enumerate(["Olaf Scholz flew to Warsaw on Monday.", "Giorgia Meloni met him in Rome."]):
        _append(site, "berlin", sentence)
        result = build(site.root, BuildOptions(offline=True, keep_model=MINUTE))
        assert result.ok and result.extracted == 1
        assert loads_here == [], "an edit's build loaded the model itself"
        assert _pid_of(servers[-1]) == pid and servers[-1]._spawned is None, "a second server was started"
    status = servers[-1].status()
    assert status["pid"] == pid and status["served"] == 4  # the two first paragraphs, then one per edit
    assert {"Olaf Scholz", "Giorgia Meloni"} <= {e.name for e in result.site.entities}

    assert build(site.root, BuildOptions(offline=True, output=tmp_path / "fresh", memo=Memo(), force=True)).ok
    assert files_of(site.output) == files_of(tmp_path / "fresh")


def test_the_server_is_the_owners_alone(make_site, servers):
    site = _two_articles(make_site)
    assert build(site.root, BuildOptions(offline=True, keep_model=MINUTE)).ok
    folder = site.root / ".sitegen" / FOLDER
    sock = servers[0]._socket
    for path in (folder, sock, sock.parent, folder / "key"):
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is open to others"
    with pytest.raises((AuthenticationError, EOFError, OSError)):
        Client(str(sock), family="AF_UNIX", authkey=b"not the key" * 4)
    assert servers[0].status() is not None, "a caller without the key stopped the server"


def test_a_script_leaves_nothing_running(make_site, cli, monkeypatch):
    """Run as a script (no terminal), `sitegen build` keeps no model, unless asked to."""
    site = _two_articles(make_site)
    monkeypatch.delenv("SITEGEN_KEEP_MODEL", raising=False)
    assert cli("build", site.root, "--offline", "--quiet").returncode == 0
    _append(site, "berlin", "Olaf Scholz flew to Warsaw on Monday.")
    assert cli("build", site.root, "--offline", "--quiet").returncode == 0
    monkeypatch.setenv("SITEGEN_KEEP_MODEL", "0")
    _append(site, "berlin", "Giorgia Meloni met him in Rome.")
    assert cli("build", site.root, "--offline", "--quiet").returncode == 0
    assert not (site.root / ".sitegen" / FOLDER).exists()


def test_a_server_asked_for_by_the_command_line_serves_the_next_build(make_site, cli, monkeypatch):
    site = _two_articles(make_site)
    monkeypatch.setenv("SITEGEN_KEEP_MODEL", "1")
    assert cli("build", site.root, "--offline", "--quiet").returncode == 0
    folder = site.root / ".sitegen" / FOLDER
    [lock] = folder.glob("*.lock")
    pid = int(lock.read_text())
    try:
        assert _running(pid)
        _append(site, "berlin", "Olaf Scholz flew to Warsaw on Monday.")
        done = cli("build", site.root, "--offline")
        assert done.returncode == 0 and "NER on 1" in done.stdout
        assert int(lock.read_text()) == pid and _running(pid)
    finally:
        os.kill(pid, signal.SIGTERM)


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_keep_model_setting_is_a_clear_error(make_site, cli, monkeypatch, value):
    site = _two_articles(make_site)
    monkeypatch.setenv("SITEGEN_KEEP_MODEL", value)
    done = cli("build", site.root, "--offline")
    assert done.returncode == 2
    assert f"SITEGEN_KEEP_MODEL={value!r}" in done.stderr and "minutes" in done.stderr
    assert not site.output.exists()


def test_the_server_ends_when_idle(make_site, servers):
    site = _two_articles(make_site)
    assert build(site.root, BuildOptions(offline=True, keep_model=0.5)).ok
    pid = _pid_of(servers[0])
    assert _ended_within(pid, 60), "the server outlived its idle time"
    assert not servers[0]._socket.exists(), "the ended server left its socket"


def test_the_server_ends_with_its_state_folder(make_site, servers):
    site = _two_articles(make_site)
    assert build(site.root, BuildOptions(offline=True, keep_model=MINUTE)).ok
    pid = _pid_of(servers[0])
    assert _running(pid)
    shutil.rmtree(site.root / ".sitegen")
    assert _ended_within(pid, 30), "the server outlived the state folder it was kept for"


def test_a_killed_server_is_replaced_and_loses_nothing(make_site, loads_here, servers, tmp_path):
    site = _two_articles(make_site)
    assert build(site.root, BuildOptions(offline=True, keep_model=MINUTE)).ok
    first = _pid_of(servers[0])
    os.kill(first, signal.SIGKILL)
    assert _ended_within(first, 30)
    assert servers[0]._socket.exists(), "expected the killed server's socket left behind"
    _append(site, "berlin", "Olaf Scholz flew to Warsaw on Monday.")
    result = build(site.root, BuildOptions(offline=True, keep_model=MINUTE))
    assert result.ok and result.extracted == 1 and loads_here == []
    second = _pid_of(servers[-1])
    assert second != first and _running(second)
    assert "Olaf Scholz" in {e.name for e in result.site.entities}


def test_a_server_killed_between_builds_mid_request_leaves_the_work_to_the_build(make_site, loads_here, servers,
                                                                                  monkeypatch):
    site = _two_articles(make_site)
    assert build(site.root, BuildOptions(offline=True, keep_model=MINUTE)).ok
    real_ask = KeptModel.ask

    def killed_first(self, request):
        pid = _pid_of(self)
        os.kill(pid, signal.SIGKILL)
        _ended_within(pid, 30)
        return real_ask(self, request)

    monkeypatch.setattr(KeptModel, "ask", killed_first)
    _append(site, "berlin", "Olaf Scholz flew to Warsaw on Monday.")
    result = build(site.root, BuildOptions(offline=True, keep_model=MINUTE))
    assert result.ok and result.extracted == 1
    assert loads_here == [os.getpid()], "the build did not load the model itself"
    assert "Olaf Scholz" in {e.name for e in result.site.entities}


def test_a_model_that_cannot_load_is_reported_as_without_a_server(make_site, servers):
    from sitegen.errors import ModelError

    site = _two_articles(make_site)
    (site.root / "sitegen.toml").write_text('model = "no_such_model_xx"\n', encoding="utf-8")
    with pytest.raises(ModelError, match="no_such_model_xx"):
        build(site.root, BuildOptions(offline=True, keep_model=MINUTE))
    pid = _pid_of(servers[0])
    assert pid is None or _ended_within(pid, 30)
    log = next((site.root / ".sitegen" / FOLDER).glob("*.log")).read_text()
    assert "no_such_model_xx" in log


def test_a_state_folder_too_deep_for_a_socket_address_has_its_socket_in_a_folder_of_the_users(
        tmp_path, make_site, servers, loads_here):
    site = _two_articles(make_site)
    moved = tmp_path / ("d" * 60) / ("e" * 60) / "site"
    shutil.copytree(site.root, moved)
    assert build(moved, BuildOptions(offline=True, keep_model=MINUTE)).ok
    _append(SiteAt(moved), "berlin", "Olaf Scholz flew to Warsaw on Monday.")
    result = build(moved, BuildOptions(offline=True, keep_model=MINUTE))
    assert result.ok and result.extracted == 1 and loads_here == []
    sock = servers[-1]._socket
    assert sock.is_socket() and not sock.is_relative_to(moved) and len(os.fsencode(sock)) <= 100
    assert sock.parent.stat().st_uid == os.getuid() and sock.parent.stat().st_mode & 0o077 == 0


class SiteAt:
    def __init__(self, root: Path):
        self.articles_dir = root / "content" / "articles"


def test_a_server_that_hangs_is_given_up_on_and_the_build_goes_on(make_site, loads_here, servers, monkeypatch):
    """A stopped server still holds its lock and its socket still takes connections (the
    kernel queues them), but it never answers: the build waits ``READY_WITHIN``, no more."""
    from sitegen.nlp import kept_model

    site = _two_articles(make_site)
    assert build(site.root, BuildOptions(offline=True, keep_model=MINUTE)).ok
    pid = _pid_of(servers[0])
    monkeypatch.setattr(kept_model, "READY_WITHIN", 1.0)
    os.kill(pid, signal.SIGSTOP)
    try:
        _append(site, "berlin", "Olaf Scholz flew to Warsaw on Monday.")
        result = build(site.root, BuildOptions(offline=True, keep_model=MINUTE))
        assert result.ok and result.extracted == 1
        assert loads_here == [os.getpid()], "the build did not load the model itself"
        assert "Olaf Scholz" in {e.name for e in result.site.entities}
    finally:
        os.kill(pid, signal.SIGCONT)
