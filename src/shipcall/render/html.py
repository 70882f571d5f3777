"""HTML reports: one self-contained file per run, comparison, decision and variants table, and the
template environment the /ui/ pages share with them.

A report's body (`*_body.html` in render/templates/) is the same template the page includes, fed
by the same context builder (`run_context`, `compare_context`, ...), so a page and its report never
disagree; the file wraps it in `report.html` (inline CSS, plots as inline SVG, no script, no
request), the page in the server's `base.html` (navigation, the same CSS as a served file).
Links: `views.FILE_LINKS` (plain text, in-page anchors only) or `views.PAGE_LINKS` (/ui/ URLs).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from shipcall.core.metrics.glossary import describe, format_delta, format_value
from shipcall.errors import MissingExtraError
from shipcall.render import plots, views
from shipcall.render.views import FILE_LINKS, Links

if TYPE_CHECKING:
    from shipcall.app.reports import CompareReport, DecisionReport, RunReport
    from shipcall.app.variants import VariantsReport

TEMPLATES = "templates"


def css() -> str:
    return (files("shipcall.render") / TEMPLATES / "report.css").read_text(encoding="utf-8")


def environment(*extra_dirs: str) -> Any:
    """A Jinja2 environment over `extra_dirs` (the server's templates) and render/templates/."""
    try:
        from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
    except ImportError as e:
        raise MissingExtraError("HTML reports need Jinja2", hint="pip install 'shipcall[reports]'") from e
    loaders = [FileSystemLoader(d) for d in extra_dirs] + [FileSystemLoader(str(files("shipcall.render") / TEMPLATES))]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = views.fmt
    env.filters["wbr"] = _wbr
    env.globals.update(describe=describe, value=format_value, change=format_delta)
    return env


def _wbr(text: Any) -> Any:
    """Metric ids may break after `_` and `@` (`over_<wbr>refusal_<wbr>rate`): narrow table columns
    then wrap an id instead of pushing the table past the page's edge."""
    from markupsafe import Markup, escape

    return Markup(str(escape(str(text))).replace("_", "_<wbr>").replace("@", "@<wbr>"))


@lru_cache(maxsize=1)
def _env() -> Any:
    return environment()


def document(body: str, title: str, **ctx: Any) -> str:
    """A standalone report file: `body` (a template name) inside report.html with inline CSS."""
    return str(_env().get_template("report.html").render(body=body, title=title, css=css(), **ctx))


def _plot(make: Any, required: bool) -> str | None:
    """A plot, or None where matplotlib is missing and the plot is optional (a page)."""
    try:
        return str(make())
    except MissingExtraError:
        if required:
            raise
        return None


def _history_plot(rep: RunReport, required: bool) -> str | None:
    c = rep.contract
    names = [m for m in views.confirmatory(c) if any(m in r.metrics for r in rep.history)]
    kind = describe(names[0]).kind if names else "share"
    names = [m for m in names if describe(m).kind == kind][:4]
    if not names or not rep.history:
        return None
    scale, unit = views.plot_scale(names[0])
    series = {m: [(r.id, r.metrics.get(m, float("nan"))) for r in rep.history] for m in names}
    return _plot(lambda: plots.history(series, prefix="history", scale=scale, current=rep.run.id,
                                       ylabel="%" if unit else "value",
                                       title=f"{rep.run.variant} over its runs on {rep.run.dataset}"), required)


def run_context(rep: RunReport, links: Links = FILE_LINKS, *, required: bool = True,
                redact: Callable[[str], str] | None = None) -> dict[str, Any]:
    """`redact`: for a page a visitor sees, production examples pass through it."""
    run, c = rep.run, rep.contract
    modes = [(row["mode"], row["count"]) for row in rep.failures.modes]
    figures = {
        "history": _history_plot(rep, required),
        "pareto": _plot(lambda: plots.failure_pareto(modes, prefix="pareto", title="Why items failed"), required)
        if modes else None,
        "latency": _plot(lambda: plots.latency(rep.latencies, p50=run.metrics.get("latency_ms_p50"),
                                               p95=run.metrics.get("latency_ms_p95"), prefix="latency",
                                               title="Latency per item"), required) if rep.latencies else None,
        "growth": _plot(lambda: plots.growth(rep.growth, prefix="growth", current=run.dataset_version,
                                             title=f"Dataset {run.dataset}: items per version"), required)
        if rep.growth else None,
    }
    shown = views.headline_metrics([run], c)
    return {
        "title": f"Run {run.id}: {run.variant} on {run.dataset}@{run.dataset_version}", "run": run, "contract": c,
        "links": links, "key": views.key_metrics(run.metrics, c), "families": views.metric_families(run.metrics, c),
        "cohorts": views.cohort_tables(run.cohorts, shown), "failures": views.failure_rows(rep.failures, redact),
        "failed": rep.failures.failed, "n": rep.failures.n_items, "figures": figures, "baseline": rep.baseline,
        "history": rep.history, "glossary": views.glossary(list(run.metrics)), "unreviewed": rep.unreviewed,
    }


def _forest_plots(rows: list[Any], contract: Any, required: bool) -> list[str]:
    out = []
    for m in views.confirmatory(contract):
        data = views.forest_rows(rows, m)
        if not data:
            continue
        scale, unit = views.plot_scale(m)
        svg = _plot(lambda m=m, data=data, scale=scale, unit=unit: plots.forest(
            data, prefix=f"forest-{m.replace('@', '-')}", title=f"{describe(m).words} ({m})",
            tolerance=contract.tolerance_for(m), scale=scale, unit=unit), required)
        if svg:
            out.append(svg)
    return out


def compare_context(rep: CompareReport, links: Links = FILE_LINKS, *, required: bool = True,
                    redact: Callable[[str], str] | None = None) -> dict[str, Any]:
    r, c = rep.report, rep.contract
    cmp = r.comparison
    b, cand = rep.baseline, rep.candidate
    confirm = [x for x in cmp.rows if getattr(x, "family", "confirmatory") == "confirmatory"]
    explore = [x for x in cmp.rows if getattr(x, "family", "confirmatory") != "confirmatory"]
    settled = ("no_change", "not_worse")  # within the tolerance, or a harmful drop excluded
    notable = [x for x in confirm if x.cohort is not None and x.verdict not in settled]
    quiet = [x for x in confirm if x.cohort is not None and x.verdict in settled]
    moved = [x for x in explore if x.verdict in ("regressed", "improved")]
    shift = r.failure_shift
    figures = {
        "forest": _forest_plots(cmp.rows, c, required),
        "shift": _plot(lambda: plots.failure_shift(shift, prefix="shift", title="Why items failed, before and after"),
                       required) if shift else None,
        "latency": _plot(lambda: plots.latency(rep.latencies["candidate"], p50=cand.metrics.get("latency_ms_p50"),
                                               p95=cand.metrics.get("latency_ms_p95"), prefix="latency",
                                               title=f"Latency per item of {cand.id} ({cand.variant})"), required)
        if rep.latencies["candidate"] else None,
    }
    callouts = views.regression_callouts(cmp.rows, c) + list(cmp.callouts)
    return {
        "title": f"Compare {b.id} → {cand.id}", "b": b, "c": cand, "rep": r, "cmp": cmp, "contract": c,
        "links": links, "verdict": rep.decision.verdict, "headline": rep.headline,
        "reasons": views.reason_lines(rep.decision.reasons),
        "warnings": views.grouped_warnings(cmp.rows, c, rep.decision.reasons), "checks": rep.decision.checks,
        "notes": rep.notes, "callouts": callouts,
        "overall": [views.comparison_row(x) for x in confirm if x.cohort is None],
        "cohorts": [views.comparison_row(x) for x in notable], "quiet": [views.comparison_row(x) for x in quiet],
        "explored": [views.comparison_row(x) for x in moved], "n_explored": len(explore),
        "explored_size": (getattr(cmp, "families", {}) or {}).get("exploratory", {}).get("size", 0),
        "split": views.split_rows(cmp.dataset_split), "shift": shift, "figures": figures,
        "failures": views.failure_rows(rep.failures, redact), "health": r.health.counts() if r.health else {},
        "weights": r.production, "key": _key_pairs(b, cand, c),
        "glossary": views.glossary([x.metric for x in cmp.rows] + list(c.metrics)),
    }


def _key_pairs(b: Any, c: Any, contract: Any) -> list[dict[str, Any]]:
    """The contract's metrics side by side for the two runs (the aggregate-only ones included)."""
    names = [n for n in dict.fromkeys([contract.primary, *contract.guarded, *contract.metrics])
             if n in b.metrics or n in c.metrics]
    out = []
    for n in names:
        row = views.metric_row(n, c.metrics.get(n), contract)
        bv, cv = b.metrics.get(n), c.metrics.get(n)
        row |= {"baseline": format_value(n, bv), "change": format_delta(n, cv - bv) if bv is not None and cv is not None
                else "–"}
        out.append(row)
    return out


def decision_context(rep: DecisionReport, links: Links = FILE_LINKS, *, required: bool = True,
                     redact: Callable[[str], str] | None = None) -> dict[str, Any]:
    d = rep.decision
    ev = rep.record.get("evidence") or {}
    compared = (compare_context(rep.compared, links, required=required, redact=redact) if rep.compared is not None
                else None)
    contract = rep.compared.contract if rep.compared is not None else None
    shift = ev.get("failure_modes") or []
    forest = compared["figures"]["forest"] if compared else []
    return {
        "title": f"Decision #{rep.record['id']}: {d.verdict}", "d": d, "record": rep.record, "links": links,
        "headline": rep.headline, "reasons": views.reason_lines(d.reasons),
        "warnings": views.grouped_warnings(rep.rows, contract, d.reasons) if contract is not None
        else [r.detail for r in d.warnings][:20],
        "checks": d.checks, "notes": rep.notes, "compared": compared, "history": rep.history,
        "dataset": ev.get("dataset"), "variants": (ev.get("baseline_variant"), ev.get("candidate_variant")),
        "figures": {
            "forest": forest,
            "shift": _plot(lambda: plots.failure_shift(shift, prefix="dshift", title="Why items failed, before and "
                                                       "after"), required) if shift and not compared else None,
        },
        "glossary": compared["glossary"] if compared else views.glossary([r.metric for r in rep.rows]),
    }


def variants_context(rep: VariantsReport, links: Links = FILE_LINKS, *, required: bool = True) -> dict[str, Any]:
    p = rep.primary
    scale, _ = views.plot_scale(p)
    points = [{"name": r.variant, "quality": r.metrics.get(p), "lo": r.primary_ci[0], "hi": r.primary_ci[1],
               "cost": r.cost_per_1000, "latency": r.latency_ms_p95, "pareto": r.pareto, "baseline": r.is_baseline}
              for r in rep.rows if r.metrics.get(p) is not None]
    figure = _plot(lambda: plots.frontier(points, prefix="frontier", quality=f"{p} ({describe(p).words})",
                                          scale=scale, title=f"Quality, cost and latency on {rep.dataset}"),
                   required) if points else None
    shown = list(dict.fromkeys([p, *rep.guarded]))
    rows = []
    for r in rep.rows:
        lo, hi = r.primary_ci
        rows.append({
            "r": r, "quality": format_value(p, r.metrics.get(p)),
            "ci": f"{format_value(p, lo)}–{format_value(p, hi)}" if lo is not None and hi is not None else "–",
            "cells": [format_value(m, r.metrics.get(m)) for m in shown[1:]],
            "vs": [{"metric": m, "delta": format_delta(m, v["delta"]), "verdict": v["verdict"]}
                   for m, v in (r.vs_baseline or {}).items()],
            "p50": format_value("latency_ms_p50", r.latency_ms_p50),
            "p95": format_value("latency_ms_p95", r.latency_ms_p95),
            "cost": f"${r.cost_per_1000:,.4g}", "index": "–" if r.index_mb is None else f"{r.index_mb:,.2f} MB",
        })
    optimal = [r.variant for r in rep.rows if r.pareto]
    return {"title": f"Variants on {rep.dataset}@{rep.version}", "rep": rep, "rows": rows, "links": links,
            "shown": [describe(m) for m in shown], "figure": figure, "optimal": optimal,
            "glossary": views.glossary([*shown, "latency_ms_p50", "latency_ms_p95"])}


def run_html(rep: RunReport) -> str:
    ctx = run_context(rep)
    return document("run_body.html", **ctx)


def compare_html(rep: CompareReport) -> str:
    ctx = compare_context(rep)
    return document("compare_body.html", **ctx)


def decision_html(rep: DecisionReport) -> str:
    ctx = decision_context(rep)
    return document("decision_body.html", **ctx)


def variants_html(rep: VariantsReport) -> str:
    ctx = variants_context(rep)
    return document("variants_body.html", **ctx)
