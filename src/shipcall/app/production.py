"""Reading the production log against the evaluation data: drift (core/drift.py), the
production cohort mix for `compare/gate --weights production` (core/weights.py), and the canary
monitor (core/monitor.py). Cohorts of logged queries come from core/cohorts.py with the
`production:` rules of shipcall.yaml."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shipcall.adapters.store.reviews import ReviewStore
from shipcall.app.review import assign, cohort_keys, dataset_items, default_dataset
from shipcall.app.workspace import Workspace
from shipcall.core.drift import DriftReport, measure_drift
from shipcall.core.monitor import MonitorReport, Observation, monitor
from shipcall.core.review import UNIFORM_STRATEGIES
from shipcall.core.weights import ProductionWeights, production_weighted
from shipcall.errors import NotFoundError

if TYPE_CHECKING:
    from shipcall.config.contract import Contract
    from shipcall.core.datasets import Item


def _counted(ws: Workspace, entries: list[Any]) -> list[Any]:
    """The entries that count: at most production.max_queries_per_user per user or address."""
    from shipcall.core.production import cap_per_user

    return cap_per_user(entries, ws.config.production.max_queries_per_user)


def drift(ws: Workspace, dataset: str, *, since: str | None = None, by: Sequence[str] | None = None,
          min_queries: int = 30) -> DriftReport:
    """How far the logged query mix (since `since`) has moved from `dataset`'s latest version."""
    from shipcall.app.datasets import parse_ref

    name, version = parse_ref(dataset)
    ds = ws.store.load_dataset(name, version)
    entries = _counted(ws, ReviewStore(ws.store).log_entries(since=since))
    keys = cohort_keys(ws, ds.items, by)
    questions = [e.question for e in entries]
    assignments = assign(ws, questions, ds.items, keys)
    cfg = ws.config.production
    rep = measure_drift(f"{name}@{ds.version}", ds.items, questions, assignments, keys,
                        threshold=cfg.drift_threshold, unlike_threshold=cfg.unlike_threshold,
                        min_cohort_size=ws.contract().min_cohort_size, min_queries=min_queries)
    via = Counter(v for a in assignments for v in a.via.values())
    rep.extra.update({"since": since, "cohort_keys": keys, "assigned_by": dict(via),
                      "similarity_threshold": cfg.similarity})
    return rep


def production_mix(ws: Workspace, items: Sequence[Item], keys: Sequence[str], *,
                   since: str | None = None) -> tuple[dict[str, dict[str, int]], int]:
    """Logged queries per cohort value, per key (key → value → count), and the number of queries."""
    entries = _counted(ws, ReviewStore(ws.store).log_entries(since=since))
    assignments = assign(ws, [e.question for e in entries], items, keys)
    counts: dict[str, dict[str, int]] = {k: {} for k in keys}
    for a in assignments:
        for k, v in a.tags.items():
            if k in counts:
                counts[k][v] = counts[k].get(v, 0) + 1
    return counts, len(entries)


def weights_for(ws: Workspace, baseline: Mapping[str, Mapping[str, float]],
                candidate: Mapping[str, Mapping[str, float]], items: Mapping[str, Item], contract: Contract,
                metrics: Sequence[str], by: Sequence[str] | None = None, *, seed: int = 0,
                since: str | None = None) -> ProductionWeights:
    """Production-weighted rows for a comparison (the runs' dataset items give the cohorts)."""
    keys = list(by or contract.cohorts) or cohort_keys(ws, list(items.values()))
    counts, n = production_mix(ws, list(items.values()), keys, since=since)
    if n == 0:
        raise NotFoundError("the production log is empty: nothing to weight by",
                            hint="serve the feature (`shipcall serve`) and log queries first, or leave out "
                                 "--weights production")
    tags = {i: it.tags for i, it in items.items()}
    return production_weighted(baseline, candidate, tags, contract, counts, metrics, n_queries=n, seed=seed,
                               since=since)


