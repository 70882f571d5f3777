"""Aggregation of per-item metric values into run and cohort values, vectorised with NumPy.

- A per-item metric's run value is the mean of its per-item values over the items that have it
  (an item without the metric — not applicable, or an error — is left out, not counted as 0).
- `latency_ms_p50`, `latency_ms_p95`: `numpy.percentile` (linear interpolation, type 7 of
  Hyndman and Fan 1996) of `latency_ms["total"]` over the items without error.
- `ttft_ms_p50`, `ttft_ms_p95`: the same of `latency_ms["ttft"]`, over the items that have it
  (generators that measure the time to the first token: the LLM generators).
- `tokens_in`, `tokens_out`, `cost`, `cost_paid`: sums of the items' `extra["usage"]` over the
  items without error that have one; `cost_per_item` = cost / those items. Absent when no item
  has usage (the extractive generator).
- `abstain_precision`: abstentions on unanswerable items / all abstentions, counted from the
  per-item `abstain_recall` (an unanswerable item, 1 = abstained) and `over_refusal_rate` (an
  answerable item, 1 = abstained); present only when something was abstained.

Cohorts are the items sharing a tag value (`topic=hr`) and get the same metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from shipcall.core.datasets import Item
from shipcall.core.metrics.abstention import abstain_precision
from shipcall.core.metrics.registry import DEFAULT_KS, metric_info, metrics_for
from shipcall.core.runs import ItemResult

_NAN = float("nan")


def metric_matrix(results: Sequence[ItemResult], names: Sequence[str]) -> np.ndarray:
    """Per-item values as a float matrix [len(results) × len(names)], NaN where an item lacks a
    metric (rows follow `results`, columns follow `names`)."""
    n = len(results)
    out = np.empty((n, len(names)), dtype=np.float64)
    dicts = [r.metrics for r in results]
    for j, name in enumerate(names):
        out[:, j] = np.fromiter((d.get(name, _NAN) for d in dicts), dtype=np.float64, count=n)
    return out


def _rank(names: Sequence[str], ks: Sequence[int]) -> dict[str, int]:
    """Registry order for these names: families for `ks` and every k found in the names."""
    all_ks = set(ks) | {int(n.rsplit("@", 1)[1]) for n in names if "@" in n and metric_info(n) is not None}
    return {name: i for i, name in enumerate(metrics_for(sorted(all_ks)))}


def metric_names(results: Sequence[ItemResult], ks: Sequence[int] = DEFAULT_KS) -> list[str]:
    """The per-item metrics present in the results, in registry order (unknown names — e.g. from
    plugins — last, alphabetically). Aggregate-only metrics are never per-item columns."""
    present: set[str] = set().union(*(r.metrics.keys() for r in results)) if results else set()
    keep = [n for n in present if (info := metric_info(n)) is None or info.per_item]
    order = _rank(keep, ks)
    return sorted(keep, key=lambda name: (order.get(name, len(order)), name))


# Operational columns per item: total latency, time to first token, then usage.
_OPS = ("total", "ttft", "tokens_in", "tokens_out", "cost", "cost_paid")


def _summarise(x: np.ndarray, ops: np.ndarray, names: Sequence[str], col: dict[str, int],
               rank: dict[str, int]) -> dict[str, float]:
    """Means of the columns of x (ignoring NaN) plus the aggregate-only metrics."""
    present = ~np.isnan(x)
    counts = present.sum(axis=0)
    sums = np.where(present, x, 0.0).sum(axis=0)
    out: dict[str, float] = {}
    for j, name in enumerate(names):
        if counts[j]:
            out[name] = float(sums[j] / counts[j])
    for j, prefix in ((0, "latency_ms"), (1, "ttft_ms")):
        lat = ops[:, j][~np.isnan(ops[:, j])]
        if lat.size:
            p50, p95 = np.percentile(lat, [50, 95])
            out[f"{prefix}_p50"] = float(p50)
            out[f"{prefix}_p95"] = float(p95)
    priced = ~np.isnan(ops[:, 4])
    if priced.any():
        for j, name in ((2, "tokens_in"), (3, "tokens_out"), (4, "cost"), (5, "cost_paid")):
            out[name] = float(np.nansum(ops[:, j]))
        out["cost_per_item"] = out["cost"] / int(priced.sum())
    if "abstain_recall" in col or "over_refusal_rate" in col:
        right = int(np.sum(x[:, col["abstain_recall"]] == 1.0)) if "abstain_recall" in col else 0
        wrong = int(np.sum(x[:, col["over_refusal_rate"]] == 1.0)) if "over_refusal_rate" in col else 0
        p = abstain_precision(right, wrong)
        if p is not None:
            out["abstain_precision"] = p
    return dict(sorted(out.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _operations(results: Sequence[ItemResult]) -> np.ndarray:
    """[len(results) × len(_OPS)]: latency, ttft and usage per item, NaN where absent or errored."""
    out = np.full((len(results), len(_OPS)), _NAN)
    for i, r in enumerate(results):
        if r.error is not None:
            continue
        out[i, 0] = r.latency_ms.get("total", _NAN)
        out[i, 1] = r.latency_ms.get("ttft", _NAN)
        usage = r.extra.get("usage") if r.extra else None
        if usage:
            for j, key in enumerate(_OPS[2:], start=2):
                out[i, j] = float(usage.get(key, 0.0) or 0.0)
    return out


class Tagged(Protocol):
    """What aggregation reads of an item of any task: its id and tags."""

    @property
    def id(self) -> str: ...

    @property
    def tags(self) -> dict[str, str]: ...


def aggregate(
    items: Sequence[Item] | Sequence[Tagged],
    results: Sequence[ItemResult],
    cohort_keys: Sequence[str] | None = None,
    ks: Sequence[int] = DEFAULT_KS,
    extra: Callable[[Sequence[ItemResult]], dict[str, float]] | None = None,
) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """Run metrics and cohort metrics from per-item results (`result.metrics` already filled).

    Returns `(overall, cohorts)`: `overall` maps metric name → value; `cohorts` maps
    `"key=value"` → `{"n": number of results in the cohort, "metrics": {...}}` for every tag key
    in `cohort_keys` (None: every tag key of `items`; []: no cohorts). Results are paired with
    items by `item_id`; a result whose item is not in `items` counts overall but in no cohort.
    `ks` only orders the output. `extra`, given the results of the run or of one cohort, returns
    the metrics that are not means of per-item values (a task's macro-F1 or calibration error),
    added after the means.
    """
    names = metric_names(results, ks)
    col = {name: j for j, name in enumerate(names)}
    x = metric_matrix(results, names)
    ops = _operations(results)
    rank = _rank(names, ks)
    overall = _summarise(x, ops, names, col, rank)
    if extra is not None:
        overall.update(extra(results))

    tags_by_id = {it.id: it.tags for it in items}
    keys = sorted({k for it in items for k in it.tags}) if cohort_keys is None else list(cohort_keys)
    cohorts: dict[str, dict[str, Any]] = {}
    row_tags = [tags_by_id.get(r.item_id, {}) for r in results]
    for key in keys:
        codes_of: dict[str, int] = {}
        codes = np.fromiter(
            (codes_of.setdefault(t[key], len(codes_of)) if key in t else -1 for t in row_tags),
            dtype=np.int64, count=len(results),
        )
        if not codes_of:
            continue
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(codes_of) + 1))
        for value, c in sorted(codes_of.items()):
            rows = order[bounds[c]:bounds[c + 1]]
            metrics = _summarise(x[rows], ops[rows], names, col, rank)
            if extra is not None:
                metrics.update(extra([results[i] for i in rows]))
            cohorts[f"{key}={value}"] = {"n": int(rows.size), "metrics": metrics}
    return overall, cohorts
