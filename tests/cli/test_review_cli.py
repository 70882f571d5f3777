"""review sample/list/show/record/promote, drift, monitor and `--weights production` through the
command line (in-process through `shipcall.cli.main.main`, so exit codes map as they do for users)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES

QUESTIONS = [
    "How many days of paid time off do full-time employees get?",
    "Are contractors eligible for paid time off?",
    "How many weeks of parental leave do birth parents get?",
    "How often are laptops replaced?",
    "How do I connect to the VPN?",
    "What is the daily meal allowance when travelling?",
    "Who approves parking permits?",
    "Can I bring my dog to the office?",
]


class Cli:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.capsys = root, capsys

    def __call__(self, *args: str, code: int | None = 0) -> str:
        """stdout (stderr when a failing command printed nothing); `code` None: SHIP or WAIT."""
        from shipcall.cli.main import main

        self.capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            main(["--workspace", str(self.root), *args])
        out, err = self.capsys.readouterr()
        assert e.value.code in ((0, 1) if code is None else (code,)), f"exit {e.value.code}\n{out}\n{err}"
        return out if code == 0 or out else err

    def json(self, *args: str, code: int = 0) -> Any:
        return json.loads(self(*args, "--json", code=code))


def log(ws: Any, variant: str, arm: str, question: str, *, rating: str | None = None) -> str:
    """One logged query answered by `variant` in `arm`, through the serving use case that
    `shipcall serve` runs (app/serving.py), without HTTP."""
    from shipcall.adapters.store.production_log import ProductionLog
    from shipcall.app.feature import Feature
    from shipcall.app.redact import Redactor
    from shipcall.app.serving import Server

    f = Feature.open(ws, variant)
    canary = arm == "candidate"
    server = Server(ws=ws, settings=ws.config.server, log=ProductionLog(ws.store),
                    redactor=Redactor(ws.config.redaction), baseline=Feature.open(ws, None) if canary else f,
                    candidate=f if canary else None,
                    share=1.0 if canary else 0.0)
    served = server.ask(question)
    assert served.entry.arm == arm and served.entry.variant == variant
    if rating:
        server.feedback(served.request_id, rating, None)
    return served.request_id


@pytest.fixture
def served(ingested, capsys):  # noqa: ANN001, ANN201 - a workspace with two runs and a canary log
    from shipcall.app.datasets import import_dataset
    from shipcall.app.run import run

    with (ingested.root / "shipcall.yaml").open("a") as f:
        f.write("production:\n  cohorts:\n    topic:\n      keywords: {facilities: [parking, dog, office]}\n")
    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "t")
    ds = ingested.store.load_dataset("t")
    run(ingested, ds, "baseline")
    run(ingested, ds, "small")
    ids = []
    for i in range(40):
        q = QUESTIONS[i % len(QUESTIONS)]
        arm = "candidate" if i % 3 == 0 else "baseline"
        ids.append(log(ingested, "small" if arm == "candidate" else "baseline", arm, q,
                       rating="down" if i in (4, 9) else "up" if i % 5 == 0 else None))
    return ingested, Cli(ingested.root, capsys), ids


def test_sample_review_and_promote_from_the_cli(served) -> None:  # noqa: ANN001
    ws, cli, ids = served
    first = cli.json("review", "sample", "--n", "6")
    assert first["queued"] == 6 and first["considered"] == 40 and first["strategy"] == "stratified"
    assert first["by_reason"]["negative_feedback"] == 2
    assert {x["stratum"].split(" · ")[0] for x in first["items"]} == {"baseline", "small"}
    assert first["items"][0]["reasons"][0] == "negative_feedback"
    rest = cli.json("review", "sample", "--n", "100", "--strategy", "random", "--seed", "3")
    assert rest["queued"] == 34 and rest["already_queued"] == 6
    assert cli.json("review", "sample", "--n", "5")["queued"] == 0  # no query is queued twice
    listed = cli.json("review", "list")
    assert listed["queued"] == 40 and listed["reviewed"] == 0 and len(listed["items"]) == 40
    assert len({x["request_id"] for x in listed["items"]}) == 40

    rid = ids[2]  # "How many weeks of parental leave ..."
    a = cli.json("review", "record", rid, "--verdict", "incorrect", "--gold", "16 weeks, ask hr@example.com",
                 "--evidence", "hr/parental-leave.md", "--reviewer", "ann", "--failure-mode", "wrong_answer")
    assert a["rank"] == 1 and a["gold_answer"] == "16 weeks, ask [EMAIL]" and a["tags"]["topic"] == "hr"
    b = cli.json("review", "record", rid, "--verdict", "correct", "--reviewer", "bo")
    assert b["rank"] == 2
    assert "unknown document" in cli("review", "record", rid, "--verdict", "correct", "--evidence", "nope.md",
                                     code=2)
    assert "no logged query" in cli("review", "record", "f" * 32, "--verdict", "correct", code=2)
    cli("review", "record", rid, "--verdict", "maybe", code=2)
    cli("review", "record", ids[6], "--verdict", "should_abstain", "--reviewer", "ann", "--tag", "topic=facilities")
    cli("review", "record", ids[7], "--verdict", "incorrect", "--reviewer", "ann")  # no gold, no evidence
    cli("review", "record", ids[3], "--verdict", "correct", "--reviewer", "ann")  # word for word item t-07
    agree = cli.json("review", "list", "--status", "reviewed")
    assert agree["reviewed"] == 4 and agree["agreement"]["pairs"] == 1 and agree["agreement"]["kappa"] is not None
    shown = cli.json("review", "show", rid)
    assert [r["reviewer"] for r in shown["reviews"]] == ["ann", "bo"] and shown["entry"]["request_id"] == rid

    dry = cli.json("review", "promote", "--dataset", "t", "--dry-run")
    assert dry["created"] is False and len(dry["promoted"]) == 1
    rep = cli.json("review", "promote", "--dataset", "t")
    assert rep["created"] and rep["version"] == 2 and rep["previous_version"] == 1 and rep["n_items"] == 13
    (p,) = rep["promoted"]
    assert p["request_id"] == ids[6] and p["answerable"] is False and p["tags"]["topic"] == "facilities"
    reasons = {s["request_id"]: s["reason"] for s in rep["skipped"]}
    assert "disagree" in reasons[rid] and "gold answer" in reasons[ids[7]]
    assert reasons[ids[3]] == "the same question as item t-07 (normalised text)"
    # ann changes her mind: the reviewers agree, and the query is promoted into the next version
    cli("review", "record", rid, "--verdict", "correct", "--reviewer", "ann", "--evidence", "hr/parental-leave.md")
    again = cli.json("review", "promote", "--dataset", "t")
    assert again["version"] == 3 and [x["request_id"] for x in again["promoted"]] == [rid]
    assert cli.json("review", "promote", "--dataset", "t")["created"] is False
    diff = cli.json("dataset", "diff", "t@1", "t@3")
    assert len(diff["added"]) == 2 and diff["removed"] == [] and diff["changed"] == []
    src = diff["sources"][f"prod-{rid[:12]}"]
    assert src["kind"] == "production" and src["request_id"] == rid and src["reviewers"] == ["ann", "bo"]
    assert "(production" in cli("dataset", "diff", "t@1", "t@3")
    new = {it.id: it for it in ws.store.load_dataset("t").items}[f"prod-{rid[:12]}"]
    assert new.answerable and new.evidence == {"hr/parental-leave.md": 1} and new.tags["origin"] == "production"
    assert "promote" in cli.json("dataset", "list")[-1]["source"]


def test_drift_from_the_cli(served) -> None:  # noqa: ANN001
    ws, cli, _ = served
    rep = cli.json("drift", "--dataset", "t")
    assert rep["n_queries"] == 40 and rep["dataset"] == "t@1" and rep["represents_production"] is False
    topic = next(k for k in rep["keys"] if k["key"] == "topic")
    shares = {s["cohort"]: s for s in topic["shares"]}
    assert shares["topic=facilities"]["dataset_n"] == 0 and shares["topic=facilities"]["production_n"] == 10
    assert any(a["cohort"] == "topic=facilities" for a in rep["add_items"])
    assert rep["assigned_by"]["keyword"] >= 10 and rep["assigned_by"]["nearest"] > 0
    assert "no longer represents production" in rep["summary"]
    text = cli("drift", "--dataset", "t@1", "--by", "topic")
    assert text.startswith("DRIFTED") and "topic=facilities" in text
    assert cli.json("drift", "--dataset", "t", "--since", "2999-01-01")["n_queries"] == 0
    assert "not a time" in cli("drift", "--dataset", "t", "--since", "yesterday-ish", code=2)
    assert "no dataset" in cli("drift", "--dataset", "nope", code=2)


def test_monitor_from_the_cli(served) -> None:  # noqa: ANN001
    ws, cli, ids = served
    queued = cli.json("review", "sample", "--n", "12", "--strategy", "monitor")
    mon = [q["request_id"] for q in queued["items"]]
    cli("review", "sample", "--n", "40")
    for i, rid in enumerate(mon + [r for r in ids if r not in mon][:4]):
        cli("review", "record", rid, "--verdict", "incorrect" if i % 4 == 0 else "correct", "--reviewer", "ann",
            "--evidence", "hr/time-off.md")
    rep = cli.json("monitor", "--by", "topic")
    assert rep["baseline"] == "baseline" and rep["candidate"] == "small" and rep["n_queries"] == 40
    rows = {(r["rate"], r["cohort"]): r for r in rep["rows"]}
    ab = rows[("abstention", None)]
    assert ab["baseline"]["n"] + ab["candidate"]["n"] == 40 and ab["candidate"]["n"] == 14
    assert ab["verdict"] in ("continue", "no_difference", "candidate_worse", "candidate_better")
    wrong = rows[("wrong_answer", None)]
    assert wrong["baseline"]["n"] + wrong["candidate"]["n"] == 12  # the stratified queue's 4 are left out
    assert any("4 reviews from the failure-hunting queue were left out" in n for n in rep["notes"])
    assert wrong["verdict"] == "continue" and wrong["queries_needed"] > 0 and wrong["unit"] == "reviewed queries"
    assert 0 < wrong["p_value"] <= 1 and wrong["cs_low"] < wrong["delta"] < wrong["cs_high"]
    assert ("abstention", "topic=facilities") in rows
    text = cli("monitor")
    assert "canary: baseline (baseline) vs small (candidate)" in text and "keep collecting" in text


def test_weights_production_on_compare_and_gate(served) -> None:  # noqa: ANN001
    ws, cli, _ = served
    cmp = cli.json("compare", "r1", "r2", "--by", "topic", "--weights", "production")
    pw = cmp["production_weights"]
    assert pw["n_queries"] == 40 and pw["rows"]
    mix = {m["cohort"]: m for m in pw["mixes"]["topic"]}
    assert mix["topic=facilities"]["eval_n"] == 0 and mix["topic=facilities"]["production_n"] == 10
    assigned = 40 - pw["unassigned_queries"]["topic"]  # queries unlike any item get no topic
    assert 30 <= assigned <= 40 and pw["uncovered_share"]["topic"] == pytest.approx(round(10 / assigned, 4))
    row = pw["rows"][0]
    assert set(row) >= {"key", "metric", "eval_mix", "production_mix", "coverage", "verdict"}
    assert "Production-weighted" in cli("compare", "r1", "r2", "--weights", "production")
    assert "production_weights" not in cli.json("compare", "r1", "r2")
    out = cli("gate", "--baseline", "r1", "--candidate", "r2", "--weights", "production", "--json", code=None)
    gate = json.loads(out)
    assert "production_weights" in gate and gate["verdict"] in ("SHIP", "WAIT")
    assert any(c.startswith("production_weighted") for c in gate["checks"]) or \
        any(r["kind"] == "production_weighted" for r in gate["reasons"])
    recorded = cli.json("decisions")[-1]
    assert recorded["evidence"]["production_weights"]["n_queries"] == 40


def test_weights_production_needs_a_log(ingested, capsys) -> None:  # noqa: ANN001
    from shipcall.app.datasets import import_dataset
    from shipcall.app.run import run

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "t")
    ds = ingested.store.load_dataset("t")
    run(ingested, ds, "baseline")
    cli = Cli(ingested.root, capsys)
    assert "production log is empty" in cli("compare", "r1", "r1", "--weights", "production", code=2)
    rep = cli.json("monitor")
    assert rep["candidate"] is None and any("empty" in n for n in rep["notes"])
    assert cli.json("review", "sample", "--n", "3")["queued"] == 0
    assert "nothing to promote" in cli("review", "promote", "--dataset", "t")
