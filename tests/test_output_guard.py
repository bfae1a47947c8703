"""sitegen never deletes or overwrites a file it did not write, whatever --output says.

Each test here reproduces a defect a hostile-input review found (a build into
``--output content`` deleting the articles, a file name too long wedging every later
build, an unwritable folder giving a traceback) and checks the fix.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.errors import OutputError
from sitegen.output.write import pending_folder, write_site
from sitegen.output.ownership import RECORD

from conftest import SiteFolder, run_cli, without_search_index

BODY = "Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues."


def _site(make_site) -> SiteFolder:
    site = make_site()
    site.add_article("award", title="Award", date="2025-04-02", body=BODY)
    return site


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---- folders sitegen reads are never an output folder --------------------------------------


@pytest.mark.parametrize("target", ["content", "content/entities", "content/articles", "templates", ".sitegen",
                                    "content/articles/2025", ".", ".."])
def test_an_output_folder_that_is_or_holds_a_source_folder_is_refused(make_site, target):
    site = _site(make_site)
    site.add_note("anna-berg", "A note.", name="Anna Berg")
    (site.root / "templates").mkdir()
    (site.root / "templates" / "base.html").write_text("{# mine #}", encoding="utf-8")
    (site.root / ".sitegen").mkdir()
    (site.root / ".sitegen" / "addresses.json").write_text("{}", encoding="utf-8")
    (site.articles_dir / "2025").mkdir()
    before = _tree(site.root)

    result = run_cli("build", site.root, "--offline", "--output", site.root / target)

    assert result.returncode == 2, result.stderr
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert "--output" in result.stderr  # what to do
    assert _tree(site.root) == before  # not one file touched


def test_a_replay_folder_is_never_an_output_folder(make_site):
    site = _site(make_site)
    replay = site.root / "recorded"
    replay.mkdir()
    (replay / "page-x.json").write_text("{}", encoding="utf-8")
    result = run_cli("build", site.root, "--replay", replay, "--output", replay)
    assert result.returncode == 2 and "replay folder" in result.stderr
    assert (replay / "page-x.json").read_text(encoding="utf-8") == "{}"


def test_a_folder_sitegen_did_not_make_is_refused_and_left_alone(make_site, tmp_path):
    site = _site(make_site)
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("my thesis", encoding="utf-8")
    (thesis / "figures").mkdir()
    (thesis / "figures" / "plot.pdf").write_bytes(b"%PDF")

    result = run_cli("build", site.root, "--offline", "--output", thesis)

    assert result.returncode == 2
    assert "not made by sitegen" in result.stderr and "--output" in result.stderr
    assert _tree(thesis) == {"chapter1.tex": b"my thesis", "figures/plot.pdf": b"%PDF"}
    assert not pending_folder(thesis).exists()


def test_an_empty_folder_or_a_new_one_is_taken(make_site, build_site, tmp_path):
    site = _site(make_site)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build_site(site, output=empty).ok
    assert (empty / "index.html").is_file() and (empty / RECORD).is_file()
    assert build_site(site, output=tmp_path / "new" / "site").ok


# ---- stale files go by sitegen's record, never by "whatever is there" -------------------------


def test_a_file_put_into_the_output_folder_survives_rebuilds(make_site, build_site):
    site = _site(make_site)
    assert build_site(site).ok
    (site.output / "CNAME").write_text("news.example.org\n", encoding="utf-8")
    (site.output / "people" / "notes.txt").write_text("mine", encoding="utf-8")
    site.add_article("second", title="Second", date="2025-04-03", body="Lena Fischer spoke in Vienna.")
    assert build_site(site, force=True).ok
    site.articles_dir.joinpath("second.md").unlink()
    assert build_site(site).ok  # the second article's pages are stale now, and removed
    assert not (site.output / "articles" / "second").exists()
    assert (site.output / "CNAME").read_text(encoding="utf-8") == "news.example.org\n"
    assert (site.output / "people" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert "CNAME" not in json.loads((site.output / RECORD).read_text(encoding="utf-8"))["files"]


def test_a_file_sitegen_did_not_write_where_a_page_goes_is_never_replaced(make_site, build_site):
    site = _site(make_site)
    assert build_site(site).ok
    mine = site.output / "articles" / "second" / "index.html"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own page", encoding="utf-8")
    site.add_article("second", title="Second", date="2025-04-03", body="Lena Fischer spoke in Vienna.")
    before = _tree(site.output)
    with pytest.raises(OutputError, match="not written by sitegen"):
        build_site(site)
    assert _tree(site.output) == before
    assert not pending_folder(site.output).exists()


def test_an_output_folder_of_an_earlier_sitegen_is_adopted(make_site, build_site):
    """Sites built before the record existed: their output folder is sitegen's all the same."""
    site = _site(make_site)
    assert build_site(site).ok
    (site.output / RECORD).unlink()
    site.add_article("second", title="Second", date="2025-04-03", body="Lena Fischer spoke in Vienna.")
    assert build_site(site).ok
    assert (site.output / RECORD).is_file()


