"""A part of a build run in a forked process (see ``sitegen.apart``), with its memo.

The copy reads the memo as the build left it when forking and adds to it; it hands back
what it holds then, and what it wrote to the memo's file for the build's transaction
(``Memo.release``) goes through a staging file, which the build takes into that
transaction: the memo file still changes only when the build saves it.
"""
from __future__ import annotations

import traceback
from pathlib import Path
from typing import Callable, TypeVar

from ..apart import run_apart
from .memo import Memo
from .packed_mentions import pickle_read_inline

T = TypeVar("T")

STAGING_FILE = "memo-staging.sqlite"


def run_with_memo_apart(memo: Memo, folder: Path, work: Callable[[Callable[[str], None]], T],
                        warn: Callable[[str], None]) -> T:
    """``work(warn)`` run in a forked copy of this process, reading and adding to ``memo``
    as if run here; its warnings are said here, in order. ``folder``: the site's state folder."""
    staging = folder / STAGING_FILE
    staging.unlink(missing_ok=True)  # left by a build that was killed
    memo.open()  # here, so that a file set aside is set aside once, and said once

    def apart() -> tuple:
        said: list[str] = []
        memo.stage_writes(staging, said.append)
        try:
            value = work(said.append)
        except BaseException as exc:  # noqa: BLE001: raised in the build's process, after the warnings
            exc.add_note("".join(traceback.format_exception(exc)).rstrip())
            return None, None, said, exc
        pickle_read_inline()  # the mentions the site and memo share, handed back once
        return value, memo.state(), said, None

    try:
        value, state, said, failed = run_apart(apart, folder)
        if failed is None:
            memo.adopt(state, staging)
    finally:
        staging.unlink(missing_ok=True)
    for message in said:
        warn(message)
    if failed is not None:
        raise failed
    return value
