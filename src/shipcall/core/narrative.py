"""The same evidence told three ways: executives (business risk), domain experts (impact on
their work), legal (privacy and accountability). Pure: the app layer gathers `Evidence` from the
store; this module turns it into sections of text in which every percentage or decimal number is
the `display` of a `Fact` that names its source (`run:r2`, `comparison:r1..r2`, `decision:3`,
`log`), so a reader can trace each number back.

Facts taken from a comparison are named `METRIC.baseline|candidate|delta`, with `[COHORT]` for a
cohort row, and hold exactly the comparison's values. The exec narrative uses no metric ids and
no statistics words: it says rates in percentages, changes per 1,000 questions and how sure the
comparison is in words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from shipcall.core.gate import baseline_note
from shipcall.core.metrics.glossary import plain

AUDIENCES = ("exec", "expert", "legal")


@dataclass(frozen=True)
class Fact:
    name: str
    value: Any
    display: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "display": self.display, "source": self.source}


@dataclass
class Section:
    title: str
    text: str = ""
    facts: list[Fact] = field(default_factory=list)

    def fact(self, name: str, value: Any, display: str, source: str) -> str:
        """Record a fact (once per name) and return its display, for use in the text."""
        if not any(f.name == name for f in self.facts):
            self.facts.append(Fact(name, value, display, source))
        return display

    def pct(self, name: str, value: float, source: str) -> str:
        return self.fact(name, value, percent(value), source)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text, "facts": [f.to_dict() for f in self.facts]}


@dataclass
class Narrative:
    audience: str
    decision_id: int
    verdict: str
    headline: str
    sections: list[Section]

    def to_dict(self) -> dict[str, Any]:
        return {"audience": self.audience, "decision_id": self.decision_id, "verdict": self.verdict,
                "headline": self.headline, "sections": [s.to_dict() for s in self.sections]}


@dataclass
class Outcomes:
    """What one run did with its questions, counted (rag: right answers, wrong answers,
    refusals of answerable questions, answers to uncovered ones)."""

    n: int
    counts: dict[str, int]


@dataclass
class Evidence:
    decision: dict[str, Any]  # as stored: id, verdict, author, note, override, created_at, reasons, runs
    chain: list[dict[str, Any]]  # the decision and the overrides/acceptances that follow it
    comparison: dict[str, Any]  # Comparison.to_dict() of the pair, as `compare --json` prints it
    baseline_variant: str
    candidate_variant: str
    baseline_description: str
    candidate_description: str
    dataset: str
    baseline_metrics: dict[str, float]
    candidate_metrics: dict[str, float]
    primary: str
    guarded: list[str]
    cohort_keys: list[str]
    outcomes: dict[str, Outcomes]  # "baseline" / "candidate"
    failure_modes: list[dict[str, Any]]  # mode, description, baseline, candidate
    costs: dict[str, float] = field(default_factory=dict)  # per failure mode, in the user's unit
    cost_unit: str = "points"
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # cohort -> examples
    sources: list[tuple[str, int]] = field(default_factory=list)  # documents the answers cite most
    redactions: dict[str, int] = field(default_factory=dict)
    log_queries: int = 0
    log_window: tuple[str, str] | None = None
    providers: list[dict[str, Any]] = field(default_factory=list)  # variant, kind, model, endpoint
    store: str = ""
    retention: str | None = None
    logged_per_day: float | None = None


# -- formatting -----------------------------------------------------------------------------------

def percent(v: float) -> str:
    if not math.isfinite(v):
        return "n/a"
    p = v * 100
    return f"{p:.0f}%" if abs(p) >= 10 or p == 0 else f"{p:.1f}%"


def points(v: float) -> str:
    return f"{v * 100:+.1f} points"


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\.\d+)?%?")


def quote(sec: Section, text: str, source: str) -> str:
    """Text quoted from a run or a dataset: each decimal or percentage in it becomes a fact
    sourced to where the text came from (it is the system's output, not a number we computed)."""
    for i, tok in enumerate(t for t in _NUMBER.findall(text) if "." in t or "%" in t):
        sec.fact(f"quoted.{len(sec.facts)}.{i}", tok, tok, source)
    return text


def _rows(ev: Evidence) -> dict[tuple[str, str | None], dict[str, Any]]:
    out: dict[tuple[str, str | None], dict[str, Any]] = {}
    for r in ev.comparison.get("overall", []):
        out[(r["metric"], None)] = r
    for r in ev.comparison.get("cohorts", []):
        out[(r["metric"], r.get("cohort"))] = r
    return out


def _source(ev: Evidence) -> str:
    return f"comparison:{ev.decision['baseline_run']}..{ev.decision['candidate_run']}"


def _is_rate(metric: str, row: dict[str, Any]) -> bool:
    vals = [row.get("baseline"), row.get("candidate")]
    return not metric.startswith("latency") and all(isinstance(v, int | float) and 0 <= v <= 1 for v in vals)


def _change(sec: Section, ev: Evidence, metric: str, cohort: str | None, *, facts_as: str = "rate") -> str:
    """'refuses a question the documents answer more often (34% instead of 17%, 150 questions)'."""
    row = _rows(ev)[(metric, cohort)]
    suffix = f"[{cohort}]" if cohort else ""
    src = _source(ev)
    b, c = float(row["baseline"]), float(row["candidate"])
    sec.fact(f"{metric}.delta{suffix}", row["delta"], points(float(row["delta"])), src)
    word = "more often" if c > b else "less often" if c < b else "as often"
    if _is_rate(metric, row):
        bd, cd = sec.pct(f"{metric}.baseline{suffix}", b, src), sec.pct(f"{metric}.candidate{suffix}", c, src)
    else:
        bd = sec.fact(f"{metric}.baseline{suffix}", b, f"{b:.1f}", src)
        cd = sec.fact(f"{metric}.candidate{suffix}", c, f"{c:.1f}", src)
        word = "higher" if c > b else "lower" if c < b else "the same"
    where = f" for {cohort.replace('=', ' ')}" if cohort else ""
    return f"{plain(metric)} {word}{where} ({cd} instead of {bd}, {row['n']} questions)"


def verdict_sentence(ev: Evidence, sec: Section) -> str:
    """The call in one sentence a person can repeat, leading with what blocks it."""
    rows = _rows(ev)
    guarded = [ev.primary, *[g for g in ev.guarded if g != ev.primary]]
    regressed = [m for m in guarded if rows.get((m, None), {}).get("verdict") == "regressed"]
    improved = [m for m in guarded if rows.get((m, None), {}).get("verdict") == "improved"]
    parts = [f"the new version {_change(sec, ev, m, None)}" for m in regressed[:2]]
    parts += [f"it {_change(sec, ev, m, None)}" for m in improved[:2]]
    if not parts:
        blocks = [r for r in ev.decision.get("reasons", []) if r.get("severity") == "block"]
        if blocks:
            parts.append(f"{len(blocks)} of the contract's conditions are not met: "
                         + "; ".join(_block_words(b) for b in blocks[:2]))
        else:
            parts.append("no guarded measure got worse and every threshold of the contract holds")
    under = {r.get("cohort") for r in ev.comparison.get("cohorts", []) if r.get("verdict") == "underpowered"}
    tail = (f" {len(under)} cohorts are too small to check yet." if under else "")
    return f"{ev.decision['verdict']}: " + "; ".join(parts) + "." + tail


def _block_words(b: dict[str, Any]) -> str:
    metric = b.get("metric") or ""
    if b.get("kind") == "threshold" and metric:
        return f"how often it {plain(metric)} misses the contract's bar"
    if b.get("kind") == "must_pass":
        return "a must-pass question fails"
    if b.get("kind") == "error_rate":
        return "too many questions raised errors"
    return b.get("kind", "").replace("_", " ")


def gate_sentence(decision: dict[str, Any], comparison: dict[str, Any], primary: str, guarded: list[str]) -> str:
    """The gate's first line: the verdict in plain words (rates as percentages, counts out of n)."""
    ev = Evidence(decision=decision, chain=[decision], comparison=comparison, baseline_variant="",
                  candidate_variant="", baseline_description="", candidate_description="", dataset="",
                  baseline_metrics={}, candidate_metrics={}, primary=primary, guarded=guarded, cohort_keys=[],
                  outcomes={}, failure_modes=[])
    note = baseline_note(decision.get("reasons", []))
    return verdict_sentence(ev, Section("")) + (f" {note}" if note else "")


# -- exec -----------------------------------------------------------------------------------------

def _per_1000(sec: Section, ev: Evidence, key: str, label: str) -> str:
    b, c = ev.outcomes["baseline"], ev.outcomes["candidate"]
    rb, rc = b.counts.get(key, 0) / max(b.n, 1), c.counts.get(key, 0) / max(c.n, 1)
    lo, hi = _range_per_1000(c.counts.get(key, 0), c.n)
    run_b, run_c = f"run:{ev.decision['baseline_run']}", f"run:{ev.decision['candidate_run']}"
    sec.fact(f"outcomes.{key}.baseline", rb, f"{round(rb * 1000)}", run_b)
    sec.fact(f"outcomes.{key}.candidate", rc, f"{round(rc * 1000)}", run_c)
    return (f"{round(rc * 1000)} {label} instead of {round(rb * 1000)} "
            f"(plausibly {lo} to {hi})")


def _range_per_1000(k: int, n: int) -> tuple[int, int]:
    """Wilson 95% interval of a proportion, per 1,000 (Wilson 1927)."""
    if n == 0:
        return 0, 0
    z, p = 1.959964, k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0, round((mid - half) * 1000)), min(1000, round((mid + half) * 1000))


