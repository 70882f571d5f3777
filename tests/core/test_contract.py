"""The contract: defaults, the example, and every validation error naming its field and line."""

from __future__ import annotations

import pytest
import yaml

from shipcall.config.contract import (
    DEFAULT_CONTRACT_YAML,
    Contract,
    default_contract,
    example_contract,
    parse_contract,
)
from shipcall.config.load_contract import load_contract
from shipcall.errors import ConfigError


def _parse(extra: dict | None = None, metrics: dict | None = None, **kw):
    data = {"primary": "contains_answer", "metrics": metrics if metrics is not None else {"recall@5": {"min": 0.8}}}
    data.update(extra or {})
    return parse_contract(data, **kw)


def test_minimal_contract_has_the_documented_defaults():
    c = _parse(metrics={"recall@5": {"min": 0.8}, "latency_ms_p95": {"max": 1500, "tolerance": 100}})
    assert c.tolerance == 0.02 and c.alpha == 0.05 and c.correction == "holm"
    assert c.min_cohort_size == 20 and c.cohorts == [] and c.must_pass == [] and c.max_error_rate == 0
    assert c.guarded == ["recall@5"]  # per-item means only; latency_ms_p95 is aggregate-only
    assert c.tolerance_for("latency_ms_p95") == 100 and c.tolerance_for("recall@5") == 0.02


def test_example_contract_parses_and_matches_the_issue():
    c = example_contract()
    assert c.primary == "contains_answer"
    assert c.guarded == ["contains_answer", "recall@5", "false_answer_rate"]
    assert c.metrics["false_answer_rate"].max == 0.05 and c.metrics["recall@5"].min == 0.8
    assert c.cohorts == [] and c.max_error_rate == 0.01  # commented out until a dataset has the tags
    assert "# cohorts: [topic]" in DEFAULT_CONTRACT_YAML
    assert "#" in DEFAULT_CONTRACT_YAML  # commented for `shipcall init`


def test_default_contract_without_a_file():
    c = default_contract()
    assert c.metrics == {} and c.guarded == [] and c.cohorts == [] and c.correction == "holm"


def test_hash_is_stable_and_changes_with_content():
    a = _parse()
    assert a.hash == _parse().hash and len(a.hash) == 12
    assert a.hash != _parse({"alpha": 0.01}).hash
    assert isinstance(a, Contract)


def test_must_pass_ids_written_as_numbers_become_strings():
    assert _parse({"must_pass": [17, "q-001"]}).must_pass == ["17", "q-001"]


def _error(**kw) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _parse(**kw)
    return info.value


def test_unknown_metric():
    e = _error(metrics={"recal@5": {"min": 0.8}})
    assert e.field == "metrics.recal@5" and "unknown metric" in e.message
    assert e.hint and "recall@5" in e.hint


@pytest.mark.parametrize(
    ("metrics", "field"),
    [({"false_answer_rate": {"min": 0.05}}, "metrics.false_answer_rate.min"),
     ({"recall@5": {"max": 0.8}}, "metrics.recall@5.max"),
     ({"latency_ms_p95": {"min": 100}}, "metrics.latency_ms_p95.min")],
)
def test_bad_direction(metrics, field):
    e = _error(metrics=metrics)
    assert e.field == field and "bad direction" in e.message and e.hint


@pytest.mark.parametrize(
    ("extra", "metrics", "field"),
    [({}, {"recall@5": {"min": 80}}, "metrics.recall@5.min"),
     ({}, {"false_answer_rate": {"max": -0.1}}, "metrics.false_answer_rate.max"),
     ({}, {"recall@5": {"min": 0.8, "tolerance": 2}}, "metrics.recall@5.tolerance"),
     ({"max_error_rate": 1.5}, None, "max_error_rate"),
     ({"alpha": 0}, None, "alpha"),
     ({"alpha": 1.2}, None, "alpha"),
     ({"tolerance": -0.1}, None, "tolerance")],
)
def test_rates_out_of_range(extra, metrics, field):
    e = _error(extra=extra, metrics=metrics)
    assert e.field == field and "must be" in e.message and e.hint


def test_latency_thresholds_are_in_milliseconds_not_rates():
    assert _parse(metrics={"latency_ms_p95": {"max": 1500}}).metrics["latency_ms_p95"].max == 1500


@pytest.mark.parametrize(
    ("extra", "metrics", "field"),
    [({"colour": "blue"}, None, "colour"),
     ({}, {"recall@5": {"minimum": 0.8}}, "metrics.recall@5.minimum")],
)
def test_unknown_keys(extra, metrics, field):
    e = _error(extra=extra, metrics=metrics)
    assert e.field == field and e.message == "unknown key" and "allowed keys" in (e.hint or "")


def test_other_errors_name_their_field():
    assert _error(extra={"correction": "bonferroni"}).field == "correction"
    assert _error(extra={"guarded": ["latency_ms_p95"]}).field == "guarded.0"
    assert _error(extra={"primary": "latency_ms_p95"}).field == "primary"
    assert _error(metrics={"recall@5": 0.8}).field == "metrics.recall@5"
    with pytest.raises(ConfigError) as info:
        parse_contract({"metrics": {}})
    assert info.value.field == "primary" and "required" in info.value.message
    with pytest.raises(ConfigError):
        parse_contract(["not", "a", "mapping"])


def test_error_carries_file_and_line_and_prints_them():
    lines = {"primary": 1, "metrics": 2, "metrics.recall@5": 3, "metrics.recall@5.min": 3}
    e = _error(metrics={"recall@5": {"min": 80}}, file="contract.yaml", lines=lines)
    assert (e.file, e.line) == ("contract.yaml", 3)
    assert str(e).startswith("contract.yaml:3: metrics.recall@5.min: must be between 0 and 1 (got 80)")
    assert "hint:" in str(e)


def test_load_contract_reads_yaml_with_line_numbers(tmp_path):
    good = tmp_path / "contract.yaml"
    good.write_text(DEFAULT_CONTRACT_YAML, encoding="utf-8")
    assert load_contract(good) == example_contract()
    bad = tmp_path / "bad.yaml"
    bad.write_text("primary: contains_answer\nmetrics:\n  recall@5: {min: 0.8}\n  false_answer_rate: {min: 0.1}\n",
                   encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_contract(bad)
    assert info.value.file == str(bad) and info.value.line == 4
    assert info.value.field == "metrics.false_answer_rate.min"
    typo = tmp_path / "typo.yaml"
    typo.write_text("primary: contains_answer\nmetrics: {}\nalhpa: 0.05\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_contract(typo)
    assert (info.value.line, info.value.field) == (3, "alhpa") and "alpha" in (info.value.hint or "")
    assert yaml.safe_load(DEFAULT_CONTRACT_YAML)["primary"] == "contains_answer"
