"""The tier table holds: no import points up a tier, the node side reaches the cluster only through
storage, and no two modules import each other (``TYPE_CHECKING`` and function-level imports count)."""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIERS = [
    {"core", "db", "blobstore", "settings"},
    {"identity", "rbac"},
    {"arm", "registry", "network"},
    {"aks", "kube"},
    {"iac", "deployments", "bicep"},
    {"explain", "lint", "demo"},
    {"app", "tools", "catalog", "front", "cli", "bootstrap", "__main__"},
]
KUBE_MAY_IMPORT = {"errors": {"errors"}, "storage": {"errors", "storage"}, "node": {"errors", "storage", "node"},
                   "apiserver": {"errors", "storage", "apiserver"},
                   "controllers": {"errors", "storage", "apiserver", "controllers"}}


def imports(src: Path) -> dict[str, set[str]]:
    """Module name -> the pullproof modules it imports (a ``from m import x`` of a submodule counts x)."""
    paths = {".".join(p.relative_to(src).with_suffix("").parts).removesuffix(".__init__"): p
             for p in src.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
                module = ".".join(filter(None, [base, node.module]))
                found.update(f"{module}.{a.name}" if f"{module}.{a.name}" in paths else module for a in node.names)
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def tier(module: str) -> int:
    top = module.split(".")[1] if "." in module else "core"  # the package root holds only metadata
    return next(i for i, names in enumerate(TIERS) if top in names)


def violations(graph: dict[str, set[str]]) -> list[str]:
    wrong = [f"{m} -> {t}" for m, targets in graph.items() for t in targets if tier(t) > tier(m)]
    for m, targets in graph.items():
        part = m.split(".")[2] if m.startswith("pullproof.kube.") else None
        for t in targets:
            if part in KUBE_MAY_IMPORT and t.startswith("pullproof.kube.") \
                    and t.split(".")[2] not in KUBE_MAY_IMPORT[part]:
                wrong.append(f"{m} -> {t}")
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as cycle:
        wrong.append("cycle: " + " -> ".join(cycle.args[1]))
    return wrong


def test_every_module_has_a_tier_and_imports_point_down() -> None:
    graph = imports(ROOT / "src")
    assert [m for m in graph if m != "pullproof" and not any(m.split(".")[1] in t for t in TIERS)] == []
    assert violations(graph) == []


def test_the_layering_test_catches_an_upward_import_a_cycle_and_a_node_shortcut(tmp_path: Path) -> None:
    files = {"core/__init__.py": "", "core/clock.py": "from pullproof.app import Emulator\n",
             "app.py": "from pullproof.core import clock\n",
             "iac/__init__.py": "", "iac/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
             "    from pullproof.iac.b import B\n", "iac/b.py": "def f():\n    from . import a\n",
             "kube/__init__.py": "", "kube/node/__init__.py": "", "kube/apiserver/__init__.py": "",
             "kube/apiserver/routes.py": "", "kube/node/kubelet.py": "from ..apiserver import routes\n"}
    for name, text in files.items():
        (tmp_path / "pullproof" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pullproof" / name).write_text(text)
    found = violations(imports(tmp_path))
    assert "pullproof.core.clock -> pullproof.app" in found
    assert "pullproof.kube.node.kubelet -> pullproof.kube.apiserver.routes" in found
    assert any(line.startswith("cycle: ") for line in found)
    (tmp_path / "pullproof/core/clock.py").write_text("")
    assert [line for line in violations(imports(tmp_path)) if "cycle" not in line] \
        == ["pullproof.kube.node.kubelet -> pullproof.kube.apiserver.routes"]


def test_the_architecture_page_shows_this_tier_table() -> None:
    page = (ROOT / "docs/architecture.md").read_text()
    rows = re.findall(r"^\| (\d) \| ([^|]+) \|", page, re.M)
    shown = [{w.strip("`/").removesuffix(".py") for w in cell.split() if w.startswith("`")} for _, cell in rows]
    assert shown == TIERS
    listing = page.split("## Packages", 1)[1].split("```")[1]
    listed = set(re.findall(r"^ +([a-z_]+/|[a-z_]+\.py) ", listing, re.M))
    parts = {p.name + "/" if p.is_dir() else p.name for p in (ROOT / "src/pullproof").iterdir()
             if p.name != "__pycache__" and p.name != "__init__.py"}
    parts |= {f"{p.name}/" for p in (ROOT / "src/pullproof/kube").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert parts - listed == set()
