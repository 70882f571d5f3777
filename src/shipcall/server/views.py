"""What the pages show, shaped for the templates: run tables, comparison rows with the geometry of
their interval plots, failure Pareto bars, and review excerpts with cited sentences marked.
No HTML here (the templates escape everything); numbers and text only."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from shipcall.core.review import highlight

if TYPE_CHECKING:
    from shipcall.app.feature import Feature
    from shipcall.app.workspace import Workspace
    from shipcall.core.runs import Run

PLOT_W = 220  # px, the interval plots of the comparison page
HEADLINE = ("contains_answer", "recall@5", "ndcg@10", "f1", "false_answer_rate", "over_refusal_rate",
            "latency_ms_p95")


def fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        if not math.isfinite(x):
            return "–"
        return f"{x:.{digits}f}"
    return str(x)


def headline_metrics(runs: list[Run]) -> list[str]:
    present = {m for r in runs for m in r.metrics}
    chosen = [m for m in HEADLINE if m in present]
    return chosen or sorted(present)[:6]


def cohort_tables(run: Run) -> list[dict[str, Any]]:
    """The run's cohorts grouped by tag key: [{key, metrics, rows: [{cohort, n, values}]}]."""
    by_key: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for label, v in run.cohorts.items():
        key, _, value = label.partition("=")
        by_key.setdefault(key, []).append((value, v))
    shown = headline_metrics([run])
    tables = []
    for key, rows in sorted(by_key.items()):
        tables.append({"key": key, "metrics": shown,
                       "rows": [{"cohort": value, "n": v.get("n", 0),
                                 "cells": [fmt(v.get("metrics", {}).get(m)) for m in shown]}
                                for value, v in sorted(rows)]})
    return tables


def interval_rows(rows: list[Any]) -> dict[str, Any]:
    """Comparison rows with the x positions (px) of their interval plot on a shared scale."""
    span = max([abs(x) for r in rows for x in (r.ci_low, r.ci_high, r.delta) if math.isfinite(x)] + [0.02])
    scale = (PLOT_W / 2 - 8) / span

    def x(v: float) -> float:
        return round(PLOT_W / 2 + v * scale, 1) if math.isfinite(v) else PLOT_W / 2

    out = []
    for r in rows:
        out.append({"metric": r.metric, "cohort": r.cohort or "overall", "n": r.n, "baseline": fmt(r.baseline),
                    "candidate": fmt(r.candidate), "delta": f"{r.delta:+.3f}" if math.isfinite(r.delta) else "–",
                    "ci": f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}]" if math.isfinite(r.ci_low) else "–",
                    "p": f"{r.p_adjusted:.3g}", "verdict": r.verdict, "needed": r.items_needed,
                    "x_lo": x(r.ci_low), "x_hi": x(r.ci_high), "x_d": x(r.delta)})
    return {"rows": out, "width": PLOT_W, "zero": PLOT_W / 2, "span": f"{span:.3f}"}


def pareto_rows(table: Any) -> list[dict[str, Any]]:
    """The failure table (app/failures.py) shaped for the failures page."""
    top = max((row["count"] for row in table.modes), default=1)
    return [{"mode": row["mode"], "count": row["count"], "share": f"{row['share']:.1%}",
             "cum": f"{row['cumulative']:.0%}", "bar": round(200 * row["count"] / top, 1),
             "description": row["description"],
             "examples": [e | {"gold": "; ".join(e["gold"]), "evidence": ", ".join(e["evidence"]),
                               "retrieved": ", ".join(e["retrieved"])} for e in row["examples"]]}
            for row in table.modes]


def chunk_lookup(features: list[Feature]) -> dict[tuple[str, str, str], Any]:
    """(variant, corpus version, chunk id) → chunk, for the variants being served."""
    out: dict[tuple[str, str, str], Any] = {}
    for f in features:
        for c in getattr(f.retriever, "chunks", None) or []:
            out[(f.name, f.corpus_version, c.id)] = c
    return out


