"""Typed, versioned JSON: the documents the store keeps in text columns.

Dataset items, item results, run configs and decisions' evidence are JSON objects whose shape
changes as shipcall grows. Each carries `schema_version`, as inspect_ai's EvalLog carries
`version`: the writer stamps the current version; the reader takes any older one (rows written
before versions existed have none and are version 1), upgrades it one step at a time to the
current shape, and refuses a newer one (a store a newer shipcall wrote) with a message instead
of misreading it. The stamp is the store's business: added on write, removed on read, so
nothing above the store ever sees it and no row has to be rewritten when the shape changes.

To change a shape: bump nothing by hand; append an upgrade function (version n -> n+1) to the
blob's `upgrades`, change its TypedDict, and write the new shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypedDict, TypeVar, cast

from shipcall.errors import StoreError

VERSION_KEY = "schema_version"
T = TypeVar("T")
Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


class Blob(Generic[T]):
    """One kind of stored JSON object: its readable name, and its upgrades (index i takes
    version i+1 to i+2), whose count fixes the version written."""

    def __init__(self, what: str, upgrades: Sequence[Upgrade] = ()) -> None:
        self.what = what
        self.upgrades = tuple(upgrades)

    @property
    def version(self) -> int:
        return 1 + len(self.upgrades)

    def dumps(self, payload: Mapping[str, Any]) -> str:
        if VERSION_KEY in payload:
            raise ValueError(f"{self.what}: {VERSION_KEY!r} is the store's key, not a field")
        return json.dumps({VERSION_KEY: self.version, **payload}, ensure_ascii=False)

    def loads(self, text: str, *, where: str = "") -> T:
        """The current shape of a stored object; `where` names the row in an error."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise StoreError(f"{self.what}{_at(where)} is not a JSON object", hint="the store is damaged")
        version = data.pop(VERSION_KEY, 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise StoreError(f"{self.what}{_at(where)} has schema_version {version!r}", hint="the store is damaged")
        if version > self.version:
            raise StoreError(
                f"{self.what}{_at(where)} was written by a newer shipcall (schema_version {version}; "
                f"this one reads up to {self.version})", hint="upgrade shipcall: pip install -U shipcall")
        for upgrade in self.upgrades[version - 1:]:
            data = upgrade(data)
        return cast(T, data)


def _at(where: str) -> str:
    return f" of {where}" if where else ""


def _stamped(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 only adds the version stamp: the fields are version 1's."""
    return data


# -- item results ----------------------------------------------------------------------------
class ItemResultData(TypedDict):
    """An item result's JSON (its item id, metrics and error have columns of their own)."""

    retrieved: list[dict[str, Any]]       # Retrieved: doc_id, chunk_id, score, rank
    retrieved_docs: list[dict[str, Any]]
    answer: str
    citations: list[dict[str, Any]]       # Citation: doc_id, chunk_id, heading_path, snippet
    abstained: bool
    support: float
    latency_ms: dict[str, float]
    error: str | None
    failure_modes: list[str]
    extra: dict[str, Any]


def _item_result_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 rows may lack fields added over time; version 2 always has every field."""
    return {"retrieved": [], "retrieved_docs": [], "answer": "", "citations": [], "abstained": False,
            "support": 0.0, "latency_ms": {}, "error": None, "failure_modes": [], "extra": {}} | data


ITEM_RESULT: Blob[ItemResultData] = Blob("item result", [_item_result_v2])

# -- dataset items: the import format of an item (core.datasets.parse_item validates it) -------
ITEM: Blob[dict[str, Any]] = Blob("dataset item", [_stamped])

# -- run configs: the variant as resolved, limit, k, generator and judge identities ------------
RUN_CONFIG: Blob[dict[str, Any]] = Blob("run config", [_stamped])

# -- decisions' evidence: what the gate saw (callouts, regressed/improved rows, metrics...) ----
EVIDENCE: Blob[dict[str, Any]] = Blob("decision evidence", [_stamped])