def test_an_unreadable_record_stops_the_build_and_says_what_to_do(tmp_path):
    out = tmp_path / "out"
    write_site(out, {"a.html": b"a"})
    (out / RECORD).write_bytes(b'{"generator": "sitegen", "fil')  # cut off
    with pytest.raises(OutputError, match="cannot be read.*delete the folder"):
        write_site(out, {"b.html": b"b"})
    assert _tree(out) == {"a.html": b"a", RECORD: b'{"generator": "sitegen", "fil'}


def test_write_site_removes_only_recorded_files(tmp_path):
    out = tmp_path / "out"
    write_site(out, {"a.html": b"a", "b/index.html": b"b"})
    (out / "b" / "mine.txt").write_bytes(b"mine")
    stats = write_site(out, {"a.html": b"a2"})
    assert stats.removed == 1
    assert _tree(out).keys() == {"a.html", "b/mine.txt", RECORD}


_PATHS = st.sampled_from(["index.html", "a.html", "b/index.html", "b/c/index.html", "data/x.json", "d.txt"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(_PATHS, st.sampled_from([b"1", b"2", b"3"]), max_size=5), min_size=1, max_size=5))
def test_writing_compared_with_what_was_last_written_does_what_reading_the_folder_does(tmp_path_factory, builds):
    """A preview writes each build's files (all in memory) compared with the files it last
    wrote, not with the folder: the folder and the figures come out the same."""
    from sitegen.site.files import SiteFiles

    remembered, read = tmp_path_factory.mktemp("remembered") / "out", tmp_path_factory.mktemp("read") / "out"
    known = None
    for files in builds:
        kept = write_site(remembered, SiteFiles(made=files), known)
        known = dict(files)
        fresh = write_site(read, dict(files))
        assert _tree(remembered) == _tree(read)
        assert (kept.written, kept.unchanged, kept.removed) == (fresh.written, fresh.unchanged, fresh.removed)


def test_the_record_is_written_again_only_when_the_files_it_lists_change(tmp_path):
    out = tmp_path / "out"
    write_site(out, {"a.html": b"a", "b/index.html": b"b"})
    before = (out / RECORD).stat()
    write_site(out, {"a.html": b"a, edited", "b/index.html": b"b"})
    after = (out / RECORD).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (out / "a.html").read_bytes() == b"a, edited"
    write_site(out, {"a.html": b"a, edited", "c.html": b"c"})
    assert json.loads((out / RECORD).read_bytes())["files"] == ["a.html", "c.html"]
    assert _tree(out).keys() == {"a.html", "c.html", RECORD}


def test_a_file_in_the_way_of_a_new_page_is_refused_when_comparing_with_what_was_written(tmp_path):
    from sitegen.site.files import SiteFiles

    out = tmp_path / "out"
    write_site(out, {"a.html": b"a"})
    (out / "b.html").write_bytes(b"mine")
    with pytest.raises(OutputError, match="b.html"):
        write_site(out, SiteFiles(made={"a.html": b"a", "b.html": b"b"}), {"a.html": b"a"})
    assert _tree(out)["b.html"] == b"mine"


# ---- one build at a time ------------------------------------------------------------------------


def test_builds_at_once_all_finish_and_the_site_matches_its_inputs(make_site):
    site = _site(make_site)
    for i in range(10):
        site.add_article(f"story-{i}", title=f"Story {i}", date="2025-04-03",
                         body=f"Lena Fischer {i} spoke in Vienna with Otto Weber about the budget.")
    assert run_cli("build", site.root, "--offline").returncode == 0  # NER cached: the next ones run alike
    site.add_article("late", title="Late", date="2025-04-04", body="Maria Lopez arrived in Madrid.")
    cmd = [sys.executable, "-m", "sitegen", "build", str(site.root), "--offline", "--force"]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in runs]
    assert [p.returncode for p in runs] == [0] * 3, outs
    assert all("Traceback" not in err for _, err in outs), outs
    assert sum("waiting for it to finish" in err for _, err in outs) >= 1
    assert not pending_folder(site.output.resolve()).exists()
    # The site left is the site of these inputs: the next build has nothing to do, and a
    # build from scratch makes the same pages.
    again = run_cli("build", site.root, "--offline")
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr
    fresh = site.root.parent / "fresh"
    assert run_cli("build", site.root, "--offline", "--force", "--output", fresh).returncode == 0
    assert without_search_index(_tree(site.output)) == without_search_index(_tree(fresh))


