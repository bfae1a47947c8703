"""The pipeline's shape is checked, not hoped for: import-linter's contracts in pyproject.toml.

A stage imports only earlier stages; the incremental layer, the commands and the preview
sit above the stages; the shared basics import no stage; no package has import cycles.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _lint(root: Path) -> subprocess.CompletedProcess:
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"})


def test_the_import_contracts_hold():
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "broken" not in done.stdout.lower().replace("0 broken", "")


def test_a_stage_importing_the_preview_breaks_the_contract(tmp_path: Path):
    """The check can fail: an earlier stage reaching for the preview is caught."""
    shutil.copytree(REPO / "sitegen", tmp_path / "sitegen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    articles = tmp_path / "sitegen" / "content" / "articles.py"
    articles.write_text(articles.read_text(encoding="utf-8") + "\nfrom ..preview import status  # noqa\n",
                        encoding="utf-8")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "sitegen.content is not allowed to import sitegen.preview" in done.stdout
