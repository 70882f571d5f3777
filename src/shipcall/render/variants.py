"""The variants table as text for the terminal (`shipcall variants`)."""

from __future__ import annotations

from typing import Any

from shipcall.core.metrics.glossary import format_delta, format_value

MARK = {"improved": "+", "regressed": "!", "no_change": "=", "not_worse": "≥", "underpowered": "?"}


def variants_text(rep: Any) -> str:
    p = rep.primary
    shown = list(dict.fromkeys([p, *rep.guarded]))
    header = ["variant", "run", *shown, f"{p} 95% CI", "p50 ms", "p95 ms", "$/1000", "index MB", "gate", "frontier"]
    rows = []
    for r in rep.rows:
        lo, hi = r.primary_ci
        vs = r.vs_baseline or {}
        cells = []
        for m in shown:
            cell = format_value(m, r.metrics.get(m))
            if m in vs:
                cell += f" ({format_delta(m, vs[m]['delta'])} {MARK.get(vs[m]['verdict'], '?')})"
            cells.append(cell)
        rows.append([r.variant + (" (baseline)" if r.is_baseline else ""), r.run.id, *cells,
                     f"{format_value(p, lo)}–{format_value(p, hi)}" if lo is not None and hi is not None else "–",
                     "–" if r.latency_ms_p50 is None else f"{r.latency_ms_p50:.1f}",
                     "–" if r.latency_ms_p95 is None else f"{r.latency_ms_p95:.1f}", f"{r.cost_per_1000:.4g}",
                     "–" if r.index_mb is None else f"{r.index_mb:.2f}", r.gate or "–",
                     "Pareto-optimal" if r.pareto else f"dominated by {r.dominated_by}"])
    widths = [max(len(h), *(len(row[j]) for row in rows)) for j, h in enumerate(header)]
    lines = [f"variants on {rep.dataset}@{rep.version}: quality = {p}, latency = p95, cost per 1,000 items", ""]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.append("")
    lines.append("(change against the baseline, the gate's verdict: + improved, ! regressed, = no change, "
                 "≥ not worse, ? underpowered); gate: what `shipcall gate` would say against the baseline.")
    lines += [f"note: {n}" for n in rep.notes]
    return "\n".join(lines)
