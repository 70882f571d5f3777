"""The summarize task through the command line, in-process, on the bundled meeting notes: import
errors, extractive runs (budget, source order, spans, groundedness 1, deterministic), ROUGE equal
to rouge-score on the export, compare/gate/failures on a shorter budget; and the demos."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from shipcall.core.tasks.summarize import clean_turn
from tests.app.test_task_classify import ok, shipcall

MEETINGS = Path(str(files("shipcall") / "sample" / "meetings"))
VARIANTS = """\
  notes:
    task: summarize
    summarizer: {kind: extractive, max_words: 60}
  short:
    task: summarize
    summarizer: {kind: extractive, max_words: 25}
"""


@pytest.fixture
def notes_ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    from shipcall.app.init import init_workspace

    root = init_workspace(tmp_path / "ws", extra_variants=VARIANTS)
    ok(capsys, root, "dataset", "import", str(MEETINGS / "meetings.jsonl"), "--task", "summarize", "--name", "notes")
    return root


def test_extractive_runs_and_rouge_equals_rouge_score(notes_ws: Path, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    run = ok(capsys, notes_ws, "run", "--dataset", "notes", "--variant", "notes", "--json")
    ok(capsys, notes_ws, "export", run["run_id"], "--out", str(tmp_path / "a.jsonl"))
    rows = {r["id"]: r for r in map(json.loads, (tmp_path / "a.jsonl").read_text().splitlines())}
    items = {r["id"]: r for r in map(json.loads, (MEETINGS / "meetings.jsonl").read_text().splitlines())}
    assert set(rows) == set(items)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    sums = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0, "rougeLsum": 0.0}
    for i, row in rows.items():
        summary, text = row["summary"], items[i]["text"]
        assert 0 < len(summary.split()) <= 60
        best = max((scorer.score(ref, summary) for ref in items[i]["reference_summaries"]),
                   key=lambda s: s["rouge1"].fmeasure)
        for name in sums:
            assert abs(row["metrics"][name] - best[name].fmeasure) < 1e-9
            sums[name] += best[name].fmeasure
        assert row["metrics"]["groundedness"] == 1.0
        assert "{" not in summary and " um " not in f" {summary.lower()} "
        lines = summary.splitlines()
        assert len(lines) == len(row["spans"])
        starts = [s[1] for s in row["spans"]]
        assert starts == sorted(starts)  # source order
        for line, (n, start, end) in zip(lines, row["spans"], strict=True):
            source_line = text.split("\n")[n - 1]
            speaker, _, words = line.partition(": ")
            assert source_line.startswith(speaker + ":")
            assert words in clean_turn(text[start:end])
    for name, total in sums.items():
        assert abs(run["metrics"][name] - total / len(rows)) < 1e-9
    again = ok(capsys, notes_ws, "run", "--dataset", "notes", "--variant", "notes", "--json")
    quality = {k: v for k, v in run["metrics"].items() if not k.startswith("latency")}
    assert {k: v for k, v in again["metrics"].items() if not k.startswith("latency")} == quality  # deterministic
    assert run["metrics"]["summary_words"] <= 60 and 0 < run["metrics"]["compression"] < 1


def test_shorter_budget_regressed_waits(notes_ws: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a = ok(capsys, notes_ws, "run", "--dataset", "notes", "--variant", "notes", "--json")["run_id"]
    b = ok(capsys, notes_ws, "run", "--dataset", "notes", "--variant", "short", "--json")["run_id"]
    cmp = ok(capsys, notes_ws, "compare", a, b, "--by", "department", "--json")
    r1 = [r for r in cmp["overall"] if r["metric"] == "rouge1"][0]
    assert r1["verdict"] == "regressed" and r1["test"] != "mcnemar_exact"  # a continuous metric's paired test
    assert "summary_words" in cmp["skipped"] and all(r["metric"] != "summary_words" for r in cmp["overall"])
    contract = tmp_path / "c.yaml"
    contract.write_text("primary: rouge1\nmetrics:\n  rouge1: {min: 0.1}\ncohorts: [department]\n"
                        "tolerance: 0.02\nguarded: [rouge1]\nmin_cohort_size: 3\n")
    code, out, _ = shipcall(capsys, notes_ws, "gate", "--baseline", a, "--candidate", b, "--contract",
                            str(contract), "--json")
    assert code == 1 and json.loads(out)["verdict"] == "WAIT"
    fails = ok(capsys, notes_ws, "failures", b, "--by", "department", "--json")
    modes = {row["mode"] for row in fails["modes"]}
    assert modes <= {"missed_key_points", "too_short", "too_long", "unsupported_sentence", "redundant"}
    assert modes and all(row["description"] for row in fails["modes"])
    text = ok(capsys, notes_ws, "failures", b)
    assert "evidence:" not in text  # no retrieval to show for summaries
    assert "short" in ok(capsys, notes_ws, "casestudy")


def test_summarize_import_errors(notes_ws: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "m1", "text": "A: hi", "reference_summaries": ["hi"]}\n'
                   '{"id": "m2", "text": "A: hi", "reference_summaries": "hi"}\n')
    code, _, err = shipcall(capsys, notes_ws, "dataset", "import", str(bad), "--task", "summarize", "--name", "x")
    assert code == 2 and "bad.jsonl:2: reference_summaries: must be a list of strings" in err
    code, _, err = shipcall(capsys, notes_ws, "dataset", "import", str(bad), "--name", "x")
    assert code == 2 and "add --task summarize" in err
    shown = ok(capsys, notes_ws, "dataset", "show", "notes", "--json")
    assert shown["task"] == "summarize" and shown["n_items"] >= 30 and shown["with_key_points"] == shown["n_items"]


@pytest.mark.parametrize(("task", "verdicts"), [("classify", ("SHIP", "WAIT")), ("summarize", ("SHIP", "WAIT"))])
def test_demo_runs_the_loop_and_ends_with_a_verdict(task: str, verdicts: tuple[str, ...], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from shipcall.cli.main import main

    with pytest.raises(SystemExit) as e:
        main(["demo", "--task", task, "--dir", str(tmp_path / "demo")])
    out = capsys.readouterr().out
    assert e.value.code == 0
    lines = out.splitlines()
    verdict = next(line for line in lines if line.split(":")[0].split(" ")[0] in verdicts)
    assert verdict
    assert "compare r1" in out and "Failure modes" in out
    assert (tmp_path / "demo" / "shipcall.yaml").is_file()
