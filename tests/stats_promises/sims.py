"""Data generators shared by the promise simulations (the audit's set-ups, ../shared/notes/
stats-review.md and stats-repro/c4_compare_sim.py), kept small and seeded."""

from __future__ import annotations

import numpy as np

from shipcall.config.contract import Contract

METRICS = ("hit@5", "f1", "ndcg@10")


def contract(**kw) -> Contract:  # noqa: ANN003
    return Contract(primary=kw.pop("primary", "f1"), metrics=kw.pop("metrics", {}), cohorts=["topic"], **kw)


def item_values(rng: np.random.Generator, theta: np.ndarray) -> dict[str, np.ndarray]:
    """One system's per-item values given item difficulty theta in (0, 1) (the audit's c4)."""
    n = theta.size
    hit = (rng.random(n) < theta).astype(float)
    u = rng.random(n)
    f1 = np.where(u < (1 - theta) * 0.6, 0.0, np.where(u > 1 - theta * 0.5, 1.0, rng.beta(2 + 3 * theta, 2, n)))
    ndcg = np.where(hit > 0, np.clip(rng.beta(1 + 4 * theta, 2, n) + 0.2, 0, 1), 0.0)
    return {"hit@5": hit, "f1": f1, "ndcg@10": ndcg}


def draw_null(rng: np.random.Generator, sizes: list[int], churn: float):  # noqa: ANN201
    """Baseline and candidate exchangeable per item: each item redrawn for the candidate with
    probability `churn`, else identical."""
    n = int(sum(sizes))
    theta = rng.beta(3, 2, n)
    b = item_values(rng, theta)
    fresh = item_values(rng, theta)
    redo = rng.random(n) < churn
    c = {m: np.where(redo, fresh[m], b[m]) for m in METRICS}
    cohort = [f"c{k}" for k, s in enumerate(sizes) for _ in range(s)]
    return b, c, cohort


def to_runs(b: dict[str, np.ndarray], c: dict[str, np.ndarray], cohort: list[str]):  # noqa: ANN201
    ids = [f"q{i:05d}" for i in range(len(cohort))]
    names = list(b)
    base = {i: {m: float(b[m][k]) for m in names} for k, i in enumerate(ids)}
    cand = {i: {m: float(c[m][k]) for m in names} for k, i in enumerate(ids)}
    tags = {i: {"topic": cohort[k]} for k, i in enumerate(ids)}
    return base, cand, tags


def drop(rng: np.random.Generator, c: dict[str, np.ndarray], idx: np.ndarray, metric: str, size: float,
         *, clip: bool = True) -> dict[str, np.ndarray]:
    """Lower the candidate's metric by `size` on average over the items `idx`."""
    c = {m: v.copy() for m, v in c.items()}
    if metric == "hit@5":
        ones = idx[c[metric][idx] > 0.5]
        p = min(1.0, size * len(idx) / max(1, len(ones)))
        c[metric][ones[rng.random(len(ones)) < p]] = 0.0
    else:
        c[metric][idx] = np.clip(c[metric][idx] - size, 0, 1) if clip else c[metric][idx] - size
    return c
