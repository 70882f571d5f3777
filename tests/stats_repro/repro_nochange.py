"""The audit's repro_nochange.py: 30 paired items of a 0/1 metric with no discordant pair. Before:
`no_change` from a [0, 0] bootstrap interval, and the gate shipped without a word about the cohort.
Now Tango's score interval spans about ±0.11 (simultaneous: wider), the row is `underpowered`
with the items needed, and the guarded metric underpowered overall blocks the gate."""
from scipy.stats import beta

from shipcall.config.contract import Contract
from shipcall.core.compare import compare
from shipcall.core.gate import decide

ids = [f"q{i}" for i in range(60)]
tags = {i: {"topic": "hr" if k < 30 else "it"} for k, i in enumerate(ids)}
base = {i: {"contains_answer": 1.0 if k % 3 else 0.0} for k, i in enumerate(ids)}
cand = {i: dict(v) for i, v in base.items()}                   # cohort hr: 30 items, identical outcomes
for i in ids[30:40]:                                             # cohort it: some churn, irrelevant here
    cand[i]["contains_answer"] = 1.0 - cand[i]["contains_answer"]
contract = Contract(primary="contains_answer", metrics={"contains_answer": {"min": 0.0}}, cohorts=["topic"])
res = compare(base, cand, tags, contract)
for r in res.rows:
    print(f"{str(r.cohort):10s} n={r.n} delta={r.delta:+.3f} CI=[{r.ci_low:+.3f}, {r.ci_high:+.3f}] "
          f"95% CI=[{r.ci95_low:+.3f}, {r.ci95_high:+.3f}] p_adj={r.p_adjusted:.3f} verdict={r.verdict} "
          f"items_needed={r.items_needed}")
d = decide(res, contract, candidate_metrics={"contains_answer": 0.66}, candidate_items=cand, candidate_errors=0,
           candidate_n=60, baseline_run="r1", candidate_run="r2", author="a", note="", created_at="t")
print("gate:", d.verdict, "| reasons:", [(x.kind, x.severity, x.cohort) for x in d.reasons])
print("summary:", d.summary)
print(f"exact 97.5 pct upper bound of the share of items that got worse, 0/30 observed: {beta.ppf(0.975, 1, 30):.3f}")
