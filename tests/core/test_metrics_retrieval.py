"""Retrieval metrics agree with ranx (trec_eval conventions): on SciFact with a real BM25 run,
and on hand-built graded and edge cases."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from shipcall.core.datasets import Item
from shipcall.core.metrics import (
    hit_at_k,
    metric_info,
    metrics_for,
    mrr_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    retrieval_metrics,
    score_item,
)
from shipcall.core.runs import ItemResult, Retrieved

ranx = pytest.importorskip("ranx")

KS = (1, 3, 5, 10, 100)
# shipcall name family → ranx metric family
RANX_NAMES = {"recall": "recall", "precision": "precision", "hit": "hit_rate", "mrr": "mrr", "ndcg": "ndcg"}


def _result(item_id: str, ranking: list[str]) -> ItemResult:
    return ItemResult(
        item_id=item_id,
        retrieved_docs=[Retrieved(doc_id=d, chunk_id=d, score=1.0 / r, rank=r) for r, d in enumerate(ranking, 1)],
    )


def _ranx_scores(qrels: dict[str, dict[str, int]], runs: dict[str, list[str]], ks: tuple[int, ...]):
    """Per-query ranx scores {shipcall metric: {qid: value}} on a Run built from OUR ranks."""
    run = ranx.Run({q: {d: 1.0 / r for r, d in enumerate(docs, 1)} for q, docs in runs.items()})
    names = {f"{fam}@{k}": f"{RANX_NAMES[fam]}@{k}" for fam in RANX_NAMES for k in ks}
    means = ranx.evaluate(ranx.Qrels(qrels), run, list(names.values()))
    per_query = {ours: dict(run.scores[theirs]) for ours, theirs in names.items()}
    return {ours: float(means[theirs]) for ours, theirs in names.items()}, per_query


def _load_scifact(scifact: Path) -> tuple[dict[str, dict[str, int]], dict[str, list[str]]]:
    bm25s = pytest.importorskip("bm25s")
    stemmer_mod = pytest.importorskip("Stemmer")
    corpus = [json.loads(line) for line in (scifact / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = {}
    for line in (scifact / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        queries[q["_id"]] = q["text"]
    qrels: dict[str, dict[str, int]] = {}
    for n, line in enumerate((scifact / "qrels" / "train.tsv").read_text(encoding="utf-8").splitlines()):
        parts = line.split("\t")  # splitlines() also removes the CRLF's \r
        if n == 0 and not parts[-1].strip().lstrip("-").isdigit():
            continue  # header row
        qid, doc, score = parts[0], parts[1], int(parts[2])
        if score > 0:
            qrels.setdefault(qid, {})[doc] = score
    stemmer = stemmer_mod.Stemmer("english")
    tokens = bm25s.tokenize([c["title"] + " " + c["text"] for c in corpus], stopwords="en", stemmer=stemmer,
                            show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    qids = sorted(qrels)
    qtokens = bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=stemmer, return_ids=False,
                             show_progress=False)
    idx, _scores = retriever.retrieve(qtokens, k=100, show_progress=False)
    runs = {q: [corpus[j]["_id"] for j in idx[i]] for i, q in enumerate(qids)}
    return qrels, runs


def test_scifact_bm25_equals_ranx(shared_data: Path) -> None:
    qrels, runs = _load_scifact(shared_data / "scifact-train")
    assert len(qrels) == 809
    per_item = {}
    for qid, docs in runs.items():
        item = Item(id=qid, question="q", evidence=qrels[qid])
        per_item[qid] = score_item(item, _result(qid, docs), KS)
    means, per_query = _ranx_scores(qrels, runs, KS)
    for name, ranx_mean in means.items():
        ours = [per_item[q][name] for q in qrels]
        assert math.fsum(ours) / len(ours) == pytest.approx(ranx_mean, abs=1e-9), name
        worst = max(abs(per_item[q][name] - per_query[name][q]) for q in qrels)
        assert worst <= 1e-9, name
    # BM25 on SciFact is a sane run, not a degenerate one
    assert 0.6 < means["ndcg@10"] < 0.8


def test_graded_relevance_matches_ranx_and_hand_values() -> None:
    qrels = {
        "q1": {"a": 2, "b": 1, "c": 1},
        "q2": {"a": 2, "b": 1},
        "q3": {"c": 3, "d": 1, "e": 2},
    }
    runs = {
        "q1": ["x", "b", "a", "y", "c"],
        "q2": ["b", "a"],  # fewer retrieved than k
        "q3": ["x", "y", "z"],  # nothing relevant retrieved
    }
    ks = (1, 2, 3, 5, 10)
    means, per_query = _ranx_scores(qrels, runs, ks)
    for q, docs in runs.items():
        ours = score_item(Item(id=q, question="?", evidence=qrels[q]), _result(q, docs), ks)
        for name in means:
            assert ours[name] == pytest.approx(per_query[name][q], abs=1e-12), (q, name)
    # hand values for q1 at k=3: DCG = 1/log2(3) + 2/log2(4); IDCG = 2 + 1/log2(3) + 1/log2(4)
    dcg = 1 / math.log2(3) + 2 / 2
    idcg = 2 + 1 / math.log2(3) + 1 / 2
    assert ndcg_at_k(runs["q1"], qrels["q1"], 3) == pytest.approx(dcg / idcg, abs=1e-15)
    assert precision_at_k(runs["q2"], qrels["q2"], 5) == pytest.approx(2 / 5)  # divides by k
    assert recall_at_k(runs["q1"], qrels["q1"], 3) == pytest.approx(2 / 3)
    assert mrr_at_k(runs["q1"], qrels["q1"], 10) == 0.5
    assert mrr_at_k(runs["q1"], qrels["q1"], 1) == 0.0
    assert hit_at_k(runs["q3"], qrels["q3"], 10) == 0.0
    assert all(v == 0.0 for v in retrieval_metrics(runs["q3"], qrels["q3"], ks).values())


def test_single_functions_equal_the_one_pass_version() -> None:
    evidence = {"d2": 1, "d5": 3, "d9": 2}
    ranking = ["d1", "d5", "d3", "d2", "d7", "d8"]
    ks = (1, 2, 4, 6, 8)
    all_at_once = retrieval_metrics(ranking, evidence, ks)
    funcs = {"recall": recall_at_k, "precision": precision_at_k, "hit": hit_at_k, "mrr": mrr_at_k,
             "ndcg": ndcg_at_k}
    for k in ks:
        for fam, fn in funcs.items():
            assert all_at_once[f"{fam}@{k}"] == pytest.approx(fn(ranking, evidence, k), abs=1e-15)


def test_ranking_follows_rank_and_keeps_first_occurrence() -> None:
    item = Item(id="i", question="?", evidence={"a": 1})
    result = ItemResult(
        item_id="i",
        retrieved_docs=[
            Retrieved("a", "a#2", 0.5, 2),
            Retrieved("b", "b#1", 0.9, 1),
            Retrieved("a", "a#9", 0.1, 3),  # a duplicate document is ignored
        ],
    )
    m = score_item(item, result, (1, 2, 3))
    assert m["hit@1"] == 0.0 and m["mrr@3"] == 0.5
    assert m["precision@3"] == pytest.approx(1 / 3)


def test_retrieval_metrics_only_with_evidence_and_empty_ranking() -> None:
    no_evidence = Item(id="i", question="?", answers=("x",))
    assert not any("@" in name for name in score_item(no_evidence, _result("i", ["a"]), (1, 5)))
    empty = score_item(Item(id="j", question="?", evidence={"a": 1}), _result("j", []), (1, 5))
    assert {empty[f"{f}@5"] for f in RANX_NAMES} == {0.0}


def test_registry_entries() -> None:
    reg = metrics_for((5, 1))
    assert list(reg)[:2] == ["recall@1", "recall@5"]
    assert reg["hit@5"].binary and reg["hit@5"].per_item and reg["hit@5"].higher_is_better
    info = metric_info("ndcg@7")
    assert info is not None and info.name == "ndcg@7" and not info.binary
    assert metric_info("ndcg@0") is None and metric_info("bleu@3") is None and metric_info("nope") is None
    lat = metric_info("latency_ms_p95")
    assert lat is not None and not lat.higher_is_better and not lat.per_item
    ap = metric_info("abstain_precision")
    assert ap is not None and not ap.per_item
    far = metric_info("false_answer_rate")
    assert far is not None and far.binary and not far.higher_is_better
    assert all(m.doc for m in reg.values())
