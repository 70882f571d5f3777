"""Metrics in words: every metric shipcall writes has a family, a plain name and its definition."""

from __future__ import annotations

from shipcall.core.metrics.glossary import FAMILIES, describe, format_delta, format_value, group_by_family
from shipcall.core.metrics.registry import METRICS, PLAIN_METRICS, metric_info


def test_every_registry_metric_has_words_and_its_definition() -> None:
    for name in [*METRICS, "ndcg@7", "judge_correctness", "judge_correctness_kappa"]:
        t = describe(name)
        assert t.family in FAMILIES and t.family != "other", name
        assert t.words and t.words != name, name
        assert t.definition == metric_info(name).doc
        assert t.higher_is_better == metric_info(name).higher_is_better
    assert describe("recall@5").words == "evidence documents found in the top 5"
    assert set(PLAIN_METRICS) <= set(METRICS)


def test_unknown_metrics_keep_their_id_in_other() -> None:
    t = describe("my_plugin_score")
    assert (t.family, t.words) == ("other", "my_plugin_score")
    assert "no definition" in t.definition


def test_values_read_as_people_read_them() -> None:
    assert format_value("over_refusal_rate", 0.34) == "34.0%"
    assert format_delta("over_refusal_rate", 0.1667) == "+16.7 pp"
    assert format_value("mrr@10", 0.8577) == "0.858"
    assert format_value("latency_ms_p95", 12.9256) == "12.9 ms"
    assert format_value("cost", 0.00123) == "$0.00123"
    assert format_value("f1", float("nan")) == "–" and format_delta("f1", None) == "–"


def test_groups_follow_the_family_order() -> None:
    groups = group_by_family(["latency_ms_p95", "recall@5", "contains_answer", "over_refusal_rate"])
    assert [g for g, _ in groups] == ["Answers", "Refusals", "Retrieval", "Speed"]
