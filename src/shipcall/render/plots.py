"""The report plots, drawn by matplotlib (SVG backend, no pyplot, no display) and returned as
inline `<svg>` elements (render/svg.py): values in, markup out.

- `forest`: per-cohort deltas with their intervals, the ±tolerance band shaded, regressed rows
  red and improved rows green;
- `failure_pareto`: failure modes by count with the cumulative share, each bar a link to its
  examples (`#failure-MODE`);
- `failure_shift`: failure-mode counts of the baseline beside the candidate;
- `latency`: the distribution of per-item latency (histogram, log-spaced bins when it spans
  decades) with p50 and p95 marked;
- `history`: a metric over the runs of a variant;
- `growth`: items per dataset version;
- `frontier`: quality against cost and against latency, Pareto-optimal variants joined, the
  baseline marked.

matplotlib is imported on first use (the `reports` extra), so `shipcall --help` never loads it.
Its settings are applied in a context under a lock: rcParams are process-wide and the server
renders pages on several threads.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from shipcall.errors import MissingExtraError
from shipcall.render.svg import inline_svg

INK, MUTED, GRID = "#1d232b", "#5f6b7a", "#d9dee5"
ACCENT, GOOD, BAD, WARN = "#1f4e79", "#1d7a3a", "#b42318", "#a15c00"
VERDICT_COLOURS = {"regressed": BAD, "improved": GOOD, "underpowered": WARN, "no_change": ACCENT, "not_worse": ACCENT}
WIDTH = 5.2  # inches; the CSS scales every plot to its container (narrow figures keep text legible on phones)
_LOCK = threading.Lock()
_RC = {
    "svg.fonttype": "none", "svg.hashsalt": "shipcall", "font.size": 10.5, "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"], "axes.edgecolor": MUTED, "axes.labelcolor": INK,
    "axes.spines.top": False, "axes.spines.right": False, "xtick.color": MUTED, "ytick.color": MUTED,
    "text.color": INK, "axes.titlesize": 11.5, "axes.titleweight": "bold", "axes.titlelocation": "left",
    "axes.grid": True, "grid.color": GRID, "grid.linewidth": 0.6, "axes.axisbelow": True,
    "legend.frameon": False, "legend.fontsize": 9.5,
}


def _mpl() -> Any:
    try:
        import matplotlib
    except ImportError as e:
        raise MissingExtraError("the reports' plots need matplotlib", hint="pip install 'shipcall[reports]'") from e
    return matplotlib


def _draw(draw: Callable[[Any], None], *, height: float, prefix: str, title: str, desc: str) -> str:
    """Run `draw(figure)` under the house style and return the figure as inline SVG."""
    mpl = _mpl()
    from matplotlib.figure import Figure

    with _LOCK, mpl.rc_context(_RC):
        fig = Figure(figsize=(WIDTH, height), layout="constrained")
        draw(fig)
        # the title at the figure's left edge, wrapped: an axes title starts after the tick labels
        # and would run past the right edge (the SVG clips it)
        fig.suptitle(_wrap(title, 56), x=0.01, ha="left", fontsize=_RC["axes.titlesize"], fontweight="bold")
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(buf.getvalue(), prefix=prefix, title=title, desc=desc)


def _wrap(text: str, width: int = 52) -> str:
    """Titles and labels wrap rather than run past the figure's edge (the SVG would clip them)."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def _plain_log_axis(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def forest(rows: Sequence[dict[str, Any]], *, prefix: str, title: str, tolerance: float | None = None,
           scale: float = 1.0, unit: str = "") -> str:
    """rows: {label, delta, lo, hi, verdict}, top to bottom; values multiplied by `scale` (100
    for percentage points) and labelled with `unit`."""
    rows = [r for r in rows if _finite(r.get("delta"))]
    n = max(len(rows), 1)

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        ys = list(range(len(rows)))[::-1]
        if tolerance:
            ax.axvspan(-tolerance * scale, tolerance * scale, color=GRID, alpha=0.55, lw=0)
        ax.axvline(0, color=MUTED, lw=1)
        for y, r in zip(ys, rows, strict=True):
            colour = VERDICT_COLOURS.get(r.get("verdict", ""), ACCENT)
            d = r["delta"] * scale
            lo = r["lo"] * scale if _finite(r.get("lo")) else d
            hi = r["hi"] * scale if _finite(r.get("hi")) else d
            ax.plot([lo, hi], [y, y], color=colour, lw=2.2, solid_capstyle="butt")
            ax.plot([d], [y], marker="D" if r.get("verdict") == "regressed" else "o", ms=6, color=colour)
        ax.set_yticks(ys, [str(r["label"]) for r in rows])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.grid(axis="y", visible=False)
        band = f"\nshaded: ±{tolerance * scale:g}{unit} tolerance" if tolerance else ""
        ax.set_xlabel(f"change, candidate − baseline{f' ({unit.strip()})' if unit.strip() else ''}{band}")

    desc = "; ".join(f"{r['label']}: {r['delta'] * scale:+.3g}{unit} [{r['lo'] * scale:+.3g}, {r['hi'] * scale:+.3g}]"
                     f" {r.get('verdict', '')}" for r in rows if _finite(r.get("lo")) and _finite(r.get("hi")))
    return _draw(draw, height=1.5 + 0.28 * n + 0.2 * (len(title) > 52), prefix=prefix, title=title, desc=desc)


