"""The judge's pure parts: scales, verdict parsing, self-agreement, noise, Cohen's kappa (against
sklearn and a worked example), noise callouts; contract and dataset fields for the judge."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest

from shipcall.config.contract import parse_contract
from shipcall.core.datasets import parse_item
from shipcall.core.judge import (
    cohen_kappa,
    match_label,
    noise_callouts,
    parse_verdict,
    scale_labels,
    summarize,
    value_of,
)
from shipcall.core.metrics.registry import metric_info
from shipcall.errors import ConfigError, DatasetError

FIVE = scale_labels([1, 5])


def test_scales_are_integer_ranges_or_labels_worst_first() -> None:
    assert FIVE == ["1", "2", "3", "4", "5"]
    assert scale_labels([False, True]) == ["no", "yes"]  # YAML reads [no, yes] as booleans
    assert scale_labels(["wrong", "partial", "right"]) == ["wrong", "partial", "right"]
    assert value_of("4", FIVE) == 0.75 and value_of("partial", ["wrong", "partial", "right"]) == 0.5
    for bad in ([5, 1], ["yes"], ["a", "A"], [1, 500]):
        with pytest.raises(ValueError):
            scale_labels(bad)
    assert match_label(4.0, FIVE) == "4" and match_label(" Yes.", ["no", "yes"]) == "yes"


@pytest.mark.parametrize(("reply", "label", "reasoning"), [
    ('{"reasoning": "Matches the reference.", "score": 5}', "5", "Matches the reference."),
    ('```json\n{"score": "4", "reasoning": "Minor omission."}\n```', "4", "Minor omission."),
    ('Here you go: {"verdict": 3, "explanation": "half right"}', "3", "half right"),
    ("Reasoning: close enough.\nScore: 2", "2", ""),
])
def test_verdicts_parse_from_json_or_a_score_line(reply: str, label: str, reasoning: str) -> None:
    assert parse_verdict(reply, FIVE) == (label, reasoning)


@pytest.mark.parametrize("reply", ["I think it is good.", '{"score": 7}', '{"score": "excellent"}', ""])
def test_unparseable_or_off_scale_verdicts_are_errors(reply: str) -> None:
    with pytest.raises(ValueError):
        parse_verdict(reply, FIVE)


def test_kappa_matches_a_worked_example_and_sklearn() -> None:
    # 50 items: both yes 20, both no 15, judge yes / human no 5, judge no / human yes 10
    judge = ["yes"] * 20 + ["no"] * 15 + ["yes"] * 5 + ["no"] * 10
    human = ["yes"] * 20 + ["no"] * 15 + ["no"] * 5 + ["yes"] * 10
    assert cohen_kappa(judge, human) == pytest.approx(0.4)  # p_o 0.7, p_e 0.5
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = random.Random(7)
    for _ in range(20):
        n = rng.randint(5, 60)
        a = [rng.choice("12345") for _ in range(n)]
        b = [x if rng.random() < 0.6 else rng.choice("12345") for x in a]
        assert cohen_kappa(a, b) == pytest.approx(sklearn.cohen_kappa_score(a, b))
    assert cohen_kappa(["yes", "yes"], ["yes", "yes"]) is None and cohen_kappa([], []) is None


def test_summary_of_repeats_self_agreement_flips_noise_and_kappa() -> None:
    verdicts = {"a": ["5", "5", "5"], "b": ["2", "4", "4"], "c": ["1", "1", "1"], "d": ["3"]}
    s = summarize("correctness", verdicts, FIVE, errors=1, human={"a": "5", "b": "4", "c": "2", "x": "5"})
    assert s.n_items == 4 and s.repeats == 3 and s.errors == 1
    assert s.self_agreement == pytest.approx((1 + 1 / 3 + 1) / 3)  # b: one agreeing pair of three
    assert s.flipped == ["b"] and s.flip_rate == pytest.approx(1 / 3)
    var_b = ((0.25 - 7 / 12) ** 2 + 2 * (0.75 - 7 / 12) ** 2) / 2 / 3
    assert s.noise == pytest.approx(1.96 * math.sqrt(var_b / 3 / 4))
    assert s.mean == pytest.approx((1 + 7 / 12 + 0 + 0.5) / 4)
    assert s.n_human == 3 and s.confusion == {"5": {"5": 1}, "4": {"4": 1}, "1": {"2": 1}}  # b's modal verdict: 4
    assert s.kappa == pytest.approx(cohen_kappa(["5", "4", "1"], ["5", "4", "2"]))
    assert set(s.metrics()) == {"judge_correctness_self_agreement", "judge_correctness_flip_rate",
                                "judge_correctness_noise", "judge_correctness_kappa"}
    single = summarize("g", {"a": ["yes"]}, ["no", "yes"])
    assert single.self_agreement is None and single.noise is None and single.metrics() == {}


def test_a_delta_within_the_judges_noise_is_called_out() -> None:
    rows = [SimpleNamespace(metric="judge_correctness", delta=0.02), SimpleNamespace(metric="f1", delta=0.001),
            SimpleNamespace(metric="judge_tone", delta=0.30)]
    base = {"judge_correctness_noise": 0.03, "judge_tone_noise": 0.05}
    out = noise_callouts(rows, base, {})
    assert len(out) == 1 and out[0].startswith("judge_correctness: the delta +0.020 is within the judge's own noise")
    assert noise_callouts(rows, {}, {}) == []


def test_judge_metrics_are_in_the_registry() -> None:
    m = metric_info("judge_correctness")
    assert m is not None and m.per_item and m.higher_is_better
    agg = metric_info("judge_correctness_kappa")
    assert agg is not None and not agg.per_item
    noise = metric_info("judge_correctness_noise")
    assert noise is not None and not noise.higher_is_better
    assert metric_info("judge_") is None and metric_info("ttft_ms_p95") is not None


JUDGE = {"provider": {"kind": "openai", "model": "gpt-4o-mini"},
         "metrics": {"correctness": {"rubric": "5 right … 1 wrong", "scale": [1, 5]},
                     "grounded": {"rubric": "yes if every claim is in the sources", "scale": [False, True]}}}


def test_the_contract_declares_judge_metrics_and_thresholds_them() -> None:
    c = parse_contract({"primary": "contains_answer", "judge": JUDGE,
                        "metrics": {"judge_correctness": {"min": 0.7}, "judge_correctness_kappa": {"min": 0.6},
                                    "ttft_ms_p95": {"max": 800}, "cost": {"max": 2.5}}})
    assert c.judge is not None and c.judge.repeats == 1 and c.judge.metrics["grounded"].labels == ["no", "yes"]
    assert "judge_correctness" in c.guarded and "judge_correctness_kappa" not in c.guarded
    assert c.judge.provider.api_key_env == "OPENAI_API_KEY"


@pytest.mark.parametrize(("data", "field", "text"), [
    ({"metrics": {"judge_tone": {"min": 0.5}}}, "metrics.judge_tone", "judge metric 'tone'"),
    ({"judge": {**JUDGE, "repeats": 0}, "metrics": {}}, "judge.repeats", "greater than or equal to 1"),
    ({"judge": {**JUDGE, "metrics": {"x": {"rubric": "r", "scale": [3, 1]}}}, "metrics": {}},
     "judge.metrics.x.scale", "lo < hi"),
    ({"judge": {**JUDGE, "provider": {"kind": "openai", "model": "m", "api_key": "sk-1"}}, "metrics": {}},
     "judge.provider.api_key", "unknown key"),
    ({"judge": {**JUDGE, "metrics": {"Bad Name": {"rubric": "r"}}}, "metrics": {}}, "judge.metrics", "judge metric"),
    ({"judge": {**JUDGE, "provider": {"kind": "openai", "model": "m", "prompt": "p.j2"}}, "metrics": {}},
     "judge.provider", "judge.prompt"),
])
def test_judge_contract_errors_name_the_field(data: dict[str, object], field: str, text: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_contract({"primary": "contains_answer", **data}, file="contract.yaml")
    assert e.value.field == field and text in str(e.value)


def test_items_carry_human_labels_for_the_judge() -> None:
    item = parse_item({"id": "q", "question": "?", "answers": ["a"], "human_label": {"correctness": 4.0,
                                                                                     "grounded": True}})
    assert item.human_labels == {"correctness": "4", "grounded": "yes"}
    assert item.to_dict()["human_label"] == {"correctness": "4", "grounded": "yes"}
    one = parse_item({"id": "q", "question": "?", "answers": ["a"], "human_label": "no"})
    assert one.human_labels == {"*": "no"} and one.to_dict()["human_label"] == "no"
    assert "human_label" not in parse_item({"id": "q", "question": "?", "answers": ["a"]}).to_dict()
    with pytest.raises(DatasetError) as e:
        parse_item({"id": "q", "question": "?", "answers": ["a"], "human_label": [1]}, file="d.jsonl", line=3)
    assert e.value.field == "human_label" and e.value.line == 3
