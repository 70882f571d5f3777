"""Dataset health checks on hand-built cases: each check fires on its case and only there."""

from __future__ import annotations

from shipcall.core.datasets import Item
from shipcall.core.health import check_health
from shipcall.core.metrics.answer import normalize_answer

DOCS = {"a.md": normalize_answer("Employees get 20 days of paid leave."),
        "b.md": normalize_answer("The VPN client is GlobalProtect.")}


def item(i: str, q: str, answers: tuple[str, ...] = (), evidence: dict[str, int] | None = None,
         tags: dict[str, str] | None = None) -> Item:
    return Item(id=i, question=q, answers=answers, evidence=evidence or {}, tags=tags or {})


def checks(report) -> dict[str, list[tuple[str, ...]]]:  # noqa: ANN001
    out: dict[str, list[tuple[str, ...]]] = {}
    for f in report.findings:
        out.setdefault(f.check, []).append(f.items)
    return out


def test_each_check() -> None:
    items = [
        item("ok", "How many days of leave?", ("20 days",), {"a.md": 1}, {"topic": "hr"}),
        item("gone", "What is the leave allowance?", ("25 days",), {"a.md": 1}, {"topic": "hr"}),
        item("dup1", "Which VPN client do we use?", ("GlobalProtect",), {"b.md": 1}, {"topic": "it"}),
        item("dup2", "which VPN client do we use", ("GlobalProtect",), {"b.md": 1}, {"topic": "it"}),
        item("near", "Which VPN client do we use today?", ("GlobalProtect",), {"b.md": 1}, {"topic": "it"}),
        item("unknown", "Where is the handbook?", (), {"zzz.md": 1}, {"topic": "it"}),
    ]
    rep = check_health(
        items, doc_texts=DOCS,
        doc_changed_at={"a.md": "2026-02-01", "b.md": "2025-01-01"},
        item_added_at={i.id: "2026-01-01" for i in items},
        run_failures=[{"gone": ["wrong_answer"], "ok": []}, {"gone": ["wrong_answer"], "ok": ["ranking"]},
                      {"gone": ["wrong_answer"], "ok": []}],
        cohort_keys=["topic"], min_cohort_size=3,
    )
    c = checks(rep)
    assert c["gold_not_in_corpus"] == [("gone",)]
    assert sorted(c["evidence_changed"]) == [("gone",), ("ok",)]
    assert c["duplicate"] == [("dup1", "dup2")]
    assert ("dup1", "near") in c["near_duplicate"] or ("dup2", "near") in c["near_duplicate"]
    assert c["unknown_evidence"] == [("unknown",)]
    assert c["suspect_gold"] == [("gone",)]
    assert len(c["small_cohort"]) == 1  # topic=hr has 2 items; topic=it has 4


def test_two_runs_are_not_enough_to_suspect_gold() -> None:
    items = [item("x", "q?", ("20 days",), {"a.md": 1})]
    rep = check_health(items, doc_texts=DOCS, doc_changed_at={}, item_added_at={},
                       run_failures=[{"x": ["wrong_answer"]}, {"x": ["wrong_answer"]}])
    assert "suspect_gold" not in checks(rep)
