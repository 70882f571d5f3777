"""Answer metrics: exact_match and f1 equal the official SQuAD v2 definition on real SQuAD 2.0
questions; contains_answer and answer_recall match an independent implementation and hand values."""

from __future__ import annotations

import collections
import json
import re
import string
from pathlib import Path

import pytest

from shipcall.core.datasets import parse_item
from shipcall.core.metrics import (
    answer_recall,
    contains_answer,
    exact_match,
    f1,
    normalize_answer,
    score_item,
)
from shipcall.core.runs import ItemResult


# --- the reference: the two functions of /work/shared/acceptance/lib/squad_metrics.py, copied ---
def ref_normalize(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def ref_f1(gold: str, pred: str) -> float:
    g, p = ref_normalize(gold).split(), ref_normalize(pred).split()
    if not g or not p:
        return float(g == p)
    common = sum((collections.Counter(g) & collections.Counter(p)).values())
    if common == 0:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def ref_scores(raw_answers: list[str], pred: str) -> tuple[float, float]:
    golds = [a for a in raw_answers if ref_normalize(a)] or [""]
    em = max(float(ref_normalize(g) == ref_normalize(pred)) for g in golds)
    return em, max(ref_f1(g, pred) for g in golds)


# --- an independent contains / recall, written from the definitions -----------------------------
def ref_contains(golds: list[str], pred: str) -> float:
    p = ref_normalize(pred).split()
    for g in golds:
        t = ref_normalize(g).split()
        if t and any(p[i:i + len(t)] == t for i in range(len(p) - len(t) + 1)):
            return 1.0
    return 0.0


def ref_recall(golds: list[str], pred: str) -> float:
    p = collections.Counter(ref_normalize(pred).split())
    best = 0.0
    for g in golds:
        t = ref_normalize(g).split()
        if t:
            best = max(best, sum(min(c, p[w]) for w, c in collections.Counter(t).items()) / len(t))
    return best


def _squad_cases(squad: Path) -> list[tuple[dict, str, bool]]:
    """(question object, prediction, abstained) with a deterministic mixture of predictions."""
    data = json.loads(squad.read_text(encoding="utf-8"))["data"]
    cases = []
    n = 0
    for article in data:
        for para in article["paragraphs"]:
            context = para["context"]
            words = context.split()
            for qa in para["qas"]:
                golds = [a["text"] for a in qa["answers"]]
                first = golds[0] if golds else words[0]
                wrong = " ".join(words[n % 7: n % 7 + 4])
                mixture = [
                    (first, False),  # the gold span itself
                    (f"The answer is {first}, as the text says.", False),  # gold inside a sentence
                    (wrong, False),  # a wrong span of the context
                    ("", True),  # an abstention
                    (first.upper() + "!!", False),  # gold, other case and punctuation
                    (" ".join(first.split()[:-1]) or "the", False),  # a partial gold / an article only
                ]
                pred, abstained = mixture[n % len(mixture)]
                cases.append((qa, pred, abstained))
                n += 1
    return cases


def test_squad_v2_exact_match_and_f1_item_by_item(shared_data: Path) -> None:
    cases = _squad_cases(shared_data / "squad2-train5" / "train-v2.0-articles0-4.json")
    assert len(cases) == 2442
    em_sum = f1_sum = 0.0
    ref_em_sum = ref_f1_sum = 0.0
    unanswerable = 0
    for qa, pred, abstained in cases:
        raw = [a["text"] for a in qa["answers"]]
        impossible = bool(qa.get("is_impossible"))
        unanswerable += impossible
        item = parse_item({"id": qa["id"], "question": qa["question"], "answers": raw, "answerable": not impossible})
        result = ItemResult(item_id=item.id, answer=pred, abstained=abstained)
        m = score_item(item, result, (1, 5))
        exp_em, exp_f1 = ref_scores(raw, "" if abstained else pred)
        assert m["exact_match"] == exp_em, (qa["id"], pred, raw)
        assert m["f1"] == pytest.approx(exp_f1, abs=1e-12), (qa["id"], pred, raw)
        if impossible:
            # an answer that normalises to nothing ("the") is an abstention for every metric
            empty = abstained or not normalize_answer(pred)
            assert m["contains_answer"] == m["answer_recall"] == m["abstain_recall"] == float(empty)
            assert m["false_answer_rate"] == float(not empty)
        else:
            p = "" if abstained else pred
            assert m["contains_answer"] == ref_contains(raw, p), (pred, raw)
            assert m["answer_recall"] == pytest.approx(ref_recall(raw, p), abs=1e-12), (pred, raw)
        em_sum += m["exact_match"]
        f1_sum += m["f1"]
        ref_em_sum += exp_em
        ref_f1_sum += exp_f1
    assert unanswerable == 160
    assert em_sum == ref_em_sum
    assert f1_sum == pytest.approx(ref_f1_sum, abs=1e-9)
    assert 0.2 < em_sum / len(cases) < 0.8  # the mixture exercises both outcomes


def test_normalisation_is_squad_v2() -> None:
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert normalize_answer("An apple a day") == "apple day"
    assert normalize_answer("theatre") == "theatre"  # articles only as whole words
    assert normalize_answer("¡Sí!") == "¡sí"  # only string.punctuation is removed


def test_exact_match_and_f1_hand_values() -> None:
    assert exact_match("the cat", ["Cat", "dog"]) == 1.0
    assert f1("black cat sat", ["the cat"]) == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))
    assert f1("", [""]) == 1.0 and f1("x", [""]) == 0.0 and f1("", ["x"]) == 0.0


