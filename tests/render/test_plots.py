"""The report plots: matplotlib's SVG made fit to inline in a page under a strict CSP, several
plots per page without clashing ids, the plotted numbers in each plot's description."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("matplotlib")

from shipcall.render import plots  # noqa: E402
from shipcall.render.svg import SVG_NS  # noqa: E402

NS = {"s": SVG_NS}


def _all() -> list[str]:
    return [
        plots.forest([{"label": "overall", "delta": 0.167, "lo": 0.11, "hi": 0.23, "verdict": "regressed"},
                      {"label": "topic=hr", "delta": -0.02, "lo": -0.1, "hi": 0.05, "verdict": "underpowered"}],
                     prefix="f", title="refusals", tolerance=0.05, scale=100, unit=" pp"),
        plots.failure_pareto([("over_refusal", 47), ("wrong_answer", 15), ("ranking", 10)], prefix="p", title="why"),
        plots.failure_shift([{"mode": "over_refusal", "baseline": 22, "candidate": 47}], prefix="s", title="shift"),
        plots.latency([0.4, 0.5, 0.6, 12.0, 13.0] * 20, p50=0.6, p95=12.9, prefix="l", title="latency"),
        plots.history({"contains_answer": [("r1", 0.52), ("r3", 0.55)]}, prefix="h", title="history", current="r3"),
        plots.growth([{"version": 1, "n_items": 182}, {"version": 2, "n_items": 190}], prefix="g", title="growth"),
        plots.frontier([{"name": "a", "quality": 0.5, "lo": 0.45, "hi": 0.55, "cost": 0.0, "latency": 12.0,
                         "pareto": True, "baseline": True},
                        {"name": "b", "quality": 0.53, "lo": 0.47, "hi": 0.6, "cost": 1.5, "latency": 30.0,
                         "pareto": True},
                        {"name": "c", "quality": 0.4, "lo": 0.35, "hi": 0.45, "cost": 2.0, "latency": 40.0,
                         "pareto": False}], prefix="fr", title="frontier", quality="contains_answer"),
    ]


def test_plots_inline_without_styles_and_with_unique_ids() -> None:
    svgs = _all()
    ids: list[str] = []
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed, one element
        assert root.tag == f"{{{SVG_NS}}}svg" and root.get("class") == "plot" and root.get("viewBox")
        assert root.get("width") is None and root.get("height") is None  # scaled by CSS
        assert "style=" not in svg and "<style" not in svg  # a CSP without 'unsafe-inline' still draws it
        assert "<metadata" not in svg and "<?xml" not in svg and "DOCTYPE" not in svg
        drawn = [e for e in root.iter() if e.tag.split("}")[1] in ("path", "rect", "circle", "line", "polyline")]
        assert len(drawn) >= 5
        mine = [e.get("id") for e in root.iter() if e.get("id")]
        ids += mine
        prefix = mine[0].split("-")[0]
        for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', svg):
            if not ref.startswith("failure-"):
                assert ref.startswith(prefix + "-") and ref in mine  # every reference resolves in its own plot
    assert len(ids) == len(set(ids))


def test_descriptions_carry_the_numbers_and_bars_link_to_examples() -> None:
    forest, pareto, shift, latency, _history, growth, frontier = _all()
    assert "overall: +16.7 pp [+11, +23] regressed" in forest
    assert "over_refusal: 47 (65%)" in pareto
    assert '<a xlink:href="#failure-over_refusal">' in pareto and "target=" not in pareto
    assert '<a xlink:href="#failure-over_refusal">' in shift
    assert "100 items; p50 0.6 ms, p95 12.9 ms" in latency
    assert "v2: 190 items" in growth
    assert "b: contains_answer 0.53, cost/1000 $1.5, p95 30.0 ms, Pareto-optimal" in frontier
    assert "c: contains_answer 0.4" in frontier and "c: contains_answer 0.4, cost/1000 $2, p95 40.0 ms, Pareto" \
        not in frontier


def test_the_same_values_draw_the_same_svg() -> None:
    assert _all() == _all()  # no dates, no random ids: reports diff cleanly
