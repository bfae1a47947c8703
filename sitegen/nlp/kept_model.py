"""The NER model kept loaded between builds, in a process of its own, while someone edits.

A one-article edit that brings new text waits for spaCy to be imported and its model
loaded (about 1.1 s on the bench machine) before NER on its one paragraph takes a few
milliseconds: at 1,000 articles that wait is a third of the edit. ``nlp.ahead`` hides part
of it behind reading the articles; this module removes it from every edit but the first.

The first `sitegen build` that wants it starts a server: a new interpreter, in a session
of its own (Ctrl-C in the terminal and closing the terminal do not reach it), which
loads the model and then answers NER requests on a Unix socket in the state folder
(``.sitegen/model/``). Later builds send it their new paragraphs. It ends by itself after
``idle`` seconds without a request, or within a second of its socket file being removed
or replaced, or its lock file (``.sitegen`` deleted), or at SIGTERM; killing it loses nothing. A build that finds no
server, or one that fails, does what it did without one (``extract`` returns None).

Who may talk to it: the folder and socket are the owner's alone, and each connection
must prove it knows the key in ``.sitegen/model/key`` (the handshake of
``multiprocessing.connection``, made before anything sent is unpickled).

Which model: the socket and lock are named by a digest of the model's name and version,
sitegen's code and the Python running it. A build of other code or another model never
talks to this one; it starts its own, and the old one ends when idle.

Files, per server: ``<name>.lock`` (held with ``flock`` for the server's life, holding its
pid: a lock held means a server is loading or serving), ``<name>.sock`` (made once the
model is loaded: a socket there means ready; where that path is too long for a socket,
in ``sitegen-<uid>/`` under ``$XDG_RUNTIME_DIR`` or the temporary folder instead, named
by a digest of it), ``<name>.log`` (what it printed last).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import signal
import socket
import sys
import threading
import time
from contextlib import suppress
from multiprocessing import connection
from multiprocessing.connection import AuthenticationError, Connection, Listener
from pathlib import Path
from typing import Sequence

from .extract import Extraction

try:
    import fcntl
except ImportError:  # not on Windows: no server there
    fcntl = None

FOLDER = "model"
KEY_FILE = "key"
# A socket's path must fit in ``sockaddr_un.sun_path`` (108 bytes on Linux, 104 on macOS).
_MAX_SOCKET_PATH = 100
# How long a build waits for a server to load its model, or to answer, before doing without
# it: far beyond a model's loading time or a few paragraphs' NER, only a server that hangs
# is given up on (a build must never wait for ever).
READY_WITHIN = 120.0


def kept_model(state_dir: Path, model: str, idle: float, code: str) -> "KeptModel | None":
    """A connection-to-be to this site's server for ``model``, started now if none runs;
    None where no server can be kept (no ``fcntl`` or ``posix_spawn``, no folder to trust
    with its socket, a state folder that cannot be written). ``code``: a digest of sitegen's code, which names the
    server with the model (a server runs the code of the build that started it)."""
    if fcntl is None or not hasattr(os, "posix_spawn"):
        return None
    from .extract import model_fingerprint

    folder = state_dir.resolve() / FOLDER
    # The environment (a virtual one's folder) and the interpreter it runs, however named
    python = f"{sys.prefix}\0{os.path.realpath(sys.executable)}"
    name = hashlib.sha256(f"{model}\0{model_fingerprint(model)}\0{code}\0{python}".encode()).hexdigest()[:16]
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        socket_path = _socket_path(folder, name)
        if socket_path is None:
            return None
        key = _key(folder / KEY_FILE)
        spawned = None if _serving(folder / f"{name}.lock") else _spawn(folder, name, model, idle)
    except (OSError, NotImplementedError):  # NotImplementedError: a system whose posix_spawn has no setsid
        return None
    return KeptModel(folder, name, key, spawned)


class KeptModel:
    """A build's end of the server: connects when first asked for NER (waiting for the
    model to load if it is loading), and lets go at ``close``, leaving the server running."""

    def __init__(self, folder: Path, name: str, key: bytes, spawned: int | None):
        self._socket = _socket_path(folder, name)
        self._lock = folder / f"{name}.lock"
        self._key = key
        self._spawned = spawned  # the pid of a server this build started
        self._conn: Connection | None = None
        self._failed = False

    def extract(self, texts: Sequence[str], batch_size: int) -> list[Extraction] | None:
        """The extractions of ``texts``, in order; None if the server cannot give them."""
        found = self.ask(("extract", list(texts), batch_size))
        return None if found is None else [Extraction.from_json(x) for x in found]

    def status(self) -> dict | None:
        """The server's pid, model and how many texts it has read; None if it cannot answer."""
        return self.ask(("status",))

    def ask(self, request: tuple) -> object | None:
        conn = self._connected()
        if conn is None:
            return None
        try:
            conn.send(request)
            status, value = conn.recv() if conn.poll(READY_WITHIN) else ("error", "no answer")
        except (OSError, EOFError):  # the server ended (killed, idle, out of memory)
            status, value = "error", None
        if status != "ok":
            self._give_up()
            return None
        return value

    def close(self) -> None:
        if self._conn is not None:
            with suppress(OSError):
                self._conn.close()
            self._conn = None
        self._reap()

    def _connected(self) -> Connection | None:
        if self._conn is not None or self._failed:
            return self._conn
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if self._socket.exists():
                try:
                    self._conn = _client(self._socket, self._key, max(0.0, deadline - time.monotonic()))
                    return self._conn
                except (OSError, EOFError, AuthenticationError):
                    pass  # a socket its server left behind, or one being replaced
            if not self._alive():
                break
            time.sleep(0.01)
        self._give_up()
        return None

    def _alive(self) -> bool:
        if self._spawned is not None:
            return self._reap()
        return _serving(self._lock)

    def _reap(self) -> bool:
        """Whether the server this build started still runs (collecting it if it ended)."""
        if self._spawned is None:
            return False
        try:
            pid, _ = os.waitpid(self._spawned, os.WNOHANG)
        except ChildProcessError:
            pid = self._spawned
        if pid == 0:
            return True
        self._spawned = None
        return False

    def _give_up(self) -> None:
        self._failed = True
        self.close()


