"""LLM-as-judge end to end through the openai SDK: verdicts stored per item with reasoning, model
and prompt hash; repeats, self-agreement and flips; kappa against human labels; the cache; the
warnings; `show`, `compare` and the CLI flags."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from shipcall.adapters.store.llm import judgements
from shipcall.app.judge import JudgeOptions, judge_report
from shipcall.app.run import run
from shipcall.config.load_contract import load_contract
from tests.conftest import FIXTURES
from tests.generators.conftest import FAST, MakeWs, openai_generator
from tests.generators.fake_llm import FakeLLM, Reply, Request

HUMAN = {"t-01": {"correctness": 4}, "t-02": {"correctness": 2}, "t-03": {"correctness": 4},
         "t-04": {"correctness": 5}}


class JudgeScript:
    """Answers questions normally; as the judge: correctness 4 (t-02, about contractors, flips
    2/4/2 over repeats), grounded yes (the laptop item gets an unparseable reply)."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, req: Request) -> Any:
        system = req.message("system")
        if "You grade an answer" not in system:
            return Reply()
        user = req.message("user")
        criterion = re.search(r"Criterion: (\w+)", user).group(1)  # type: ignore[union-attr]
        with self.lock:
            k = self.count.get(req.key, 0)
            self.count[req.key] = k + 1
        if criterion == "grounded":
            if "laptop" in user.split("<answer>")[0]:
                return Reply(text="I would rather not grade this.")
            return Reply(text='{"reasoning": "Every claim is in source 1.", "score": "yes"}', tokens_in=300,
                         tokens_out=20)
        score = (2 if k % 2 == 0 else 4) if "contractors" in user.split("<answer>")[0] else 4
        return Reply(text=f'```json\n{{"reasoning": "Checked against the reference.", "score": {score}}}\n```',
                     tokens_in=300, tokens_out=20)


def contract(fake: FakeLLM, model: str = "judge-model", temperature: float = 0.7) -> str:
    judge = {"provider": {"kind": "openai", "model": model, "base_url": fake.openai_url,
                          "api_key_env": "FAKE_LLM_KEY", **FAST, "temperature": temperature},
             "repeats": 1,
             "metrics": {"correctness": {"rubric": "5: correct and complete; 3: partly; 1: wrong", "scale": [1, 5]},
                         "grounded": {"rubric": "yes if every claim is supported by the sources",
                                      "scale": ["no", "yes"]}}}
    return yaml.safe_dump({"primary": "contains_answer", "metrics": {"judge_correctness": {"min": 0.5}},
                           "judge": judge}, sort_keys=False)


def labelled_dataset(tmp_path: Path) -> Path:
    out = tmp_path / "labelled.jsonl"
    lines = []
    for line in (FIXTURES / "dataset.jsonl").read_text().splitlines():
        item = json.loads(line)
        if item["id"] in HUMAN:
            item["human_label"] = HUMAN[item["id"]]
        lines.append(json.dumps(item))
    out.write_text("\n".join(lines) + "\n")
    return out


def test_judged_run_stores_verdicts_and_measures_the_judge(make_ws: MakeWs, tmp_path: Path) -> None:
    from shipcall.app.decisions import compare_runs

    with FakeLLM(JudgeScript()) as fake:
        ws = make_ws(openai_generator(fake), contract_yaml=contract(fake), dataset=labelled_dataset(tmp_path))
        c = load_contract(ws.contract_path)
        assert c.judge is not None
        ds = ws.store.load_dataset("t")
        first = run(ws, ds, "llm", judge=JudgeOptions(c.judge, 3))
        judge_calls = [r for r in fake.requests if "You grade an answer" in r.message("system")]
        n_calls = len(fake.requests)
        second = run(ws, ds, "llm", judge=JudgeOptions(c.judge, 3))
        assert len(fake.requests) == n_calls  # answers and every repeat of every verdict came from the cache
        report = judge_report(ws, first.run)
        cmp = compare_runs(ws, first.run.id, second.run.id, c)

    r = first.run
    assert r.errors == 0 and len(judge_calls) == 12 * 2 * 3
    rows = judgements(ws.store, r.id)
    assert len(rows) == 72
    ok = [j for j in rows if j["label"] is not None]
    assert all(j["judge_model"] == "judge-model" and len(j["prompt_hash"]) == 12 and j["reasoning"] for j in ok)
    bad = [j for j in rows if j["error"]]
    assert len(bad) == 3 and all("not on the scale" in j["error"] or "no score" in j["error"] for j in bad)
    assert len({j["prompt_hash"] for j in rows}) == 2  # one per metric (rubric and scale differ)

    m = r.metrics
    assert m["judge_grounded"] == 1.0
    assert m["judge_correctness"] == pytest.approx((11 * 0.75 + (0.25 + 0.75 + 0.25) / 3) / 12)
    assert m["judge_correctness_self_agreement"] == pytest.approx((11 + 1 / 3) / 12)
    assert m["judge_correctness_flip_rate"] == pytest.approx(1 / 12)
    assert m["judge_correctness_noise"] > 0 and "judge_grounded_noise" in m
    # judge [4, 2, 4, 4] (t-02's modal verdict is 2) against humans [4, 2, 4, 5]
    assert m["judge_correctness_kappa"] == pytest.approx(5 / 9)  # p_o 3/4, p_e 7/16
    items = {x.item_id: x.metrics for x in ws.store.item_results(r.id)}
    assert items["t-02"]["judge_correctness"] == pytest.approx((0.25 + 0.75 + 0.25) / 3)
    assert r.cohorts["topic=hr"]["metrics"]["judge_correctness"] > 0

    summary = {s["metric"]: s for s in first.judge or []}
    assert summary["correctness"]["flipped_items"] == ["t-02"] and summary["correctness"]["n_human_labels"] == 4
    assert summary["correctness"]["confusion"] == {"4": {"4": 2, "5": 1}, "2": {"2": 1}}
    assert summary["grounded"]["errors"] == 3 and first.warnings == []

    sent = judge_calls[0].message("user")
    assert "Criterion:" in sent and "Allowed scores, worst to best:" in sent and "<answer>" in sent
    assert "Employees get 20 days of paid time off per year." in sent  # the answer, markers removed

    assert report is not None and report["warnings"] == []
    rep = {x["metric"]: x for x in report["metrics"]}
    assert rep["correctness"]["kappa"] == pytest.approx(5 / 9) and rep["correctness"]["judge_model"] == ["judge-model"]
    assert rep["correctness"]["cost"] == pytest.approx(36 * (300 + 40) / 1e6) and rep["correctness"]["cost_paid"] > 0
    assert any("within the judge's own noise" in x for x in cmp.comparison.callouts)


