"""The classify task through the command line, in-process, on the bundled inbox sample: import
(JSONL, CSV, label files) with errors naming line and field, runs with the TF-IDF classifier,
metrics equal to scikit-learn on the export, the model cache, the run identity, compare, gate,
confusion matrix and failures."""

from __future__ import annotations

import csv
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

INBOX = Path(str(files("shipcall") / "sample" / "inbox"))
VARIANTS = """\
  tfidf:
    task: classify
    classifier: {kind: tfidf-logreg, train: inbox-train}
  small:
    task: classify
    classifier: {kind: tfidf-logreg, train: inbox-train, ngram_max: 1, C: 0.3}
"""


def shipcall(capsys: pytest.CaptureFixture[str], ws: Path, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process (exit codes as `shipcall` maps them)."""
    from shipcall.cli.main import main

    try:
        main(["--workspace", str(ws), *args])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def ok(capsys: pytest.CaptureFixture[str], ws: Path, *args: str) -> Any:
    code, out, err = shipcall(capsys, ws, *args)
    assert code == 0, err
    return json.loads(out) if "--json" in args else out


@pytest.fixture
def inbox_ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    from shipcall.app.init import init_workspace

    root = init_workspace(tmp_path / "ws", extra_variants=VARIANTS)
    for split in ("train", "test"):
        ok(capsys, root, "dataset", "import", str(INBOX / f"{split}.jsonl"), "--task", "classify",
           "--labels", str(INBOX / "labels.txt"), "--name", f"inbox-{split}")
    return root


def _gold() -> dict[str, str]:
    return {r["id"]: r["label"] for r in map(json.loads, (INBOX / "test.jsonl").read_text().splitlines())}


def test_run_metrics_equal_scikit_learn_on_the_export(inbox_ws: Path, capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    run = ok(capsys, inbox_ws, "run", "--dataset", "inbox-test", "--variant", "tfidf", "--json")
    assert run["errors"] == 0 and run["n_items"] == len(_gold())
    ok(capsys, inbox_ws, "export", run["run_id"], "--out", str(tmp_path / "out.jsonl"))
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    gold = _gold()
    assert {r["id"] for r in rows} == set(gold)
    row = rows[0]
    assert {"text", "label", "tags", "prediction", "confidence", "correct", "metrics", "failure_modes"} <= set(row)
    y = [gold[r["id"]] for r in rows]
    p = [r["prediction"] for r in rows]
    m = run["metrics"]
    assert abs(m["accuracy"] - accuracy_score(y, p)) < 1e-9
    assert abs(m["macro_f1"] - f1_score(y, p, average="macro")) < 1e-9
    assert abs(m["weighted_f1"] - f1_score(y, p, average="weighted")) < 1e-9
    labels = sorted(set(y) | set(p))
    prec, rec, f1, _ = precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        assert abs(m[f"precision[{label}]"] - prec[i]) < 1e-9 and abs(m[f"recall[{label}]"] - rec[i]) < 1e-9
        assert abs(m[f"f1[{label}]"] - f1[i]) < 1e-9
    assert 0.0 <= m["ece"] <= 1.0
    for key, cohort in run["cohorts"].items():  # all per cohort
        tag, value = key.split("=", 1)
        ids = [r["id"] for r in rows if r["tags"].get(tag) == value]
        yc, pc = [gold[i] for i in ids], [next(r["prediction"] for r in rows if r["id"] == i) for i in ids]
        assert abs(cohort["metrics"]["accuracy"] - accuracy_score(yc, pc)) < 1e-9
        assert abs(cohort["metrics"]["macro_f1"] - f1_score(yc, pc, average="macro")) < 1e-9

    # the predicted labels are plain scikit-learn's with the same features and solver: temperature
    # scaling changes the confidences only
    train = [json.loads(x) for x in (INBOX / "train.jsonl").read_text().splitlines()]
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    lr = LogisticRegression(C=10.0, max_iter=1000, solver="saga", random_state=0).fit(
        vec.fit_transform([t["text"] for t in train]), [t["label"] for t in train])
    plain = lr.predict(vec.transform([r["text"] for r in rows]))
    assert list(plain) == p

    cm = ok(capsys, inbox_ws, "show", run["run_id"], "--confusion", "--json")
    assert (np.array(cm["matrix"]) == confusion_matrix(y, p, labels=cm["labels"])).all()
    tops = cm["top_confusions"]
    assert tops == sorted(tops, key=lambda t: (-t["count"], t["gold"], t["predicted"]))
    text = ok(capsys, inbox_ws, "show", run["run_id"], "--confusion")
    assert f"{tops[0]['gold']}" in text and "gold \\ predicted" in text

    fails = ok(capsys, inbox_ws, "failures", run["run_id"], "--json")
    modes = {row["mode"]: row for row in fails["modes"]}
    confused = [m for m in modes if m.startswith("confused_with:")]
    assert confused and all(modes[m]["description"] for m in modes)
    ex = modes[confused[0]]["examples"][0]
    assert ex["gold"] == [gold[ex["id"]]] and ex["answer"] == confused[0].split(":", 1)[1]
    wrong = [r for r in rows if r["prediction"] != r["label"]]
    assert all(r["failure_modes"][0] == f"confused_with:{r['prediction']}" for r in wrong)
    assert all(r["correct"] == 0.0 for r in wrong)


def test_model_cache_and_run_identity(inbox_ws: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from shipcall.app.tasks import get_task
    from shipcall.app.workspace import Workspace

    ws = Workspace(inbox_ws)
    _, variant = ws.variant("tfidf")
    test = ws.store.load_dataset("inbox-test")
    first = get_task("classify").build(ws, "tfidf", variant, test)
    assert first.classifier.info["trained"] is True
    second = get_task("classify").build(ws, "tfidf", variant, test)
    assert second.classifier.info["trained"] is False and second.variant_hash == first.variant_hash
    models = list((inbox_ws / ".shipcall" / "models").glob("tfidf-logreg-*.joblib"))
    assert len(models) == 1

    # a new version of the training data is a new model and a new run, not a resumed one
    a = ok(capsys, inbox_ws, "run", "--dataset", "inbox-test", "--variant", "tfidf", "--json")
    rows = (INBOX / "train.jsonl").read_text().splitlines()
    smaller = tmp_path / "train.jsonl"
    smaller.write_text("\n".join(rows[:-20]) + "\n")
    ok(capsys, inbox_ws, "dataset", "import", str(smaller), "--task", "classify", "--name", "inbox-train")
    b = ok(capsys, inbox_ws, "run", "--dataset", "inbox-test", "--variant", "tfidf", "--json")
    assert b["run_id"] != a["run_id"] and b["variant_hash"] != a["variant_hash"]
    assert b["config"]["generator"]["train"].startswith("inbox-train@2#")
    assert len(list((inbox_ws / ".shipcall" / "models").glob("tfidf-logreg-*.joblib"))) == 2


def test_compare_and_gate_on_a_weaker_classifier(inbox_ws: Path, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    a = ok(capsys, inbox_ws, "run", "--dataset", "inbox-test", "--variant", "tfidf", "--json")["run_id"]
    b = ok(capsys, inbox_ws, "run", "--dataset", "inbox-test", "--variant", "small", "--json")["run_id"]
    cmp = ok(capsys, inbox_ws, "compare", a, b, "--by", "channel", "--json")
    acc = [r for r in cmp["overall"] if r["metric"] == "accuracy"][0]
    assert acc["test"] == "mcnemar_exact" and acc["delta"] < 0
    assert {r["cohort"] for r in cmp["cohorts"] if r["metric"] == "accuracy"} <= {
        "channel=email", "channel=chat", "channel=web_form"}
    assert "macro_f1" in cmp["skipped"] or all(r["metric"] != "macro_f1" for r in cmp["overall"])
    contract = tmp_path / "c.yaml"
    contract.write_text("primary: accuracy\nmetrics:\n  accuracy: {min: 0.95}\ncohorts: [channel]\n"
                        "tolerance: 0.02\nguarded: [accuracy]\n")
    code, out, _ = shipcall(capsys, inbox_ws, "gate", "--baseline", a, "--candidate", b, "--contract",
                            str(contract), "--json")
    assert code == 1 and json.loads(out)["verdict"] == "WAIT"
    contract.write_text("primary: accuracy\nmetrics:\n  accuracy: {min: 0.5}\ntolerance: 0.1\nguarded: [accuracy]\n")
    code, out, _ = shipcall(capsys, inbox_ws, "gate", "--baseline", a, "--candidate", a, "--contract",
                            str(contract), "--json")  # A/A on a tolerance 293 items can check
    assert code == 0 and json.loads(out)["verdict"] == "SHIP"
    case = ok(capsys, inbox_ws, "casestudy")
    assert "Case study: decision" in case and "tfidf" in case


CSV = ('id,message,category,channel\n'
       'm1,"Hello, we were charged twice",billing,email\n'
       'm2,"The app crashes\nwhen I scan, ""always""",bug_report,chat\n'
       'm3,Please add dark mode,feature_request,\n')


