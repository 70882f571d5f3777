"""Shared fixtures: a real workspace (real SQLite file) over a tiny committed corpus."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _data_dir() -> Path:
    import os

    return Path(os.environ.get("SHIPCALL_DATA", SHARED_DATA))


@pytest.fixture
def shared_data() -> Path:
    d = _data_dir()
    if not d.is_dir():
        pytest.skip(f"shared data not found at {d}")
    return d


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", dst)
    return dst


@pytest.fixture
def ws(tmp_path: Path, corpus_dir: Path):  # noqa: ANN201 - returns a Workspace
    from shipcall.workspace import Workspace
    from shipcall.workspace_init import init_workspace

    root = init_workspace(tmp_path / "ws", extra_variants=(
        "  small:\n    extends: baseline\n    chunker: {kind: fixed, size: 20, overlap: 5}\n"
        "  doc:\n    chunker: {kind: document}\n    retriever: {kind: bm25, k: 10}\n"
        "    generator: {kind: extractive}\n"))
    return Workspace(root)


@pytest.fixture
def ingested(ws, corpus_dir: Path):  # noqa: ANN001, ANN201
    from shipcall.ingest.corpus import ingest

    ingest(ws, str(corpus_dir))
    return ws



class Shipcall:
    def __call__(self, *args: str, cwd: Path, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([sys.executable, "-m", "shipcall", *args], cwd=cwd, capture_output=True, text=True,
                           timeout=300)
        if check is not None:
            assert p.returncode == check, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        return p


@pytest.fixture
def sc() -> Shipcall:
    return Shipcall()


@pytest.fixture
def squad_ws(tmp_path: Path, shared_data: Path, sc: Shipcall) -> Path:
    script = Path(__file__).resolve().parents[2] / "shared" / "acceptance" / "lib" / "squad_slice.py"
    if not script.is_file():
        pytest.skip("acceptance helpers not found")
    subprocess.run([sys.executable, str(script), str(shared_data / "squad2-train5" / "train-v2.0-articles0-4.json"),
                    str(tmp_path), "5"], check=True)
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    sc("ingest", str(tmp_path / "corpus"), cwd=ws)
    sc("dataset", "import", str(tmp_path / "items.jsonl"), "--name", "squad", cwd=ws)
    return ws
