"""The ``sitegen`` command exits without freeing what a build made, one object at a time
(seconds on a large archive): its output is complete, its exit code main's, and what is
registered to run at exit still runs."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import REPO, run_cli

STORY = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."


def test_a_build_through_the_command_prints_all_it_has_to_say_and_exits_with_its_code(make_site):
    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=STORY)
    built = run_cli("build", site.root, "--offline")
    assert built.returncode == 0, built.stderr
    assert built.stdout.strip() and built.stdout.endswith("\n"), "the summary, flushed whole into a pipe"
    (site.root / "content" / "articles" / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n",
                                                                   encoding="utf-8")
    broken = run_cli("build", site.root, "--offline")
    assert broken.returncode == 1, broken.stderr
    assert "broken.md" in broken.stderr


def test_what_is_registered_to_run_at_exit_runs(make_site, tmp_path):
    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=STORY)
    marker = tmp_path / "ran-at-exit"
    code = textwrap.dedent(f"""
        import atexit, pathlib, sys
        from sitegen.cli import run
        atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text("yes"))
        sys.argv = ["sitegen", "build", {str(site.root)!r}, "--offline", "--quiet"]
        run()
        print("not reached")
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "not reached" not in done.stdout
    assert marker.read_text() == "yes"
    assert (site.output / "articles" / "visit" / "index.html").is_file()