def test_judging_with_the_answering_model_warns(make_ws: MakeWs) -> None:
    with FakeLLM(JudgeScript()) as fake:
        ws = make_ws(openai_generator(fake), contract_yaml=contract(fake, model="fake-model", temperature=0))
        c = load_contract(ws.contract_path)
        out = run(ws, ws.store.load_dataset("t"), "llm", limit=2, judge=JudgeOptions(c.judge, 2))  # type: ignore[arg-type]
    assert any("is the model that wrote the answers" in w for w in out.warnings)
    assert any("temperature 0" in w for w in out.warnings)


def shipcall(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shipcall", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=os.environ.copy())


def test_the_cli_judges_by_contract_with_repeats_and_shows_it(make_ws: MakeWs) -> None:
    with FakeLLM(JudgeScript()) as fake:
        ws = make_ws(openai_generator(fake), contract_yaml=contract(fake))
        p = shipcall("run", "--dataset", "t", "--variant", "llm", "--limit", "3", "--judge-repeats", "2", "--json",
                     cwd=ws.root)
        assert p.returncode == 0, p.stderr
        out = json.loads(p.stdout)
        assert out["config"]["judge"]["repeats"] == 2 and out["config"]["judge"]["model"] == "judge-model"
        assert {s["metric"] for s in out["judge"]} == {"correctness", "grounded"}
        assert out["judge"][0]["flipped_items"] == ["t-02"] and "judge_correctness" in out["metrics"]
        shown = shipcall("show", out["run_id"], cwd=ws.root)
        assert shown.returncode == 0 and "judge_correctness" in shown.stdout
        assert "flips between repeats: t-02" in shown.stdout
        shown_json = json.loads(shipcall("show", out["run_id"], "--json", cwd=ws.root).stdout)
        assert shown_json["judge"]["metrics"][0]["flipped_items"] == ["t-02"]
        assert shipcall("export", out["run_id"], "--out", "x.jsonl", cwd=ws.root).returncode == 0
        row = json.loads((ws.root / "x.jsonl").read_text().splitlines()[1])
        assert [(v["metric"], v["repeat"]) for v in row["judge"]] == [
            ("correctness", 0), ("correctness", 1), ("grounded", 0), ("grounded", 1)]
        assert sorted(v["label"] for v in row["judge"]) == ["2", "4", "yes", "yes"]  # t-02's verdict flips
        assert row["judge"][0]["reasoning"] and row["usage"]["tokens_in"] == 100 and row["reply"].endswith("[1].")
        skipped = json.loads(shipcall("run", "--dataset", "t", "--variant", "llm", "--limit", "3", "--no-judge",
                                      "--json", cwd=ws.root).stdout)
        assert "judge" not in skipped["config"] and "judge_correctness" not in skipped["metrics"]
        (ws.root / "contract.yaml").write_text("primary: contains_answer\nmetrics: {}\n")
        p = shipcall("run", "--dataset", "t", "--variant", "llm", "--judge", cwd=ws.root)
    assert p.returncode == 2 and "declares no judge" in p.stderr
