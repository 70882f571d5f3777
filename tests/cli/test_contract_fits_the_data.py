"""A contract that fits the data: `init` leaves cohorts commented out until a dataset exists,
`dataset import` says which tags could be cohorts, `contract check --dataset` warns about
cohorts no item has and thresholds the baseline already misses, and `gate` says when the
baseline itself fails the contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


def cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> tuple[str, str]:
    from shipcall.cli.main import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(["--workspace", str(root), *args])
    out, err = capsys.readouterr()
    assert e.value.code == code, f"exit {e.value.code}\n{out}\n{err}"
    return out, err


def test_init_leaves_cohorts_commented_until_a_dataset_exists(ingested, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    from shipcall.app.init import init_workspace

    text = (ingested.root / "contract.yaml").read_text()
    assert "# cohorts: [topic]" in text and ingested.contract().cohorts == []
    out, err = cli(ingested.root, capsys, "contract", "check")
    assert "cohorts: (none)" in out and "no dataset yet" in err
    out, err = cli(ingested.root, capsys, "dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t")
    assert "note: contract.yaml compares no cohorts yet; these items are tagged difficulty, topic" in err
    assert "`cohorts: [difficulty, topic]`" in err
    init_workspace(ingested.root, force=True)  # once a dataset exists, init writes its tags as cohorts
    assert ingested.contract().cohorts == ["difficulty", "topic"]
    assert "cohorts: [difficulty, topic]" in (ingested.root / "contract.yaml").read_text()
    _, err = cli(ingested.root, capsys, "dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t2")
    assert "note:" not in err


def test_contract_check_warns_where_the_contract_does_not_fit(ingested, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    contract = ingested.root / "contract.yaml"
    # a bar no run reaches: answering takes more than a microsecond
    contract.write_text("primary: contains_answer\nmetrics:\n  latency_ms_p95: {max: 0.001}\n  recall@5: {min: 0.1}\n"
                        "cohorts: [topic, team]\nmin_cohort_size: 2\n")
    cli(ingested.root, capsys, "dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t")
    out, err = cli(ingested.root, capsys, "contract", "check", "--dataset", "t")
    assert "checked against t@1 (12 items): 1 warning" in out
    assert "warning: cohorts: no item of t@1 has the tag 'team'" in err
    assert "no finished run of baseline on t yet" in err
    cli(ingested.root, capsys, "run", "--dataset", "t")
    data = json.loads(cli(ingested.root, capsys, "contract", "check", "--json")[0])  # the newest dataset
    assert data["valid"] and data["dataset"] == "t@1" and data["baseline_run"] == "r1"
    assert [(w["kind"], w["field"]) for w in data["warnings"]] == [
        ("cohort_missing", "cohorts"), ("threshold_missed", "metrics.latency_ms_p95")]
    assert "every gate will say WAIT until a candidate reaches it" in data["warnings"][1]["detail"]


def test_gate_says_when_the_baseline_itself_fails_the_contract(ingested, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    (ingested.root / "contract.yaml").write_text("primary: contains_answer\nmetrics:\n  latency_ms_p95: {max: 0.001}\n")
    cli(ingested.root, capsys, "dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t")
    cli(ingested.root, capsys, "run", "--dataset", "t")
    out, _ = cli(ingested.root, capsys, "gate", "--baseline", "r1", "--candidate", "r1", code=1)  # A/A: WAIT
    first = out.splitlines()[0]
    assert first.startswith("WAIT") and "both fail the contract; the candidate is not the cause" in first
    assert "WARN  baseline_fails: the baseline r1 misses it too: latency_ms_p95" in out
    data = json.loads(cli(ingested.root, capsys, "gate", "--baseline", "r1", "--candidate", "r1", "--json",
                          code=1)[0])
    assert [r["kind"] for r in data["reasons"]][:2] == ["threshold", "baseline_fails"]
