"""The import rules of DESIGN.md, enforced: the core does no I/O and imports only the core;
nothing imports the shells (cli, server, reports); --help imports nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "shipcall"

CORE_ALLOWED = ("shipcall.core", "shipcall.errors", "shipcall.config.schema", "shipcall.config.contract")
IO_MODULES = {"os", "pathlib", "sqlite3", "sqlalchemy", "socket", "subprocess", "urllib", "http", "requests",
              "httpx", "shutil", "tempfile", "io", "datetime", "time"}
SHELLS = ("shipcall.cli", "shipcall.server", "shipcall.reports")
SHELL_FILES = {"cli", "server", "reports", "demo.py", "__main__.py"}


def runtime_imports(path: Path) -> set[str]:
    """Imported module names, leaving out `if TYPE_CHECKING:` blocks (no run-time effect)."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def modules(sub: str = "") -> list[Path]:
    return sorted((SRC / sub).rglob("*.py"))


def test_core_imports_only_core_and_does_no_io() -> None:
    bad = []
    for path in modules("core"):
        for mod in runtime_imports(path):
            if mod.startswith("shipcall") and not mod.startswith(CORE_ALLOWED):
                bad.append(f"{path.relative_to(SRC)} imports {mod}")
            if mod.split(".")[0] in IO_MODULES:
                bad.append(f"{path.relative_to(SRC)} imports {mod} (I/O or clock in the core)")
    assert not bad, "\n".join(bad)


def test_nothing_imports_the_shells() -> None:
    bad = []
    for path in modules():
        rel = path.relative_to(SRC)
        if rel.parts[0] in SHELL_FILES:
            continue
        for mod in runtime_imports(path):
            if mod.startswith(SHELLS):
                bad.append(f"{rel} imports {mod}")
    assert not bad, "\n".join(bad)


def test_help_imports_nothing_heavy() -> None:
    code = ("import sys; from shipcall.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'fastapi', 'openai', 'anthropic', 'bm25s', 'numpy', 'sqlalchemy', "
            "'pydantic', 'scipy') if m in sys.modules]\nprint('HEAVY:' + ','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:"