def observations(ws: Workspace, *, since: str | None = None, dataset: str | None = None,
                 by: Sequence[str] | None = None) -> tuple[dict[str, list[Observation]], dict[str, Any]]:
    """The monitor's three streams (wrong answers from first reviews, abstentions, thumbs-down
    from the latest rating), each observation tagged with its query's arm and cohorts."""
    rs = ReviewStore(ws.store)
    entries = _counted(ws, rs.log_entries(since=since))
    name = dataset or default_dataset(ws)
    items = dataset_items(ws, name)
    keys = cohort_keys(ws, items, by)
    assignments = assign(ws, [e.question for e in entries], items, keys)
    cohorts = {e.request_id: tuple(a.cohorts(keys)) for e, a in zip(entries, assignments, strict=True)}
    arm = {e.request_id: e.arm for e in entries}
    user = {e.request_id: e.user_hash for e in entries}
    obs: dict[str, list[Observation]] = {"wrong_answer": [], "abstention": [], "thumbs_down": []}
    for e in entries:
        obs["abstention"].append(Observation(e.created_at, e.arm, e.abstained, cohorts[e.request_id], e.user_hash))
        if e.feedback:
            last = max(e.feedback, key=lambda f: f.created_at)
            obs["thumbs_down"].append(Observation(last.created_at, e.arm, last.rating == "down",
                                                  cohorts[e.request_id], e.user_hash))
    # wrong answers only from queries sampled uniformly within their arm (core/monitor.py)
    uniform = {q.request_id for q in rs.queue(request_ids=list(arm)) if q.strategy in UNIFORM_STRATEGIES}
    left_out = 0
    for r in rs.reviews(request_ids=list(arm)):
        if r.rank != 1:
            continue
        if r.request_id not in uniform:
            left_out += 1
            continue
        obs["wrong_answer"].append(Observation(r.created_at, arm[r.request_id], r.wrong, cohorts[r.request_id],
                                               user[r.request_id]))
    variants = {a: Counter(e.variant for e in entries if e.arm == a) for a in ("baseline", "candidate")}
    meta = {"dataset": name, "cohort_keys": keys, "n_queries": len(entries), "since": since,
            "reviews_left_out": left_out,
            "baseline": variants["baseline"].most_common(1)[0][0] if variants["baseline"] else None,
            "candidate": variants["candidate"].most_common(1)[0][0] if variants["candidate"] else None}
    return obs, meta


def monitor_canary(ws: Workspace, *, since: str | None = None, dataset: str | None = None,
                   by: Sequence[str] | None = None, tolerance: float | None = None,
                   alpha: float | None = None) -> MonitorReport:

    contract = ws.contract()
    obs, meta = observations(ws, since=since, dataset=dataset, by=by)
    rep = monitor(obs, alpha=alpha if alpha is not None else float(contract.alpha),
                  tolerance=tolerance if tolerance is not None else float(contract.tolerance),
                  baseline=meta["baseline"], candidate=meta["candidate"])
    if meta["n_queries"] == 0:
        rep.notes.append("the production log is empty" + (" in that window" if since else "")
                         + ": serve a canary (`shipcall serve --candidate NAME`) and log queries first")
    elif meta["candidate"] is None:
        rep.notes.append(f"no canary in the log: only {meta['baseline']} answered; serve one with "
                         "`shipcall serve --candidate NAME --share 0.1`")
    if not obs["wrong_answer"]:
        rep.notes.append("no reviews from the monitoring sample yet: `shipcall review sample --strategy monitor` and "
                         "review in /ui/review to measure wrong answers")
    if meta["reviews_left_out"]:
        rep.notes.append(f"{meta['reviews_left_out']} reviews from the failure-hunting queue were left out of "
                         "wrong_answer: that queue takes flagged queries first and equal numbers per arm, so it "
                         "over-represents failures unequally between arms (sample with --strategy monitor)")
    rep.notes.append("users are the unit: each arm's counts are divided by its design effect (Rao-Scott), so "
                     "heavy users do not count as many independent observations")
    meta["n_observations"] = {k: len(v) for k, v in obs.items()}
    rep.meta.update(meta)
    return rep
