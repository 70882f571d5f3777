"""compare, gate, decide, decisions, casestudy, dataset health through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Shipcall

STRICT = """primary: recall@5
metrics:
  recall@5: {min: 0.10}
cohorts: [article]
tolerance: 0.02
guarded: [recall@5]
"""


def _variants(ws: Path) -> None:
    text = (ws / "shipcall.yaml").read_text()
    text += ("  base:\n    chunker: {kind: document}\n    retriever: {kind: bm25, k: 5}\n"
             "  narrow:\n    extends: base\n    retriever: {k: 1}\n")
    (ws / "shipcall.yaml").write_text(text)


def test_compare_gate_exit_codes_and_history(squad_ws: Path, sc: Shipcall, tmp_path: Path) -> None:
    _variants(squad_ws)
    b = json.loads(sc("run", "--dataset", "squad", "--variant", "base", "--json", cwd=squad_ws).stdout)["run_id"]
    n = json.loads(sc("run", "--dataset", "squad", "--variant", "narrow", "--json", cwd=squad_ws).stdout)["run_id"]

    aa = json.loads(sc("compare", b, b, "--by", "article", "--json", cwd=squad_ws).stdout)
    # a run against itself: nothing changed; a row whose items cannot bound a change within the
    # tolerance (no discordant pair among a few items proves little) says underpowered, never improved/regressed
    assert aa["cohorts"] and all(r["verdict"] in ("no_change", "underpowered") for r in aa["overall"] + aa["cohorts"])
    assert all(r["delta"] == 0 for r in aa["overall"] + aa["cohorts"] if r["delta"] is not None)
    assert any(r["verdict"] == "no_change" for r in aa["overall"])
    ab = json.loads(sc("compare", b, n, "--by", "article", "--json", cwd=squad_ws).stdout)
    rows = [r for r in ab["cohorts"] if r["metric"] == "recall@5"]
    assert len(rows) == 5 and all(r["verdict"] == "regressed" for r in rows)
    for key in ("metric", "n", "baseline", "candidate", "delta", "ci_low", "ci_high", "p_value", "p_adjusted",
                "verdict", "items_needed", "cohort"):
        assert key in rows[0]

    strict = tmp_path / "strict.yaml"
    strict.write_text(STRICT)
    lax = tmp_path / "lax.yaml"
    lax.write_text(STRICT.replace("{min: 0.10}", "{min: 0.0}"))
    broken = tmp_path / "broken.yaml"
    broken.write_text(STRICT.replace("recall@5: {min", "no_such_metric: {min"))

    wait = sc("gate", "--baseline", b, "--candidate", n, "--contract", str(strict), "--json",
              "--junit", str(tmp_path / "g.xml"), "--markdown", str(tmp_path / "g.md"), cwd=squad_ws, check=1)
    g = json.loads(wait.stdout)
    assert g["verdict"] == "WAIT"
    assert any(r["kind"] == "cohort_regressed" and r["cohort"] and r["severity"] == "block" for r in g["reasons"])
    assert "<failure" in (tmp_path / "g.xml").read_text() and "WAIT" in (tmp_path / "g.md").read_text()
    ship = sc("gate", "--baseline", b, "--candidate", b, "--contract", str(lax), "--json", cwd=squad_ws, check=0)
    assert json.loads(ship.stdout)["verdict"] == "SHIP"
    bad = sc("gate", "--baseline", b, "--candidate", n, "--contract", str(broken), cwd=squad_ws, check=2)
    assert "no_such_metric" in bad.stderr and "Traceback" not in bad.stderr

    sc("decide", "--override", "SHIP", "--note", "accepted: k=1 is a deliberate latency trade", cwd=squad_ws)
    hist = json.loads(sc("decisions", "--json", cwd=squad_ws).stdout)
    # the A/A gate (b against itself) is a check of the set-up, not recorded without --record
    assert [d["verdict"] for d in hist] == ["WAIT", "SHIP"] and hist[-1]["override"]
    case = sc("casestudy", cwd=squad_ws).stdout
    for section in ("## Problem", "## AI-specific considerations", "## Decisions made", "## Outcome",
                    "## What we would do differently"):
        assert section in case
    assert "deliberate latency trade" in case

    fails = json.loads(sc("failures", n, "--by", "article", "--json", cwd=squad_ws).stdout)
    assert fails["failed"] > 0 and fails["modes"][0]["examples"]
    health = json.loads(sc("dataset", "health", "squad", "--by", "article", "--json", cwd=squad_ws).stdout)
    assert health["n_items"] == 2442


def test_demo_tells_the_story(sc: Shipcall, tmp_path: Path) -> None:
    out = sc("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path).stdout
    assert "Sources" in out or "[1]" in out
    assert "\nWAIT" in out
    assert "regressed in cohort" in out
    assert "BLOCK cohort_regressed [" in out
