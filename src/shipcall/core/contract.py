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

    @property
    def min(self) -> float | None: ...

    @property
    def max(self) -> float | None: ...

    @property
    def tolerance(self) -> float | None: ...


class Contract(Protocol):
    @property
    def primary(self) -> str: ...

    @property
    def metrics(self) -> Mapping[str, MetricRule]: ...

    @property
    def cohorts(self) -> Sequence[str]: ...

    @property
    def tolerance(self) -> float: ...

    @property
    def guarded(self) -> Sequence[str]: ...

    @property
    def alpha(self) -> float: ...

    @property
    def correction(self) -> str: ...

    @property
    def min_cohort_size(self) -> int: ...

    @property
    def must_pass(self) -> Sequence[str]: ...

    @property
    def max_error_rate(self) -> float: ...

    @property
    def hash(self) -> str: ...

    def tolerance_for(self, metric: str) -> float: ...
