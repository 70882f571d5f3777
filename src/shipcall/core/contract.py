"""What the core reads from a contract: the declared definition of good.

The validated, file-backed contract is `shipcall.config.contract.Contract` (pydantic, with
YAML line numbers and a judge that names provider configs); it satisfies these Protocols. The
core depends only on this shape, so that config sits above core and nothing points back down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class MetricRule(Protocol):
    """A threshold on one metric's overall value, and its own tolerance if any."""

    min: float | None
    max: float | None
    tolerance: float | None


class Contract(Protocol):
    primary: str
    metrics: Mapping[str, MetricRule]
    cohorts: Sequence[str]
    tolerance: float
    guarded: Sequence[str]
    alpha: float
    correction: str
    min_cohort_size: int
    must_pass: Sequence[str]
    max_error_rate: float

    @property
    def hash(self) -> str: ...

    def tolerance_for(self, metric: str) -> float: ...