def _socket_path(folder: Path, name: str) -> Path | None:
    """Where the server listens: beside its lock if the path fits in a socket address,
    else in a folder of this user's own under the system's runtime or temporary folder,
    named by a digest of the long path; None if no such folder can be trusted."""
    beside = folder / f"{name}.sock"
    if len(os.fsencode(beside)) <= _MAX_SOCKET_PATH:
        return beside
    import tempfile

    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"sitegen-{os.getuid()}"
    short = base / (hashlib.sha256(os.fsencode(beside)).hexdigest()[:24] + ".sock")
    if len(os.fsencode(short)) > _MAX_SOCKET_PATH:
        return None
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        found = base.lstat()
    except OSError:
        return None
    # A folder another user made, or one others may enter, could hand this build their socket.
    if not base.is_dir() or base.is_symlink() or found.st_uid != os.getuid() or found.st_mode & 0o077:
        return None
    return short


def _client(path: Path, key: bytes, within: float) -> Connection:
    """``multiprocessing.connection.Client`` for a Unix socket, but giving up (TimeoutError)
    on a server that does not begin the key handshake ``within`` seconds."""
    with socket.socket(socket.AF_UNIX) as raw:
        raw.setblocking(True)
        raw.connect(str(path))
        conn = Connection(raw.detach())
    try:
        if not conn.poll(within):
            raise TimeoutError(f"{path}: the server did not answer")
        connection.answer_challenge(conn, key)
        connection.deliver_challenge(conn, key)
    except BaseException:
        conn.close()
        raise
    return conn


