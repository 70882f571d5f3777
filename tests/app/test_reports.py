"""Reports from a real workspace (the fixture corpus, two variants, a recorded gate): the HTML is
self-contained (no script, no request, plots inline), leads with the gate's verdict, and agrees
with `gate` row for row; different dataset versions are warned about and split."""

from __future__ import annotations

import json
import re

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.conftest import FIXTURES

pytest.importorskip("matplotlib")
pytest.importorskip("jinja2")


@pytest.fixture
def gated(ingested):  # noqa: ANN001, ANN201 - (workspace, baseline run, candidate run)
    from shipcall.app.datasets import import_dataset
    from shipcall.app.decisions import gate
    from shipcall.app.run import run

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "t")
    ds = ingested.store.load_dataset("t")
    b, c = run(ingested, ds, "baseline").run, run(ingested, ds, "small").run
    gate(ingested, b.id, c.id, ingested.contract(), note="weekly", who="pm")
    return ingested, b, c


def self_contained(html: str) -> HTMLParser:
    """Parse a report file and check it needs nothing outside itself."""
    tree = HTMLParser(html)
    assert tree.css("script") == [] and tree.css("link") == [] and tree.css("iframe") == []
    assert tree.css("img") == [] and "@import" not in html and "url(http" not in html
    for a in tree.css("a"):
        href = a.attributes.get("href") or a.attributes.get("xlink:href") or ""
        assert href.startswith("#"), href  # in-page anchors only: a file has no server to link to
    ids = [n.attributes["id"] for n in tree.css("[id]")]
    assert len(ids) == len(set(ids))  # plots and anchors never clash
    for a in tree.css("a"):
        target = (a.attributes.get("href") or a.attributes.get("xlink:href"))[1:]
        assert target in ids, target  # every in-page link lands somewhere
    return tree


def plots(tree: HTMLParser) -> list:
    out = [s for s in tree.css("svg.plot") if len(s.css("path, rect, circle, line, polyline")) >= 5]
    for s in out:
        assert s.css_first("desc").text().strip()
    return out


def test_run_report(gated) -> None:  # noqa: ANN001
    from shipcall.app.reports import run_report
    from shipcall.render.html import run_html

    ws, b, c = gated
    rep = run_report(ws, c.id)
    assert rep.baseline is not None and rep.baseline.id == b.id  # the baseline variant's run, not the last one
    html = run_html(rep)
    tree = self_contained(html)
    assert len(plots(tree)) >= 3  # history, failure Pareto, latency, growth
    text = tree.body.text()
    assert "Against the contract" in text and "Glossary" in text
    families = [h.text() for h in tree.css("h3")]
    assert families[:3] == ["Answers", "Refusals", "Grounding and citations"]
    # plain names with the registry's definition on hover, and the id linking to the glossary
    abbr = next(a for a in tree.css("abbr") if a.text() == "refusals of questions the documents answer")
    assert "on answerable items: 1 if the system abstained" in abbr.attributes["title"]
    assert tree.css_first("#m-over_refusal_rate") is not None
    # the Pareto's bars and the failure table link to the examples
    for mode in rep.failures.modes:
        assert tree.css_first(f"#failure-{mode['mode']}") is not None
        assert f'href="#failure-{mode["mode"]}"' in html


def test_compare_report_is_the_gates_comparison_verdict_first(gated) -> None:  # noqa: ANN001
    from shipcall.app.decisions import gate
    from shipcall.app.reports import compare_report
    from shipcall.render.html import compare_html

    ws, b, c = gated
    n_decisions = len(ws.store.decisions())
    rep = compare_report(ws, b.id, c.id)
    assert len(ws.store.decisions()) == n_decisions  # a report records nothing
    decision, gated_rep = gate(ws, b.id, c.id, ws.contract(), record_decision=False)
    assert rep.report.comparison.to_dict() == gated_rep.comparison.to_dict()  # one family, one p per row
    assert rep.decision.verdict == decision.verdict
    html = compare_html(rep)
    tree = self_contained(html)
    assert len(plots(tree)) >= 1
    lead = tree.body.text(separator=" ").split("Why")[0]
    assert decision.verdict in lead[:300] and rep.headline[len(decision.verdict) + 2:][:60] in " ".join(lead.split())
    table = tree.css("table")[1]  # after the contract's metrics: the overall comparison rows
    for row in gated_rep.comparison.overall:
        assert f"{row.p_adjusted:.3g}" in tree.body.text()
    assert table is not None


