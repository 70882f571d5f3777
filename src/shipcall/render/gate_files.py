"""The gate's decision as JUnit XML (for CI dashboards) and Markdown (for pull requests)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from shipcall.core.gate import Decision


def junit_xml(d: Decision, sentence: str = "") -> str:
    """`sentence`: the verdict in plain words, shown first (the suite's system-out)."""
    cases = []
    for r in d.reasons:
        name = quoteattr(f"{r.kind} {r.metric or ''} {r.cohort or ''}".strip())
        if r.severity == "block":
            cases.append(f'  <testcase classname="shipcall.gate" name={name}>'
                         f'<failure message={quoteattr(r.detail)}/></testcase>')
        else:
            cases.append(f'  <testcase classname="shipcall.gate" name={name}>'
                         f'<system-out>{escape("warning: " + r.detail)}</system-out></testcase>')
    for c in d.checks:
        cases.append(f'  <testcase classname="shipcall.gate" name={quoteattr(c)}/>')
    failures = sum(1 for r in d.reasons if r.severity == "block")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="shipcall gate {d.verdict}" '
            f'tests="{len(cases)}" failures="{failures}">\n'
            + (f"  <system-out>{escape(sentence)}</system-out>\n" if sentence else "")
            + "\n".join(cases) + "\n</testsuite>\n")


def markdown(d: Decision, report: Any, sentence: str = "") -> str:
    lines = [f"## shipcall gate: **{d.verdict}**", "", *([sentence, ""] if sentence else []),
             f"Baseline `{d.baseline_run}` → candidate `{d.candidate_run}`; contract `{d.contract_hash}`.", ""]
    if d.reasons:
        lines += ["| severity | kind | cohort | detail |", "|---|---|---|---|"]
        lines += [f"| {r.severity} | {r.kind} | {r.cohort or ''} | {r.detail} |" for r in d.reasons]
        lines.append("")
    for c in report.comparison.callouts:
        lines.append(f"- {c}")
    unreviewed = [f for f in (report.health.findings if report.health else []) if f.check == "unreviewed"]
    if unreviewed:
        lines.append(f"- Unreviewed items: {unreviewed[0].detail}")
    return "\n".join(lines) + "\n"
