"""A case study of one decision chain (a gate decision and the human calls on it): problem →
AI-specific considerations → decisions made → outcome → what we would do differently, every
statement taken from that decision's own evidence (never summed across unrelated decisions)."""

from __future__ import annotations

import html
from typing import Any

from shipcall.core.metrics.glossary import plain
from shipcall.core.narrative import Evidence, Section, percent, verdict_sentence

# The feature's job when the contract does not describe it, by task type.
PROBLEMS = {"rag": "answering people's questions from the team's own documents",
            "classify": "sorting incoming messages into the right label (the inbox classifier)",
            "summarize": "summarizing meeting notes for people who missed them (the meeting-notes summarizer)"}


def _rate_change(row: dict[str, Any]) -> str:
    b, c = row.get("baseline"), row.get("candidate")
    if isinstance(b, int | float) and isinstance(c, int | float) and 0 <= b <= 1 and 0 <= c <= 1:
        return f"{percent(float(b))} → {percent(float(c))}"
    return f"{b} → {c}"


def case_study(ev: Evidence, *, contract_description: str = "", later: list[str] | None = None) -> str:
    d = ev.decision
    rows = ev.comparison.get("overall", []) + ev.comparison.get("cohorts", [])
    regressed = [r for r in rows if r.get("verdict") == "regressed"]
    improved = [r for r in rows if r.get("verdict") == "improved"]
    under = [r for r in rows if r.get("verdict") == "underpowered"]
    title = f"Case study: decision #{d['id']} — {ev.candidate_description or ev.candidate_variant}"
    task = (d.get("evidence") or {}).get("task", "rag")
    problem = contract_description or PROBLEMS.get(task, f"the {task} feature")
    noun = "questions" if task == "rag" else "items"
    change = ev.candidate_description or f"the variant `{ev.candidate_variant}`"
    base = f"{ev.baseline_description} (`{ev.baseline_variant}`)" if ev.baseline_description \
        else f"version (`{ev.baseline_variant}`)"
    n = ev.outcomes["candidate"].n if ev.outcomes else "?"
    lines = [f"# {title}", "", "## Problem", "",
             f"The feature's job: {problem}. The change under test: {change}, against today's {base}, "
             f"on the evaluation dataset {ev.dataset} ({n} {noun}), "
             f"judged by a contract written before building (primary measure: how often it {plain(ev.primary)}).", "",
             "## AI-specific considerations", ""]
    if improved or regressed:
        lines.append("- **The trade-off.** " + "; ".join(
            [f"better: how often it {plain(r['metric'])}{' for ' + r['cohort'] if r.get('cohort') else ''} "
             f"({_rate_change(r)})" for r in improved[:3]]
            + [f"worse: how often it {plain(r['metric'])}{' for ' + r['cohort'] if r.get('cohort') else ''} "
               f"({_rate_change(r)})" for r in regressed[:4]]) + ".")
    else:
        lines.append("- **The trade-off.** No guarded measure moved beyond chance in either direction.")
    lines.append(f"- **Probabilistic.** Answers come from retrieval and generation that can fail on any one "
                 f"question, so the call rests on {ev.comparison.get('shared_items', '?')} paired questions and "
                 f"{ev.comparison.get('family_size', '?')} corrected tests; {len(under)} comparisons had too few "
                 f"questions to rule out a harmful change.")
    health = [f"{k} {v}" for k, v in (d.get("evidence") or {}).get("health", {}).items()]
    lines.append(f"- **Data dependencies.** Dataset {ev.dataset}"
                 + (f"; its health checks found: {', '.join(health)}" if health else "; no health findings") + ".")
    lat = [(k, m.get("latency_ms_p95")) for k, m in (("today", ev.baseline_metrics), ("new", ev.candidate_metrics))]
    if all(v is not None for _, v in lat):
        cb, cc = ev.baseline_metrics.get("cost_per_item", 0.0), ev.candidate_metrics.get("cost_per_item", 0.0)
        lines.append(f"- **Latency and cost.** 1 in 20 answers took longer than {lat[0][1]:.1f} ms today and "
                     f"{lat[1][1]:.1f} ms with the change; cost per question {cb:.4f} → {cc:.4f} USD.")
    lines += ["", "## Decisions made", ""]
    for x in ev.chain:
        blocks = [r for r in x.get("reasons", []) if r.get("severity") == "block"]
        who = "a human override" if x.get("override") else "a human call" if (x.get("evidence") or {}).get("accepts") \
            else "the gate"
        lines.append(f"- #{x['id']} {x['created_at'][:19]} — **{x['verdict']}** by {x['author']} ({who})"
                     + (f", {len(blocks)} blocking reasons" if blocks else "")
                     + (f"; note: {x['note']}" if x.get("note") else ""))
    sec = Section("")
    lines += ["", f"In plain words: {verdict_sentence(ev, sec)}", "", "## Outcome", ""]
    final = ev.chain[-1]
    lines.append(f"The standing call is **{final['verdict']}**"
                 + (" (a person overrode the gate)." if final.get("override") else "."))
    lines += [f"- {x}" for x in (later or [])] or ["- Nothing recorded after this decision yet (no later run of "
                                                   "the candidate, dataset version or canary result)."]
    lines += ["", "## What we would do differently", ""]
    todo = []
    for r in sorted(regressed, key=lambda r: -abs(float(r.get("delta") or 0)))[:2]:
        where = f" for {r['cohort']}" if r.get("cohort") else ""
        todo.append(f"Check how often it {plain(r['metric'])}{where} before building: it moved {_rate_change(r)} "
                    f"({r['n']} questions).")
    if under:
        worst = max(under, key=lambda r: r.get("items_needed") or 0)
        todo.append(f"Grow the evaluation set where it could not decide: {len(under)} comparisons were "
                    f"underpowered (e.g. {worst.get('cohort') or 'overall'} has {worst['n']} questions; "
                    f"~{worst.get('items_needed')} are needed).")
    if any(x.get("override") for x in ev.chain):
        todo.append("Write down in the contract what the override decided, so the next gate makes the same call.")
    if health:
        todo.append(f"Fix the dataset's health findings first ({', '.join(health)}), so the data is not blamed on "
                    "the system or the other way round.")
    lines += [f"- {t}" for t in todo] or ["- This decision's evidence suggests no change of process."]
    return "\n".join(lines) + "\n"


def to_html(markdown_text: str) -> str:
    """The case study as one self-contained page (no script, no network)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt().render(markdown_text)
    first = markdown_text.splitlines()[0].lstrip("# ") if markdown_text else "case study"
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport "
            f"content='width=device-width,initial-scale=1'><title>{html.escape(first)}</title><style>"
            "body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}"
            f"</style></head><body>{body}</body></html>")
