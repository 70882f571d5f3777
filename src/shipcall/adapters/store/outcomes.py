"""A run's item outcomes: per item its metrics, error and failure modes, without the rest.

`compare`, `gate` and dataset health read only these three fields of a run's results; the full
rows (rankings, answers, citations, latencies) are most of each row's JSON, and parsing them and
building their objects was most of the time `compare` spent loading two runs. The failure modes
are taken out of the stored JSON by the database itself (SQLite's json_extract, PostgreSQL's
jsonb), so Python parses only the small metrics column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, cast, func, select
from sqlalchemy.exc import DatabaseError

from shipcall.adapters.store import decode, schema
from shipcall.adapters.store.blobs import ITEM_RESULT
from shipcall.core.runs import ItemOutcome


def read_outcomes(engine: Engine, run_id: str) -> list[ItemOutcome] | None:
    """The outcomes in result order, or None when a row needs the full reader (a row written by
    a newer shipcall, damaged JSON, or a stored shape this reader does not know): the caller then
    reads the full results, which upgrade old rows and name a bad one."""
    if ITEM_RESULT.version != decode.OUTCOME_SHAPE_VERSION:
        return None
    t = schema.item_results
    if engine.dialect.name == "sqlite":
        modes: Any = func.json_extract(t.c.data, "$.failure_modes")
        version: Any = func.json_extract(t.c.data, "$.schema_version")
    else:
        from sqlalchemy.dialects.postgresql import JSONB

        doc = cast(t.c.data, JSONB)
        modes = func.jsonb_extract_path_text(doc, "failure_modes")
        version = func.jsonb_extract_path_text(doc, "schema_version")
    query = (select(t.c.item_id, t.c.metrics, t.c.error, modes.label("modes"), version.label("version"))
             .where(t.c.run_id == run_id).order_by(t.c.position))
    try:
        with engine.connect() as c:
            rows = c.execute(query).all()
    except DatabaseError:  # malformed JSON in some row
        return None
    return decode.outcomes(rows)
