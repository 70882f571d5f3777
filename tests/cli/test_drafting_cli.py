"""`dataset draft`, drafts in the review queue (`review list/show/record/promote`), `--accept`
as unreviewed items, and `dataset coverage`, through the command line (in-process)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_review_cli import Cli
from tests.conftest import FIXTURES


@pytest.fixture
def cli(ingested, capsys) -> Cli:  # noqa: ANN001
    return Cli(ingested.root, capsys)


def test_draft_accept_stores_an_unreviewed_version_that_reports_flag(cli: Cli, ingested, tmp_path: Path) -> None:  # noqa: ANN001
    d = cli.json("dataset", "draft", "--name", "drafted", "--n", "8", "--accept", "--seed", "1")
    assert d["dataset"] == "drafted" and d["version"] == 1
    assert d["drafted"] == len(d["drafts"]) >= 5 and isinstance(d["dropped"], dict)
    for x in d["drafts"]:
        assert set(x) == {"draft_id", "question", "answers", "answerable", "evidence", "tags"}
        assert x["tags"]["source"] == "drafted" and x["tags"]["generator"] == "extractive" and x["tags"]["kind"]
    out = tmp_path / "drafted.jsonl"
    cli("dataset", "export", "drafted", "--out", str(out))
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(items) == d["drafted"] and all(it["reviewed"] is False for it in items)
    docs = {p.relative_to(FIXTURES / "corpus").as_posix(): p.read_text() for p in (FIXTURES / "corpus").rglob("*")
            if p.is_file()}
    for it in items:
        assert it["source"]["kind"] == "drafted" and it["source"]["reviewer"] is None
        if it["answerable"]:
            assert all(e in docs for e in it["evidence"])
    show = cli.json("dataset", "show", "drafted")
    assert show["unreviewed"] == d["drafted"]
    assert "nobody has reviewed" in cli("dataset", "show", "drafted")
    health = cli.json("dataset", "health", "drafted")
    assert health["counts"].get("unreviewed") == 1
    run1 = cli.json("run", "--dataset", "drafted", "--variant", "baseline")["run_id"]
    run2 = cli.json("run", "--dataset", "drafted", "--variant", "small")["run_id"]
    assert cli.json("show", run1)["unreviewed_items"] == d["drafted"]
    assert "Unreviewed items:" in cli("compare", run1, run2)
    assert cli.json("gate", "--baseline", run1, "--candidate", run2, code=None)["unreviewed_items"] == d["drafted"]
    # coverage agrees with the export
    cov = cli.json("dataset", "coverage", "drafted")
    covered = {e for it in items for e in it["evidence"]}
    assert cov["documents"] == len(docs) and cov["covered_documents"] == len(covered)
    assert cov["share"] == pytest.approx(len(covered) / len(docs), abs=1e-4)
    assert {u["doc_id"] for u in cov["uncovered"]} == set(docs) - covered
    assert set(cov["by_topic"]) == {"hr", "it", "travel"} and cov["production"] is None
    assert "cover" in cli("dataset", "coverage", "drafted")
    # a second --accept adds a version with the earlier items kept and no repeated question
    d2 = cli.json("dataset", "draft", "--name", "drafted", "--n", "4", "--accept", "--seed", "2")
    if d2["drafted"]:
        assert d2["version"] == 2
        again = cli.json("dataset", "show", "drafted")
        assert again["n_items"] == d["drafted"] + d2["drafted"]
        assert not {x["question"] for x in d["drafts"]} & {x["question"] for x in d2["drafts"]}


def test_drafts_wait_in_the_review_queue_then_promote_with_provenance(cli: Cli, ingested) -> None:  # noqa: ANN001
    d = cli.json("dataset", "draft", "--name", "hr", "--n", "6", "--seed", "0", "--kinds", "factoid,unanswerable")
    assert "version" not in d and d["queued"] == d["drafted"] >= 3
    assert "queued" in cli("dataset", "draft", "--name", "hr2", "--n", "2", "--seed", "5")
    q = cli.json("review", "list", "--kind", "draft")
    rows = [r for r in q["items"] if r.get("draft_id") in {x["draft_id"] for x in d["drafts"]}]
    assert len(rows) == d["drafted"] and all(r["kind"] == "draft" and not r["reviewed"] for r in rows)
    assert q["queued"] >= d["drafted"] and q["reviewed"] == 0
    assert {"status", "queued", "reviewed", "agreement", "items"} <= set(q)  # the shape of `review list --json`
    assert cli.json("review", "list", "--kind", "logged")["items"] == []
    answerable = [x for x in d["drafts"] if x["answerable"]]
    first, second = answerable[0], answerable[1]
    rec = cli.json("review", "record", first["draft_id"], "--verdict", "accept", "--reviewer", "ana",
                   "--question", "  " + first["question"].replace("?", " exactly?") + " ")
    assert rec["reviewed"] and rec["final"]["question"].endswith("exactly?")
    cli("review", "record", second["draft_id"], "--verdict", "reject", "--reviewer", "ana")
    shown = cli("review", "show", first["draft_id"])
    assert "accept" in shown and "edited question" in shown and "from " in shown
    assert cli.json("review", "list", "--kind", "draft", "--status", "pending")["items"]
    p = cli.json("review", "promote", "--dataset", "hr")
    assert p["created"] and p["version"] == 1
    assert [x["draft_id"] for x in p["promoted"]] == [first["draft_id"]]
    exported = cli("dataset", "export", "hr")
    item = json.loads(exported.splitlines()[0])
    assert item["id"] == first["draft_id"] and item["question"].endswith("exactly?") and "reviewed" not in item
    src = item["source"]
    assert src["kind"] == "drafted" and src["reviewer"] == "ana" and src["edited"] is True
    assert src["generator"] == "extractive" and src["passages"][0]["doc_id"] in item["evidence"]
    assert cli.json("review", "promote", "--dataset", "hr")["created"] is False  # once only
    listed = cli.json("review", "list", "--kind", "draft")["items"]
    assert next(r for r in listed if r["draft_id"] == first["draft_id"])["promoted_version"] == 1


def test_an_unanswerable_draft_can_be_turned_into_an_answerable_item(cli: Cli, ingested) -> None:  # noqa: ANN001
    d = cli.json("dataset", "draft", "--name", "u", "--n", "3", "--kinds", "unanswerable", "--seed", "0")
    un = [x for x in d["drafts"] if not x["answerable"]]
    if not un:
        pytest.skip("no unanswerable draft on this corpus and seed")
    rid = un[0]["draft_id"]
    err = cli("review", "record", rid, "--verdict", "accept", "--gold", "20 days", code=2)
    assert "evidence" in err
    cli("review", "record", rid, "--verdict", "accept", "--gold", "20 days", "--evidence", "hr/time-off.md")
    p = cli.json("review", "promote", "--dataset", "u")
    assert p["promoted"][0]["answerable"] is True


@pytest.mark.parametrize(("args", "needle"), [
    (["dataset", "draft", "--name", "x", "--kinds", "factoid,trivia"], "--kinds"),
    (["dataset", "draft", "--name", "x@2"], "--name"),
    (["dataset", "draft", "--name", "x", "--generator", "nosuchvariant"], "nosuchvariant"),
    (["dataset", "draft", "--name", "x", "--n", "0"], "--n"),
    (["review", "record", "draft-0000000000", "--verdict", "accept"], "draft-0000000000"),
    (["review", "record", "draft-0000000000", "--verdict", "correct"], "accept|reject"),
    (["review", "record", "0123456789abcdef", "--verdict", "accept"], "drafts"),
    (["dataset", "coverage", "nosuchdataset"], "nosuchdataset"),
])
def test_bad_inputs_exit_2_naming_what_is_wrong(cli: Cli, args: list[str], needle: str) -> None:
    err = cli(*args, code=2)
    assert needle in err and "Traceback" not in err


def test_bad_draft_edits_are_refused(cli: Cli, ingested) -> None:  # noqa: ANN001
    d = cli.json("dataset", "draft", "--name", "e", "--n", "2", "--kinds", "factoid")
    rid = d["drafts"][0]["draft_id"]
    err = cli("review", "record", rid, "--verdict", "accept", "--evidence", "hr/nope.md", code=2)
    assert "hr/nope.md" in err and "evidence" in err
    err = cli("review", "record", rid, "--verdict", "accept", "--reviewer", " ", code=2)
    assert "reviewer" in err


def test_drafting_needs_a_corpus(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from shipcall.app.init import init_workspace

    root = init_workspace(tmp_path / "empty")
    err = Cli(root, capsys)("dataset", "draft", "--name", "x", code=2)
    assert "corpus is empty" in err and "shipcall ingest" in err


def test_coverage_counts_production_questions_far_from_every_item(cli: Cli, ingested) -> None:  # noqa: ANN001
    from tests.cli.test_review_cli import log

    cli("dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t")
    for q in ("How many days of paid time off do full-time employees get?", "Can I bring my dog to the office?",
              "What is the wifi password of the Lisbon kitchen?"):
        log(ingested, "baseline", "baseline", q)
    cov: dict[str, Any] = cli.json("dataset", "coverage", "t")
    p = cov["production"]
    assert p["questions"] == 3 and 1 <= p["far"] <= 2 and sum(v["questions"] for v in p["by_cohort"].values()) == 3
    assert "production:" in cli("dataset", "coverage", "t")
