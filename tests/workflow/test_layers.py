"""The workflow sits above gates, which sit above opportunities (docs/decisions.md): no import the other way,
not even inside a function (an AST check over the packages' modules; the lead's import-linter contract
covers every app)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "opphub"
# package -> packages it must never import
FORBIDDEN = {"opportunities": ("opphub.gates", "opphub.workflow"), "gates": ("opphub.workflow",)}


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_the_upper_ones(package):
    """spec: (structure, issue 9 item 6) — workflow → gates → opportunities, acyclic."""
    bad = [f"{p.relative_to(SRC)}:{line} imports {name}"
           for p in sorted((SRC / package).rglob("*.py")) if "migrations" not in p.parts
           for line, name in _imports(p) if name.startswith(FORBIDDEN[package])]
    assert bad == []
