"""The import rules of DESIGN.md, enforced, and proven by mutation.

Layers, lowest first: core <- config <- adapters <- app <- render <- cli | server. A module may
import its own layer and the layers below it; `errors` is below everything; the shells (cli,
server) never import each other, and a CLI command module imports no other command module. The
core does no I/O. There are no import cycles between modules, counting imports inside functions
and under `if TYPE_CHECKING:` (hidden cycles are cycles too). `--help` imports nothing heavy.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "shipcall"

# layer -> the layers it may import (besides itself)
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "_version": set(),
    "core": {"errors"},
    "config": {"errors", "core"},
    "adapters": {"errors", "core", "config"},
    "app": {"errors", "core", "config", "adapters"},
    "render": {"errors", "core", "config", "adapters", "app"},
    "cli": {"errors", "core", "config", "adapters", "app", "render"},
    "server": {"errors", "core", "config", "adapters", "app", "render"},
    # the package's public API and `python -m shipcall`
    "__init__": {"errors", "core", "config", "adapters", "app", "render"},
    "__main__": {"cli"},
}
BASE = {"errors", "_version"}  # below every layer
for _allowed in MAY_IMPORT.values():
    _allowed |= BASE
# The one place a shell starts another: `shipcall serve` launches the HTTP server.
LAUNCHES = {("shipcall.cli.serve", "shipcall.server")}
# Inside the CLI, command modules share only these.
CLI_SHARED = {"shipcall.cli._common", "shipcall.cli.main"}
IO_MODULES = {"os", "pathlib", "sqlite3", "sqlalchemy", "socket", "subprocess", "urllib", "http", "requests",
              "httpx", "shutil", "tempfile", "io", "datetime", "time"}  # randomness is allowed, from an explicit seed


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def imports(path: Path, src: Path) -> set[str]:
    """Every shipcall or stdlib module `path` imports, anywhere in the file (functions and
    TYPE_CHECKING blocks included), with relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path, src).split(".")
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_pkg else here[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            # `from shipcall.app import review` imports the module shipcall.app.review
            for a in node.names:
                out.add(f"{mod}.{a.name}")
    return out


def known_modules(src: Path) -> set[str]:
    return {module_name(p, src) for p in src.rglob("*.py")}


def internal_graph(src: Path) -> dict[str, set[str]]:
    known = known_modules(src)
    graph: dict[str, set[str]] = {}
    for p in sorted(src.rglob("*.py")):
        me = module_name(p, src)
        graph[me] = {m for m in imports(p, src) if m in known and m != me}
    return graph


def all_violations(src: Path) -> list[str]:
    return layer_violations(src) + io_violations(src) + cycles(src)


def layer_violations(src: Path) -> list[str]:
    bad = []
    for me, deps in internal_graph(src).items():
        mine = layer_of(me)
        allowed = MAY_IMPORT.get(mine)
        if allowed is None:
            bad.append(f"{me}: in no layer (put it in core, config, adapters, app, render, cli or server)")
            continue
        for dep in sorted(deps):
            theirs = layer_of(dep)
            if theirs == "__init__" and dep == "shipcall":
                if mine != "__init__":
                    bad.append(f"{me} imports the package root (import the module itself)")
                continue
            if any(me == a and dep.startswith(b) for a, b in LAUNCHES):
                continue
            if theirs != mine and theirs not in allowed:
                bad.append(f"{me} ({mine}) imports {dep} ({theirs})")
            elif mine == theirs == "cli" and me not in CLI_SHARED and dep not in CLI_SHARED and dep != "shipcall.cli":
                bad.append(f"{me} imports another command module {dep}")
    return bad


def io_violations(src: Path) -> list[str]:
    bad = []
    for p in sorted((src / "core").rglob("*.py")):
        for mod in imports(p, src):
            if mod.split(".")[0] in IO_MODULES:
                bad.append(f"{module_name(p, src)} imports {mod} (I/O, clock or randomness in the core)")
    return bad


def cycles(src: Path) -> list[str]:
    """Strongly connected components of more than one module (Tarjan's algorithm; a tiny graph
    walk, not worth a dependency)."""
    graph = internal_graph(src)
    # a package's __init__ importing its own submodules is how packages re-export; not a cycle
    graph = {m: {d for d in deps if not d.startswith(m + ".")} for m, deps in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[str] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(" <-> ".join(sorted(comp)))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_unmutated_copy_is_clean(tmp_path: Path) -> None:
    copy = tmp_path / "shipcall"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "sample", "static", "templates", "*.j2"))
    assert not all_violations(copy)


def test_every_module_imports_only_its_own_and_lower_layers() -> None:
    bad = layer_violations(SRC)
    assert not bad, "\n".join(bad)


def test_core_does_no_io() -> None:
    bad = io_violations(SRC)
    assert not bad, "\n".join(bad)


def test_no_import_cycles_even_hidden_ones() -> None:
    bad = cycles(SRC)
    assert not bad, "\n".join(bad)


MUTATIONS = [
    # (file to edit, import to add, what the rules must say)
    ("adapters/store/schema.py", "from shipcall.app import workspace", "adapters"),
    ("adapters/retrievers/bm25.py", "from shipcall.app import run as _run", "adapters"),
    ("server/views.py", "from shipcall.cli import _common", "server"),
    ("cli/run.py", "from shipcall.cli import show as _show", "command module"),
    ("core/compare.py", "from shipcall.config import contract as _c", "core"),
    ("core/text.py", "import os", "I/O"),
    ("cli/ask.py", "from shipcall.server import app as _app", "cli"),
    ("app/run.py", "from shipcall.server import api as _api", "app"),
    ("app/review.py", "from shipcall.render import text as _t", "app"),
    ("app/workspace.py", "def _f():\n    from shipcall.app import review  # noqa", "cycle"),
]


@pytest.mark.parametrize(("target", "line", "expect"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_the_rules_catch_a_forbidden_import(tmp_path: Path, target: str, line: str, expect: str) -> None:
    """Mutation proof: add one forbidden import to a copy of the source; the rules must fail."""
    copy = tmp_path / "shipcall"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "sample", "static", "templates", "*.j2"))
    path = copy / target
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    found = all_violations(copy)
    assert found, f"adding {line!r} to {target} broke no rule"
    if expect == "cycle":
        assert cycles(copy)
    else:
        assert any(expect in f for f in found), found


def test_help_imports_nothing_heavy() -> None:
    code = ("import sys; from shipcall.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'fastapi', 'openai', 'anthropic', 'bm25s', 'numpy', 'sqlalchemy', "
            "'pydantic', 'scipy', 'sklearn', 'sentence_transformers', 'lancedb', 'pyarrow') if m in sys.modules]\n"
            "print('HEAVY:' + ','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:"