def test_serve_refuses_a_source_folder_as_output_before_it_starts(make_site):
    site = _site(make_site)
    result = run_cli("serve", site.root, "--port", "0", "--output", site.root / "content", timeout=60)
    assert result.returncode == 2 and "content folder" in result.stderr
    assert "Traceback" not in result.stderr


def _lock_holder(site: SiteFolder) -> subprocess.Popen:
    """Another process holding the build's locks until its standard input closes."""
    site.state_dir.mkdir(exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from sitegen.output.locks import build_lock\n"
         "with build_lock(Path(sys.argv[1]), Path(sys.argv[2]), print):\n"
         "    print('held', flush=True); sys.stdin.read()",
         str(site.state_dir), str(site.output)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_build_waits_for_the_lock_and_says_so(make_site):
    site = _site(make_site)
    holder = _lock_holder(site)
    build = subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(site.root), "--offline"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = build.stderr.readline()  # the build blocks until the holder lets go
        assert "waiting for it to finish" in said
        assert build.poll() is None
    finally:
        holder.stdin.close()
        holder.wait()
    out, err = build.communicate(timeout=300)
    assert build.returncode == 0, err
    assert out.startswith("built 1 articles")


def test_a_killed_build_leaves_no_lock_behind(make_site):
    site = _site(make_site)
    holder = _lock_holder(site)
    holder.kill()  # SIGKILL: no clean-up runs
    holder.wait()
    result = run_cli("build", site.root, "--offline", timeout=120)
    assert result.returncode == 0 and "waiting" not in result.stderr


# ---- nothing can wedge the commit ----------------------------------------------------------------


def test_a_name_too_long_fails_before_output_changes_and_wedges_nothing(make_site, build_site):
    site = _site(make_site)
    assert build_site(site).ok
    before = _tree(site.output)
    long_name = "x" * 252
    site.add_article(long_name, title="Long", date="2025-04-03", body="Lena Fischer spoke in Vienna.")
    result = run_cli("build", site.root, "--offline")
    assert result.returncode in (1, 2), result.stderr  # the article refused, or the whole build
    assert "Traceback" not in result.stderr and "rename" in result.stderr
    if result.returncode == 2:
        assert _tree(site.output) == before
    assert not pending_folder(site.output.resolve()).exists()
    (site.articles_dir / f"{long_name}.md").unlink()
    again = run_cli("build", site.root, "--offline")
    assert again.returncode == 0, again.stderr


def test_a_journal_that_cannot_be_finished_is_dropped_not_wedging_later_builds(make_site, build_site):
    site = _site(make_site)
    assert build_site(site).ok
    pending = pending_folder(site.output.resolve())
    pending.mkdir()
    (pending / "0").write_bytes(b"x")
    (pending / "journal.json").write_text(json.dumps({"moves": [["0", "y" * 300]], "deletes": []}),
                                          encoding="utf-8")
    assert build_site(site, force=True).ok
    assert not pending.exists()
    assert build_site(site, force=True).ok


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_os_errors_while_staging_are_one_line_and_leave_the_site(make_site, build_site, monkeypatch, code):
    import sitegen.output.write

    site = _site(make_site)
    assert build_site(site).ok
    before = _tree(site.output)
    site.add_article("second", title="Second", date="2025-04-03", body="Lena Fischer spoke in Vienna.")
    real = Path.write_bytes

    def failing(self, data):
        if pending_folder(site.output.resolve()) in self.parents:
            raise OSError(code, os.strerror(code), str(self))
        return real(self, data)

    monkeypatch.setattr(sitegen.output.write.Path, "write_bytes", failing)
    with pytest.raises(OutputError) as caught:
        build_site(site)
    message = str(caught.value)
    assert os.strerror(code) in message and "\n" not in message
    assert any(word in message for word in ("space", "permissions", "read-only"))
    assert _tree(site.output) == before
    assert not pending_folder(site.output.resolve()).exists()


def _can_make_immutable(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("chattr") is None or os.geteuid() != 0:
        return False
    return subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0


def test_an_unwritable_output_folder_is_a_message_with_exit_2(make_site, build_site, tmp_path):
    site = _site(make_site)
    assert build_site(site).ok
    site.add_article("second", title="Second", date="2025-04-03", body="Lena Fischer spoke in Vienna.")
    people = site.output / "people"
    if os.geteuid() != 0:
        people.chmod(0o500)
    elif not _can_make_immutable(people):
        pytest.skip("no way to make a folder unwritable here (root without chattr)")
    try:
        before = _tree(site.output)
        result = run_cli("build", site.root, "--offline")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(people)])
        else:
            people.chmod(0o700)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert str(people) in result.stderr and "permissions" in result.stderr
    assert _tree(site.output) == before


