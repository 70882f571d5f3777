"""Drift: how far the production query mix has moved from an evaluation dataset. Pure: no I/O.

Per cohort tag key (`topic`), the dataset's cohort shares (items with that tag) are set beside
the production shares (logged queries whose cohort could be assigned, core/cohorts.py). The
distance is the total variation distance, TV = ½ Σ_c |production share_c − dataset share_c|:
the share of production queries that would have to move to another cohort for the two mixes to
agree (0: the same mix; 1: no cohort in common). Separately, the share of logged queries
**unlike any dataset item** says how much of production the dataset does not cover at all.

The dataset **no longer represents production** only when the evidence says so, for at least
`min_queries` logged queries, on some key:

- the mix moved: a goodness-of-fit test of the logged cohort counts against the dataset's shares
  is significant (Pearson's X² with a Monte Carlo p-value from `n_resamples` seeded
  multinomial draws under the dataset's mix — exact in the limit at any sample size, where the χ²
  approximation is not: Hope, 1968, "A simplified Monte Carlo significance test procedure",
  JRSS-B 30:582–598; R's `chisq.test(simulate.p.value = TRUE)`), Holm-adjusted over the keys,
  **and** the distance is practically large (TV > `threshold`). A large TV that the test cannot
  tell from noise says "not enough logged queries to say" (`represents` None);
- more than `unlike_threshold` of the queries are unlike any item (one-sided exact binomial test
  at alpha against that share);
- a cohort holding at least 5% of production has fewer than `min_cohort_size` items.

Each cohort that production holds more of than the dataset gets the
number of items to add so that its dataset share matches production's: for a cohort with n_c
of N items and production share p (capped at 0.95), x = (p·N − n_c) / (1 − p), rounded up (at
least enough to reach `min_cohort_size` when production uses it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import binom

from shipcall.core.cohorts import Assignment
from shipcall.core.datasets import Item
from shipcall.core.stats.corrections import holm

NONE = "(none)"


@dataclass(frozen=True)
class CohortShare:
    cohort: str
    dataset_n: int
    dataset_share: float
    production_n: int
    production_share: float
    items_to_add: int

    def to_dict(self) -> dict[str, Any]:
        return {"cohort": self.cohort, "dataset_n": self.dataset_n, "dataset_share": round(self.dataset_share, 4),
                "production_n": self.production_n, "production_share": round(self.production_share, 4),
                "items_to_add": self.items_to_add}


@dataclass(frozen=True)
class KeyDrift:
    key: str
    distance: float | None  # total variation; None without assigned queries
    assigned: int
    unassigned: int
    shares: list[CohortShare]
    p_value: float | None = None  # goodness of fit of the production counts to the dataset's mix
    p_adjusted: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "distance": None if self.distance is None else round(self.distance, 4),
                "assigned": self.assigned, "unassigned": self.unassigned,
                "p_value": None if self.p_value is None else round(self.p_value, 6),
                "p_adjusted": None if self.p_adjusted is None else round(self.p_adjusted, 6),
                "test": "Pearson X² goodness of fit, Monte Carlo p-value",
                "shares": [s.to_dict() for s in self.shares]}


def gof_p_value(counts: Sequence[int], shares: Sequence[float], *, n_resamples: int = 10_000, seed: int = 0) -> float:
    """Monte Carlo p-value of Pearson's X² for observed `counts` against expected `shares`:
    (1 + #{X²* ≥ X²}) / (1 + B) over B seeded multinomial draws of the same total. A count in a
    cell of share 0 is impossible under the null (p = 1 / (1 + B))."""
    obs = np.asarray(counts, dtype=np.float64)
    p = np.asarray(shares, dtype=np.float64)
    n = int(obs.sum())
    if n == 0 or p.sum() <= 0:
        return 1.0
    p = p / p.sum()
    if np.any((p == 0) & (obs > 0)):
        return 1.0 / (1.0 + n_resamples)
    keep = p > 0
    obs, p = obs[keep], p[keep]
    expected = n * p
    stat = float(((obs - expected) ** 2 / expected).sum())
    rng = np.random.default_rng(seed)
    sims = rng.multinomial(n, p, size=n_resamples).astype(np.float64)
    star = ((sims - expected) ** 2 / expected).sum(axis=1)
    return float((1 + int((star >= stat - 1e-9).sum())) / (1 + n_resamples))


@dataclass(frozen=True)
class DriftReport:
    dataset: str
    n_items: int
    n_queries: int
    keys: list[KeyDrift]
    unlike: int
    unlike_examples: list[str]
    represents: bool | None  # None: too few logged queries to tell
    reasons: list[str]
    add: list[dict[str, Any]]  # cohorts to add items to, largest first
    threshold: float
    unlike_threshold: float
    summary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unlike_share(self) -> float:
        return self.unlike / self.n_queries if self.n_queries else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "n_items": self.n_items, "n_queries": self.n_queries,
                "represents_production": self.represents, "summary": self.summary, "reasons": self.reasons,
                "unlike_any_item": self.unlike, "unlike_share": round(self.unlike_share, 4),
                "unlike_examples": self.unlike_examples, "add_items": self.add,
                "threshold": self.threshold, "unlike_threshold": self.unlike_threshold,
                "keys": [k.to_dict() for k in self.keys], **self.extra}


def items_to_add(dataset_n: int, total: int, production_share: float) -> int:
    """Items to add to a cohort so that its dataset share reaches `production_share`."""
    p = min(production_share, 0.95)  # all of production in one cohort: match 95%, not infinitely many
    x = (p * total - dataset_n) / (1.0 - p)
    return max(0, math.ceil(x - 1e-9))


def measure_drift(dataset: str, items: Sequence[Item], questions: Sequence[str], assignments: Sequence[Assignment],
                  keys: Sequence[str], *, threshold: float = 0.15, unlike_threshold: float = 0.2,
                  min_cohort_size: int = 20, min_queries: int = 30, alpha: float = 0.05,
                  n_resamples: int = 10_000, seed: int = 0) -> DriftReport:
    """Compare the logged queries' cohort mix with the dataset's (see the module docstring)."""
    n_items, n_q = len(items), len(assignments)
    out_keys: list[KeyDrift] = []
    add: list[dict[str, Any]] = []
    reasons: list[str] = []
    unsure: list[str] = []
    raw_p: list[float | None] = []
    for key in keys:
        ds = Counter(it.tags[key] for it in items if key in it.tags)
        ds_total = sum(ds.values())
        prod = Counter(a.tags[key] for a in assignments if key in a.tags)
        assigned = sum(prod.values())
        shares: list[CohortShare] = []
        for value in sorted(set(ds) | set(prod), key=lambda v: (-prod[v], -ds[v], v)):
            d_share = ds[value] / ds_total if ds_total else 0.0
            p_share = prod[value] / assigned if assigned else 0.0
            need = 0
            if assigned and p_share > d_share:
                need = items_to_add(ds[value], ds_total, p_share)
            if assigned and p_share >= 0.05 and ds[value] < min_cohort_size:
                need = max(need, min_cohort_size - ds[value])
            shares.append(CohortShare(f"{key}={value}", ds[value], d_share, prod[value], p_share, need))
        distance = 0.5 * sum(abs(s.production_share - s.dataset_share) for s in shares) if assigned else None
        p_key = (gof_p_value([s.production_n for s in shares], [s.dataset_share for s in shares],
                             n_resamples=n_resamples, seed=seed) if assigned and ds_total else None)
        raw_p.append(p_key)
        out_keys.append(KeyDrift(key, distance, assigned, n_q - assigned, shares, p_key))
        for s in shares:
            if n_q >= min_queries and s.production_share >= 0.05 and s.dataset_n < min_cohort_size:
                reasons.append(f"{s.cohort} holds {s.production_share:.0%} of production but only {s.dataset_n} "
                               f"items (min_cohort_size {min_cohort_size})")
            if s.items_to_add > 0 and s.production_share >= 0.05:
                add.append({"cohort": s.cohort, "items": s.items_to_add, "dataset_share": round(s.dataset_share, 4),
                            "production_share": round(s.production_share, 4)})
    tested = [i for i, p in enumerate(raw_p) if p is not None]
    adjusted = holm(np.array([raw_p[i] for i in tested])) if tested else np.array([])
    for i, p_adj in zip(tested, adjusted, strict=True):
        k = out_keys[i]
        out_keys[i] = KeyDrift(k.key, k.distance, k.assigned, k.unassigned, k.shares, k.p_value, float(p_adj))
        if n_q < min_queries or k.distance is None or k.distance <= threshold:
            continue
        if p_adj < alpha:
            reasons.append(f"the {k.key} mix differs from production by {k.distance:.2f} (total variation, threshold "
                           f"{threshold:.2f}; goodness of fit p = {p_adj:.2g} over {len(tested)} key(s))")
        else:
            unsure.append(f"the {k.key} mix differs by {k.distance:.2f}, but {k.assigned} logged queries cannot tell "
                          f"that from chance (goodness of fit p = {p_adj:.2g})")
    unlike_q = [q for q, a in zip(questions, assignments, strict=True) if a.unlike]
    unlike_share = len(unlike_q) / n_q if n_q else 0.0
    p_unlike = float(binom.sf(len(unlike_q) - 1, n_q, unlike_threshold)) if n_q else 1.0
    if n_q >= min_queries and unlike_share > unlike_threshold and p_unlike < alpha:
        reasons.append(f"{unlike_share:.0%} of logged queries are unlike any dataset item "
                       f"(threshold {unlike_threshold:.0%}, one-sided binomial p = {p_unlike:.2g})")
    elif n_q >= min_queries and unlike_share > unlike_threshold:
        unsure.append(f"{unlike_share:.0%} of logged queries are unlike any item, which {n_q} queries cannot tell "
                      f"from {unlike_threshold:.0%}")
    examples = list(dict.fromkeys(unlike_q))[:5]
    add.sort(key=lambda a: (-a["items"], a["cohort"]))
    represents: bool | None = None if n_q < min_queries else (False if reasons else (None if unsure else True))
    if represents is None and n_q >= min_queries:
        summary = "not enough logged queries to say: " + "; ".join(unsure)
    elif represents is None:
        summary = (f"too few logged queries to tell ({n_q}, at least {min_queries} needed); "
                   f"{unlike_share:.0%} so far are unlike any item")
    elif represents:
        summary = f"{dataset} still represents production ({n_q} logged queries)"
    else:
        what = "; ".join(f"{a['cohort']} +{a['items']}" for a in add[:6])
        summary = (f"{dataset} no longer represents production: " + "; ".join(reasons)
                   + (f". Add items to: {what}" if what else "")
                   + (f". Draft items for the {len(unlike_q)} queries unlike any item" if unlike_q else ""))
    return DriftReport(dataset, n_items, n_q, out_keys, len(unlike_q), examples, represents, reasons, add,
                       threshold, unlike_threshold, summary)
