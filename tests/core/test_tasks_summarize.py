"""The summarize task's pure parts: ROUGE equals the rouge-score library, key-point coverage,
groundedness and redundancy by their rules, item validation, failure modes, disfluency removal."""

from __future__ import annotations

import pytest
from rouge_score import rouge_scorer

from shipcall.core.metrics import summarization as sm
from shipcall.core.tasks import summarize as task
from shipcall.core.tasks.summarize import SummarizeItem, Summary
from shipcall.errors import DatasetError

SOURCE = ("Alice: Welcome everyone, today we decide the launch date for the mobile app.\n"
          "Bob: Marketing needs two weeks after the final build to prepare the campaign.\n"
          "Alice: Then we launch on the third of June, and Carol owns the release checklist.\n"
          "Carol: I will send the checklist on Friday {vocalsound} .\n")


def test_rouge_equals_rouge_score_best_reference_by_rouge1() -> None:
    refs = ["The team set the launch for June third; Carol owns the checklist.",
            "Marketing asked for two weeks of preparation before the launch of the app."]
    summary = "Alice: Then we launch on the third of June.\nBob: Marketing needs two weeks after the final build."
    got = sm.rouge(summary, refs)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    scores = [scorer.score(r, summary) for r in refs]
    best = max(scores, key=lambda s: s["rouge1"].fmeasure)
    for name in sm.ROUGE_TYPES:
        assert abs(got[name] - best[name].fmeasure) < 1e-12
    assert got["rouge1"] == max(s["rouge1"].fmeasure for s in scores)


def test_key_point_coverage_rule() -> None:
    summary = "We launch in June. Carol sends the release checklist on Friday."
    points = ["Launch date", "Release checklists", "Budget for the campaign", "Hiring plan"]
    # launch (1 of 2: launch, date) half -> covered; checklist stems -> covered; budget, campaign: 0 of 2; hiring: 0
    assert sm.covered_key_points(summary, points) == [True, True, False, False]
    assert sm.key_point_coverage(summary, points) == 0.5
    assert sm.key_point_coverage(summary, []) is None


def test_groundedness_copied_sentences_and_invented_ones() -> None:
    copied = "Alice: Then we launch on the third of June, and Carol owns the release checklist."
    assert sm.groundedness(copied, SOURCE) == 1.0
    invented = copied + "\nThe board approved a budget of two million euros for advertising."
    assert sm.groundedness(invented, SOURCE) == 0.5
    assert sm.groundedness("", SOURCE) is None


def test_near_duplicates() -> None:
    text = "Carol will send the checklist on Friday.\nCarol will send the release checklist on Friday.\nWe launch."
    assert sm.near_duplicates(text) == [(0, 1)]


def test_clean_turn_removes_disfluencies() -> None:
    raw = "Um , so {disfmarker} we uh need the {vocalsound} remote , mm-hmm , to be cheap . Hmm ."
    assert task.clean_turn(raw) == "so we need the remote, to be cheap."
    assert task.split_speaker("Project Manager: Okay , so") == ("Project Manager", "Okay , so", 17)
    assert task.split_speaker("no speaker here")[0] is None


def _item(**kw: object) -> SummarizeItem:
    base: dict = {"id": "m1", "text": SOURCE, "reference_summaries": ["The team set the June launch; Carol owns "
                                                                     "the checklist and sends it on Friday."],
                  "key_points": ["Launch date", "Release checklist"], "tags": {"domain": "product"}}
    return task.parse_item(base | kw)


def test_item_validation_names_line_and_field() -> None:
    assert _item().key_points == ("Launch date", "Release checklist")
    cases = [
        ({"id": "a", "text": "x"}, "reference_summaries", "missing"),
        ({"id": "a", "text": "x", "reference_summaries": []}, "reference_summaries", "at least one"),
        ({"id": "a", "text": "x", "reference_summaries": "one"}, "reference_summaries", "list of strings"),
        ({"id": "a", "text": "x", "reference_summaries": ["s"], "key_points": [1]}, "key_points", "list of strings"),
        ({"id": "a", "text": "", "reference_summaries": ["s"]}, "text", "non-empty"),
        ({"id": "a", "text": "x", "reference_summaries": ["s"], "label": "b"}, "label", "unknown field"),
    ]
    for obj, field, words in cases:
        with pytest.raises(DatasetError) as e:
            task.parse_item(obj, file="notes.jsonl", line=9)
        assert (e.value.field, e.value.line, e.value.file) == (field, 9, "notes.jsonl"), obj
        assert words in e.value.message


def test_scores_and_failure_modes() -> None:
    item = _item()
    good = Summary("Alice: Then we launch on the third of June, and Carol owns the release checklist.\n"
                   "Carol: I will send the checklist on Friday.")
    m = task.score(item, good)
    assert set(m) == {"rouge1", "rouge2", "rougeL", "rougeLsum", "key_point_coverage", "summary_words",
                      "compression", "groundedness"}
    assert m["groundedness"] == 1.0 and m["key_point_coverage"] == 1.0
    assert m["summary_words"] == 23 and abs(m["compression"] - 23 / sm.source_words(SOURCE)) < 1e-12
    assert task.failure_modes(item, good, m, max_words=30) == []
    assert task.failure_modes(item, good, m, max_words=20) == ["too_long"]
    short = Summary("The board met.")
    ms = task.score(item, short)
    assert task.failure_modes(item, short, ms, max_words=30) == ["missed_key_points", "too_short",
                                                                 "unsupported_sentence"]
    twice = Summary("Carol: I will send the checklist on Friday.\nCarol will send the checklist on Friday.")
    assert "redundant" in task.failure_modes(item, twice, task.score(item, twice), max_words=None)
    broken = Summary("", error="HTTP 500")
    assert task.score(item, broken) == {} and task.failure_modes(item, broken, {}, 30) == ["error"]
    assert task.aggregate([m, ms]) == {"summary_words": (23 + 3) / 2,
                                       "compression": (m["compression"] + ms["compression"]) / 2}