def test_contains_answer_whole_tokens() -> None:
    assert contains_answer("Employees get 20 days of leave.", ["20 days"]) == 1.0
    assert contains_answer("Employees get 120 days of leave.", ["20 days"]) == 0.0  # whole tokens only
    assert contains_answer("days 20", ["20 days"]) == 0.0  # order matters
    assert contains_answer("anything", ["the"]) == 0.0  # a gold that normalises to "" never matches
    assert contains_answer("It is in Paris, France.", ["London", "paris"]) == 1.0


def test_answer_recall_multiset_share() -> None:
    assert answer_recall("twenty working days", ["twenty five working days"]) == pytest.approx(3 / 4)
    assert answer_recall("days days", ["days off days"]) == pytest.approx(2 / 3)
    assert answer_recall("days", ["days off days"]) == pytest.approx(1 / 3)  # multiset, not set
    assert answer_recall("nothing", ["a", "five days"]) == 0.0


def _score(pred: str, abstained: bool = False, **item_fields) -> dict[str, float]:
    item = parse_item({"id": "x", "question": "how many days?", **item_fields})
    return score_item(item, ItemResult(item_id="x", answer=pred, abstained=abstained), (1,))


def test_answer_metrics_apply_to_answers_and_unanswerable_items() -> None:
    ok = _score("Employees get 20 days of leave.", answers=["20 days"])
    assert ok["exact_match"] == 0.0 and ok["contains_answer"] == 1.0 and ok["answer_recall"] == 1.0
    assert 0 < ok["f1"] < 1
    refused = _score("Employees get 20 days of leave.", abstained=True, answers=["20 days"])
    assert [refused[k] for k in ("exact_match", "f1", "contains_answer", "answer_recall")] == [0.0] * 4
    unans_abstained = _score("I could not find this.", abstained=True, answerable=False)
    assert [unans_abstained[k] for k in ("exact_match", "f1", "contains_answer", "answer_recall")] == [1.0] * 4
    unans_answered = _score("20 days", answerable=False)
    assert [unans_answered[k] for k in ("exact_match", "f1", "contains_answer", "answer_recall")] == [0.0] * 4
    evidence_only = _score("20 days", evidence=["hr.md"])
    assert "exact_match" not in evidence_only and "f1" not in evidence_only


def test_normalize_answer_drops_punctuation_as_the_official_filter():
    """The official script keeps a character unless it is in string.punctuation; the regular
    expression used instead of str.translate gives the same string on any text."""
    import random

    from shipcall.core.metrics.normalize import normalize_answer as norm

    def official(s: str) -> str:
        s = "".join(ch for ch in s.lower() if ch not in set(string.punctuation))
        s = re.sub(r"\b(a|an|the)\b", " ", s)
        return " ".join(s.split())

    rng = random.Random(4)
    alphabet = string.printable + "éèçñßøÆ€“”‘’—–…·¿¡«»\u00a0\u2009中文Ωπ\\[]^-"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    texts += [string.punctuation, "The U.S.A.'s [1] (a) an-the", "a\\b]c^d-e[f"]
    assert [norm(t) for t in texts] == [official(t) for t in texts]
