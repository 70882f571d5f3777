"""`run --executor ray`: on a local Ray cluster with 2 workers started by the run, the stored
results equal a local run's item for item; without the extra the option says how to install it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Shipcall


def _rows(sc: Shipcall, ws: Path, run_id: str) -> dict[str, dict]:
    out = ws / f"{run_id}.jsonl"
    sc("export", run_id, "--out", str(out), cwd=ws)
    return {r["id"]: r for r in (json.loads(line) for line in out.read_text().splitlines() if line.strip())}


@pytest.mark.slow  # starts a Ray cluster: tens of seconds
def test_a_ray_run_equals_a_local_run_item_for_item(squad_ws: Path, sc: Shipcall) -> None:
    pytest.importorskip("ray")
    local = json.loads(sc("run", "--dataset", "squad", "--limit", "300", "--json", cwd=squad_ws).stdout)
    ray = json.loads(sc("run", "--dataset", "squad", "--limit", "300", "--executor", "ray", "--workers", "2",
                        "--json", cwd=squad_ws).stdout)
    assert ray["run_id"] != local["run_id"] and ray["n_items"] == local["n_items"] == 300
    def quality(m: dict) -> dict:
        return {k: v for k, v in m.items() if not k.startswith("latency")}  # timings differ, answers must not

    assert quality(ray["metrics"]) == quality(local["metrics"])
    a, b = _rows(sc, squad_ws, local["run_id"]), _rows(sc, squad_ws, ray["run_id"])
    assert set(a) == set(b)
    assert all((a[i]["answer"], quality(a[i]["metrics"])) == (b[i]["answer"], quality(b[i]["metrics"])) for i in a)


def test_ray_options_need_the_executor(ingested, sc: Shipcall) -> None:  # noqa: ANN001
    p = sc("run", "--dataset", "sample", "--workers", "2", cwd=ingested.root, check=2)
    assert "--executor ray" in p.stderr
