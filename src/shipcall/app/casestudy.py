"""`shipcall casestudy [DECISION ...]`: one case study per decision chain (default: the latest),
from that chain's own evidence, with what happened next where it was recorded."""

from __future__ import annotations

from shipcall.app.explain import decision_chain, gather, live_decisions
from shipcall.app.workspace import Workspace
from shipcall.core.narrative import Evidence


def _later(ws: Workspace, decision: dict, candidate_variant: str) -> list[str]:
    """What happened after the decision: later runs of the candidate, later dataset versions."""
    after = decision["created_at"]
    out = [f"run {r.id} of {r.variant} on {r.dataset}@{r.dataset_version} ({r.status}, {r.started_at[:10]})"
           for r in ws.store.runs() if r.variant == candidate_variant and (r.started_at or "") > after]
    out += [f"dataset {v['name']}@{v['version']} ({v['n_items']} items, {v['source']})"
            for v in ws.store.dataset_versions() if (v.get("created_at") or "") > after]
    return out[:8]


def case_evidence(ws: Workspace, ids: list[int] | None = None) -> list[tuple[Evidence, str, list[str]]]:
    """Per decision chain asked for (default: the latest): its evidence, the contract's
    description of the problem, and what was recorded after it."""
    decisions = live_decisions(ws)
    wanted: list[int | None] = list(ids) if ids else [None]
    out = []
    for i in wanted:
        d, _ = decision_chain(decisions, i)
        ev = gather(ws, int(d["id"]))
        out.append((ev, str(getattr(ws.contract(), "description", "") or ""),
                    _later(ws, ev.chain[0], ev.candidate_variant)))
    return out