def _trim(pieces: list[tuple[str, bool]], context: int = 240) -> list[dict[str, Any]]:
    """Keep marked pieces whole and at most `context` characters of unmarked text around them."""
    out: list[dict[str, Any]] = []
    for i, (text, marked) in enumerate(pieces):
        if marked:
            out.append({"text": text, "mark": True})
            continue
        before = i > 0 and pieces[i - 1][1]
        after = i + 1 < len(pieces) and pieces[i + 1][1]
        if len(text) <= 2 * context or (before and after and len(text) <= 3 * context):
            out.append({"text": text, "mark": False})
            continue
        head = text[:context] + " … " if before else ""
        tail = " … " + text[-context:] if after else ""
        if not before and not after:
            continue
        out.append({"text": head + tail if (head and tail) else (head or tail), "mark": False})
    return out


def sources(ws: Workspace, entry: Any, chunks: dict[tuple[str, str, str], Any]) -> list[dict[str, Any]]:
    """The cited sources of a logged answer with the cited sentences marked: the chunk when the
    variant that answered is being served, else the document's text around the cited sentences.
    An abstention cites nothing: then its three best retrieved chunks, unmarked."""
    out = []
    seen: set[str] = set()
    cited = bool(entry.citations)
    for c in entry.citations or entry.retrieved[:3]:
        key = (entry.variant, entry.corpus_version, c.get("chunk_id", ""))
        chunk = chunks.get(key)
        if chunk is not None:
            text, where = chunk.text, " > ".join(chunk.heading_path)
        else:
            if c["doc_id"] in seen:
                continue
            doc = ws.store.document(c["doc_id"])
            text, where = (doc.text if doc else ""), "document text (the answering variant is not being served)"
        seen.add(c["doc_id"])
        # what was shown: the answer and, for an extractive answer, the sentences it was taken from
        shown_text = " ".join([entry.answer, *(x.get("snippet", "") for x in entry.citations)])
        pieces = highlight(text, shown_text) if text and cited else []
        if any(m for _, m in pieces):
            shown = _trim(pieces)
        elif text:
            shown = [{"text": text if len(text) <= 700 else text[:700] + " …", "mark": False}]
        else:
            shown = [{"text": "(the document is no longer in the corpus)", "mark": False}]
        out.append({"doc_id": c["doc_id"], "chunk_id": c.get("chunk_id"), "where": where, "pieces": shown,
                    "cited": cited, "score": c.get("score")})
    return out


def draft_sources(ws: Workspace, draft: Any, context: int = 300) -> list[dict[str, Any]]:
    """The passages a draft came from, in their documents: the source sentence marked, the
    gold answer inside it marked as the answer, and up to `context` characters either side."""
    out = []
    for p in draft.source.get("passages", []) or []:
        doc = ws.store.document(p.get("doc_id", ""))
        if doc is None:
            out.append({"doc_id": p.get("doc_id"), "where": "", "pieces": [
                {"text": "(the document is no longer in the corpus)", "mark": False, "answer": False}]})
            continue
        a, b = int(p.get("start", 0)), int(p.get("end", 0))
        ans = p.get("answer")
        lo, hi = max(0, a - context), min(len(doc.text), b + context)
        cuts = [(lo, a, False, False)]
        if ans and a <= ans[0] <= ans[1] <= b:
            cuts += [(a, ans[0], True, False), (ans[0], ans[1], True, True), (ans[1], b, True, False)]
        else:
            cuts.append((a, b, True, False))
        cuts.append((b, hi, False, False))
        pieces: list[dict[str, Any]] = [{"text": doc.text[x:y], "mark": m, "answer": an}
                                        for x, y, m, an in cuts if y > x]
        if lo > 0:
            pieces[0]["text"] = "… " + pieces[0]["text"]
        if hi < len(doc.text):
            pieces[-1]["text"] += " …"
        out.append({"doc_id": doc.id, "where": " > ".join(p.get("heading_path") or []), "pieces": pieces})
    return out