OUTCOME_LABELS = {"right": "right answers", "wrong": "wrong answers to answerable questions",
                  "false": "answers to questions the documents do not cover",
                  "refused": "refusals of questions the documents answer", "correct": "right labels",
                  "incorrect": "wrong labels"}


def exec_narrative(ev: Evidence) -> Narrative:
    call = Section("The call")
    headline = verdict_sentence(ev, call)
    call.text = headline + (f" Decided by {ev.decision['author']}." if ev.decision.get("author") else "")
    users = Section("What changes for people asking, per 1,000 questions")
    lines = [f"- {_per_1000(users, ev, k, OUTCOME_LABELS.get(k, k.replace('_', ' ')))}"
             for k in ev.outcomes["candidate"].counts]
    users.text = ("Counted on the evaluation questions, which stand in for real traffic:\n" + "\n".join(lines)
                  if lines else "The runs record no per-question outcomes.")
    sections = [call, users]
    if ev.costs:
        cost = Section(f"Expected cost of mistakes, per 1,000 questions ({ev.cost_unit})")
        texts = []
        for arm in ("baseline", "candidate"):
            n = max(ev.outcomes[arm].n, 1)
            total = sum(ev.costs.get(f["mode"], 0.0) * f[arm] for f in ev.failure_modes) / n * 1000
            run = ev.decision[f"{arm}_run"]
            d = cost.fact(f"cost_per_1000.{arm}", total, f"{total:.1f}", f"run:{run}")
            texts.append(f"{'the new version' if arm == 'candidate' else 'today'}: {d}")
        cost.text = "With the contract's costs per kind of mistake: " + ", ".join(texts) + "."
        sections.append(cost)
    ops = Section("Speed and running cost")
    parts = []
    for arm, metrics, run in (("today", ev.baseline_metrics, ev.decision["baseline_run"]),
                              ("the new version", ev.candidate_metrics, ev.decision["candidate_run"])):
        if "latency_ms_p95" in metrics:
            p95 = metrics["latency_ms_p95"]
            key = "baseline" if arm == "today" else "candidate"
            d = ops.fact(f"latency_ms_p95.{key}", p95, f"{p95:.1f} ms", f"run:{run}")
            c1000 = metrics.get("cost_per_item", 0.0) * 1000
            dc = ops.fact(f"cost_per_1000.{key}.usd", c1000, f"${c1000:.2f}", f"run:{run}")
            parts.append(f"{arm}: 1 in 20 answers takes longer than {d}, and 1,000 questions cost {dc}")
    ops.text = ("; ".join(parts) + ".") if parts else "The runs record no timings."
    sections.append(ops)
    risk = Section("The biggest risk")
    rows = _rows(ev)
    worst = sorted((r for r in rows.values() if r.get("verdict") == "regressed"),
                   key=lambda r: -abs(float(r.get("delta") or 0)))
    if worst:
        r = worst[0]
        risk.text = (f"The new version {_change(risk, ev, r['metric'], r.get('cohort'))}. The comparison is "
                     "confident this is a real change, not chance.")
    else:
        risk.text = "No measure the contract guards got worse beyond chance."
    sections.append(risk)
    ship = Section("What it takes to ship")
    blocks = [r for r in ev.decision.get("reasons", []) if r.get("severity") == "block"]
    under = [r for r in ev.comparison.get("overall", []) + ev.comparison.get("cohorts", [])
             if r.get("verdict") == "underpowered" and r.get("items_needed")]
    todo = []
    if ev.decision["verdict"] == "SHIP":
        todo.append("Nothing: the contract's conditions hold.")
    for b in blocks[:4]:
        metric = b.get("metric") or ""
        where = f" for {b['cohort'].replace('=', ' ')}" if b.get("cohort") else ""
        if b.get("kind") == "threshold" and metric:
            todo.append(f"Meet the contract's bar for how often it {plain(metric)}")
        elif metric:
            todo.append(f"Undo the change in how often it {plain(metric)}{where}")
        else:
            todo.append(f"Resolve: {b.get('kind', '').replace('_', ' ')}{where}")
    if under:
        need = max(int(r["items_needed"]) for r in under)
        have = max(int(r.get("n") or 0) for r in under)
        more = max(need - have, 0)
        days = f", about {math.ceil(more / ev.logged_per_day)} days of traffic at the logged rate" \
            if ev.logged_per_day else ""
        todo.append(f"Collect about {more:,} more reviewed questions to settle the open comparisons{days}")
    ship.text = "\n".join(f"- {t}" for t in todo) or "- Nothing recorded blocks the call."
    sections.append(ship)
    return Narrative("exec", int(ev.decision["id"]), ev.decision["verdict"], headline, sections)


