"""The first hour: `run` without --dataset when there is one, `compare`/`gate` without run ids,
each default said on stderr and refused when it would be a guess (issue 20)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import FIXTURES, Shipcall


def _workspace(tmp_path: Path, sc: Shipcall) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", corpus)
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    sc("ingest", str(corpus), "--quiet", cwd=ws)
    with (ws / "shipcall.yaml").open("a") as f:
        f.write("  narrow:\n    extends: baseline\n    retriever: {k: 1}\n")
    return ws


def test_run_compare_and_gate_fill_in_what_is_unambiguous(tmp_path: Path, sc: Shipcall) -> None:
    ws = _workspace(tmp_path, sc)
    none = sc("run", cwd=ws, check=2)
    assert "no dataset yet" in none.stderr and "dataset import" in none.stderr and "Traceback" not in none.stderr
    sc("dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "handbook", cwd=ws)

    base = json.loads(sc("run", "--json", cwd=ws).stdout)
    assert base["dataset"].startswith("handbook")
    alone = sc("gate", cwd=ws, check=2)  # one variant run: nothing to compare it with
    assert "no finished run of another variant" in alone.stderr and "name both runs" in alone.stderr

    cand = json.loads(sc("run", "--variant", "narrow", "--json", cwd=ws).stdout)
    b, c = base["run_id"], cand["run_id"]
    cmp = sc("compare", "--json", cwd=ws)
    assert f"comparing {b} (baseline) → {c} (narrow)" in cmp.stderr
    assert json.loads(cmp.stdout) == json.loads(sc("compare", b, c, "--json", cwd=ws).stdout)
    one = sc("compare", c, "--json", cwd=ws)  # one run given: it is the candidate
    assert f"{b} (baseline) → {c} (narrow)" in one.stderr

    gate = sc("gate", "--json", "--no-record", cwd=ws, check=None)
    assert gate.returncode in (0, 1), gate.stderr
    assert f"gate: {b} (baseline) → {c} (narrow)" in gate.stderr
    decision = json.loads(gate.stdout)
    assert (decision["baseline_run"], decision["candidate_run"]) == (b, c)

    sc("dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "other", cwd=ws)
    two = sc("run", cwd=ws, check=2)
    assert "2 datasets: handbook, other" in two.stderr and "--dataset" in two.stderr
