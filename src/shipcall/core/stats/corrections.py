"""Multiple-testing corrections as adjusted p-values (compare each to alpha directly).

A comparison runs one test per metric × cohort, so without correction some cohort "regresses"
by chance in most comparisons. Adjusted p-values are monotone in the raw p-values and capped at 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray


def holm(p_values: ArrayLike) -> NDArray[np.float64]:
    """Holm (1979) step-down adjustment; controls the family-wise error rate.

    Sort the m p-values ascending; adjusted p(i) = max over j ≤ i of min(1, (m − j + 1)·p(j)).
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.maximum.accumulate(scaled)
    out = np.empty(m)
    out[order] = adjusted
    return out


def bh(p_values: ArrayLike) -> NDArray[np.float64]:
    """Benjamini and Hochberg (1995) step-up adjustment; controls the false discovery rate.

    Sort ascending; adjusted p(i) = min over j ≥ i of min(1, m·p(j)/j). Equals
    `scipy.stats.false_discovery_control(p, method="bh")`.
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, m * p[order] / np.arange(1, m + 1))
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = adjusted
    return out


CORRECTIONS: dict[str, Callable[[ArrayLike], NDArray[np.float64]]] = {"holm": holm, "bh": bh}


def adjust(p_values: ArrayLike, method: str) -> NDArray[np.float64]:
    """Adjusted p-values by the named correction ("holm" or "bh")."""
    try:
        return CORRECTIONS[method](p_values)
    except KeyError:
        raise ValueError(f"unknown correction {method!r}; one of {', '.join(CORRECTIONS)}") from None
