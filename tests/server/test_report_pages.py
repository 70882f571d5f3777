"""The evaluation pages under /ui/ render the reports' bodies: the runs table links each run to
the baseline, the run page groups metrics by family in plain words, the compare page leads with
the gate's verdict and carries the gate's p-values, a decision and the variants have pages, and
no page uses an inline style (the CSP forbids them)."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.conftest import FIXTURES
from tests.server.conftest import TOKEN, live

pytest.importorskip("matplotlib")
PLOT = re.compile(r'<svg[^>]*class="plot"')


@pytest.fixture
def served(ingested):  # noqa: ANN001, ANN201 - (workspace, app, run ids: baseline, small, doc)
    from shipcall.app.datasets import import_dataset
    from shipcall.app.decisions import gate
    from shipcall.app.run import run
    from shipcall.server.app import create_app

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "t")
    ds = ingested.store.load_dataset("t")
    ids = [run(ingested, ds, v).run.id for v in ("baseline", "small", "doc")]
    gate(ingested, ids[0], ids[1], ingested.contract(), who="pm")
    return ingested, create_app(ingested, token=TOKEN), ids


def _no_inline_style(html: str) -> None:
    assert " style=" not in html and "<style" not in html and "<script" not in html.split("</main>")[0]


def test_pages_share_the_reports(served) -> None:  # noqa: ANN001
    from shipcall.app.decisions import gate

    ws, app, (b, s, d) = served
    with live(app) as url, httpx.Client(base_url=url) as c:
        runs = c.get("/ui/runs").text
        # compare links go to the baseline variant's run, not to the previous run
        assert f'href="/ui/compare/{b}/{s}"' in runs and f'href="/ui/compare/{b}/{d}"' in runs
        assert f'href="/ui/compare/{s}/{d}"' not in runs
        assert 'action="/ui/compare"' in runs
        r = c.get(f"/ui/compare?baseline={b}&candidate={d}")
        assert r.status_code == 303 and r.headers["location"] == f"/ui/compare/{b}/{d}"
        assert c.get("/ui/report.css").headers["content-type"].startswith("text/css")

        page = c.get(f"/ui/runs/{s}").text
        heads = re.findall(r"<h3>([^<]+)</h3>", page)
        assert heads[:3] == ["Answers", "Refusals", "Grounding and citations"] and "Retrieval" in heads
        assert "refusals of questions the documents answer" in page and 'id="m-over_refusal_rate"' in page
        assert len(PLOT.findall(page)) >= 3 and f'href="/ui/compare/{b}/{s}"' in page

        compare = c.get(f"/ui/compare/{b}/{s}").text
        decision, rep = gate(ws, b, s, ws.contract(), record_decision=False)
        main = compare.split("<main>", 1)[1]
        first = re.sub(r"<[^>]+>", " ", main.split("<h2>", 1)[0])
        assert decision.verdict in first  # the verdict before any table
        for row in rep.comparison.rows:  # the gate's family: its adjusted p-values, row for row
            assert f">{row.p_adjusted:.3g}<" in compare
        assert f"over {rep.comparison.family_size} tests" in compare

        dec = c.get("/ui/decisions/1")
        assert dec.status_code == 200 and "Decision #1" in dec.text and "by pm" in dec.text
        assert 'href="/ui/decisions/1"' in c.get("/ui/decisions").text
        assert c.get("/ui/decisions/9").status_code == 404
        var = c.get("/ui/variants?dataset=t").text
        assert "Pareto-optimal" in var and len(PLOT.findall(var)) == 1
        for html in (runs, page, compare, dec.text, var):
            _no_inline_style(html)


def test_compare_page_warns_about_dataset_versions(served, tmp_path) -> None:  # noqa: ANN001
    from shipcall.app.datasets import import_dataset
    from shipcall.app.run import run

    ws, app, (b, _, _) = served
    lines = (FIXTURES / "dataset.jsonl").read_text().splitlines()
    (tmp_path / "v2.jsonl").write_text("\n".join(lines[1:] + [json.dumps(json.loads(lines[0]) | {"id": "t-13"})]))
    import_dataset(ws, str(tmp_path / "v2.jsonl"), "t")
    c2 = run(ws, ws.store.load_dataset("t", 2), "small").run.id
    with live(app) as url, httpx.Client(base_url=url) as c:
        page = c.get(f"/ui/compare/{b}/{c2}").text
    assert "Different dataset versions." in page and "t@1 and t@2" in page
    assert page.index("Different dataset versions.") < page.index("<h2>")
    assert "due to the system" in page
