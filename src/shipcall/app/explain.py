"""`shipcall explain [DECISION] --audience exec|expert|legal`: gather a decision's evidence from
the store (its comparison, recomputed exactly as `shipcall compare` does; the runs' per-question
outcomes; the production log's redaction counts; the providers; the decision chain) and tell it
to one audience (core/narrative.py). Deterministic and offline."""

from __future__ import annotations

from collections import Counter
from typing import Any

from shipcall.app.decisions import RunEvidence, compare_runs
from shipcall.app.workspace import Workspace
from shipcall.core.failures import FAILURE_MODES
from shipcall.core.narrative import AUDIENCES, Evidence, Narrative, Outcomes, narrative
from shipcall.errors import ConfigError, NotFoundError


def live_decisions(ws: Workspace) -> list[dict[str, Any]]:
    """Recorded decisions, oldest first, without the voided ones."""
    return [d for d in ws.store.decisions() if not d.get("void") and not (d.get("evidence") or {}).get("void")
            and d["verdict"] != "canary"]  # a canary change is not a call to explain


def decision_chain(decisions: list[dict[str, Any]], decision_id: int | None) -> tuple[dict[str, Any], list[dict]]:
    """A gate decision (default: the latest one with runs) and the human calls recorded on it."""
    if not decisions:
        raise NotFoundError("no decision recorded yet", hint="run `shipcall gate --baseline R1 --candidate R2` first")
    by_id = {int(d["id"]): d for d in decisions}
    if decision_id is None:
        d = decisions[-1]
    elif decision_id in by_id:
        d = by_id[decision_id]
    else:
        raise NotFoundError(f"no decision #{decision_id}", hint="list them with `shipcall decisions`")
    root = d
    while True:  # an override points at the decision it overrides
        parent = (root.get("evidence") or {}).get("overrides") or (root.get("evidence") or {}).get("accepts")
        if parent is None or int(parent) not in by_id:
            break
        root = by_id[int(parent)]
    chain, frontier = [root], {int(root["id"])}
    for x in decisions:
        ev = x.get("evidence") or {}
        parent = ev.get("overrides") or ev.get("accepts")
        if parent is not None and int(parent) in frontier and x is not root:
            chain.append(x)
            frontier.add(int(x["id"]))
    return chain[-1], chain


def _outcomes(ev: RunEvidence) -> Outcomes:
    counts: Counter[str] = Counter()
    for r in ev.results:
        it = ev.items.get(r.item_id)
        if it is None or r.error:
            continue
        if "contains_answer" in r.metrics or "false_answer_rate" in r.metrics or "over_refusal_rate" in r.metrics:
            if not it.answerable:
                counts["false" if not r.abstained else "declined"] += 1
            elif r.abstained:
                counts["refused"] += 1
            elif r.metrics.get("contains_answer", 0.0) >= 1.0:
                counts["right"] += 1
            else:
                counts["wrong"] += 1
        elif "correct" in r.metrics:
            counts["correct" if r.metrics["correct"] >= 1 else "incorrect"] += 1
    rag = any(k in counts for k in ("right", "wrong", "refused", "false", "declined"))
    keys = ("right", "wrong", "refused", "false") if rag else ("correct", "incorrect") if counts else ()
    return Outcomes(len(ev.results), {k: counts.get(k, 0) for k in keys})


