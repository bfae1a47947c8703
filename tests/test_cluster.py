"""`sitegen build --cluster`: NER on a real Dask scheduler and worker processes on this
machine, compared byte for byte with a local build of the same articles.

The scheduler and workers are `dask scheduler` / `dask worker` subprocesses on
127.0.0.1 with ports of their own choosing, stopped when the tests end. Nothing here waits
on the clock to decide an outcome: a worker is killed only once it has said it is running
a batch (see cluster/stall_worker.py), and waits have long deadlines that only a hang
would reach.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from conftest import run_cli
from synthetic_news import write_archive
from test_incremental import files_of

distributed = pytest.importorskip("distributed")

ARTICLES = 36
STALL_WORKER = Path(__file__).parent / "cluster" / "stall_worker.py"
OTHER_MODEL_WORKER = Path(__file__).parent / "cluster" / "other_model_worker.py"
DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"], [sys.executable, "-m", "distributed.cli.dask_worker"]
DEADLINE = 120  # seconds: reached only if something hangs


def _wait_for(what: str, ready) -> None:
    deadline = time.monotonic() + DEADLINE
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


class DaskProcesses:
    """A scheduler and its workers, as subprocesses this test started and will stop."""

    def __init__(self, folder: Path, stack: ExitStack):
        self.folder, self.stack = folder, stack
        info = folder / "scheduler.json"
        self.scheduler = self._start("scheduler", DASK[0] + ["--host", "127.0.0.1", "--port", "0",
                                                             "--no-dashboard", "--scheduler-file", str(info)])
        _wait_for("the scheduler's address", lambda: info.is_file() and info.stat().st_size > 0)
        self.address = json.loads(info.read_text())["address"]
        self.client = stack.enter_context(distributed.Client(self.address, timeout=DEADLINE))

    def start_worker(self, name: str, *extra: str, env: dict | None = None) -> subprocess.Popen:
        """A worker without a nanny, so that killing it does not bring it back."""
        return self._start(name, DASK[1] + [self.address, "--host", "127.0.0.1", "--nthreads", "1",
                                           "--no-nanny", "--no-dashboard", "--name", name, *extra], env)

    def wait_for_workers(self, count: int) -> None:
        self.client.wait_for_workers(count, timeout=DEADLINE)

    def _start(self, name: str, command: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        self.stack.callback(log.close)
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder,
                                   env={**os.environ, **(env or {})})
        self.stack.callback(_stop, process)
        return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=DEADLINE)


@contextmanager
def dask_processes(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        yield DaskProcesses(folder, stack)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """A scheduler with two ordinary workers, shared by the tests that only build."""
    with dask_processes(tmp_path_factory.mktemp("dask")) as dask:
        dask.start_worker("worker-1")
        dask.start_worker("worker-2")
        dask.wait_for_workers(2)
        yield dask


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A site of a few dozen articles, never built: copy it before building."""
    root = tmp_path_factory.mktemp("archive")
    (root / "content" / "articles").mkdir(parents=True)
    write_archive(root / "content" / "articles", ARTICLES)
    return root


@pytest.fixture(scope="module")
def local_files(archive, tmp_path_factory) -> dict[str, bytes]:
    """What a local build of the archive writes (the search index aside)."""
    root = _copy(archive, tmp_path_factory.mktemp("local"))
    result = run_cli("build", root, "--offline", "--quiet")
    assert result.returncode == 0, result.stderr
    return files_of(root / "output")


def _copy(archive: Path, parent: Path) -> Path:
    return Path(shutil.copytree(archive, parent / "site"))


def _assert_same_site(built: Path, expected: dict[str, bytes]) -> None:
    files = files_of(built / "output")
    assert sorted(files) == sorted(expected)
    assert [name for name in files if files[name] != expected[name]] == []


def test_a_build_on_a_cluster_is_byte_identical_to_a_local_one(two_workers, archive, local_files, tmp_path):
    root = _copy(archive, tmp_path)
    result = run_cli("build", root, "--offline", "--cluster", two_workers.address)
    assert result.returncode == 0, result.stderr
    assert f"NER on {ARTICLES};" in result.stdout
    _assert_same_site(root, local_files)

    def models_loaded():
        from sitegen.nlp import cluster

        return sorted(cluster._pipelines)

    # The paragraphs were read on the workers, each with the model it keeps loaded.
    loaded = two_workers.client.run(models_loaded)
    assert ["en_core_web_sm"] in loaded.values()
    # The results went into the local cache as local ones do: a later build reads none again.
    again = run_cli("build", root, "--offline", "--force")
    assert again.returncode == 0, again.stderr
    assert "NER on 0;" in again.stdout
    _assert_same_site(root, local_files)


