"""`bm25.top_k`: the k best positive scores, chosen as a partition of the whole score array
chooses them (the shortcut over the positive scores must not change a result)."""

from __future__ import annotations

import numpy as np

from shipcall.adapters.retrievers.bm25 import top_k


def _whole_array(scores: np.ndarray, k: int) -> list[int]:
    """The selection before the shortcut: partition all scores, order, keep the positive ones."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.lexsort((top, -scores[top]))]
    return [int(i) for i in top if scores[i] > 0]


def test_top_k_chooses_as_the_whole_array_partition_did() -> None:
    rng = np.random.default_rng(3)
    checked_ties = 0
    for trial in range(400):
        n = int(rng.integers(1, 400))
        scores = np.zeros(n, dtype=np.float32)
        hit = rng.random(n) < rng.uniform(0.01, 0.5)
        # few distinct values: ties at the k-th score, across the cut, happen often
        scores[hit] = rng.integers(1, 6, size=int(hit.sum())).astype(np.float32) / 2
        k = int(rng.integers(1, 12))
        got = [int(i) for i in top_k(scores, k)]
        assert got == _whole_array(scores, k), (trial, n, k)
        positive = scores[scores > 0]
        if len(positive) > k and np.sort(positive)[::-1][k - 1] == np.sort(positive)[::-1][k]:
            checked_ties += 1
    assert checked_ties > 50


def test_top_k_of_nothing_positive_or_k_zero_is_empty() -> None:
    assert len(top_k(np.zeros(10, dtype=np.float32), 5)) == 0
    assert len(top_k(np.ones(10, dtype=np.float32), 0)) == 0
    assert [int(i) for i in top_k(np.array([0, 2, 0, 3], dtype=np.float32), 5)] == [3, 1]
