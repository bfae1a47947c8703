"""``sitegen serve``: build, serve the output, rebuild on every save, reload open pages.

One build at a time, on one thread (the watcher's). The spaCy pipeline and every value
a rebuild can reuse (``BuildMemory``) live as long as the server, so a save costs only
what it touched. A build that fails, or breaks a file that was fine, leaves the last good
site in place; open pages show its errors until a build succeeds.
"""
from __future__ import annotations

import errno
import gc
import signal
import sys
import threading
import time
import traceback
import webbrowser
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..build import BuildOptions, BuildResult, build, check_output_folder, check_site_dir, write_exports
from ..config import load_config
from ..errors import SitegenError, said_from_here
from ..output.locks import build_lock
from ..incremental.memory import BuildMemory
from ..model import ArticleError
from ..output.write import write_site
from .after_pause import Later
from .exports_later import ExportWriter
from .search_later import SearchIndexer, without_index
from .status import BuildStatus, Snapshot

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Seconds without a new build before the cycle collector runs (see ``Preview.settle_memory``)
COLLECT_PAUSE = 0.2


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    output: Path | None = None
    offline: bool = False
    replay: Path | None = None  # reference data from a recorded folder only
    livereload: bool = True
    open_browser: bool = False
    quiet: bool = False


class Preview:
    """Builds one site again and again, keeping what it can between builds."""

    def __init__(self, site_dir: Path, output: Path | None = None, offline: bool = False, replay: Path | None = None,
                 status: BuildStatus | None = None, say: Callable[[str], None] = print,
                 nlp_loader: Callable[[], object] | None = None) -> None:
        self.site_dir = Path(site_dir)
        self.output = (output or self.site_dir / "output").resolve()
        self.offline = offline
        self.replay = replay
        self.status = status or BuildStatus()
        self.say = say
        self.memory = BuildMemory()
        self._nlp_loader = nlp_loader
        self._pipelines: dict[str, object] = {}
        self._pipeline_lock = threading.Lock()
        self._lock = threading.Lock()
        self.builds = 0
        self.search = SearchIndexer(self)
        self.exports = ExportWriter(self)
        self.collector = Later(self.settle_memory, COLLECT_PAUSE, "sitegen-collect")
        # Whether the cycle collector ran before the builds since the last ``settle_memory``
        # stopped it (None: it is as the process had it), and when the last build ended
        self._collecting_before: bool | None = None
        self._built_at = 0.0
        self.site = None  # the Site last published: what the review queue reads

    def _pipeline(self):
        if self._nlp_loader:
            return self._nlp_loader()
        from ..nlp.extract import load_pipeline

        with self._pipeline_lock:
            model = self.memory.config.model  # set by the build before any NER runs
            if model not in self._pipelines:
                self._pipelines[model] = load_pipeline(model)
            return self._pipelines[model]

    def load_model_later(self) -> None:
        """Load the NER model in the background, so that the first save does not wait a
        second for it (a first build from the cache does not load it)."""
        def load() -> None:
            try:
                self._pipeline()
            except Exception:  # the next build that needs the model reports the problem
                pass

        if self.memory.config is not None:
            threading.Thread(target=load, name="sitegen-model", daemon=True).start()

    def rebuild(self, changed: set[str] | None = None, jobs: int | None = 1) -> Snapshot:
        """Build now (one build at a time) and publish the outcome to every open page."""
        with self._lock, self._collector_paused():
            self.status.started()
            started = time.perf_counter()
            result: BuildResult | None = None
            site_changed = False
            try:
                # After the first build, reference data comes from its cache only: a save
                # never waits on the network. An entity that is new since then is linked
                # by the next start of the preview or the next `sitegen build`.
                offline = (self.offline or self.builds > 0) and not self.replay
                options = BuildOptions(output=self.output, offline=offline, replay=self.replay, jobs=jobs,
                                       progress=False, exports_later=True,
                                       nlp_loader=self._pipeline, memory=self.memory, warn=self.warn)
                result = build(self.site_dir, options)
                if result.site is not None and not result.held:
                    self.site = result.site
                site_changed = bool(result.stats and (result.stats.written or result.stats.removed))
                problems = [self._problem(e) for e in result.errors]
            except SitegenError as exc:
                problems = [{"file": None, "line": None, "message": str(exc), "hint": ""}]
            except Exception as exc:  # a bug: say so, keep serving the last site
                traceback.print_exc()
                self.memory.forget()  # nothing kept can be trusted after an unexpected failure
                problems = [{"file": None, "line": None, "hint": "",
                             "message": f"internal error ({type(exc).__name__}: {exc}); the details are in the terminal"}]
            finally:
                self.builds += 1
            snapshot = self.status.finished(site_changed, problems)
            seconds = time.perf_counter() - started
            if result is not None and result.exports_pending:
                if self.builds == 1:  # the first: the site starts whole, data/ with it
                    self._write_exports(result)
                else:  # once the saving pauses (see ExportWriter)
                    self.exports.owe(result)
            self._report(result, problems, changed, seconds)
            if site_changed and self.memory.config and self.memory.config.search:
                self.search.request()
            return snapshot

    @contextmanager
    def _collector_paused(self) -> Iterator[None]:
        """The cycle collector kept from running while a build runs, and after it until
        the saving pauses (``settle_memory``).

        Run by every few hundred objects a build makes, it walked the young ones again and
        again: 11 ms of a 190 ms save at 1,000 articles, 115 ms at 10,000. A build makes
        next to no garbage that only it can free (a whole site rebuilt at 1,000 articles
        left 14,000 unreachable objects, no memory to speak of)."""
        if self._collecting_before is None:
            self._collecting_before = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            self._built_at = time.monotonic()
            self.collector.request()

    def settle_memory(self) -> bool:
        """Collect the garbage of the builds since the last call, then exempt what
        survives from later collections, and let the collector run again.

        What a preview keeps between builds (the resolved site, every page's inputs and
        bytes) is hundreds of thousands of objects. Left to the collector, each full
        collection would walk them all in the middle of the next rebuild; frozen, they are
        not walked. The values kept hold no reference cycles, so freezing them keeps
        nothing alive that reference counting would not free. It ran after every save
        (26-117 ms at 10,000 articles), and a save made straight after the reload waited
        for it; it now waits for a pause in the saving, as the exports do.
        """
        with self._lock:  # never in the middle of a build: its values in use would be frozen
            if self._collecting_before is None:
                return True
            if time.monotonic() - self._built_at < COLLECT_PAUSE:
                # A build ran while this waited for it: the pause is after that one (False:
                # asked again, see ``after_pause.Later``)
                return False
            gc.collect()
            gc.freeze()
            if self._collecting_before:
                gc.enable()
            self._collecting_before = None
            return True

    def publish_exports(self, result: BuildResult) -> None:
        """data/* for the site of ``result``, if no build has published since (see ExportWriter)."""
        with self._lock:
            if self.exports.latest is not result:
                return  # a newer build published: its exports are owed instead
            self.exports.latest = None
            self._write_exports(result)

    def _write_exports(self, result: BuildResult) -> None:
        try:
            with self._output_lock():
                write_exports(result.site, self.memory, self.output)
        except (OSError, SitegenError) as exc:
            self.say(f"error: data/ could not be written: {exc}")
        except Exception:
            traceback.print_exc()
            self.memory.forget()

    def published_pages(self) -> tuple[int, dict[str, bytes], object] | None:
        """(build count, the published files but the search index, settings), to index."""
        with self._lock:
            config, written = self.memory.config, self.memory.written
            if written is None or config is None or not config.search:
                return None
            return self.builds, without_index(written), config

    def publish_search(self, generation: int, index: dict[str, bytes]) -> bool:
        """Write a search index made from the pages of build ``generation``; False if a newer
        build was published since (the index would describe pages no longer there)."""
        with self._lock:
            memory = self.memory
            if generation != self.builds or memory.written is None:
                return False
            files = {**without_index(memory.written), **index}
            memory.search = index
            if files == memory.written:
                return True
            self.status.started()
            try:
                with self._output_lock():
                    write_site(self.output, files, memory.written)
                memory.written = files
            except (OSError, SitegenError) as exc:
                memory.written = None
                self.say(f"error: the search index could not be written: {exc}")
            finally:
                self.status.finished(False, self.status.snapshot().problems)
            return True

    def _output_lock(self):
        """The lock every build holds, for writes outside a build (see ``build_lock``)."""
        return build_lock(self.memory.config.state_dir, self.output, self.warn)

    def _problem(self, error: ArticleError) -> dict:
        try:
            file = error.path.resolve().relative_to(self.site_dir.resolve()).as_posix()
        except ValueError:
            file = str(error.path)
        return {"file": file, "line": error.line, "message": error.message, "hint": error.hint}

    def warn(self, message: str) -> None:
        self.say(f"warning: {said_from_here(message)}")

    def _report(self, result: BuildResult | None, problems: list[dict], changed: set[str] | None,
                seconds: float) -> None:
        for p in problems:
            where = f"{p['file']}:{p['line']}: " if p["file"] and p["line"] else f"{p['file']}: " if p["file"] else ""
            self.say(f"error: {where}{p['message']}" + (f" ({p['hint']})" if p["hint"] else ""))
        what = _describe(changed, self.site_dir)
        if result is None:
            self.say(f"build failed{what}; still serving the last good site")
        elif result.held:
            self.say(f"not published{what}: a file that was fine has an error; still serving the last good site")
        else:
            stats = result.stats
            removed = f", {stats.removed} removed" if stats.removed else ""
            self.say(f"built in {seconds:.2f} s{what}: {stats.written} files written{removed}")


