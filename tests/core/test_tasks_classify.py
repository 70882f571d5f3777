"""The classify task's pure parts: metrics equal scikit-learn's, ECE by its definition, item and
CSV validation naming file, line and field, failure modes."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from shipcall.core.metrics.classification import (
    classification_metrics,
    confusion,
    expected_calibration_error,
    top_confusions,
)
from shipcall.core.tasks import classify as task
from shipcall.core.tasks.classify import Classification, ClassifyItem
from shipcall.errors import DatasetError


def _labels(seed: int, n: int, k: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    names = [f"label_{i}" for i in range(k)]
    gold = [rng.choice(names) for _ in range(n)]
    # mostly right, some wrong, one label never predicted and one never gold
    pred = [g if rng.random() < 0.6 else rng.choice(names[1:] + ["only_predicted"]) for g in gold]
    return gold, pred


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_equal_scikit_learn(seed: int) -> None:
    gold, pred = _labels(seed, 500, 12)
    got = classification_metrics(gold, pred)
    assert abs(got["accuracy"] - accuracy_score(gold, pred)) < 1e-12
    assert abs(got["macro_f1"] - f1_score(gold, pred, average="macro", zero_division=0)) < 1e-12
    assert abs(got["weighted_f1"] - f1_score(gold, pred, average="weighted", zero_division=0)) < 1e-12
    labels = sorted(set(gold) | set(pred))
    p, r, f, _ = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        assert abs(got[f"precision[{label}]"] - p[i]) < 1e-12
        assert abs(got[f"recall[{label}]"] - r[i]) < 1e-12
        assert abs(got[f"f1[{label}]"] - f[i]) < 1e-12
    assert got["precision[only_predicted]"] == 0.0 and got["recall[only_predicted]"] == 0.0
    assert (confusion(gold, pred, labels) == confusion_matrix(gold, pred, labels=labels)).all()


def test_ece_by_definition() -> None:
    rng = np.random.default_rng(3)
    conf = rng.uniform(0, 1, 1000)
    conf[:5] = [0.0, 0.1, 0.2, 1.0, 0.95]  # bin edges: (0, 0.1] holds 0 and 0.1
    hit = (rng.uniform(0, 1, 1000) < conf).astype(float)
    expected = 0.0
    for b in range(10):
        lo, hi = b / 10, (b + 1) / 10
        m = (conf > lo) & (conf <= hi) if b else (conf <= hi)
        if m.any():
            expected += m.mean() * abs(hit[m].mean() - conf[m].mean())
    assert abs(expected_calibration_error(conf, hit) - expected) < 1e-12
    assert expected_calibration_error([1.0, 1.0], [1.0, 1.0]) == 0.0
    assert abs(expected_calibration_error([0.9, 0.9], [0.0, 0.0]) - 0.9) < 1e-12


def test_ece_leaves_out_items_without_confidence() -> None:
    got = classification_metrics(["a", "b", "a"], ["a", "a", "a"], [0.9, None, 0.6])
    assert abs(got["ece"] - (0.5 * abs(1 - 0.9) + 0.5 * abs(1 - 0.6))) < 1e-12
    assert "ece" not in classification_metrics(["a"], ["a"], [None])


def test_top_confusions_pairs_most_frequent_first() -> None:
    gold = ["a", "a", "a", "b", "b", "c"]
    pred = ["b", "b", "a", "a", "c", "c"]
    assert top_confusions(gold, pred) == [("a", "b", 2), ("b", "a", 1), ("b", "c", 1)]


def test_item_validation_names_line_and_field() -> None:
    labels = frozenset({"billing", "spam"})
    ok = task.parse_item({"id": 7, "text": "refund please", "label": "billing", "tags": {"tier": "gold"}},
                         labels=labels)
    assert ok == ClassifyItem("7", "refund please", "billing", {"tier": "gold"})
    cases = [
        ({"id": "a", "text": "x"}, "label", "missing"),
        ({"id": "a", "text": "x", "label": "other"}, "label", "not in the dataset's label set"),
        ({"id": "a", "text": " ", "label": "spam"}, "text", "non-empty string"),
        ({"id": "a", "text": "x", "label": "spam", "question": "?"}, "question", "unknown field"),
        ({"id": "a", "text": "x", "label": "spam", "tags": {"t": [1]}}, "tags.t", "string, number or boolean"),
        ({"id": "", "text": "x", "label": "spam"}, "id", "non-empty"),
        ({"id": "a", "text": "x", "label": ["spam"]}, "label", "non-empty string"),
    ]
    for obj, field, words in cases:
        with pytest.raises(DatasetError) as e:
            task.parse_item(obj, file="inbox.jsonl", line=4, labels=labels)
        assert e.value.field == field and e.value.line == 4 and e.value.file == "inbox.jsonl", obj
        assert words in e.value.message, (obj, e.value.message)


def test_jsonl_duplicate_ids_and_bad_json() -> None:
    good = json.dumps({"id": "1", "text": "a", "label": "x"})
    with pytest.raises(DatasetError) as e:
        task.parse_jsonl(f"{good}\n\n{good}\n", file="f.jsonl")
    assert e.value.line == 3 and e.value.field == "id"
    with pytest.raises(DatasetError) as e:
        task.parse_jsonl(f"{good}\n{{not json\n", file="f.jsonl")
    assert e.value.line == 2 and "malformed JSON" in e.value.message


def test_jsonl_reports_every_bad_line_at_once() -> None:
    """As a rag dataset does (one JSONL reader): a person fixes every line in one pass."""
    from shipcall.errors import DatasetErrors

    good = json.dumps({"id": "1", "text": "a", "label": "x"})
    text = f"# a comment\n{good}\n{{not json\n{json.dumps({'id': '2', 'label': 'x'})}\n{good}\n"
    with pytest.raises(DatasetErrors) as e:
        task.parse_jsonl(text, file="f.jsonl")
    assert [(x.line, x.field) for x in e.value.errors] == [(3, None), (4, "text"), (5, "id")]


CSV = ('id,text,category,channel\n'
       'm1,"Hello, I was charged twice",billing,email\n'
       'm2,"Line one\nline two, with ""quotes""",bug_report,chat\n'
       'm3,plain text,billing,\n')