def test_a_full_disk_is_a_message_with_exit_2(make_site, tmp_path):
    """A real file system that runs out of space (a 2 MB tmpfs), where root may mount one."""
    site = _site(make_site)
    small = tmp_path / "small"
    small.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(small)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small file system here")
    try:
        result = run_cli("build", site.root, "--offline", "--output", small / "out")
        leftovers = sorted(p.name for p in small.iterdir())
    finally:
        subprocess.run(["umount", str(small)])
    assert result.returncode == 2, result.stderr
    assert "No space left on device" in result.stderr and "free some disk space" in result.stderr
    assert "Traceback" not in result.stderr
    assert leftovers == ["out"]  # the staging folder is gone; out is empty or never changed


# ---- property: write_site never touches what it did not write ---------------------------------

_names = st.text(alphabet="abc", min_size=1, max_size=2)
_paths = st.lists(_names, min_size=1, max_size=3).map("/".join)


def _prefix_free(files: dict[str, bytes]) -> bool:
    """No path is a folder of another (a site never asks for a file and a folder at once)."""
    folders = {p.as_posix() for rel in files for p in Path(rel).parents}
    return not folders & set(files)


@settings(max_examples=60, deadline=None)
@given(builds=st.lists(st.dictionaries(_paths, st.binary(max_size=3), max_size=6).filter(_prefix_free),
                       min_size=1, max_size=4),
       foreign=st.dictionaries(_paths, st.just(b"user's"), max_size=3))
def test_write_site_keeps_foreign_files_whatever_the_sequence(tmp_path_factory, builds, foreign):
    out = tmp_path_factory.mktemp("guard") / "out"
    write_site(out, {})
    for rel in sorted(foreign):  # plant what fits: a path under a planted file cannot be made
        target = out / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.write_bytes(foreign[rel])
        except (FileExistsError, NotADirectoryError):
            pass
    planted = {rel: data for rel, data in _tree(out).items() if rel != RECORD}
    for files in builds:
        before = _tree(out)
        try:
            write_site(out, files)
        except OutputError:
            assert _tree(out) == before  # refused: nothing changed
            continue
        now = _tree(out)
        for rel, data in files.items():
            assert now[rel] == data
        for rel, data in planted.items():
            assert now.get(rel) == data, f"{rel} was a user's file"
        assert set(now) - {RECORD} <= set(files) | set(planted)


def test_a_path_too_long_for_the_file_system_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    written = {"index.html": b"home", "a.html": b"a"}
    write_site(out, written)
    too_long = "/".join(["d" * 200] * 21) + "/page.html"  # each part fits a name; the whole is over 4,096 bytes
    for known in (None, written):  # read back, or known by the process that wrote it (a preview)
        with pytest.raises(OutputError, match="longer than file systems allow"):
            write_site(out, {**written, too_long: b"x"}, known=known)
        assert sorted(p.name for p in out.iterdir()) == sorted(["index.html", "a.html", RECORD])
        assert not pending_folder(out.resolve()).exists()


def test_a_write_that_changes_nothing_still_lets_the_next_compare_in_memory(tmp_path, monkeypatch):
    from sitegen.output import write

    out = tmp_path / "out"
    files = {f"p{n}/index.html": f"page {n}".encode() for n in range(5)}
    write_site(out, files)
    write._last_record.clear()  # as a preview starting on a folder a `sitegen build` wrote
    write_site(out, files)  # compared with the disk: nothing to move
    monkeypatch.setattr(write, "_unchanged_on_disk", lambda *args: pytest.fail("read back from the disk"))
    write_site(out, {**files, "p1/index.html": b"page 1, edited"}, files)
    assert (out / "p1" / "index.html").read_bytes() == b"page 1, edited"