# -- expert ---------------------------------------------------------------------------------------

def expert_narrative(ev: Evidence) -> Narrative:
    head = Section("The call")
    headline = verdict_sentence(ev, head)
    head.text = headline
    sections = [head]
    rows = _rows(ev)
    metrics = [ev.primary, *[g for g in ev.guarded if g != ev.primary]]
    for key in ev.cohort_keys:
        cohorts = sorted({c for (m, c) in rows if c and c.split("=", 1)[0] == key})
        for cohort in cohorts:
            sec = Section(f"{cohort.replace('=', ': ')}")
            changes = [_change(sec, ev, m, cohort) for m in metrics
                       if rows.get((m, cohort), {}).get("verdict") in ("regressed", "improved")]
            steady = [m for m in metrics if (m, cohort) in rows and rows[(m, cohort)].get("verdict")
                      not in ("regressed", "improved")]
            lines = [f"- The new version {c}." for c in changes]
            if steady and not changes:
                lines.append("- No clear change in what the contract guards "
                             f"({', '.join(plain(m) for m in steady[:3])}).")
            for ex in ev.examples.get(cohort, [])[:3]:
                before = quote(sec, ex["old"] or "(declined)", f"run:{ev.decision['baseline_run']}")
                now = quote(sec, ex["new"] or "(declined)", f"run:{ev.decision['candidate_run']}")
                asked = quote(sec, ex["question"], f"dataset:{ev.dataset}")
                lines.append(f"- {ex['direction'].capitalize()}: “{asked}”\n  before: {before}\n  now: {now}\n"
                             f"  source: {ex['doc'] or '-'}")
            sec.text = "\n".join(lines)
            sections.append(sec)
    src = Section("The documents the answers lean on most")
    src.text = "\n".join(f"- {d} (cited {n} times)" for d, n in ev.sources[:8]) or "- No answer cited a document."
    sections.append(src)
    modes = Section("How the new version fails, in words")
    modes.text = "\n".join(
        f"- {f['description'] or f['mode']}: {f['candidate']} questions (before: {f['baseline']})"
        for f in sorted(ev.failure_modes, key=lambda f: -int(f["candidate"]))[:6]) or "- No failures."
    sections.append(modes)
    return Narrative("expert", int(ev.decision["id"]), ev.decision["verdict"], headline, sections)