def test_csv_quoted_fields_ids_and_tags() -> None:
    items = task.parse_csv(CSV, text_column="text", label_column="category", id_column="id",
                           tag_columns=["channel"], file="in.csv")
    assert [it.id for it in items] == ["m1", "m2", "m3"]
    assert items[0].text == "Hello, I was charged twice"
    assert items[1].text == 'Line one\nline two, with "quotes"'
    assert items[1].tags == {"channel": "chat"} and items[2].tags == {}
    no_ids = task.parse_csv(CSV, text_column="text", label_column="category")
    assert [it.id for it in no_ids] == ["row-1", "row-2", "row-3"]
    crlf = task.parse_csv(CSV.replace("\n", "\r\n"), text_column="text", label_column="category")
    assert crlf[1].text.splitlines() == ["Line one", 'line two, with "quotes"']


@pytest.mark.parametrize(("text", "kwargs", "line", "field", "words"), [
    (CSV, {"label_column": "label"}, 1, "--label-column", "no column 'label'"),
    (CSV, {"tag_columns": ["tier"]}, 1, "--tag-column", "no column 'tier'"),
    (CSV + "m4,ragged\n", {}, 6, None, "expected 4 fields"),
    (CSV + 'm4,"x",,chat\n', {}, 6, "category", "empty label"),
    (CSV + 'm1,"x",billing,chat\n', {"id_column": "id"}, 6, "id", "duplicate id 'm1'"),
    (CSV + 'm4,"never closed,billing,chat\n', {}, 6, None, "malformed CSV"),
    (CSV + 'm4,"x",spam,chat\n', {"labels": frozenset({"billing", "bug_report"})}, 6, "category",
     "not in the dataset's label set"),
    ("id,text,category\n", {}, None, None, "no data rows"),
])
def test_csv_errors_name_line_and_column(text: str, kwargs: dict, line: int | None, field: str | None,
                                         words: str) -> None:
    args = {"text_column": "text", "label_column": "category", **kwargs}
    with pytest.raises(DatasetError) as e:
        task.parse_csv(text, file="in.csv", **args)
    assert e.value.file == "in.csv" and e.value.line == line and e.value.field == field
    assert words in e.value.message


def test_labels_file() -> None:
    assert task.parse_labels("# inbox\nbilling\n\nspam\n") == frozenset({"billing", "spam"})
    with pytest.raises(DatasetError) as e:
        task.parse_labels("billing\nspam\nbilling\n", file="labels.txt")
    assert e.value.line == 3 and "duplicate label" in e.value.message


def test_scores_and_failure_modes() -> None:
    item = ClassifyItem("1", "refund", "billing")
    right = Classification("billing", 0.95)
    assert task.score(item, right) == {"accuracy": 1.0} and task.failure_modes(item, right) == []
    unsure = Classification("billing", 0.3)
    assert task.failure_modes(item, unsure) == ["low_confidence_correct"]
    wrong = Classification("spam", 0.85)
    assert task.score(item, wrong) == {"accuracy": 0.0}
    assert task.failure_modes(item, wrong) == ["confused_with:spam", "confident_wrong"]
    assert task.failure_modes(item, Classification("spam", 0.5)) == ["confused_with:spam"]
    assert task.failure_modes(item, Classification("spam")) == ["confused_with:spam"]  # an LLM: no confidence
    garbled = Classification(None, raw="I think it is about money", error="unparseable reply")
    assert task.score(item, garbled) == {} and task.failure_modes(item, garbled) == ["unparseable"]
    assert task.failure_modes(item, Classification(None, error="HTTP 500")) == ["error"]
    assert task.failure_mode_info("confused_with:spam") and task.failure_mode_info("confident_wrong")
