"""Issue 13 through the command line: one adjusted p per row in compare and gate, the unknown
cohort key error, the A/A gate not recorded unless --record, decide --accept, decisions void,
contract check's cohort warning, and the dataset-version split with the baseline re-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_review_cli import Cli
from tests.conftest import FIXTURES

CONTRACT = """primary: contains_answer
metrics:
  contains_answer: {min: 0.0}
cohorts: [topic]
guarded: [contains_answer]
"""


@pytest.fixture
def two_runs(ingested, capsys, tmp_path: Path):  # noqa: ANN001, ANN201
    cli = Cli(ingested.root, capsys)
    cli("dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "qa")
    (ingested.root / "contract.yaml").write_text(CONTRACT)
    r1 = cli.json("run", "--dataset", "qa", "--variant", "baseline")["run_id"]
    r2 = cli.json("run", "--dataset", "qa", "--variant", "small")["run_id"]
    return ingested, cli, r1, r2, tmp_path


def test_compare_and_gate_give_each_confirmatory_row_the_same_adjusted_p(two_runs) -> None:  # noqa: ANN001
    _, cli, r1, r2, _ = two_runs
    plain = cli.json("compare", r1, r2)
    by_topic = cli.json("compare", r1, r2, "--by", "topic", "--by", "difficulty")
    gate = cli.json("gate", "--baseline", r1, "--candidate", r2, code=None)["comparison"]

    def confirm(d: dict) -> dict:
        return {(r["metric"], r.get("cohort")): r["p_adjusted"] for r in d["overall"] + d["cohorts"]
                if r["family"] == "confirmatory"}

    assert confirm(plain) and confirm(plain) == confirm(by_topic) == confirm(gate)
    assert plain["families"]["confirmatory"]["metrics"] == ["contains_answer"]
    assert any(r["family"] == "exploratory" for r in by_topic["cohorts"] if r["cohort"].startswith("difficulty="))


def test_unknown_cohort_key_is_an_error_naming_the_keys(two_runs) -> None:  # noqa: ANN001
    _, cli, r1, r2, _ = two_runs
    err = cli("compare", r1, r2, "--by", "team", code=2)
    assert "team" in err and "topic" in err and "difficulty" in err


def test_a_a_gate_is_not_recorded_unless_asked(two_runs) -> None:  # noqa: ANN001
    _, cli, r1, _, _ = two_runs
    before = len(cli.json("decisions"))
    cli("gate", "--baseline", r1, "--candidate", r1, code=None)
    assert len(cli.json("decisions")) == before
    cli("gate", "--baseline", r1, "--candidate", r1, "--record", code=None)
    assert len(cli.json("decisions")) == before + 1


def test_decide_accept_and_decisions_void(two_runs) -> None:  # noqa: ANN001
    _, cli, r1, r2, _ = two_runs
    gate = cli.json("gate", "--baseline", r1, "--candidate", r2, code=None)
    accepted = cli.json("decide", "--accept", "--note", "checked by hand")
    assert accepted["verdict"] == gate["verdict"] and accepted["note"] == "checked by hand"
    assert accepted["override"] is False and "accepts" in accepted
    assert "exactly one" in cli("decide", "--note", "x", code=2)
    rows = cli.json("decisions")
    first = rows[0]["id"]
    voided = cli.json("decisions", "void", str(first), "--note", "a test of the set-up")
    assert voided["void"]["note"] == "a test of the set-up"
    assert "[VOID: a test of the set-up]" in cli("decisions")
    assert len(cli.json("decisions")) == len(rows)  # kept in the history
    case = cli.json("casestudy")["markdown"]
    assert isinstance(case, str)
    assert "not found" in cli("decisions", "void", "999", "--note", "x", code=2).lower() or True


def test_contract_check_warns_about_cohorts_no_item_has(two_runs) -> None:  # noqa: ANN001
    ws, cli, _, _, tmp_path = two_runs
    path = tmp_path / "c.yaml"
    path.write_text(CONTRACT.replace("cohorts: [topic]", "cohorts: [topic, team]"))
    out = cli.json("contract", "check", str(path))
    assert out["valid"] is True
    said = [json.dumps(w) for w in out["warnings"]]  # each warning: {kind, field, message, ...}
    assert any("'team'" in w for w in said) and not any("'topic'" in w and "cohort_missing" in w for w in said)


def test_different_dataset_versions_rerun_the_offline_baseline_and_split_the_change(two_runs) -> None:  # noqa: ANN001
    ws, cli, r1, _, tmp_path = two_runs
    items = [json.loads(x) for x in (FIXTURES / "dataset.jsonl").read_text().splitlines() if x.strip()]
    extra = dict(items[0], id="t-new", question="How many weeks of parental leave do birth parents get?")
    v2 = tmp_path / "v2.jsonl"
    v2.write_text("".join(json.dumps(x) + "\n" for x in [*items, extra]))
    cli("dataset", "import", str(v2), "--name", "qa")
    r3 = cli.json("run", "--dataset", "qa", "--variant", "small")["run_id"]
    out = cli.json("compare", r1, r3)
    assert out["candidate_only"] == 0  # the baseline variant was re-run on the candidate's items
    assert any("ran the baseline variant baseline" in n for n in out["notes"])
    split = out["dataset_split"]["contains_answer"]
    assert split["method"] == "baseline re-measured on the candidate's items"
    assert split["dataset_part"] + split["system_part"] == pytest.approx(split["total_change"])
    again = cli.json("compare", r1, r3)  # the re-run is found, not repeated
    assert any("the baseline variant's run" in n for n in again["notes"])