def _describe(changed: set[str] | None, site_dir: Path) -> str:
    if not changed:
        return ""
    names = []
    for path in sorted(changed):
        try:
            names.append(Path(path).resolve().relative_to(site_dir.resolve()).as_posix())
        except ValueError:
            names.append(path)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f" after changes to {shown}"


def serve(site_dir: Path, options: ServeOptions) -> int:
    """Run the preview until Ctrl-C (or SIGTERM); returns the exit code."""
    from .devserver import PreviewServer
    from .watch import SiteWatcher

    # A folder that is no site, or a bad sitegen.toml, stops here, as `build` does; every
    # later problem is shown in the pages instead.
    config = load_config(Path(site_dir))
    check_site_dir(config)
    check_output_folder(config, (options.output or Path(site_dir) / "output").resolve(),
                        BuildOptions(replay=options.replay))
    say = (lambda message: None) if options.quiet else (lambda message: print(message, flush=True))
    status = BuildStatus()
    preview = Preview(site_dir, options.output, options.offline, options.replay, status, say)
    try:
        server = PreviewServer((options.host, options.port), preview.output, status, options.livereload,
                               log=lambda m: print(m, file=sys.stderr))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SitegenError(f"port {options.port} on {options.host} is already in use (is another preview "
                               f"running?); stop that server or choose another port with --port") from exc
        raise SitegenError(f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}") from exc
    server.review = review_endpoints(preview, server)
    # The first build may start worker processes; it runs before any other thread exists.
    preview.rebuild(jobs=None)
    preview.load_model_later()
    watcher = SiteWatcher(preview.site_dir, preview.rebuild)
    thread = threading.Thread(target=server.serve_forever, name="sitegen-http", daemon=True)
    previous_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        watcher.start()
        thread.start()
        host, port = server.server_address[:2]
        url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
        print(f"serving {preview.output} at {url} (Ctrl-C to stop)", flush=True)
        if options.host not in LOOPBACK:
            say(f"warning: listening on {options.host}: anyone who can reach this machine can read the site")
        if options.open_browser:
            webbrowser.open(url)
        # Woken twice a second: a signal's handler runs in the main thread only, and a
        # SIGTERM the kernel hands to another thread does not end a wait without a timeout
        # (seen once: the preview ignored the SIGTERM that was to stop it).
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("stopping: waiting for a running build to finish (Ctrl-C again to stop at once)")
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        watcher.stop()
        preview.exports.stop(finish=True)  # data/ as the pages are
        preview.search.stop()
        preview.collector.stop()
        if thread.is_alive():  # shutdown() waits for serve_forever, forever if it never ran
            server.shutdown()
        server.server_close()
    return 0


def review_endpoints(preview: Preview, server, wait_seconds: float = 10.0):
    """The review queue's pages and write endpoints, for this preview and server; a write
    answers once the rebuild it causes is out (at most ``wait_seconds``)."""
    from .review_endpoints import Guard, ReviewEndpoints

    guard = Guard(server.server_address[0], server.server_address[1])
    return ReviewEndpoints(guard, preview.site_dir, lambda: preview.site, preview.status, wait_seconds)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
