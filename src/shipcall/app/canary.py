"""The live canary, kept in the store: which variant answers, which candidate takes which share.

Every `shipcall serve` replica on one store reads this state every few seconds
(`CanaryWatch`), so `shipcall canary set|promote|rollback` (or `POST /v1/admin/canary`) changes
the split on every replica without a restart. The split stays a hash of the user (core
`assign_arm`), so a user gets the same variant from every replica. Each change is recorded as a
decision (verdict `canary`, its author, note and the state before and after), the trail a team
reads when it asks "who turned the canary off, and why?".

The state lives in the store's `meta` table under one key (JSON): no schema change needed.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from shipcall.adapters.clock import now
from shipcall.adapters.store.store import Store
from shipcall.app.decisions import author as default_author
from shipcall.app.workspace import Workspace
from shipcall.errors import ConfigError

META_KEY = "canary"
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class CanaryState:
    baseline: str
    candidate: str | None = None
    share: float = 0.0
    updated_at: str = ""
    author: str = ""
    note: str = ""
    rolled_back: str | None = None  # the candidate the last rollback removed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_state(store: Store) -> CanaryState | None:
    raw = store.get_meta(META_KEY)
    if not raw:
        return None
    d = json.loads(raw)
    return CanaryState(**{k: d[k] for k in CanaryState.__dataclass_fields__ if k in d})


def _write(store: Store, before: CanaryState | None, after: CanaryState, action: str) -> CanaryState:
    store.set_meta(META_KEY, json.dumps(after.to_dict()))
    store.add_decision({
        "verdict": "canary", "author": after.author, "note": after.note or action, "created_at": after.updated_at,
        "reasons": [{"kind": "canary", "severity": "warn", "metric": None, "cohort": None,
                     "detail": f"canary {action}: {_describe(after)}"}],
        "evidence": {"canary": {"action": action, "before": before.to_dict() if before else None,
                                "after": after.to_dict()}},
    })
    return after


def _describe(s: CanaryState) -> str:
    if s.candidate:
        return f"{s.baseline} answers, {s.candidate} takes {s.share:.0%} (sticky per user)"
    return f"{s.baseline} answers all traffic"


def _check(ws: Workspace, name: str | None, field: str) -> None:
    if name is not None:
        ws.variant(name)  # unknown names fail here, naming the variants
        del field


def current(ws: Workspace) -> CanaryState:
    """The stored state, or (none stored yet) the workspace's default variant alone."""
    return read_state(ws.store) or CanaryState(baseline=ws.config.default_variant)


def set_canary(ws: Workspace, *, share: float | None = None, candidate: str | None = None,
               baseline: str | None = None, note: str = "", who: str | None = None) -> CanaryState:
    before = read_state(ws.store)
    base = before or CanaryState(baseline=ws.config.default_variant)
    if share is not None and not 0 <= share <= 1:
        raise ConfigError(f"--share must be between 0 and 1 (got {share})", field="--share",
                          hint="0.2 sends a fifth of the traffic to the candidate")
    _check(ws, candidate, "--candidate")
    _check(ws, baseline, "--baseline")
    new_base = baseline or base.baseline
    new_cand = candidate or base.candidate
    if new_cand is None:
        raise ConfigError("no canary candidate to set a share for", field="--candidate",
                          hint="name one: shipcall canary set --candidate NAME --share 0.1")
    if new_cand == new_base:
        raise ConfigError(f"the candidate is the baseline variant ({new_cand!r})", field="--candidate")
    after = CanaryState(baseline=new_base, candidate=new_cand,
                        share=float(share if share is not None else (base.share if base.candidate else 0.1)),
                        updated_at=now(), author=who or default_author(), note=note)
    return _write(ws.store, before, after, "set")


def promote(ws: Workspace, *, note: str = "", who: str | None = None) -> CanaryState:
    """The candidate becomes the variant that answers everything."""
    before = read_state(ws.store)
    if before is None or before.candidate is None:
        raise ConfigError("there is no canary to promote", hint="shipcall canary status shows the split")
    after = CanaryState(baseline=before.candidate, updated_at=now(), author=who or default_author(), note=note)
    return _write(ws.store, before, after, "promote")


def rollback(ws: Workspace, *, note: str = "", who: str | None = None) -> CanaryState:
    """The candidate stops answering; the baseline answers everything."""
    before = read_state(ws.store)
    if before is None or before.candidate is None:
        raise ConfigError("there is no canary to roll back", hint="shipcall canary status shows the split")
    after = CanaryState(baseline=before.baseline, rolled_back=before.candidate, updated_at=now(),
                        author=who or default_author(), note=note)
    return _write(ws.store, before, after, "rollback")


def seed(ws: Workspace, baseline: str, candidate: str | None, share: float) -> tuple[CanaryState, str | None]:
    """At `serve` start: the flags become the stored state when the store has none, or when
    they name a different split; a replica started with the split already stored changes
    nothing, and one started with a candidate that was rolled back keeps the rollback (a
    restart must not undo an operator's call). Returns the state in force and a warning."""
    before = read_state(ws.store)
    want = CanaryState(baseline=baseline, candidate=candidate, share=share if candidate else 0.0)
    if before is None and candidate is None:
        return want, None  # no canary anywhere: nothing to record (and a read-only store stays untouched)
    if before is not None:
        if (before.baseline, before.candidate, before.share) == (want.baseline, want.candidate, want.share):
            return before, None
        if candidate is not None and before.rolled_back == candidate and before.candidate is None:
            return before, (f"{candidate} was rolled back ({before.author}, {before.updated_at[:19]}): it does not "
                            f"take traffic; `shipcall canary set --candidate {candidate} --share {share}` to resume")
        if candidate is None:
            return before, None  # a plain `serve` follows the stored canary
    after = replace(want, updated_at=now(), author=default_author(), note="set by `shipcall serve` at start")
    return _write(ws.store, before, after, "set"), None


class CanaryWatch:
    """What one replica serves: the stored state, re-read at most every `poll` seconds."""

    def __init__(self, store: Store, state: CanaryState, poll: float = POLL_SECONDS) -> None:
        self.store, self.state, self.poll = store, state, poll
        self._next = time.monotonic() + poll
        self._lock = threading.Lock()

    def get(self) -> CanaryState:
        if time.monotonic() < self._next:
            return self.state
        with self._lock:
            if time.monotonic() >= self._next:
                try:
                    self.state = read_state(self.store) or self.state
                finally:
                    self._next = time.monotonic() + self.poll
        return self.state


def auto_rollback(ws: Workspace, report: Any, *, guarded: tuple[str, ...] | None = None) -> CanaryState | None:
    """Roll the canary back when the always-valid monitor says the candidate is worse on a
    guarded rate (every rate when `guarded` is None), recording why. Returns the new state, or
    None when nothing was rolled back."""
    state = read_state(ws.store)
    if state is None or state.candidate is None or report.candidate not in (None, state.candidate):
        return None
    worse = [r for r in report.rows if r.verdict == "candidate_worse" and (guarded is None or r.rate in guarded)]
    if not worse:
        return None
    why = "; ".join(f"{r.rate}{'/' + r.cohort if r.cohort else ''}: candidate {r.candidate_rate:.1%} vs "
                    f"baseline {r.baseline_rate:.1%} (always-valid p {r.p_adjusted:.3g})" for r in worse[:5])
    return rollback(ws, note=f"auto-rollback by `shipcall monitor`: the candidate is worse on {why}",
                    who="shipcall monitor --auto-rollback")