def failure_pareto(modes: Sequence[tuple[str, int]], *, prefix: str, title: str, link: str = "#failure-") -> str:
    """Bars of failure counts, most frequent first, with the cumulative share of failures."""
    total = sum(c for _, c in modes) or 1

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        names = [m for m, _ in modes]
        counts = [c for _, c in modes]
        bars = ax.bar(range(len(modes)), counts, color=ACCENT, width=0.65)
        for bar, name in zip(bars, names, strict=True):
            bar.set_url(f"{link}{name}")
        ax.set_xticks(range(len(modes)), [n.replace("_", " ") for n in names], rotation=25, ha="right")
        ax.set_ylabel("failed items")
        ax.grid(axis="x", visible=False)
        twin = ax.twinx()
        cum, acc = [], 0
        for c in counts:
            acc += c
            cum.append(100 * acc / total)
        twin.plot(range(len(modes)), cum, color=WARN, marker="o", ms=4, lw=1.5)
        twin.set_ylim(0, 105)
        twin.set_ylabel("cumulative share (%)")
        twin.grid(False)
        twin.spines["right"].set_visible(True)

    desc = "; ".join(f"{m}: {c} ({100 * c / total:.0f}%)" for m, c in modes)
    return _draw(draw, height=3.4, prefix=prefix, title=title, desc=desc)


def failure_shift(rows: Sequence[dict[str, Any]], *, prefix: str, title: str, link: str | None = "#failure-") -> str:
    """rows: {mode, baseline, candidate}: horizontal bars, baseline beside candidate; the
    candidate's bars link to its examples (`link` + mode)."""
    n = max(len(rows), 1)

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        ys = list(range(len(rows)))[::-1]
        h = 0.38
        ax.barh([y + h / 2 for y in ys], [r["baseline"] for r in rows], height=h, color=GRID, edgecolor=MUTED,
                lw=0.6, label="baseline")
        bars = ax.barh([y - h / 2 for y in ys], [r["candidate"] for r in rows], height=h, color=ACCENT,
                       label="candidate")
        if link:
            for bar, r in zip(bars, rows, strict=True):
                bar.set_url(f"{link}{r['mode']}")
        ax.set_yticks(ys, [str(r["mode"]).replace("_", " ") for r in rows])
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("failed items (primary mode)")
        ax.legend(loc="best")

    desc = "; ".join(f"{r['mode']}: {r['baseline']} → {r['candidate']}" for r in rows)
    return _draw(draw, height=1.3 + 0.42 * n, prefix=prefix, title=title, desc=desc)


def latency(values_ms: Sequence[float], *, p50: float | None, p95: float | None, prefix: str, title: str) -> str:
    """A histogram of per-item latency with p50 and p95 marked (log-spaced bins over wide ranges)."""
    import numpy as np

    xs = np.asarray([v for v in values_ms if _finite(v) and v > 0], dtype=float)

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        if xs.size:
            lo, hi = float(xs.min()), float(xs.max())
            wide = hi / lo > 50 if lo > 0 else False
            bins = np.geomspace(lo, hi, 30) if wide and hi > lo else 30
            ax.hist(xs, bins=bins, color=ACCENT, alpha=0.85)
            if wide:
                ax.set_xscale("log")
                _plain_log_axis(ax.xaxis)
        for value, name, colour in ((p50, "p50", GOOD), (p95, "p95", BAD)):
            if _finite(value):
                ax.axvline(value, color=colour, lw=1.6, ls="--", label=f"{name} {value:,.1f} ms")
        ax.set_xlabel("latency per item (ms)")
        ax.set_ylabel("items")
        ax.legend(loc="best")

    p = ", ".join(f"{k} {v:,.1f} ms" for k, v in (("p50", p50), ("p95", p95)) if _finite(v))
    desc = f"{xs.size} items; {p}" if xs.size else "no latencies recorded"
    return _draw(draw, height=3.0, prefix=prefix, title=title, desc=desc)


