"""`shipcall explain` and `casestudy` on the demo's decision: every number in a narrative is a
fact with a source, comparison facts equal `compare`, exec has no jargon, one decision per case study."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shipcall.app.explain import explain
from shipcall.core.narrative import AUDIENCES

NUM = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\.\d+)?%?")
JARGON = re.compile(r"p\s*=|p-value|adjusted p|\bCI\b|bootstrap|Holm|Benjamini|McNemar", re.I)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - the demo's outcome
    from shipcall.app.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo") / "ws")


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_number_is_a_fact_with_a_source(demo, audience: str) -> None:  # noqa: ANN001
    n = explain(demo.workspace, None, audience).to_dict()
    assert n["audience"] == audience and n["verdict"] == demo.decision.verdict
    cmp = demo.report.comparison.to_dict()
    rows = {(r["metric"], r.get("cohort")): r for r in cmp["overall"] + cmp["cohorts"]}
    for s in n["sections"]:
        shown = [f["display"] for f in s["facts"]]
        for tok in NUM.findall(s["text"]):
            if "%" in tok or "." in tok:
                assert any(tok in d for d in shown), (audience, s["title"], tok)
        for f in s["facts"]:
            assert f["source"], f
            m = re.match(r"^([a-z0-9_@]+)\.(baseline|candidate|delta)(?:\[([^\]]+)\])?$", f["name"])
            if m and f["source"].startswith("comparison:"):
                assert f["value"] == pytest.approx(rows[(m.group(1), m.group(3))][m.group(2)], abs=1e-9)


def test_the_exec_narrative_speaks_plainly(demo) -> None:  # noqa: ANN001
    from shipcall.render.narrative import to_markdown

    md = to_markdown(explain(demo.workspace, None, "exec"))
    assert not JARGON.search(md)
    assert not re.search(r"\b(over_refusal_rate|false_answer_rate|contains_answer)\b", md)
    assert "per 1,000 questions" in md and "refuses a question the documents answer" in md


def test_a_case_study_holds_one_decision_chain(demo) -> None:  # noqa: ANN001
    from shipcall.app.casestudy import case_evidence
    from shipcall.app.decisions import gate, override_decision
    from shipcall.render.casestudy import case_study

    ws = demo.workspace
    first = ws.store.decisions()[-1]["id"]
    override_decision(ws, "SHIP", "paraphrase refusals accepted for the pilot")
    gate(ws, demo.runs["baseline"].id, demo.runs["baseline"].id, ws.contract(), note="an unrelated A/A check")
    ev, desc, later = case_evidence(ws, [int(first)])[0]
    text = case_study(ev, contract_description=desc, later=later)
    assert "paraphrase refusals accepted for the pilot" in text  # the override belongs to the chain
    assert "an unrelated A/A check" not in text
    for h in ("## Problem", "## AI-specific considerations", "## Decisions made", "## Outcome",
              "## What we would do differently"):
        assert h in text


def test_unknown_audience_and_missing_decision_are_clear(demo, tmp_path: Path) -> None:  # noqa: ANN001
    from shipcall.errors import ConfigError, NotFoundError

    with pytest.raises(ConfigError, match="audience"):
        explain(demo.workspace, None, "board")
    with pytest.raises(NotFoundError, match="no decision #999"):
        explain(demo.workspace, 999, "exec")


def test_the_legal_narrative_tells_the_retention_serve_recorded(demo) -> None:  # noqa: ANN001
    """`serve --retain 30d` records the retention in the store; legal must say it even when
    shipcall.yaml has none (security review D7)."""
    from shipcall.adapters.store.production_log import RETENTION_KEY
    from shipcall.render.narrative import to_markdown

    ws = demo.workspace
    assert "no retention period is configured" in to_markdown(explain(ws, None, "legal"))
    ws.store.set_meta(RETENTION_KEY, "30d")
    try:
        md = to_markdown(explain(ws, None, "legal"))
    finally:
        ws.store.set_meta(RETENTION_KEY, "")
    assert "Logged queries are kept for 30d." in md and "no retention period" not in md
