"""`shipcall calibrate`: min_score chosen on a dataset, the trade-off curve printed, a NEW variant
written (the calibrated one untouched), and every bad input the issue names an exit-2 error.
In-process through `shipcall.cli.main.main`, so exit codes map as they do for users."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.output = exit_code, stdout, stdout + stderr


@pytest.fixture
def invoke(capsys: pytest.CaptureFixture[str]):  # noqa: ANN201
    from shipcall.cli.main import main

    def run(ws: Path, *args: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            main(["--workspace", str(ws), *args])
        out, err = capsys.readouterr()
        return Result(int(e.value.code or 0), out, err)

    return run


def make_ws(tmp_path: Path, extra: str = "") -> Path:
    from shipcall.app.datasets import import_dataset
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace

    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", corpus)
    root = init_workspace(tmp_path / "ws", extra_variants=extra)
    ws = Workspace(root)
    ingest(ws, str(corpus))
    import_dataset(ws, str(FIXTURES / "dataset.jsonl"), "t")
    return root


def test_calibrate_writes_a_new_variant_and_prints_the_curve(tmp_path: Path, invoke) -> None:  # noqa: ANN001
    ws = make_ws(tmp_path)
    before = (ws / "shipcall.yaml").read_text()
    r = invoke(ws, "calibrate", "--dataset", "t", "--variant", "baseline", "--max-false-answer", "0.34",
               "--folds", "3", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["variant"] == "baseline" and out["new_variant"] == "baseline-calibrated"
    assert 0.0 <= out["min_score"] <= 1.0 and out["max_false_answer"] == 0.34 and out["folds"] == 3
    for part in ("cross_validated", "in_sample"):
        for m in ("false_answer_rate", "over_refusal_rate"):
            rate = out[part][m]
            assert rate["ci"][0] <= rate["rate"] <= rate["ci"][1] and rate["n"] > 0
    assert [p["min_score"] for p in out["curve"]] == sorted(p["min_score"] for p in out["curve"])
    assert out["min_score"] in [p["min_score"] for p in out["curve"]]
    cfg = yaml.safe_load((ws / "shipcall.yaml").read_text())
    assert cfg["variants"]["baseline"] == yaml.safe_load(before)["variants"]["baseline"]  # never the old one
    new = cfg["variants"]["baseline-calibrated"]
    assert new["extends"] == "baseline" and new["generator"] == {"min_score": out["min_score"]}
    text = (ws / "shipcall.yaml").read_text()
    assert text.startswith(before.rstrip("\n")[:200]) and "written by `shipcall calibrate`" in text
    assert "# A variant is one complete configuration" in text  # the file's comments survive

    again = invoke(ws, "calibrate", "--dataset", "t", "--folds", "3", "--max-false-answer", "0.34")
    assert again.exit_code == 0, again.output
    assert "Trade-off" in again.stdout and "<- chosen" in again.stdout
    assert "baseline-calibrated-2" in yaml.safe_load((ws / "shipcall.yaml").read_text())["variants"]

    run = invoke(ws, "run", "--dataset", "t", "--variant", "baseline-calibrated", "--json")
    assert run.exit_code == 0, run.output


def test_calibrate_bad_inputs_are_clear_errors(tmp_path: Path, invoke) -> None:  # noqa: ANN001
    ws = make_ws(tmp_path, extra='  llm:\n    generator: {kind: openai, model: m, base_url: "http://127.0.0.1:9/v1", '
                                  "api_key_env: null}\n")
    cases = [
        (["--dataset", "nope"], "no dataset 'nope'"),
        (["--dataset", "t", "--variant", "nope"], "unknown variant"),
        (["--dataset", "t", "--max-false-answer", "1.5"], "--max-false-answer"),
        (["--dataset", "t", "--variant", "llm"], "no abstention threshold"),
        (["--dataset", "t"], "at least 5 of each"),  # 3 unanswerable items, 5 folds
        (["--dataset", "t", "--folds", "3", "--name", "baseline"], "new name"),
        (["--dataset", "t", "--folds", "3", "--name", "llm"], "already exists"),
    ]
    before = (ws / "shipcall.yaml").read_text()
    for args, message in cases:
        r = invoke(ws, "calibrate", *args)
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output, (args, r.output)
    assert (ws / "shipcall.yaml").read_text() == before


def test_calibrate_refuses_a_flow_style_variants_block(tmp_path: Path, invoke) -> None:  # noqa: ANN001
    ws = make_ws(tmp_path)
    cfg = yaml.safe_load((ws / "shipcall.yaml").read_text())
    (ws / "shipcall.yaml").write_text("variants: " + json.dumps(cfg["variants"]) + "\n")
    r = invoke(ws, "calibrate", "--dataset", "t", "--folds", "3")
    assert r.exit_code == 2 and "flow style" in r.output