# -- legal ----------------------------------------------------------------------------------------

def legal_narrative(ev: Evidence) -> Narrative:
    head = Section("The call")
    headline = verdict_sentence(ev, head)
    head.text = headline
    pd = Section("Personal data the production log received")
    if ev.log_queries:
        kinds = ", ".join(f"{pd.fact(f'redactions.{k}', v, str(v), 'log')} {k.lower().replace('_', ' ')}"
                          for k, v in sorted(ev.redactions.items(), key=lambda kv: -kv[1])) or "none"
        window = f" between {ev.log_window[0][:10]} and {ev.log_window[1][:10]}" if ev.log_window else ""
        pd.text = (f"{ev.log_queries} questions were logged{window}. Personal data found and replaced by a "
                   f"placeholder before anything was stored: {kinds}. The log keeps the redacted question and "
                   "answer, the documents retrieved, timings and a keyed pseudonym of the user, never the "
                   "original text.")
    else:
        pd.text = "No production queries were logged: no personal data was received."
    keep = Section("What is stored, where, and for how long")
    keep.text = (f"Runs, datasets, decisions and the production log are stored in {ev.store or 'the workspace'}. "
                 + (f"Logged queries are kept for {ev.retention}." if ev.retention
                    else "Logged queries are kept until deleted: no retention period is configured "
                         "(set one with `shipcall serve --retain`)."))
    sources = Section("Documents used as sources")
    sources.text = ("Answers were built from the workspace's own documents; the most cited: "
                    + ", ".join(d for d, _ in ev.sources[:10]) + "." if ev.sources else
                    "No answer cited a document.")
    prov = Section("Who received data")
    remote = [p for p in ev.providers if p.get("kind") not in ("extractive", None)]
    if remote:
        prov.text = "\n".join(f"- {p['variant']}: questions and retrieved passages were sent to {p['kind']} "
                              f"({p.get('model')}, {p.get('endpoint') or 'the provider default endpoint'})"
                              for p in remote)
    else:
        prov.text = ("Both versions answer offline (no model provider): nothing left the machine, "
                     "neither questions nor documents.")
    who = Section("Who decided what, and when")
    who.text = "\n".join(
        f"- #{d['id']} {d['created_at'][:19]}: {d['verdict']} by {d['author']}"
        + (" (a human override)" if d.get("override") else "") + (f"; note: {d['note']}" if d.get("note") else "")
        for d in ev.chain)
    return Narrative("legal", int(ev.decision["id"]), ev.decision["verdict"], headline,
                     [head, pd, keep, sources, prov, who])


BUILDERS = {"exec": exec_narrative, "expert": expert_narrative, "legal": legal_narrative}


def narrative(ev: Evidence, audience: str) -> Narrative:
    return BUILDERS[audience](ev)