def test_a_worker_killed_mid_batch_has_its_batch_done_elsewhere(archive, local_files, tmp_path):
    root = _copy(archive, tmp_path)
    marker = tmp_path / "stalled-batches"
    with dask_processes(tmp_path / "dask") as dask:
        # Alone at first, the stalling worker is sure to get the build's first batch.
        victim = dask.start_worker("victim", "--preload", str(STALL_WORKER),
                                   env={"SITEGEN_STALL_MARKER": str(marker)})
        dask.wait_for_workers(1)
        build = subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(root), "--offline", "--quiet",
                                  "--cluster", dask.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        try:
            _wait_for("the victim to start a batch", lambda: marker.is_file() and marker.read_text().strip())
            dask.start_worker("survivor")
            dask.wait_for_workers(2)
            victim.send_signal(signal.SIGKILL)
            stdout, stderr = build.communicate(timeout=DEADLINE)
        finally:
            if build.poll() is None:
                build.kill()
                build.wait()
        assert victim.wait(timeout=DEADLINE) == -signal.SIGKILL
    assert build.returncode == 0, stderr
    assert marker.read_text().split(), "the victim started no batch"
    _assert_same_site(root, local_files)


def test_a_local_cluster_of_two_workers_builds_the_same_site(archive, local_files, tmp_path):
    root = _copy(archive, tmp_path)
    result = run_cli("build", root, "--offline", "--quiet", "--cluster", "local:2")
    assert result.returncode == 0, result.stderr
    _assert_same_site(root, local_files)


def test_an_unreachable_scheduler_is_a_clear_error_and_nothing_is_built(archive, tmp_path):
    root = _copy(archive, tmp_path)
    with socket.socket() as s:  # a port nothing listens on: bound here, never listened on
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
        result = run_cli("build", root, "--offline", "--cluster", address)
    assert result.returncode == 2
    assert f"error: cannot reach the Dask scheduler at {address}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not any((root / "output").iterdir())  # the build lock makes the folder; nothing is in it


def test_workers_without_the_model_are_a_clear_error(two_workers, archive, tmp_path):
    root = _copy(archive, tmp_path)
    (root / "sitegen.toml").write_text('model = "en_core_web_nowhere"\n', encoding="utf-8")
    result = run_cli("build", root, "--offline", "--cluster", two_workers.address)
    assert result.returncode == 2
    assert "cannot load the spaCy model" in result.stderr
    assert "Install sitegen with the same model on every worker" in result.stderr
    assert "Traceback" not in result.stderr
    assert not any((root / "output").iterdir())  # the build lock makes the folder; nothing is in it


def test_workers_with_another_version_of_the_model_are_refused(archive, tmp_path):
    # Their results would be cached under this machine's model version: refuse them.
    root = _copy(archive, tmp_path)
    with dask_processes(tmp_path / "dask") as dask:
        dask.start_worker("older", "--preload", str(OTHER_MODEL_WORKER))
        dask.wait_for_workers(1)
        result = run_cli("build", root, "--offline", "--cluster", dask.address)
    assert result.returncode == 2
    assert "have the spaCy model en_core_web_sm==0.0.1, this machine en_core_web_sm==" in result.stderr
    assert "install the same version of sitegen and its model on the workers" in result.stderr
    # Nothing of theirs was cached: a local build then reads every article itself.
    again = run_cli("build", root, "--offline")
    assert again.returncode == 0, again.stderr
    assert f"NER on {ARTICLES};" in again.stdout


def test_without_distributed_installed_the_error_says_what_to_install(archive, tmp_path):
    root = _copy(archive, tmp_path)
    # A `distributed` that cannot be imported, found before the real one.
    shadow = tmp_path / "shadow" / "distributed"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named distributed')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow.parent), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "sitegen", "build", str(root), "--offline", "--cluster", "local:2"],
                            capture_output=True, text=True, env=env, timeout=DEADLINE)
    assert result.returncode == 2
    assert "pip install 'sitegen[cluster]'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["local:0", "local:two", ""])
def test_a_malformed_cluster_address_is_refused_before_any_work(value, tmp_path):
    result = run_cli("build", tmp_path, "--cluster", value)
    assert result.returncode == 2
    assert "--cluster" in result.stderr