def history(series: Mapping[str, Sequence[tuple[str, float]]], *, prefix: str, title: str, scale: float = 1.0,
            ylabel: str = "", current: str | None = None) -> str:
    """series: metric label → [(run id, value)] in run order; the `current` run is ringed."""
    runs = list(dict.fromkeys(r for pts in series.values() for r, _ in pts))
    pos = {r: i for i, r in enumerate(runs)}
    colours = [ACCENT, WARN, GOOD, BAD, MUTED]

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        for i, (label, pts) in enumerate(series.items()):
            xs = [pos[r] for r, v in pts if _finite(v)]
            ys = [v * scale for _, v in pts if _finite(v)]
            ax.plot(xs, ys, marker="o", ms=5, lw=1.6, color=colours[i % len(colours)], label=label)
            if current in pos:
                for r, v in pts:
                    if r == current and _finite(v):
                        ax.plot([pos[r]], [v * scale], marker="o", ms=11, mfc="none", mec=INK, mew=1.2)
        ax.set_xticks(range(len(runs)), runs, rotation=0 if len(runs) < 10 else 45)
        ax.set_xlim(-0.5, max(len(runs) - 0.5, 0.5))
        ax.set_xlabel("run")
        if ylabel:
            ax.set_ylabel(ylabel)
        ax.legend(loc="best")

    desc = "; ".join(f"{label}: " + ", ".join(f"{r} {v * scale:.3g}" for r, v in pts if _finite(v))
                     for label, pts in series.items())
    return _draw(draw, height=3.0, prefix=prefix, title=title, desc=desc)


def growth(versions: Sequence[dict[str, Any]], *, prefix: str, title: str, current: int | None = None) -> str:
    """versions: {version, n_items} in version order; the `current` version drawn darker."""

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        xs = list(range(len(versions)))
        ax.bar(xs, [v["n_items"] for v in versions], width=0.6,
               color=[ACCENT if v["version"] == current else "#8fa9c4" for v in versions])
        ax.set_xticks(xs, [f"v{v['version']}" for v in versions])
        ax.set_xlim(-0.7, max(len(versions) - 0.3, 1.5))
        ax.set_ylabel("items")
        ax.set_xlabel("dataset version")
        ax.grid(axis="x", visible=False)

    desc = "; ".join(f"v{v['version']}: {v['n_items']} items" for v in versions)
    return _draw(draw, height=2.6, prefix=prefix, title=title, desc=desc)


def frontier(points: Sequence[dict[str, Any]], *, prefix: str, title: str, quality: str, scale: float = 1.0) -> str:
    """points: {name, quality, lo, hi, cost, latency, pareto, baseline}: quality against cost per
    1,000 items and against latency p95, the Pareto-optimal variants joined by a line."""

    def panel(ax: Any, key: str, xlabel: str) -> None:
        pts = [p for p in points if _finite(p.get(key)) and _finite(p.get("quality"))]
        front = sorted((p for p in pts if p["pareto"]), key=lambda p: p[key])
        if len(front) > 1:
            ax.plot([p[key] for p in front], [p["quality"] * scale for p in front], color=GOOD, lw=1.4, ls="--",
                    label="Pareto frontier")
        for p in pts:
            y = p["quality"] * scale
            if _finite(p.get("lo")) and _finite(p.get("hi")):
                ax.plot([p[key], p[key]], [p["lo"] * scale, p["hi"] * scale], color=MUTED, lw=1.2)
            ax.plot([p[key]], [y], marker="s" if p.get("baseline") else "o", ms=8 if p.get("baseline") else 6,
                    color=GOOD if p["pareto"] else MUTED, mec=INK if p.get("baseline") else "none", mew=1.2)
            label = str(p["name"]) + (" (baseline)" if p.get("baseline") and p["name"] != "baseline" else "")
            ax.annotate(label, (p[key], y), textcoords="offset points", xytext=(6, 4), fontsize=9, color=INK)
        xs = [p[key] for p in pts]
        if xs and max(xs) == min(xs):
            ax.set_xlim(min(xs) - 1, max(xs) + 1)
        else:
            ax.margins(x=0.25)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(_wrap(quality, 30))

    costly = any(_finite(p.get("cost")) and p["cost"] > 0 for p in points)

    def draw(fig: Any) -> None:
        if costly:
            a, b = fig.subplots(2, 1)
            panel(a, "cost", "cost per 1,000 items (US$)")
        else:
            a = b = fig.subplots()
        panel(b, "latency", "latency p95 (ms)")
        if sum(1 for p in points if p["pareto"]) > 1:
            a.legend(loc="best")

    desc = "; ".join(f"{p['name']}: {quality} {p['quality'] * scale:.3g}, cost/1000 ${p['cost']:.4g}, "
                     f"p95 {p['latency']:.1f} ms{', Pareto-optimal' if p['pareto'] else ''}"
                     for p in points if all(_finite(p.get(k)) for k in ("quality", "cost", "latency")))
    heading = title if costly else f"{title} (every variant costs $0 per 1,000 items: offline)"
    return _draw(draw, height=5.6 if costly else 3.2, prefix=prefix, title=heading, desc=desc)