def test_csv_import_and_errors(inbox_ws: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text(CSV)
    rep = ok(capsys, inbox_ws, "dataset", "import", str(f), "--task", "classify", "--format", "csv",
             "--text-column", "message", "--label-column", "category", "--id-column", "id",
             "--tag-column", "channel", "--name", "tiny", "--json")
    assert rep["task"] == "classify" and rep["labels"] == ["billing", "bug_report", "feature_request"]
    ok(capsys, inbox_ws, "dataset", "export", "tiny", "--out", str(tmp_path / "tiny.jsonl"))
    items = [json.loads(x) for x in (tmp_path / "tiny.jsonl").read_text().splitlines()]
    assert items[1] == {"id": "m2", "text": 'The app crashes\nwhen I scan, "always"', "label": "bug_report",
                        "tags": {"channel": "chat"}}
    shown = ok(capsys, inbox_ws, "dataset", "show", "tiny", "--json")
    assert shown["task"] == "classify" and shown["labels"]["billing"] == 1
    assert [r["task"] for r in ok(capsys, inbox_ws, "dataset", "list", "--json") if r["name"] == "tiny"] == ["classify"]
    no_ids = ok(capsys, inbox_ws, "dataset", "import", str(f), "--task", "classify", "--format", "csv",
                "--text-column", "message", "--label-column", "category", "--name", "tiny2", "--json")
    assert no_ids["n_items"] == 3
    assert [it.id for it in _load(inbox_ws, "tiny2")] == ["row-1", "row-2", "row-3"]

    def fails(*args: str) -> str:
        code, _, err = shipcall(capsys, inbox_ws, "dataset", "import", *args)
        assert code == 2 and "Traceback" not in err, err
        return err

    err = fails(str(f), "--task", "classify", "--format", "csv", "--text-column", "body", "--label-column",
                "category", "--name", "x")
    assert "in.csv:1: --text-column: no column 'body'" in err and "columns: id, message, category, channel" in err
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + 'm4,"no label",,email\n')
    assert "bad.csv:6: category: empty label" in fails(str(bad), "--task", "classify", "--format", "csv",
                                                        "--text-column", "message", "--label-column", "category",
                                                        "--name", "x")
    labels = tmp_path / "labels.txt"
    labels.write_text("billing\nbug_report\n")
    err = fails(str(f), "--task", "classify", "--format", "csv", "--text-column", "message", "--label-column",
                "category", "--labels", str(labels), "--name", "x")
    assert "in.csv:5: category: 'feature_request' is not in the dataset's label set" in err
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"id": "1", "text": "hi", "label": "billing"}\n{"id": "2", "text": "hi"}\n')
    assert "bad.jsonl:2: label: missing" in fails(str(jsonl), "--task", "classify", "--name", "x")
    assert "add --task classify" in fails(str(INBOX / "test.jsonl"), "--name", "z")  # classify items as rag
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "q1", "question": "How?", "answers": ["so"]}\n')
    assert "dataset 'inbox-test' holds classify items; these are rag items" in fails(
        str(questions), "--name", "inbox-test")
    assert "--format csv imports classify datasets" in fails(str(f), "--format", "csv", "--name", "y")