def test_decision_report_keeps_the_record(gated) -> None:  # noqa: ANN001
    from shipcall.app.reports import decision_report
    from shipcall.render.html import decision_html

    ws, b, c = gated
    rep = decision_report(ws)
    record = ws.store.decisions()[-1]
    assert rep.record["id"] == record["id"] and rep.decision.verdict == record["verdict"]
    tree = self_contained(decision_html(rep))
    text = tree.body.text()
    assert text.strip().startswith(f"Decision #{record['id']}: {record['verdict']}")
    assert "by pm" in text and "weekly" in text and "Decision history" in text
    assert len(plots(tree)) >= 1


def test_different_dataset_versions_are_warned_about_and_split(gated, tmp_path) -> None:  # noqa: ANN001
    from shipcall.app.datasets import import_dataset
    from shipcall.app.reports import compare_report
    from shipcall.app.run import run
    from shipcall.render.html import compare_html

    ws, b, _ = gated
    lines = (FIXTURES / "dataset.jsonl").read_text().splitlines()
    extra = json.loads(lines[0]) | {"id": "t-new", "question": "How many days of paid time off?"}
    v2 = tmp_path / "v2.jsonl"
    v2.write_text("\n".join(lines[2:] + [json.dumps(extra)]) + "\n")  # two items removed, one added
    import_dataset(ws, str(v2), "t")
    c2 = run(ws, ws.store.load_dataset("t", 2), "small").run
    rep = compare_report(ws, b.id, c2.id)
    assert rep.notes and "t@1 and t@2" in rep.notes[0]
    tree = self_contained(compare_html(rep))
    text = tree.body.text()
    assert "Different dataset versions." in text and "due to the system" in text and "due to the dataset" in text
    assert text.index("Different dataset versions.") < text.index("The contract's metrics")


def test_variants_rows_pareto_and_significance(gated) -> None:  # noqa: ANN001
    from shipcall.app.variants import variants
    from shipcall.core.frontier import dominates
    from shipcall.render.html import variants_html

    ws, b, c = gated
    rep = variants(ws, "t")
    rows = rep.to_list()
    assert [r["variant"] for r in rows][0] == "baseline" and {r["run_id"] for r in rows} == {b.id, c.id}
    for r in rows:
        assert {"variant", "run_id", "dataset", "metrics", "latency_ms_p50", "latency_ms_p95", "cost_per_1000",
                "index_mb", "pareto", "dominated_by"} <= set(r)
        assert r["cost_per_1000"] == 0.0 and r["index_mb"] > 0 and r["dataset"] == "t@1"
    p = rep.primary
    pts = {r["variant"]: (-r["metrics"][p], r["latency_ms_p95"], r["cost_per_1000"]) for r in rows}
    for r in rows:
        others = [v for v in pts if v != r["variant"] and dominates(pts[v], pts[r["variant"]])]
        assert r["pareto"] == (not others)
        assert r["dominated_by"] is None if r["pareto"] else r["dominated_by"] in others
    cand = next(r for r in rows if r["variant"] == "small")
    assert set(cand["vs_baseline"]) == {p, *ws.contract().guarded} & set(cand["vs_baseline"])
    assert cand["gate"] in ("SHIP", "WAIT")
    tree = self_contained(variants_html(rep))
    assert len(plots(tree)) == 1 and "Pareto-optimal" in tree.body.text()


def test_report_path_is_under_the_workspace_state(gated) -> None:  # noqa: ANN001
    from shipcall.app.reports import report_path

    ws, b, c = gated
    path = report_path(ws, "compare", b.id, c.id)
    assert path == ws.root / ".shipcall" / "reports" / f"compare-{b.id}-{c.id}.html"
    assert re.fullmatch(r"variants-t_1\.html", report_path(ws, "variants", "t@1").name)
