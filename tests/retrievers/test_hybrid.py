"""Fusion functions (pure): reciprocal rank fusion and normalised score fusion."""

from __future__ import annotations

import pytest

from shipcall.adapters.retrievers.hybrid import rrf, score_fusion
from shipcall.core.documents import Chunk, ScoredChunk


def ranking(*pairs: tuple[str, float]) -> list[ScoredChunk]:
    return [ScoredChunk(Chunk(cid, cid.split("#")[0], cid, 0, 1), s, i + 1) for i, (cid, s) in enumerate(pairs)]


def test_rrf_matches_the_formula() -> None:
    a = ranking(("x", 9.0), ("y", 5.0), ("z", 1.0))
    b = ranking(("z", 0.9), ("x", 0.8), ("w", 0.1))
    fused = rrf([a, b], [1.0, 1.0], rrf_k=60)
    expect = {"x": 1 / 61 + 1 / 62, "y": 1 / 62, "z": 1 / 63 + 1 / 61, "w": 1 / 63}
    assert [s.chunk.id for s in fused] == sorted(expect, key=lambda c: -expect[c])
    for s in fused:
        assert s.score == pytest.approx(expect[s.chunk.id])
    assert [s.rank for s in fused] == [1, 2, 3, 4]


def test_rrf_weights_and_ties() -> None:
    a = ranking(("x", 1.0))
    b = ranking(("y", 1.0))
    assert [s.chunk.id for s in rrf([a, b], [1.0, 1.0])] == ["x", "y"]  # tie: the first (BM25) ranking decides
    assert [s.chunk.id for s in rrf([b, a], [1.0, 1.0])] == ["y", "x"]
    assert [s.chunk.id for s in rrf([a, b], [1.0, 1.0], rrf_k=0)] == ["x", "y"]
    assert [s.chunk.id for s in rrf([a, b], [1.0, 2.0])] == ["y", "x"]
    assert [s.chunk.id for s in rrf([a, b], [0.0, 1.0])] == ["y"]  # a zero weight drops that side


def test_score_fusion_normalises_each_side() -> None:
    a = ranking(("x", 30.0), ("y", 20.0), ("z", 10.0))  # BM25-like scale
    b = ranking(("z", 0.9), ("y", 0.7), ("w", 0.5))  # cosine-like scale
    fused = {s.chunk.id: s.score for s in score_fusion([a, b], [1.0, 1.0])}
    assert fused == pytest.approx({"x": 1.0, "y": 0.5 + 0.5, "z": 0.0 + 1.0, "w": 0.0})
    single = score_fusion([ranking(("only", 3.0)), []], [1.0, 1.0])
    assert [(s.chunk.id, s.score) for s in single] == [("only", 1.0)]


def test_config_validates_the_hybrid_keys() -> None:
    from pydantic import ValidationError

    from shipcall.config.schema import Variant

    v = Variant.model_validate({"retriever": {"kind": "hybrid"}})
    assert (v.retriever.fusion, v.retriever.rrf_k, v.retriever.weights.bm25, v.retriever.k) == ("score", 10, 1.0, 10)
    with pytest.raises(ValidationError):
        Variant.model_validate({"retriever": {"kind": "hybrid", "weight": {"bm25": 1}}})
    with pytest.raises(ValidationError):
        Variant.model_validate({"retriever": {"kind": "hybrid", "weights": {"bm25": 0, "dense": 0}}})
    with pytest.raises(ValidationError):
        Variant.model_validate({"retriever": {"kind": "dense", "modle": "x"}})
