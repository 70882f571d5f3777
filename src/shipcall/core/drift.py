"""Drift: how far the production query mix has moved from an evaluation dataset. Pure: no I/O.

Per cohort tag key (`topic`), the dataset's cohort shares (items with that tag) are set beside
the production shares (logged queries whose cohort could be assigned, core/cohorts.py). The
distance is the total variation distance, TV = ½ Σ_c |production share_c − dataset share_c|:
the share of production queries that would have to move to another cohort for the two mixes to
agree (0: the same mix; 1: no cohort in common). Separately, the share of logged queries
**unlike any dataset item** says how much of production the dataset does not cover at all.

The dataset **no longer represents production** when, for at least `min_queries` logged
queries, TV exceeds `threshold` on any key, or more than `unlike_threshold` of the queries are
unlike any item, or a cohort holding at least 5% of production has fewer than
`min_cohort_size` items. Each cohort that production holds more of than the dataset gets the
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

from shipcall.core.cohorts import Assignment
from shipcall.core.datasets import Item

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

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "distance": None if self.distance is None else round(self.distance, 4),
                "assigned": self.assigned, "unassigned": self.unassigned,
                "shares": [s.to_dict() for s in self.shares]}


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
                  min_cohort_size: int = 20, min_queries: int = 30) -> DriftReport:
    """Compare the logged queries' cohort mix with the dataset's (see the module docstring)."""
    n_items, n_q = len(items), len(assignments)
    out_keys: list[KeyDrift] = []
    add: list[dict[str, Any]] = []
    reasons: list[str] = []
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
        out_keys.append(KeyDrift(key, distance, assigned, n_q - assigned, shares))
        if n_q >= min_queries and distance is not None and distance > threshold:
            reasons.append(f"the {key} mix differs from production by {distance:.2f} (total variation, "
                           f"threshold {threshold:.2f})")
        for s in shares:
            if n_q >= min_queries and s.production_share >= 0.05 and s.dataset_n < min_cohort_size:
                reasons.append(f"{s.cohort} holds {s.production_share:.0%} of production but only {s.dataset_n} "
                               f"items (min_cohort_size {min_cohort_size})")
            if s.items_to_add > 0 and s.production_share >= 0.05:
                add.append({"cohort": s.cohort, "items": s.items_to_add, "dataset_share": round(s.dataset_share, 4),
                            "production_share": round(s.production_share, 4)})
    unlike_q = [q for q, a in zip(questions, assignments, strict=True) if a.unlike]
    unlike_share = len(unlike_q) / n_q if n_q else 0.0
    if n_q >= min_queries and unlike_share > unlike_threshold:
        reasons.append(f"{unlike_share:.0%} of logged queries are unlike any dataset item "
                       f"(threshold {unlike_threshold:.0%})")
    examples = list(dict.fromkeys(unlike_q))[:5]
    add.sort(key=lambda a: (-a["items"], a["cohort"]))
    represents: bool | None = None if n_q < min_queries else not reasons
    if represents is None:
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
