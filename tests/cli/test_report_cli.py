"""`shipcall report ...` and `shipcall variants` through the command line (in-process, through
`main`, which maps outcomes to exit codes): default paths under .shipcall/reports/, --out,
--json, the variants rows, and every bad input exits 2 with a hint."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from shipcall.cli.main import main
from tests.conftest import FIXTURES

pytest.importorskip("matplotlib")


@pytest.fixture
def sc(capsys):  # noqa: ANN001, ANN201 - the `shipcall` command, run in this process
    def call(*args: str, cwd: Path, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        try:
            main(["--workspace", str(cwd), *args])
            code = 0
        except SystemExit as e:
            code = int(e.code or 0)
        out = capsys.readouterr()
        if check is not None:
            assert code == check, f"exit {code}\nstdout:\n{out.out}\nstderr:\n{out.err}"
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return call


@pytest.fixture
def ws_two_runs(ingested, sc) -> Path:  # noqa: ANN001
    root = ingested.root
    sc("dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t", cwd=root)
    sc("run", "--dataset", "t", "--variant", "baseline", cwd=root)
    sc("run", "--dataset", "t", "--variant", "small", cwd=root)
    return root


def test_reports_written_where_they_say(ws_two_runs: Path, sc, tmp_path: Path) -> None:
    ws = ws_two_runs
    out = sc("report", "run", "r2", cwd=ws).stdout.strip()
    assert Path(out) == ws / ".shipcall" / "reports" / "run-r2.html" and Path(out).stat().st_size > 10_000
    doc = json.loads(sc("report", "compare", "r1", "r2", "--out", str(tmp_path / "c" / "cmp.html"), "--json",
                        cwd=ws).stdout)
    assert doc["report"] == "compare" and Path(doc["path"]) == tmp_path / "c" / "cmp.html"
    assert doc["bytes"] == (tmp_path / "c" / "cmp.html").stat().st_size
    assert sc("decisions", "--json", cwd=ws).stdout.strip() == "[]"  # the compare report recorded nothing
    gate = sc("gate", "--baseline", "r1", "--candidate", "r2", cwd=ws, check=None)
    assert gate.returncode in (0, 1)
    verdict = "SHIP" if gate.returncode == 0 else "WAIT"
    assert gate.stdout.startswith(f"{verdict}: ")  # the gate's text leads with the plain-words verdict
    first = gate.stdout.splitlines()[0]
    path = Path(sc("report", "decision", cwd=ws).stdout.strip())
    assert path.name == "decision-1.html" and first.split(": ", 1)[1] in path.read_text().replace("&#39;", "'")
    assert sc("report", "decision", "1", "--out", str(tmp_path / "d.html"), cwd=ws).stdout.strip() == \
        str(tmp_path / "d.html")
    assert Path(sc("report", "variants", cwd=ws).stdout.strip()).name == "variants-t_1.html"


def test_variants_json_rows(ws_two_runs: Path, sc) -> None:
    rows = json.loads(sc("variants", "--json", cwd=ws_two_runs).stdout)
    assert isinstance(rows, list) and [r["variant"] for r in rows][0] == "baseline"
    assert {r["variant"] for r in rows} == {"baseline", "small"}
    for r in rows:
        assert set(r) >= {"variant", "run_id", "dataset", "metrics", "latency_ms_p50", "latency_ms_p95",
                          "cost_per_1000", "index_mb", "pareto", "dominated_by"}
        assert isinstance(r["pareto"], bool) and (r["dominated_by"] is None) == r["pareto"]
    assert any(r["pareto"] for r in rows)
    text = sc("variants", "--dataset", "t@1", cwd=ws_two_runs).stdout
    assert "variants on t@1" in text and "Pareto-optimal" in text


def test_bad_input_exits_2_with_a_hint(ws_two_runs: Path, sc, tmp_path: Path) -> None:
    ws = ws_two_runs
    cases = [
        (["report", "run", "r99"], "no run 'r99'"),
        (["report", "compare", "r1", "r99"], "no run 'r99'"),
        (["report", "decision"], "no decision recorded yet"),
        (["report", "decision", "7"], "no decision recorded yet"),
        (["report", "variants", "--dataset", "nope"], "no finished run on dataset 'nope'"),
        (["variants", "--dataset", "t@5"], "no finished run on t@5"),
        (["report", "run", "r1", "--out", str(tmp_path)], "is a directory"),
    ]
    for args, message in cases:
        p = sc(*args, cwd=ws, check=2)
        assert message in p.stderr and "Traceback" not in p.stderr, (args, p.stderr)
    sc("gate", "--baseline", "r1", "--candidate", "r2", cwd=ws, check=None)
    p = sc("report", "decision", "7", cwd=ws, check=2)
    assert "no decision #7" in p.stderr and "shipcall decisions" in p.stderr