def _load(ws: Path, name: str) -> Any:
    from shipcall.app.workspace import Workspace

    return Workspace(ws).store.load_dataset(name).items


def test_task_mismatch_and_config_errors(inbox_ws: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "q1", "question": "How?", "answers": ["so"]}\n')
    ok(capsys, inbox_ws, "dataset", "import", str(questions), "--name", "questions")
    code, _, err = shipcall(capsys, inbox_ws, "run", "--dataset", "questions", "--variant", "tfidf")
    assert code == 2 and "is a classify variant but dataset questions@1 holds rag items" in err
    code, _, err = shipcall(capsys, inbox_ws, "run", "--dataset", "inbox-test", "--variant", "baseline")
    assert code == 2 and "holds classify items" in err
    cfg = inbox_ws / "shipcall.yaml"
    text = cfg.read_text()
    cfg.write_text(text + "  broken:\n    task: classify\n")
    code, _, err = shipcall(capsys, inbox_ws, "runs")
    assert code == 2 and "variants.broken" in err and "needs `classifier:" in err
    cfg.write_text(text + "  broken:\n    task: classify\n    classifier: {kind: tfidf-logreg, train: inbox-train}\n"
                          "    generator: {kind: extractive}\n")
    code, _, err = shipcall(capsys, inbox_ws, "runs")
    assert code == 2 and "`generator` belongs to task rag, not classify" in err
    cfg.write_text(text + "  broken:\n    task: classify\n    classifier: {kind: tfidf-logreg, train: questions}\n")
    code, _, err = shipcall(capsys, inbox_ws, "run", "--dataset", "inbox-test", "--variant", "broken")
    assert code == 2 and "training dataset questions@1 holds rag items" in err
    cfg.write_text(text + "  broken:\n    task: classify\n    classifier: {kind: tfidf-logreg, trian: x}\n")
    code, _, err = shipcall(capsys, inbox_ws, "runs")
    assert code == 2 and "variants.broken.classifier.trian" in err and "did you mean train?" in err


def test_csv_with_banking77_layout(tmp_path: Path) -> None:
    """The bundled BANKING77 conversion's shape (text,category) imports with a family cohort."""
    from shipcall.core.tasks.classify import parse_csv

    f = tmp_path / "b.csv"
    with f.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "category"])
        w.writerow(["My card has not arrived, what now?", "card_arrival"])
        w.writerow(["How long does a transfer take?", "transfer_timing"])
    items = parse_csv(f.read_text(), text_column="text", label_column="category")
    assert [it.label for it in items] == ["card_arrival", "transfer_timing"]
