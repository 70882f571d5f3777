"""What the review pages show, shaped for the templates: review excerpts with cited sentences
marked. The evaluation pages (runs, comparisons, decisions, variants) are shaped by
render/views.py, shared with the report files. No HTML here (the templates escape everything)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from shipcall.core.review import highlight

if TYPE_CHECKING:
    from shipcall.app.feature import Feature
    from shipcall.app.workspace import Workspace


def fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        if not math.isfinite(x):
            return "–"
        return f"{x:.{digits}f}"
    return str(x)


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
