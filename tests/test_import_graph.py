"""Arrows follow the data: no stage imports the incremental layer, the preview's memory,
the preview or the pipeline that composes them; only they know a previous build existed."""
from __future__ import annotations

import ast
from pathlib import Path

import sitegen

PACKAGE = Path(sitegen.__file__).resolve().parent
# What may import the layers below: the pipeline, the command line, the preview and its
# helpers, and the incremental layer itself.
COMPOSERS = ("sitegen.build", "sitegen.cli", "sitegen.__main__", "sitegen.serve", "sitegen.memory",
             "sitegen.devserver", "sitegen.watch", "sitegen.live", "sitegen.incremental")
LATER = ("sitegen.incremental", "sitegen.memory", "sitegen.serve", "sitegen.build")
# Arrows that the work in progress on pages removes (RenderedPage moves with it).
KNOWN = {("sitegen.render", "sitegen.memory")}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it, relative imports resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            module = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def _is_under(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_no_stage_imports_the_incremental_layer_the_preview_or_the_pipeline():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if _is_under(module, COMPOSERS):
            continue
        for imported in _imports(path):
            later = next((p for p in LATER if _is_under(imported, [p])), None)
            if later and (module, later) not in KNOWN:
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_the_check_sees_an_arrow_against_the_data_flow():
    """The check can fail: a relative import of the preview's memory is found."""
    path = PACKAGE / "content.py"
    assert "sitegen.memory" in _imports(PACKAGE / "render.py")
    assert not any(_is_under(m, LATER) for m in _imports(path))
