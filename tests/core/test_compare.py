"""compare(): paired deltas, intervals, tests and verdicts per cohort, with the issue's seeded
simulations (false-alarm rate, detection power, interval coverage, A/A)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shipcall.config.contract import Contract
from shipcall.core.compare import Comparison, compare
from shipcall.errors import ConfigError

ROW_KEYS = {"metric", "n", "baseline", "candidate", "delta", "ci_low", "ci_high", "p_value", "p_adjusted",
            "verdict", "items_needed", "test", "confidence", "ci95_low", "ci95_high", "likely", "statement",
            "family", "family_size", "same_as"}

# Measured simulation figures, printed at the end of the module (run pytest with -s to see them).
SIMULATION_FIGURES: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_figures():
    yield
    for key, value in SIMULATION_FIGURES.items():
        print(f"[compare simulation] {key}: {value:.4f}")


def _contract(**kw) -> Contract:
    return Contract(primary=kw.pop("primary", "contains_answer"), metrics=kw.pop("metrics", {}), **kw)


def _runs(values_b: dict[str, np.ndarray], values_c: dict[str, np.ndarray], cohort_of: list[str]):
    ids = [f"q{i:04d}" for i in range(len(cohort_of))]
    base = {i: {m: float(v[k]) for m, v in values_b.items() if not np.isnan(v[k])} for k, i in enumerate(ids)}
    cand = {i: {m: float(v[k]) for m, v in values_c.items() if not np.isnan(v[k])} for k, i in enumerate(ids)}
    tags = {i: {"topic": cohort_of[k]} for k, i in enumerate(ids)}
    return base, cand, tags


def _mixed_runs(seed: int = 0, n_per: int = 60, topics: tuple[str, ...] = ("hr", "it", "finance")):
    rng = np.random.default_rng(seed)
    n = n_per * len(topics)
    cohort_of = [t for t in topics for _ in range(n_per)]
    b = {"contains_answer": (rng.random(n) < 0.6).astype(float), "f1": rng.beta(3, 2, n),
         "false_answer_rate": (rng.random(n) < 0.1).astype(float)}
    c = {k: v.copy() for k, v in b.items()}
    return b, c, cohort_of, rng


# --- shape and A/A ---------------------------------------------------------------------------

def test_run_compared_with_itself_is_no_change_only_when_the_items_can_show_it():
    b, _, cohort_of, _ = _mixed_runs(n_per=1500)
    base, _, tags = _runs(b, b, cohort_of)
    result = compare(base, base, tags, _contract(cohorts=["topic"]), n_resamples=2000)
    assert len(result.overall) == 3 and len(result.cohorts) == 9
    for row in result.rows:
        assert row.verdict == "no_change", row
        assert row.delta == 0 and row.ci_low < 0 < row.ci_high  # never a [0, 0] interval
        assert row.p_value == 1 and row.p_adjusted == 1 and row.items_needed is None
    assert result.callouts == [] and result.dataset_split is None
    small_b, _, small_cohorts, _ = _mixed_runs(n_per=30)
    small, _, small_tags = _runs(small_b, small_b, small_cohorts)
    few = compare(small, small, small_tags, _contract(cohorts=["topic"]), n_resamples=2000)
    assert {r.verdict for r in few.cohorts} == {"underpowered"}  # 30 unchanged items cannot exclude a 0.02 drop
    assert all(r.items_needed and r.items_needed > 30 for r in few.cohorts)


def test_json_rows_have_exactly_the_documented_keys():
    b, c, cohort_of, rng = _mixed_runs()
    c["f1"] = np.clip(c["f1"] + rng.normal(0, 0.1, c["f1"].size), 0, 1)
    base, cand, tags = _runs(b, c, cohort_of)
    d = compare(base, cand, tags, _contract(cohorts=["topic"]), n_resamples=2000).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert set(d) >= {"overall", "cohorts", "callouts", "alpha", "correction", "n_resamples", "seed"}
    assert all(set(r) == ROW_KEYS for r in d["overall"])
    assert all(set(r) == ROW_KEYS | {"cohort"} for r in d["cohorts"])
    assert {r["cohort"] for r in d["cohorts"]} == {"topic=hr", "topic=it", "topic=finance"}
    again = Comparison.from_dict(json.loads(text))
    assert again.to_dict() == d


def test_tests_are_mcnemar_for_0_1_values_and_resampling_for_continuous():
    b, c, cohort_of, rng = _mixed_runs()
    c["f1"] = np.clip(c["f1"] + rng.normal(0, 0.1, c["f1"].size), 0, 1)
    c["contains_answer"] = np.where(rng.random(c["contains_answer"].size) < 0.1, 1 - b["contains_answer"],
                                    b["contains_answer"])
    base, cand, tags = _runs(b, c, cohort_of)
    result = compare(base, cand, tags, _contract(cohorts=["topic"]), n_resamples=2000)
    tests = {r.metric: r.test for r in result.overall}
    assert tests == {"contains_answer": "mcnemar_exact", "f1": "signflip_bootstrap_t",
                     "false_answer_rate": "mcnemar_exact"}
    assert result.family_size == 4  # confirmatory: the primary over overall + 3 cohorts
    assert result.families["exploratory"]["size"] == 8
    assert {r.family for r in result.rows if r.metric == "contains_answer"} == {"confirmatory"}
    assert {r.family for r in result.rows if r.metric != "contains_answer"} == {"exploratory"}


def test_deterministic_for_a_seed():
    b, c, cohort_of, rng = _mixed_runs()
    c["f1"] = np.clip(c["f1"] + rng.normal(0, 0.1, c["f1"].size), 0, 1)
    base, cand, tags = _runs(b, c, cohort_of)
    one = compare(base, cand, tags, _contract(cohorts=["topic"]), seed=3, n_resamples=2000)
    two = compare(base, cand, tags, _contract(cohorts=["topic"]), seed=3, n_resamples=2000)
    other = compare(base, cand, tags, _contract(cohorts=["topic"]), seed=4, n_resamples=2000)
    assert one == two
    assert one.overall[1].delta == other.overall[1].delta


# --- verdicts ----------------------------------------------------------------------------------

def test_verdict_precedence_regressed_improved_no_change_underpowered():
    rng = np.random.default_rng(9)
    topics = ("down", "up", "flat", "noisy")
    n_per = 400
    cohort_of = [t for t in topics for _ in range(n_per)] + ["tiny"]
    n = len(cohort_of)
    b = rng.beta(3, 2, n)
    noise = rng.normal(0, 0.01, n)
    shift = np.select([np.arange(n) < n_per, np.arange(n) < 2 * n_per], [-0.1, 0.1], 0.0)
    c = np.clip(b + shift + noise, 0, 1)
    noisy = slice(3 * n_per, 3 * n_per + 8)  # 8 very noisy items in their own cohort...
    cohort_of[3 * n_per + 8 : 4 * n_per] = ["flat"] * (n_per - 8)  # ...the rest are flat
    c[noisy] = rng.uniform(0, 1, 8)
    base, cand, tags = _runs({"f1": b}, {"f1": c}, cohort_of)
    result = compare(base, cand, tags, _contract(primary="f1", cohorts=["topic"]), n_resamples=2000)
    verdicts = {r.cohort: r.verdict for r in result.cohorts}
    assert verdicts["topic=down"] == "regressed"
    assert verdicts["topic=up"] == "improved"
    assert verdicts["topic=flat"] == "no_change"
    assert verdicts["topic=noisy"] == "underpowered"
    assert verdicts["topic=tiny"] == "underpowered"  # one item: no test possible
    rows = {r.cohort: r for r in result.cohorts}
    assert rows["topic=tiny"].n == 1 and rows["topic=tiny"].test == "none"
    assert rows["topic=noisy"].items_needed is not None and rows["topic=noisy"].items_needed > 8
    assert rows["topic=tiny"].items_needed is not None
    assert rows["topic=down"].items_needed is None


def test_lower_is_better_metric_regresses_when_it_rises():
    rng = np.random.default_rng(1)
    n = 600
    b = (rng.random(n) < 0.05).astype(float)
    c = b.copy()
    c[rng.choice(np.flatnonzero(b == 0), 90, replace=False)] = 1.0  # false answers up by 0.15
    base, cand, tags = _runs({"false_answer_rate": b}, {"false_answer_rate": c}, ["all"] * n)
    result = compare(base, cand, tags, _contract(), n_resamples=2000)
    (row,) = result.overall
    assert row.test == "mcnemar_exact" and row.delta == pytest.approx(0.15)
    assert row.verdict == "regressed"


def test_small_significant_drop_within_tolerance_is_not_a_regression():
    rng = np.random.default_rng(4)
    n = 3000
    b = rng.beta(3, 2, n)
    c = b - 0.01 + rng.normal(0, 0.02, n)
    base, cand, tags = _runs({"f1": b}, {"f1": c}, ["all"] * n)
    (row,) = compare(base, cand, tags, _contract(primary="f1"), n_resamples=2000).overall
    assert row.p_adjusted < 0.01
    assert row.verdict == "no_change" and "within tolerance" in row.statement
    tight = compare(base, cand, tags, _contract(primary="f1", tolerance=0.005), n_resamples=2000).overall[0]
    assert tight.verdict == "regressed"


def test_per_metric_tolerance_from_the_contract():
    rng = np.random.default_rng(4)
    n = 3000
    b = rng.beta(3, 2, n)
    c = b - 0.03 + rng.normal(0, 0.02, n)
    base, cand, tags = _runs({"f1": b}, {"f1": c}, ["all"] * n)
    strict = compare(base, cand, tags, _contract(primary="f1"), n_resamples=2000).overall[0]
    lax = compare(base, cand, tags, _contract(primary="f1", metrics={"f1": {"tolerance": 0.05}}),
                  n_resamples=2000).overall[0]
    assert strict.verdict == "regressed" and lax.verdict == "no_change"


def test_callout_improved_overall_regressed_in_a_cohort():
    rng = np.random.default_rng(2)
    topics = ("hr", "it", "legal", "ops", "sales", "support", "finance")
    n_per = 150
    cohort_of = [t for t in topics for _ in range(n_per)]
    n = len(cohort_of)
    b = rng.beta(3, 2, n)
    c = np.clip(b + 0.08 + rng.normal(0, 0.05, n), 0, 1)
    fin = np.array(cohort_of) == "finance"
    c[fin] = np.clip(b[fin] - 0.15 + rng.normal(0, 0.05, fin.sum()), 0, 1)
    base, cand, tags = _runs({"f1": b}, {"f1": c}, cohort_of)
    result = compare(base, cand, tags, _contract(primary="f1", cohorts=["topic"]), n_resamples=2000)
    assert result.overall[0].verdict == "improved"
    assert len(result.callouts) == 1
    assert result.callouts[0].startswith("improved overall on f1")
    assert "regressed in cohort topic=finance" in result.callouts[0]


# --- item sets, metric selection ----------------------------------------------------------------

def test_only_per_item_metrics_both_runs_have_are_compared():
    base = {f"q{i}": {"f1": 0.5, "latency_ms_p95": 10.0, "made_up": 1.0, "exact_match": 1.0} for i in range(10)}
    cand = {f"q{i}": {"f1": 0.5, "latency_ms_p95": 10.0, "made_up": 1.0} for i in range(10)}
    result = compare(base, cand, {}, _contract(), n_resamples=200)
    assert [r.metric for r in result.overall] == ["f1"]
    assert result.skipped == ["latency_ms_p95", "made_up"]
    only = compare(base, base, {}, _contract(), metrics=["exact_match"], n_resamples=200)
    assert [r.metric for r in only.overall] == ["exact_match"]


def test_items_missing_a_metric_are_left_out_of_its_pairs():
    base = {"a": {"f1": 0.2, "exact_match": 1.0}, "b": {"f1": 0.4}, "c": {"f1": 0.6, "exact_match": 0.0}}
    cand = {"a": {"f1": 0.3, "exact_match": 1.0}, "b": {"f1": 0.5, "exact_match": 1.0}, "c": {"f1": 0.7}}
    result = compare(base, cand, {}, _contract(), n_resamples=200)
    rows = {r.metric: r for r in result.overall}
    assert rows["f1"].n == 3 and rows["f1"].delta == pytest.approx(0.1)
    assert rows["exact_match"].n == 1 and rows["exact_match"].verdict == "underpowered"


def test_dataset_split_when_item_sets_differ_without_the_baseline_on_the_new_items():
    base = {"a": {"f1": 0.5}, "b": {"f1": 0.5}, "old": {"f1": 0.1}}
    cand = {"a": {"f1": 0.6}, "b": {"f1": 0.6}, "new": {"f1": 1.0}}
    tags = {"a": {"topic": "x"}, "b": {"topic": "x"}, "old": {"topic": "y"}, "new": {"topic": "z"}}
    result = compare(base, cand, tags, _contract(cohorts=["topic"]), n_resamples=200,
                     rerun_command="shipcall run --variant base --dataset ds@2")
    assert (result.shared_items, result.baseline_only, result.candidate_only) == (2, 1, 1)
    split = result.dataset_split["f1"]
    assert split["total_change"] == pytest.approx(2.2 / 3 - 1.1 / 3)
    assert split["system_part_shared"] == pytest.approx(0.1)
    assert split["system_part"] is None and split["system_part_added"] is None
    assert "shipcall run --variant base --dataset ds@2" in split["how_to_measure"]


def test_dataset_split_with_the_baseline_re_measured_on_the_new_items():
    v1 = {"a": {"f1": 0.5}, "b": {"f1": 0.5}, "old": {"f1": 0.1}}
    base_v2 = {"a": {"f1": 0.5}, "b": {"f1": 0.5}, "new": {"f1": 0.2}}
    cand = {"a": {"f1": 0.5}, "b": {"f1": 0.5}, "new": {"f1": 0.8}}  # better only on the new item
    result = compare(base_v2, cand, {}, _contract(), n_resamples=200, previous_baseline=v1)
    split = result.dataset_split["f1"]
    assert split["dataset_part"] == pytest.approx(1.2 / 3 - 1.1 / 3)
    assert split["system_part"] == pytest.approx(0.6 / 3)
    assert split["dataset_part"] + split["system_part"] == pytest.approx(split["total_change"])


def test_unknown_cohort_key_is_an_error_naming_the_keys_that_exist():
    b, c, cohort_of, _ = _mixed_runs()
    base, cand, tags = _runs(b, c, cohort_of)
    with pytest.raises(ConfigError) as e:
        compare(base, cand, tags, _contract(), cohort_keys=["team"], n_resamples=200)
    assert "team" in str(e.value) and "topic" in (e.value.hint or "")


def test_metrics_identical_by_construction_are_tested_once():
    rng = np.random.default_rng(3)
    n = 400
    b = (rng.random(n) < 0.6).astype(float)
    c = np.where(rng.random(n) < 0.1, 1 - b, b)
    base, cand, tags = _runs({"hit@1": b, "mrr@1": b, "precision@1": b}, {"hit@1": c, "mrr@1": c, "precision@1": c},
                             ["all"] * n)
    result = compare(base, cand, tags, _contract(primary="hit@1"), n_resamples=200)
    rows = {r.metric: r for r in result.overall}
    assert rows["mrr@1"].p_adjusted == rows["hit@1"].p_adjusted == rows["precision@1"].p_adjusted
    assert rows["mrr@1"].same_as == "hit@1" and rows["hit@1"].same_as is None
    assert result.family_size == 1 and result.families["exploratory"]["size"] == 0
    assert all(r.test == "mcnemar_exact" for r in rows.values())


def test_likely_change_is_never_no_change():
    from shipcall.core.verdicts import judge

    j = judge(higher_is_better=True, n=200, delta=0.008, ci_low=-0.004, ci_high=0.019, ci95_low=0.001,
              ci95_high=0.015, p_adjusted=0.3, alpha=0.05, tolerance=0.02, family_size=27)
    assert j.verdict == "not_worse" and j.likely == "improved"
    assert j.statement == "likely improved, not significant after correcting for 27 tests"
    gain = judge(higher_is_better=True, n=200, delta=0.16, ci_low=0.03, ci_high=0.29, ci95_low=0.063,
                 ci95_high=0.271, p_adjusted=0.09, alpha=0.05, tolerance=0.02, family_size=9)
    assert gain.verdict == "not_worse" and gain.likely == "improved"


# --- the simulations ----------------------------------------------------------------------

SIM_METRICS = ("f1", "answer_recall", "groundedness")  # continuous, higher is better, per item
N_COHORTS, COHORT_SIZE = 8, 80
SIM_RESAMPLES = 2000  # see the note in _simulate
SHIFT = 0.10


def _draw(rng: np.random.Generator, n: int):
    """Baseline per-item values from Beta(3, 2) (mean 0.6); candidate = baseline + N(0, 0.15), clipped."""
    b = rng.beta(3.0, 2.0, size=(n, len(SIM_METRICS)))
    c = np.clip(b + rng.normal(0.0, 0.15, size=b.shape), 0.0, 1.0)
    return b, c


@pytest.fixture(scope="module")
def true_differences() -> dict[str, float]:
    """The population mean differences, by Monte Carlo with 4M draws (SE < 1e-4): clipping makes
    the "identical" candidate slightly lower on average (≈ −0.003), so coverage is checked
    against these values, not against 0."""
    rng = np.random.default_rng(2024)
    b = rng.beta(3.0, 2.0, 4_000_000)
    c = np.clip(b + rng.normal(0.0, 0.15, b.size), 0.0, 1.0)
    aa = float(np.mean(c - b))
    shifted = float(np.mean(np.clip(c - SHIFT, 0.0, 1.0) - b))
    return {"aa": aa, "shifted_cohort": shifted, "shifted_overall": (7 * aa + shifted) / 8}


def _simulate(rng: np.random.Generator, seed: int, shift: float):
    # 2,000 resamples instead of the product's 10,000 keep 800 comparisons within CI time; the
    # verdicts' p-values come from the paired t-test (no resampling), and the Monte Carlo error
    # of a 2.5% percentile with B = 2,000 is about 4% of the interval's half-width.
    n = N_COHORTS * COHORT_SIZE
    b, c = _draw(rng, n)
    if shift:
        c[:COHORT_SIZE, 0] = np.clip(c[:COHORT_SIZE, 0] - shift, 0.0, 1.0)  # f1 in cohort c0
    cohort_of = [f"c{k // COHORT_SIZE}" for k in range(n)]
    base, cand, tags = _runs({m: b[:, j] for j, m in enumerate(SIM_METRICS)},
                             {m: c[:, j] for j, m in enumerate(SIM_METRICS)}, cohort_of)
    return compare(base, cand, tags, _contract(primary="f1", cohorts=["topic"]), seed=seed,
                   n_resamples=SIM_RESAMPLES)


@pytest.mark.slow  # simulation
def test_simulation_identical_systems_false_alarms_and_coverage(true_differences):
    sims = 500
    rng = np.random.default_rng(12345)
    any_regressed = 0
    covered = total = 0
    for s in range(sims):
        result = _simulate(rng, seed=s, shift=0.0)
        assert len(result.rows) == 3 * (N_COHORTS + 1) and result.family_size == N_COHORTS + 1
        any_regressed += any(r.verdict == "regressed" for r in result.rows)
        for r in result.rows:
            covered += r.ci_low <= true_differences["aa"] <= r.ci_high
            total += 1
    false_alarm = any_regressed / sims
    coverage = covered / total
    SIMULATION_FIGURES["false-alarm rate (any regressed, 500 A/A comparisons, 8 cohorts x 3 metrics)"] = false_alarm
    SIMULATION_FIGURES["95% interval coverage of the true difference (A/A, 13,500 intervals)"] = coverage
    slack = 2 * np.sqrt(0.05 * 0.95 / sims)
    assert false_alarm <= 0.05 + slack
    assert coverage >= 0.93


@pytest.mark.slow  # simulation
def test_simulation_detects_a_drop_of_0_10_in_one_cohort_of_80(true_differences):
    sims = 300
    rng = np.random.default_rng(777)
    detected = covered = 0
    other_regressed = 0
    for s in range(sims):
        result = _simulate(rng, seed=10_000 + s, shift=SHIFT)
        row = next(r for r in result.cohorts if r.metric == "f1" and r.cohort == "topic=c0")
        detected += row.verdict == "regressed"
        covered += row.ci_low <= true_differences["shifted_cohort"] <= row.ci_high
        other_regressed += any(r.verdict == "regressed" for r in result.cohorts
                               if not (r.metric == "f1" and r.cohort == "topic=c0"))
    power = detected / sims
    SIMULATION_FIGURES["detection power (f1 -0.10 in one cohort of 80, 300 comparisons)"] = power
    SIMULATION_FIGURES["95% interval coverage in the shifted cohort"] = covered / sims
    SIMULATION_FIGURES["share with a regressed verdict in another cohort/metric (shifted runs)"] = (
        other_regressed / sims)
    assert power >= 0.80
    assert covered / sims >= 0.92
