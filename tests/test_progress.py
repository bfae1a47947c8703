"""Long work shows progress on a terminal; quiet work and pipes stay quiet."""
from __future__ import annotations

import io

from sitegen.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_the_bar_advance_and_then_cleared():
    screen = _Terminal()
    bar = Progress(40, "extracting", enabled=True, stream=screen)
    for _ in range(40):
        bar.advance()
    bar.close()
    out = screen.getvalue()
    assert "extracting [" in out and "40/40" in out
    assert out.endswith("\r\033[K")  # the line is cleared for the summary that follows


def test_a_pipe_or_quiet_build_sees_nothing():
    piped = io.StringIO()  # not a terminal
    bar = Progress(10, "extracting", enabled=True, stream=piped)
    bar.advance(10)
    bar.close()
    assert piped.getvalue() == ""
    quiet = _Terminal()
    bar = Progress(10, "extracting", enabled=False, stream=quiet)
    bar.advance(10)
    bar.close()
    assert quiet.getvalue() == ""


def test_progress_never_runs_past_the_total():
    screen = _Terminal()
    bar = Progress(3, "extracting", enabled=True, stream=screen)
    bar.advance(5)
    assert bar.done == 3
