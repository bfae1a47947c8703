"""``sitegen serve`` stops on one SIGTERM (one Ctrl-C) at any moment, promptly.

The preview is run as a user runs it, in a process of its own; a moment that is hard to
hit from outside (the signal while the preview is still starting) is made certain by a
small wrapper that sends the signal itself at that moment.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from conftest import REPO

STORY = "Maria Lopez met Angela Merkel in Berlin on Tuesday."
# Seconds a preview with no build under way may take to stop on a busy machine.
STOP_SECONDS = 15


def _serve_signalled_while_starting(site_root) -> subprocess.Popen:
    """``sitegen serve`` that gets SIGTERM while its watcher starts, after the first build
    and before it serves: the window a Ctrl-C pressed at start-up falls into."""
    code = textwrap.dedent(f"""
        import os, signal, sys, time
        from sitegen.preview import watch
        from sitegen.cli import main

        def start(self, _start=watch.SiteWatcher.start):
            print("signalled", flush=True)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the signal lands here, in the middle of starting
            _start(self)

        watch.SiteWatcher.start = start
        sys.exit(main(["serve", {str(site_root)!r}, "--offline", "--port", "0"]))
    """)
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_signal_while_the_preview_starts_stops_it(make_site):
    site = make_site()
    site.add_article("berlin", title="Berlin talks", date="2025-03-01", body=STORY)
    process = _serve_signalled_while_starting(site.root)
    try:
        for line in process.stdout:
            if line.strip() == "signalled":
                break
        else:
            raise AssertionError(f"the preview ended before starting: {process.stderr.read()}")
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"sitegen serve did not stop within {STOP_SECONDS} s of SIGTERM") from None
        stderr = process.stderr.read()
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
