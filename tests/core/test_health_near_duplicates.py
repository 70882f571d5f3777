"""Issue 21: near-duplicate questions (token-set Jaccard ≥ 0.8) are found without comparing every
pair, and exactly: recall and precision against every pair's exact Jaccard on a test set of
paraphrased questions, and the same findings (pairs and wording) as the sparse all-pairs product
the health check used before."""

from __future__ import annotations

import itertools

import numpy as np
from scipy import sparse

from shipcall.core.datasets import Item, parse_item
from shipcall.core.health import NEAR_DUPLICATE_JACCARD, _duplicates, similar_pairs
from shipcall.core.metrics.answer import normalize_answer

WORDS = [*("policy leave travel expense budget office laptop approve manager report days limit remote holiday "
            "contract salary team training badge parking invoice refund meeting security password").split(),
         *(a + b for a in ("ka", "lo", "mi", "ren", "tos", "va", "pel", "dri", "sun", "mar", "quo", "zen")
           for b in ("ba", "de", "fi", "go", "hu", "jo", "ki", "lu", "mo", "ne", "pa", "ri", "so", "tu"))]


def questions(n: int, seed: int = 0) -> list[str]:
    """Seeded questions, a third of them paraphrases (1–3 words dropped, added or replaced) of
    earlier ones: near-duplicates at every similarity around the threshold."""
    rng = np.random.default_rng(seed)
    out: list[str] = []
    while len(out) < n:
        if out and rng.random() < 0.35:
            words = out[int(rng.integers(len(out)))].split()
            for _ in range(int(rng.integers(1, 4))):
                at = int(rng.integers(len(words)))
                op = int(rng.integers(3))
                if op == 0 and len(words) > 3:
                    del words[at]
                elif op == 1:
                    words.insert(at, str(rng.choice(WORDS)))
                else:
                    words[at] = str(rng.choice(WORDS))
        else:
            words = ["how", "do", "I", *rng.choice(WORDS, size=int(rng.integers(3, 12)))]
        out.append(" ".join(words))
    return out


def items(qs: list[str]) -> list[Item]:
    return [parse_item({"id": f"q{i:04d}", "question": q, "answerable": False}) for i, q in enumerate(qs)]


def exact_pairs(qs: list[str]) -> set[tuple[int, int]]:
    norm = [normalize_answer(q) for q in qs]
    sets = [set(q.split()) for q in norm]
    return {(i, j) for i, j in itertools.combinations(range(len(qs)), 2)
            if norm[i] != norm[j] and sets[i] and len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= 0.8}


def test_recall_and_precision_against_every_pairs_exact_jaccard() -> None:
    qs = questions(700)
    truth = exact_pairs(qs)
    assert len(truth) > 30  # the test set has near-duplicates to find
    index = {f"q{i:04d}": i for i in range(len(qs))}
    found = {tuple(sorted((index[a], index[b]))) for f in _duplicates(items(qs)) if f.check == "near_duplicate"
             for a, b in [f.items]}
    recall = len(found & truth) / len(truth)
    precision = len(found & truth) / len(found)
    assert recall >= 0.95 and precision >= 0.95
    assert found == truth  # prefix filtering is exact: recall and precision are 1


def test_candidates_are_a_superset_and_far_fewer_than_all_pairs() -> None:
    qs = questions(700, seed=1)
    sets = [frozenset(normalize_answer(q).split()) for q in qs]
    candidates = set(similar_pairs(sets, NEAR_DUPLICATE_JACCARD))
    assert exact_pairs(qs) <= candidates
    assert len(candidates) < len(qs) * (len(qs) - 1) / 2 / 10


def _before(its: list[Item]) -> list[tuple[tuple[str, ...], str]]:
    """The health check's near-duplicates as computed before issue 21: a sparse product of all pairs."""
    norm = [normalize_answer(it.question) for it in its]
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, q in enumerate(norm):
        for tok in set(q.split()):
            rows.append(i)
            cols.append(vocab.setdefault(tok, len(vocab)))
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(its), len(vocab)))
    sizes = np.asarray(x.sum(axis=1)).ravel()
    inter = sparse.triu(x @ x.T, k=1).tocoo()
    out = []
    for i, j, n in zip(inter.row, inter.col, inter.data, strict=True):
        jac = n / (sizes[i] + sizes[j] - n)
        if norm[i] != norm[j] and jac >= NEAR_DUPLICATE_JACCARD:
            out.append(((its[i].id, its[j].id), f"questions share {jac:.0%} of their words"))
    return out


def test_the_same_findings_as_the_all_pairs_product() -> None:
    its = items([*questions(500, seed=2), "the the a", "Who approves leave?", "leave approves who", "?", "a an"])
    now = [(f.items, f.detail) for f in _duplicates(its) if f.check == "near_duplicate"]
    assert sorted(now) == sorted(_before(its)) and now == sorted(now)
    assert (("q0501", "q0502"), "questions share 100% of their words") in now
