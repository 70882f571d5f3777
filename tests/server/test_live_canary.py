"""The live canary kept in the store: two servers (replicas) on one store follow `canary set`,
`/v1/admin/canary` and `rollback` without a restart, keep every user on one variant, record each
change as a decision; health names the store's kind and migration."""

from __future__ import annotations

import time

import httpx
import pytest

from shipcall.app import canary
from shipcall.errors import ConfigError
from tests.server.conftest import TOKEN, live

AUTH = {"Authorization": f"Bearer {TOKEN}"}
Q = "How many days of paid time off do full-time employees get?"
USERS = [f"user-{i}" for i in range(40)]


def _variants(url: str) -> dict[str, str]:
    with httpx.Client() as c:
        return {u: c.post(f"{url}/v1/ask", json={"question": Q, "user": u}).json()["variant"] for u in USERS}


def _until(check, seconds: float = 20.0) -> None:  # noqa: ANN001
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "the replicas did not follow the stored canary"
        time.sleep(0.1)


def test_two_replicas_follow_the_stored_canary(ingested) -> None:  # noqa: ANN001
    from shipcall.app.workspace import Workspace
    from shipcall.server.app import create_app

    one = create_app(ingested, candidate="small", share=0.5, token=TOKEN, canary_poll=0.2)
    two = create_app(Workspace(ingested.root), candidate="small", share=0.5, token=TOKEN, canary_poll=0.2)
    with live(one) as u1, live(two) as u2:
        health = httpx.get(f"{u1}/v1/health", headers=AUTH).json()  # the store's details: operators only
        assert health["store"]["kind"] == "sqlite" and health["store"]["migration"].startswith("m0")
        a, b = _variants(u1), _variants(u2)
        assert a == b and set(a.values()) == {"baseline", "small"}  # sticky across replicas
        # the share changes from the command line: both replicas follow, users stay sticky
        canary.set_canary(Workspace(ingested.root), share=1.0, note="all in", who="tester")
        _until(lambda: set(_variants(u1).values()) == {"small"} and set(_variants(u2).values()) == {"small"})
        # the admin endpoint needs the token, and rolls back on every replica
        assert httpx.post(f"{u2}/v1/admin/canary", json={"action": "rollback"}).status_code == 401
        r = httpx.post(f"{u2}/v1/admin/canary", json={"action": "rollback", "note": "worse"}, headers=AUTH)
        assert r.status_code == 200 and r.json()["candidate"] is None and r.json()["rolled_back"] == "small"
        _until(lambda: set(_variants(u1).values()) == {"baseline"} and set(_variants(u2).values()) == {"baseline"})
        assert httpx.get(f"{u1}/v1/admin/canary", headers=AUTH).json()["baseline"] == "baseline"
    ds = [d for d in Workspace(ingested.root).store.decisions() if d["verdict"] == "canary"]
    assert [d["evidence"]["canary"]["action"] for d in ds] == ["set", "set", "rollback"]
    assert ds[1]["author"] == "tester" and ds[1]["note"] == "all in" and ds[2]["note"] == "worse"


def test_canary_commands_and_bad_input(ingested) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError, match="no canary to roll back"):
        canary.rollback(ingested)
    with pytest.raises(ConfigError, match="no canary candidate"):
        canary.set_canary(ingested, share=0.2)
    with pytest.raises(ConfigError, match="between 0 and 1"):
        canary.set_canary(ingested, candidate="small", share=1.5)
    with pytest.raises(ConfigError, match="unknown variant"):
        canary.set_canary(ingested, candidate="nope", share=0.2)
    s = canary.set_canary(ingested, candidate="small", share=0.2)
    assert (s.baseline, s.candidate, s.share) == ("baseline", "small", 0.2)
    p = canary.promote(ingested, note="better")
    assert (p.baseline, p.candidate) == ("small", None)
    # a replica restarted with a rolled-back candidate keeps the rollback
    canary.set_canary(ingested, candidate="doc", share=0.3)
    canary.rollback(ingested)
    state, warning = canary.seed(ingested, "small", "doc", 0.3)
    assert state.candidate is None and "rolled back" in (warning or "")


def test_canary_changes_sit_beside_the_calls_without_taking_their_place(ingested) -> None:  # noqa: ANN001
    """A canary change is recorded as a decision (issue 22) in the gate's shape: the decisions
    page and list show it, and the latest *call* (decide, the decision report, explain) is still
    the gate's."""
    from starlette.testclient import TestClient

    from shipcall.app.datasets import import_dataset
    from shipcall.app.decisions import gate, override_decision
    from shipcall.app.explain import explain
    from shipcall.app.reports import decision_report
    from shipcall.app.run import run
    from shipcall.server.app import create_app
    from tests.conftest import FIXTURES

    ds = import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "t")
    ds = ingested.store.load_dataset("t", ds.version)
    r1, r2 = run(ingested, ds, "baseline").run.id, run(ingested, ds, "small").run.id
    called, _ = gate(ingested, r1, r2, ingested.contract())
    call_id = ingested.store.decisions()[-1]["id"]
    canary.set_canary(ingested, candidate="small", share=0.2, note="a fifth to small")
    rows = ingested.store.decisions()
    assert rows[-1]["verdict"] == "canary" and rows[-1]["reasons"][0]["kind"] == "canary"
    assert decision_report(ingested).record["id"] == call_id
    assert explain(ingested, None, "exec").to_dict()["verdict"] == called.verdict
    _, decided_on, _ = override_decision(ingested, None, "checked by hand", who="pm", accept=True)
    assert decided_on["id"] == call_id
    c = TestClient(create_app(ingested, token=TOKEN))
    page = c.get("/ui/decisions")
    assert page.status_code == 200 and "canary set" in page.text
