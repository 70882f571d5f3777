"""The classify and summarize tasks on the public data sets (slow tier): BANKING77 with a
stratified 20% held out, metrics equal to scikit-learn on the export; qmsum-val, ROUGE equal to
rouge-score on the export and the extractive summarizer beating lead-N at the same budget."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from rouge_score import rouge_scorer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from tests.app.test_task_classify import ok

BUDGET = 110


def test_banking77_held_out(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shipcall.app.init import init_workspace

    with (shared_data / "banking77-train" / "train.csv").open(newline="", encoding="utf-8") as f:
        rows = [(r["text"], r["category"]) for r in csv.DictReader(f)]
    train, test = train_test_split(rows, test_size=0.2, stratify=[c for _, c in rows], random_state=7)
    for name, part in (("train", train), ("test", test)):
        with (tmp_path / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "text", "category", "family"])
            w.writerows([f"{name}{i}", t, c, c.split("_")[0]] for i, (t, c) in enumerate(part))
    ws = init_workspace(tmp_path / "ws", extra_variants=(
        "  tfidf:\n    task: classify\n    classifier: {kind: tfidf-logreg, train: bank-train}\n"))
    for name in ("train", "test"):
        ok(capsys, ws, "dataset", "import", str(tmp_path / f"{name}.csv"), "--task", "classify", "--format", "csv",
           "--id-column", "id", "--text-column", "text", "--label-column", "category", "--tag-column", "family",
           "--name", f"bank-{name}")
    run = ok(capsys, ws, "run", "--dataset", "bank-test", "--variant", "tfidf", "--json")
    ok(capsys, ws, "export", run["run_id"], "--out", str(tmp_path / "out.jsonl"))
    out = {r["id"]: r for r in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    ids = sorted(out)
    y, p = [out[i]["label"] for i in ids], [out[i]["prediction"] for i in ids]
    assert len(ids) == len(test) and run["errors"] == 0
    assert abs(run["metrics"]["accuracy"] - accuracy_score(y, p)) < 1e-9
    assert abs(run["metrics"]["macro_f1"] - f1_score(y, p, average="macro")) < 1e-9
    assert accuracy_score(y, p) >= 0.86
    assert len([k for k in run["cohorts"] if k.startswith("family=")]) > 10


def test_qmsum_extractive_beats_lead(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shipcall.app.init import init_workspace

    marker = re.compile(r"\{[a-z_]+\}")
    items = []
    for path in sorted((shared_data / "qmsum-val").glob("*.json")):
        m = json.loads(path.read_text(encoding="utf-8"))
        lines = [f"{t['speaker']}: {t['content']}" for t in m["meeting_transcripts"] if t["content"].strip()]
        items.append({"id": path.stem, "text": "\n".join(lines),
                      "reference_summaries": [m["general_query_list"][0]["answer"]],
                      "key_points": [t["topic"] for t in m.get("topic_list", [])]})
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(it) + "\n" for it in items))
    ws = init_workspace(tmp_path / "ws", extra_variants=(
        f"  ext:\n    task: summarize\n    summarizer: {{kind: extractive, max_words: {BUDGET}}}\n"))
    ok(capsys, ws, "dataset", "import", str(tmp_path / "m.jsonl"), "--task", "summarize", "--name", "m")
    run = ok(capsys, ws, "run", "--dataset", "m", "--variant", "ext", "--json")
    ok(capsys, ws, "export", run["run_id"], "--out", str(tmp_path / "out.jsonl"))
    out = {r["id"]: r for r in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    ours = {"rouge1": 0.0, "rouge2": 0.0}
    lead = {"rouge1": 0.0, "rouge2": 0.0}
    for it in items:
        summary = out[it["id"]]["summary"]
        assert len(summary.split()) <= BUDGET
        s = scorer.score(it["reference_summaries"][0], summary)
        words = " ".join(marker.sub("", line) for line in it["text"].split("\n")).split()[:BUDGET]
        lead_s = scorer.score(it["reference_summaries"][0], " ".join(words))
        for name in ours:
            ours[name] += s[name].fmeasure / len(items)
            lead[name] += lead_s[name].fmeasure / len(items)
    for name in ours:
        assert abs(run["metrics"][name] - ours[name]) < 1e-9
        assert ours[name] > lead[name], (name, ours[name], lead[name])
    assert run["metrics"]["groundedness"] == 1.0
