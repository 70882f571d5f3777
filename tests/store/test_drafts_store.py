"""Migration m006 (drafts) on stores made by past versions, and the drafts repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from shipcall.adapters.store import schema
from shipcall.adapters.store.drafts import DraftStore
from shipcall.adapters.store.store import Store
from shipcall.core.drafting import Draft
from shipcall.errors import NotFoundError
from tests.conftest import FIXTURES


@pytest.mark.parametrize("name", ["v1-c81588a.db", "v4-1851dd6.db"])
def test_m006_adds_drafts_to_a_past_store_and_keeps_its_data(tmp_path: Path, name: str) -> None:
    db = tmp_path / name
    shutil.copy(FIXTURES / "stores" / name, db)
    store = Store.open(f"sqlite:///{db}")
    with store.engine.connect() as c:
        applied = [r[0] for r in c.execute(select(schema.migrations.c.name).order_by(schema.migrations.c.id))]
        cols = {col["name"] for col in inspect(c).get_columns("drafts")}
    assert "m006_drafts" in applied
    assert {"id", "position", "batch", "dataset", "kind", "generator", "data", "verdict", "edits",
            "promoted_version"} <= cols
    assert store.load_dataset("sample").items  # the past dataset still loads
    assert DraftStore(store).drafts() == []


def test_drafts_are_added_once_reviewed_and_promoted(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    ds = DraftStore(store)
    a = Draft("draft-aaaaaaaaaa", "factoid", "Q1?", ("x",), True, ("d.md",), {"generator": "extractive"})
    b = Draft("draft-bbbbbbbbbb", "unanswerable", "Q2?", (), False, (), {"generator": "extractive"})
    assert ds.add("hr", "b1", [a, b]) == 2 and ds.add("hr", "b2", [a]) == 0
    assert [q.position for q in ds.drafts()] == [1, 2] and ds.counts() == (2, 0)
    q = ds.record(a.draft_id, verdict="accept", reviewer="ana", edits={"question": "Q1 edited?"}, note="")
    assert q.final.question == "Q1 edited?" and q.draft.question == "Q1?" and ds.counts() == (2, 1)
    ds.mark_promoted([a.draft_id], 3)
    assert ds.get(a.draft_id).promoted_version == 3 and ds.drafts(dataset="other") == []
    with pytest.raises(NotFoundError):
        ds.record("draft-cccccccccc", verdict="accept", reviewer="ana", edits={}, note="")