def _examples(base: RunEvidence, cand: RunEvidence, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Per cohort, up to two questions the new version got wrong that the old one got right, and
    one the other way round (passing = no failure mode)."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    b = {r.item_id: r for r in base.results}
    for r in cand.results:
        old = b.get(r.item_id)
        it = cand.items.get(r.item_id)
        if old is None or it is None or bool(old.failure_modes) == bool(r.failure_modes):
            continue
        direction = "worse" if r.failure_modes else "better"
        doc = next(iter(getattr(it, "evidence", {})), "") or (r.citations[0].doc_id if r.citations else "")
        ex = {"question": it.question, "old": "" if old.abstained else old.answer,
              "new": "" if r.abstained else r.answer, "doc": doc, "direction": direction}
        for c in it.cohorts(keys):
            out.setdefault(c, {"worse": [], "better": []})[direction].append(ex)
    return {c: v["worse"][:2] + v["better"][:1] for c, v in out.items()}


def gather(ws: Workspace, decision_id: int | None = None) -> Evidence:
    decisions = live_decisions(ws)
    d, chain = decision_chain(decisions, decision_id)
    if not d.get("baseline_run") or not d.get("candidate_run"):
        raise NotFoundError(f"decision #{d['id']} has no runs to explain", hint="explain a gate decision")
    contract = ws.contract()
    report = compare_runs(ws, d["baseline_run"], d["candidate_run"], contract)  # as `shipcall compare` does
    base, cand = report.baseline, report.candidate
    _, bv = ws.variant(base.run.variant) if base.run.variant in ws.config.variants else (None, None)
    _, cv = ws.variant(cand.run.variant) if cand.run.variant in ws.config.variants else (None, None)
    cited: Counter[str] = Counter(c.doc_id for r in cand.results for c in r.citations)
    from shipcall.adapters.store.production_log import ProductionLog

    log = ProductionLog(ws.store)
    entries = log.entries(limit=1_000_000)
    redactions: Counter[str] = Counter()
    for e in entries:
        redactions.update(e.redactions)
        for f in e.feedback:
            redactions.update(getattr(f, "redactions", {}) or {})
        cited.update(c["doc_id"] for c in e.citations)
    window = (min(e.created_at for e in entries), max(e.created_at for e in entries)) if entries else None
    per_day = None
    if window:
        from datetime import datetime

        span = (datetime.fromisoformat(window[1]) - datetime.fromisoformat(window[0])).total_seconds() / 86400
        per_day = len(entries) / max(span, 1.0)
    providers = []
    for name, v in ((base.run.variant, bv), (cand.run.variant, cv)):
        if v is not None:
            g = v.generator
            providers.append({"variant": name, "kind": g.kind, "model": getattr(g, "model", None),
                              "endpoint": getattr(g, "base_url", None)})
    b_modes = Counter(r.failure_modes[0] for r in base.results if r.failure_modes)
    c_modes = Counter(r.failure_modes[0] for r in cand.results if r.failure_modes)
    modes = [{"mode": m, "description": FAILURE_MODES.get(m, ""), "baseline": b_modes[m], "candidate": c_modes[m]}
             for m in sorted(set(b_modes) | set(c_modes))]
    costs = dict(getattr(contract, "costs", None) or {})
    return Evidence(
        decision=d, chain=chain, comparison=report.comparison.to_dict(),
        baseline_variant=base.run.variant, candidate_variant=cand.run.variant,
        baseline_description=getattr(bv, "description", "") or "", candidate_description=getattr(cv, "description", "")
        or "", dataset=f"{cand.run.dataset}@{cand.run.dataset_version}",
        baseline_metrics=base.run.metrics, candidate_metrics=cand.run.metrics, primary=contract.primary,
        guarded=list(contract.guarded), cohort_keys=list(contract.cohorts),
        outcomes={"baseline": _outcomes(base), "candidate": _outcomes(cand)}, failure_modes=modes,
        costs=costs, cost_unit=str(getattr(contract, "cost_unit", "points") or "points"),
        examples=_examples(base, cand, list(contract.cohorts)),
        sources=cited.most_common(10), redactions=dict(redactions), log_queries=len(entries), log_window=window,
        providers=providers, store=ws.store_url(), retention=_retention(ws),
        logged_per_day=per_day)


def _retention(ws: Workspace) -> str | None:
    """The retention in force: what the last `serve --retain` recorded in the store, else the
    workspace's `server.retain` (a setting nobody has served with yet still says what will apply)."""
    from shipcall.adapters.store.production_log import retention

    return retention(ws.store)["retain"] or getattr(ws.config.server, "retain", None)


def explain(ws: Workspace, decision_id: int | None = None, audience: str = "exec") -> Narrative:
    if audience not in AUDIENCES:
        raise ConfigError(f"unknown audience {audience!r}", field="--audience", hint=f"one of: {', '.join(AUDIENCES)}")
    return narrative(gather(ws, decision_id), audience)