def _key(path: Path) -> bytes:
    """The site's key, made on first use, readable by its owner only."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
        path.unlink()  # cut short when it was made: made again
        return _key(path)
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


def _serving(lock: Path) -> bool:
    """Whether a server holds ``lock`` (is loading its model or serving)."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # and with it the lock, if it was taken
    return False


def _spawn(folder: Path, name: str, model: str, idle: float) -> int:
    """Start a server, detached from this process and its terminal, running this code
    (the folder holding this package first on its path); its pid."""
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    log = str(folder / f"{name}.log")
    return os.posix_spawn(
        sys.executable, [sys.executable, "-m", __name__, str(folder), name, model, repr(idle)], env,
        file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                      (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                      (os.POSIX_SPAWN_DUP2, 1, 2)],
        setsid=True)


# ---- the server ---------------------------------------------------------------------------


def serve(folder: Path, name: str, model: str, idle: float) -> None:
    """Load ``model``, then answer requests on ``<name>.sock`` until idle for ``idle`` seconds."""
    os.chdir("/")  # hold no folder the user may want to remove or unmount
    lock = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another server is loading or serving this model
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    from .extract import extract_texts, load_pipeline

    key = (folder / KEY_FILE).read_bytes()
    nlp = load_pipeline(model)  # an error ends the server: builds then load the model themselves
    socket_path = _socket_path(folder, name)
    if socket_path is None:
        return
    socket_path.unlink(missing_ok=True)
    mask = os.umask(0o077)
    try:
        listener = Listener(str(socket_path), family="AF_UNIX", authkey=key)
    finally:
        os.umask(mask)
    state = _State(socket_path, folder / f"{name}.lock", idle)
    signal.signal(signal.SIGTERM, lambda *_: state.end())  # `kill`: its socket goes with it
    threading.Thread(target=state.watch, name="sitegen-model-idle", daemon=True).start()
    print(f"serving {model} for {folder.parent}", flush=True)
    while True:
        try:
            conn = listener.accept()
        except (OSError, EOFError, AuthenticationError):
            continue  # a caller without the key, or one that left mid-handshake
        with conn:
            state.busy(True)
            try:
                _answer(conn, nlp, state, model, extract_texts)
            finally:
                state.busy(False)


def _answer(conn: Connection, nlp, state: "_State", model: str, extract_texts) -> None:
    while True:
        try:
            request = conn.recv()
        except (OSError, EOFError):
            return
        try:
            if request[0] == "extract":
                _, texts, batch_size = request
                reply = ("ok", [x.to_json() for x in extract_texts(nlp, texts, batch_size)])
                state.served += len(texts)
            elif request[0] == "status":
                reply = ("ok", {"pid": os.getpid(), "model": model, "served": state.served})
            else:
                reply = ("error", f"unknown request {request[0]!r}")
        except Exception as exc:  # noqa: BLE001: told to the build, which then loads the model itself
            reply = ("error", repr(exc))
        try:
            conn.send(reply)
        except OSError:
            return


class _State:
    """When the server last worked, and the watch that ends it when idle or orphaned."""

    def __init__(self, socket_path: Path, lock_path: Path, idle: float):
        self.socket_path, self.lock_path, self.idle = socket_path, lock_path, idle
        self.socket_id = _file_id(socket_path)
        self.lock_id = _file_id(lock_path)
        self.served = 0
        self._busy = False
        self._last = time.monotonic()

    def busy(self, now_busy: bool) -> None:
        self._busy = now_busy
        self._last = time.monotonic()

    def watch(self) -> None:
        while True:
            time.sleep(min(1.0, max(0.05, self.idle / 4)))
            # The socket replaced, or the lock file gone with the state folder: not ours to serve
            ours = _file_id(self.socket_path) == self.socket_id
            kept_for = _file_id(self.lock_path) == self.lock_id
            if not (ours and kept_for) or (not self._busy and time.monotonic() - self._last > self.idle):
                self.end()

    def end(self) -> None:
        if _file_id(self.socket_path) == self.socket_id:
            with suppress(OSError):
                self.socket_path.unlink()
        os._exit(0)


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]))
