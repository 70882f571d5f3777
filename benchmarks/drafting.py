"""How good are offline drafts? Measured on the SQuAD 2.0 slice (../shared/data/squad2-train5:
312 paragraphs as documents, 2,442 human questions as the reference).

    python benchmarks/drafting.py                 # 300 drafts, seeds 0-4, 4 variants; ~10 minutes on 2 cores
    python benchmarks/drafting.py --quick         # CI-sized: 60 drafts, 1 seed, no dense (.data/BENCHMARKS.quick.md)

For each seed: 300 offline drafts (`dataset draft --accept`), then
- the share of answerable drafts whose gold occurs in their evidence (must be 1.0),
- the near-duplicate rate (token-set Jaccard >= 0.8, as the dataset health check),
- document coverage (`dataset coverage`),
- drafting time (wall, one process, index-free: rules only),
- the verdict on recall@5 of BM25 k=5 -> k=1 (document chunks) on the human set and on the drafts,
- recall@5 of 4 variants on both sets and Kendall's tau between the two rankings (scipy).
Prints a Markdown table; writes benchmarks/.data/drafting.json. The 50 drafts checked by hand
are in benchmarks/drafting_handcheck.jsonl (the first 50 of seed 7, a seed the rules were never
tuned on); `--handcheck FILE` re-exports them.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = common.shared_data() / "squad2-train5" / "train-v2.0-articles0-4.json"
VARIANTS = {
    "bm25-doc-k5": "{chunker: {kind: document}, retriever: {kind: bm25, k: 5}, generator: {kind: extractive}}",
    "bm25-doc-k1": "{chunker: {kind: document}, retriever: {kind: bm25, k: 1}, generator: {kind: extractive}}",
    "bm25-sent40-k5": ("{chunker: {kind: sentence, size: 40, overlap: 0}, retriever: {kind: bm25, k: 5}, "
                       "generator: {kind: extractive}}"),
    "bm25-nostem-k5": ("{chunker: {kind: document}, retriever: {kind: bm25, k: 5, stemmer: null}, "
                       "generator: {kind: extractive}}"),
    "dense-doc-k5": "{chunker: {kind: document}, retriever: {kind: dense, k: 5}, generator: {kind: extractive}}",
}
RANKED = ["bm25-doc-k5", "bm25-sent40-k5", "bm25-nostem-k5", "dense-doc-k5"]


def log(msg: str) -> None:
    common.log(msg, name="drafting")


def workspace(tmp: Path, dense: bool) -> Any:
    sys.path.insert(0, str(ROOT))
    from shipcall.app.datasets import import_dataset
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace
    from tests.conftest import write_squad_slice

    write_squad_slice(DATA, tmp, 5)
    extra = "".join(f"  {name}: {spec}\n" for name, spec in VARIANTS.items() if dense or "dense" not in name)
    root = init_workspace(tmp / "ws", extra_variants=extra)
    ws = Workspace(root)
    ingest(ws, str(tmp / "corpus"))
    import_dataset(ws, str(tmp / "items.jsonl"), "human")
    return ws


def recall5(ws: Any, dataset: str, variant: str) -> tuple[str, float]:
    from shipcall.app.run import run

    ds = ws.store.load_dataset(dataset)
    r = run(ws, ds, variant).run
    return r.id, float(r.metrics["recall@5"])


def verdict(ws: Any, base: str, cand: str) -> str:
    from shipcall.app.decisions import compare_runs

    rep = compare_runs(ws, base, cand, ws.contract())
    return next(r.verdict for r in rep.comparison.overall if r.metric == "recall@5")


def one_seed(ws: Any, seed: int, n: int, variants: list[str], human: dict[str, tuple[str, float]]) -> dict[str, Any]:
    from scipy.stats import kendalltau

    from shipcall.app.coverage import dataset_coverage
    from shipcall.app.drafting import draft
    from shipcall.core.drafting.checks import gold_in, near_duplicate_rate

    name = f"drafted-s{seed}"
    t0 = time.perf_counter()
    rep = draft(ws, name=name, n=n, seed=seed, accept=True, progress=False)
    seconds = time.perf_counter() - t0
    docs = {d.id: d.text for d in ws.store.documents()}
    answerable = [d for d in rep.drafts if d.answerable]
    gold = sum(gold_in(d.answers, [docs[e] for e in d.evidence]) for d in answerable) / len(answerable)
    cov = dataset_coverage(ws, name)
    runs = {v: recall5(ws, name, v) for v in variants}
    out = {"seed": seed, "drafted": len(rep.drafts), "dropped": rep.dropped, "seconds": round(seconds, 3),
           "by_kind": rep.to_dict()["by_kind"], "gold_in_evidence": gold,
           "near_duplicate_rate": near_duplicate_rate([d.question for d in rep.drafts]),
           "coverage": cov.share, "covered_documents": cov.covered_documents, "documents": cov.documents,
           "recall@5": {v: r for v, (_, r) in runs.items()},
           "verdict_k5_k1": verdict(ws, runs["bm25-doc-k5"][0], runs["bm25-doc-k1"][0])}
    ranked = [v for v in RANKED if v in variants]
    tau = kendalltau([human[v][1] for v in ranked], [runs[v][1] for v in ranked])
    out["kendall_tau"] = None if tau.statistic != tau.statistic else round(float(tau.statistic), 3)
    out["ranking_human"] = sorted(ranked, key=lambda v: -human[v][1])
    out["ranking_drafted"] = sorted(ranked, key=lambda v: -runs[v][1])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--no-dense", action="store_true", help="leave out the dense variant (no model load)")
    ap.add_argument("--quick", action="store_true",
                    help="CI-sized: 60 drafts, 1 seed, no dense; written to .data/BENCHMARKS.quick.md")
    ap.add_argument("--handcheck", type=Path, default=None, help="write the first 50 drafts of --handcheck-seed here")
    ap.add_argument("--handcheck-seed", type=int, default=11)
    ap.add_argument("--render", action="store_true", help="rewrite the BENCHMARKS.md section from the last results")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.seeds, args.no_dense = 60, 1, True
    if not DATA.is_file():
        print(f"the SQuAD slice is not at {DATA} (set SHIPCALL_DATA)", file=sys.stderr)
        return 0 if args.quick else 2  # CI without the public data: nothing to measure
    if args.render:
        common.write_section("drafting", markdown(json.loads((HERE / ".data" / "drafting.json").read_text())))
        return 0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        ws = workspace(tmp, dense=not args.no_dense)
        if args.handcheck:
            from shipcall.app.drafting import draft

            rep = draft(ws, name="handcheck", n=args.n, seed=args.handcheck_seed, accept=True, progress=False)
            with args.handcheck.open("w", encoding="utf-8") as f:
                for x in rep.drafts[:50]:
                    f.write(json.dumps({**x.to_dict(), "kind": x.kind, "rule": x.source.get("rule"),
                                        "keep": None, "why": ""}, ensure_ascii=False) + "\n")
            log(f"wrote {args.handcheck}")
            return 0
        variants = [v for v in VARIANTS if not (args.no_dense and "dense" in v)]
        log("human set: runs of every variant")
        human = {v: recall5(ws, "human", v) for v in variants}
        human_verdict = verdict(ws, human["bm25-doc-k5"][0], human["bm25-doc-k1"][0])
        seeds = []
        for s in range(args.seeds):
            log(f"seed {s}: drafting {args.n} and running {len(variants)} variants")
            seeds.append(one_seed(ws, s, args.n, variants, human))
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
              "python": platform.python_version(), "cpus": __import__("os").cpu_count(), "n": args.n,
              "human": {"recall@5": {v: r for v, (_, r) in human.items()}, "verdict_k5_k1": human_verdict},
              "seeds": seeds}
    out = HERE / ".data" / ("drafting-quick.json" if args.quick else "drafting.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    text = markdown(result)
    common.write_section("drafting", text, quick=args.quick)
    print(text)
    return 0


def handcheck_summary() -> str:
    rows = [json.loads(line) for line in (HERE / "drafting_handcheck.jsonl").read_text().splitlines() if line]
    kept = sum(bool(r["keep"]) for r in rows)
    n = len(rows)
    import math

    z, p = 1.96, kept / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    reasons: dict[str, int] = {}
    for r in rows:
        if not r["keep"]:
            key = r["why"].split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
    top = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1]))
    return (f"{kept} of {n} ({p:.0%}; Wilson 95% interval {centre - half:.0%}–{centre + half:.0%}); rejected: {top}")


def spread(xs: list[float], digits: int = 3) -> str:
    return f"{statistics.median(xs):.{digits}f} (min {min(xs):.{digits}f}, max {max(xs):.{digits}f})"


def markdown(r: dict[str, Any]) -> str:
    s = r["seeds"]
    kept = handcheck_summary()
    agree = sum(x["verdict_k5_k1"] == r["human"]["verdict_k5_k1"] for x in s)
    taus = [x["kendall_tau"] for x in s if x["kendall_tau"] is not None]
    reasons = sorted({k for x in s for k in x["dropped"]})
    dropped = ", ".join(f"{k} {statistics.median([x['dropped'].get(k, 0) for x in s]):.0f}" for k in reasons)
    lines = ["## Dataset drafting (offline rules) on the SQuAD slice", "",
             "Written by `python benchmarks/drafting.py` (`--render` rewrites this section from the last results). "
             "What it means and how the rules work: docs/drafting.md.", "",
             f"SQuAD 2.0 train articles 0–4 (312 paragraphs as documents, 2,442 human questions as the reference), "
             f"{r['n']} offline drafts per seed, {len(s)} seeds; {r['machine']}, {r['cpus']} CPUs, "
             f"Python {r['python']}, {r['date'][:10]}. There is no offline drafting library to compare with "
             f"(RAGAS and DeepEval test-set generators need an LLM).", "",
             "| figure | median over seeds (min, max) |", "|---|---|",
             f"| drafts stored (of {r['n']}) | {spread([x['drafted'] for x in s], 0)} |",
             f"| answerable drafts with gold in evidence | {spread([x['gold_in_evidence'] for x in s])} |",
             f"| drafts a person would keep (50 checked by hand, seed 11) | {kept} |",
             f"| near-duplicate rate | {spread([x['near_duplicate_rate'] for x in s])} |",
             "| kinds made (asked: 150 factoid, 60 paraphrase, 45 multi_hop, 45 unanswerable; the rest fell back "
             "to factoid) | " + ", ".join(f"{k} {statistics.median([x['by_kind'].get(k, 0) for x in s]):.0f}"
                                          for k in ("factoid", "paraphrase", "multi_hop", "unanswerable")) + " |",
             f"| dropped by the checks (median per seed) | {dropped} |",
             f"| documents covered | {spread([x['coverage'] for x in s])} |",
             f"| drafting time, s (rules only, 312 documents) | {spread([x['seconds'] for x in s], 2)} |",
             f"| k=5 → k=1 recall@5 verdict: human set | {r['human']['verdict_k5_k1']} |",
             f"| k=5 → k=1 recall@5 verdict: drafted sets | {', '.join(sorted({x['verdict_k5_k1'] for x in s}))} "
             f"({agree}/{len(s)} agree) |",
             f"| Kendall tau, 4 variants ranked by recall@5 | {spread(taus, 2) if taus else '-'} |",
             "", "| variant | recall@5 human | recall@5 drafted (median, min, max) |", "|---|---|---|"]
    for v, h in r["human"]["recall@5"].items():
        lines.append(f"| {v} | {h:.3f} | {spread([x['recall@5'][v] for x in s])} |")
    lines += ["", "Reading it: the drafted sets find the large regression (k=5 → k=1) as the human set does, "
              "every seed. They are easier than the human questions (they reuse the documents' words: "
              "recall@5 0.99 against 0.90 for BM25) and they do not rank close variants reliably: the three "
              "BM25 variants lie within 0.01 of each other on the drafts, so their order (and Kendall tau) "
              "changes with the seed; dense retrieval ranks last on both sets. A drafted set is a smoke "
              "alarm for large regressions and a starting point for review, not a substitute for real "
              "questions. The machine was shared (1-minute load 10–17 on 2 cores): the drafting time is "
              "pessimistic; the quality figures do not depend on it."]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
