"""Review: a person's judgement of a logged query, the review queue's sampling, the agreement
between reviewers, and the promotion of reviewed queries into dataset items. Pure: no I/O.

**Sampling** (`sample_queue`). Each logged query not yet queued is a `Candidate` with flags,
in priority order: negative feedback, an abstention, a low retrieval score (its best retrieved
chunk's score in the lowest quarter of its variant's logged queries), unlike any dataset item
(core/cohorts.py). `stratified` (default) spreads the sample over strata — one per variant ×
cohort — in rounds: each round takes the highest-priority query left in every stratum (strata
with higher-priority heads first; ties broken by the seeded draw), so a 10% canary or a small
topic is never crowded out by a large one, and within a stratum the flagged queries come first.
`random` is a simple random sample (seeded): use it when the reviewed rates themselves must be
unbiased estimates of production rates. `monitor` is the canary monitor's sample, separate from
the failure-hunting queue: the same number of queries from each variant, drawn uniformly at
random within it (seeded), so each arm's reviewed wrong-answer rate estimates that arm's
production rate without bias, whatever the canary's share (core/monitor.py uses only `random`
and `monitor` reviews).

**Verdicts**: `correct` (the answer, or the abstention, is right), `incorrect` (the answer is
wrong, or it abstained although the documents answer the question), `should_abstain` (it
answered, but the documents do not cover the question). A wrong response is any verdict but
`correct`. A review may name a failure mode (core/failures.py), a gold answer, evidence
documents and tags. Each reviewer has one review per query (saving again revises it); the
first reviewer of a query has rank 1, the second rank 2, and so on.

**Agreement** (`agreement`): Cohen's kappa between the first and second reviewers' verdicts on
the queries both judged, with the confusion table: kappa = (p_o − p_e) / (1 − p_e), p_o the
observed agreement, p_e the agreement expected from each reviewer's verdict shares (Cohen, 1960).

**Promotion** (`item_from_reviews`): a reviewed query becomes an item only when its reviewers
agree on the verdict. Abstention was right or the question is not covered → an unanswerable
item; an answer judged correct → an answerable item whose evidence is the reviewer's evidence or
else the cited documents (and the gold answer if one was given); a wrong answer → an answerable
item only with a gold answer or evidence documents from the reviewer. Tags: the reviewer's tags
(the review page starts from the cohorts assigned at sampling; without any, those cohorts), and
`origin: production`. `source` records the provenance:
`{kind: production, request_id, logged_at, variant, reviewer, reviewers, reviewed_at, verdict,
failure_mode}`. Questions, answers and review text are redacted before they are stored, so
promoted items hold no more personal data than the log.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from shipcall.core.cohorts import terms
from shipcall.core.datasets import Item, parse_item
from shipcall.core.failures import FAILURE_MODES
from shipcall.errors import ConfigError

Verdict = Literal["correct", "incorrect", "should_abstain"]
VERDICTS: dict[str, str] = {
    "correct": "the answer, or the abstention, is right",
    "incorrect": "the answer is wrong, or it abstained although the documents answer the question",
    "should_abstain": "it answered, but the documents do not cover the question",
}
FLAGS: dict[str, str] = {
    "negative_feedback": "the user gave a thumbs-down",
    "abstained": "the system abstained",
    "low_retrieval_score": "its best retrieved chunk scored in the lowest quarter of its variant's queries",
    "unlike_dataset": "no dataset item is like it",
}
_FLAG_WEIGHT = {"negative_feedback": 8, "abstained": 4, "low_retrieval_score": 2, "unlike_dataset": 1}
STRATEGIES = ("stratified", "random", "monitor")
UNIFORM_STRATEGIES = ("random", "monitor")  # unbiased within each arm: what the monitor may use


@dataclass(frozen=True)
class Candidate:
    """A logged query that may be queued for review, with what makes it worth reviewing."""

    request_id: str
    variant: str
    cohort: str = "(no cohort)"
    flags: tuple[str, ...] = ()

    @property
    def priority(self) -> int:
        return sum(_FLAG_WEIGHT.get(f, 0) for f in self.flags)

    @property
    def stratum(self) -> str:
        return f"{self.variant} · {self.cohort}"


@dataclass(frozen=True)
class Queued:
    candidate: Candidate
    reasons: tuple[str, ...]
    position: int


def low_score_ids(top_scores: Mapping[str, tuple[str, float | None]], quantile: float = 0.25) -> set[str]:
    """Request ids whose best retrieval score is at or below the `quantile` of their variant's
    scores (request id → (variant, top score or None)); no retrieved chunk counts as low."""
    import numpy as np

    by_variant: dict[str, list[float]] = defaultdict(list)
    for variant, s in top_scores.values():
        if s is not None:
            by_variant[variant].append(s)
    cut = {v: float(np.quantile(xs, quantile)) for v, xs in by_variant.items() if len(xs) >= 2}
    low = set()
    for rid, (variant, s) in top_scores.items():
        if s is None or (variant in cut and s <= cut[variant]):
            low.add(rid)
    return low


def sample_queue(candidates: Sequence[Candidate], n: int, *, strategy: str = "stratified",
                 seed: int = 0) -> list[Queued]:
    """Pick up to `n` candidates for the review queue (see the module docstring)."""
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown strategy {strategy!r}", field="--strategy", hint=f"one of: {', '.join(STRATEGIES)}")
    if n < 1:
        raise ConfigError(f"must be at least 1 (got {n})", field="--n")
    rng = random.Random(seed)
    pool = sorted(candidates, key=lambda c: c.request_id)  # order-independent given the seed
    if strategy == "random":
        picked = rng.sample(pool, min(n, len(pool)))
        return [Queued(c, (*c.flags, "random"), i) for i, c in enumerate(picked)]
    if strategy == "monitor":
        by_variant: dict[str, list[Candidate]] = defaultdict(list)
        for c in pool:
            by_variant[c.variant].append(c)
        per = -(-n // max(len(by_variant), 1))
        chosen: list[Candidate] = []
        for variant in sorted(by_variant):
            members = by_variant[variant]
            chosen += rng.sample(members, min(per, len(members)))
        return [Queued(c, (*c.flags, "monitor"), i) for i, c in enumerate(chosen[:n] if len(by_variant) <= 1
                                                                          else chosen)]
    tiebreak = {c.request_id: rng.random() for c in pool}
    strata: dict[str, list[Candidate]] = defaultdict(list)
    for c in pool:
        strata[c.stratum].append(c)
    for members in strata.values():
        members.sort(key=lambda c: (-c.priority, tiebreak[c.request_id]))
    stratum_key = {s: rng.random() for s in sorted(strata)}
    out: list[Queued] = []
    while len(out) < n and any(strata.values()):
        order = sorted((s for s in strata if strata[s]), key=lambda s: (-strata[s][0].priority, stratum_key[s]))
        for s in order:
            if len(out) >= n:
                break
            c = strata[s].pop(0)
            out.append(Queued(c, c.flags or ("spread",), len(out)))
    return out


@dataclass(frozen=True)
class Review:
    """One person's judgement of one logged query."""

    request_id: str
    reviewer: str
    verdict: Verdict
    failure_mode: str | None = None
    gold_answer: str = ""
    evidence: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    note: str = ""
    created_at: str = ""
    updated_at: str = ""
    rank: int = 1

    @property
    def wrong(self) -> bool:
        return self.verdict != "correct"

    def to_dict(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "reviewer": self.reviewer, "rank": self.rank,
                "verdict": self.verdict, "failure_mode": self.failure_mode, "gold_answer": self.gold_answer,
                "evidence": list(self.evidence), "tags": dict(self.tags), "note": self.note,
                "created_at": self.created_at, "updated_at": self.updated_at}


def check_review(verdict: str, failure_mode: str | None, reviewer: str, tags: Mapping[str, str]) -> None:
    """Raise ConfigError naming the field when a review's values are not allowed."""
    if verdict not in VERDICTS:
        raise ConfigError(f"unknown verdict {verdict!r}", field="verdict", hint=f"one of: {', '.join(VERDICTS)}")
    if failure_mode and failure_mode not in FAILURE_MODES:
        raise ConfigError(f"unknown failure mode {failure_mode!r}", field="failure_mode",
                          hint=f"one of: {', '.join(FAILURE_MODES)}")
    if not reviewer.strip() or len(reviewer) > 200:
        raise ConfigError("a reviewer name is required (at most 200 characters)", field="reviewer")
    for k, v in tags.items():
        if not k.strip() or not str(v).strip():
            raise ConfigError(f"tag {k!r}: keys and values must not be empty", field="tags",
                              hint="write tags as key=value, e.g. topic=hr")


def parse_tags(text: str) -> dict[str, str]:
    """`topic=hr, region=eu` → {"topic": "hr", "region": "eu"} (commas or new lines between)."""
    out: dict[str, str] = {}
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        k, sep, v = part.partition("=")
        if not sep or not k.strip() or not v.strip():
            raise ConfigError(f"not a tag: {part!r}", field="tags", hint="write tags as key=value, e.g. topic=hr")
        out[k.strip()] = v.strip()
    return out


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters' labels on the same cases; None when undefined: no cases, or
    both raters always give the same single label (p_e = 1, 0/0; sklearn returns NaN), as
    core/judge.py does."""
    if len(a) != len(b):
        raise ValueError("the raters must label the same cases")
    n = len(a)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1.0 - pe)


def agreement(reviews: Sequence[Review]) -> dict[str, Any]:
    """First vs second reviewer on every query that has both: pairs, observed agreement, kappa
    and the confusion table (first reviewer's verdict → second's → count)."""
    by_query: dict[str, dict[int, Review]] = defaultdict(dict)
    for r in reviews:
        by_query[r.request_id][r.rank] = r
    pairs = [(q[1].verdict, q[2].verdict) for q in by_query.values() if 1 in q and 2 in q]
    table: dict[str, dict[str, int]] = {v: {w: 0 for w in VERDICTS} for v in VERDICTS}
    for x, y in pairs:
        table[x][y] += 1
    first, second = [x for x, _ in pairs], [y for _, y in pairs]
    return {
        "pairs": len(pairs),
        "observed": (sum(x == y for x, y in pairs) / len(pairs)) if pairs else None,
        "kappa": cohen_kappa(first, second),
        "table": table,
    }


def consensus(reviews: Sequence[Review]) -> tuple[Review | None, str | None]:
    """The review to promote (the latest) when all reviewers agree on the verdict, else
    (None, why)."""
    if not reviews:
        return None, "not reviewed"
    verdicts = sorted({r.verdict for r in reviews})
    if len(verdicts) > 1:
        who = ", ".join(f"{r.reviewer}: {r.verdict}" for r in sorted(reviews, key=lambda r: r.rank))
        return None, f"reviewers disagree ({who}); a reviewer can revise their review to settle it"
    return max(reviews, key=lambda r: (r.updated_at, r.rank)), None


def item_from_reviews(entry: Mapping[str, Any], reviews: Sequence[Review], *,
                      cohort_tags: Mapping[str, str] | None = None) -> tuple[Item | None, str | None]:
    """A dataset item from a reviewed logged query (`entry`: the log row as a dict with
    request_id, created_at, variant, question, answer, abstained, citations), or (None, why)."""
    review, why = consensus(reviews)
    if review is None:
        return None, why
    abstained = bool(entry.get("abstained"))
    cited = list(dict.fromkeys(c["doc_id"] for c in entry.get("citations", []) if c.get("doc_id")))
    answers: list[str] = [review.gold_answer.strip()] if review.gold_answer.strip() else []
    evidence: list[str] = list(review.evidence)
    if review.verdict == "should_abstain" or (review.verdict == "correct" and abstained):
        answerable, answers, evidence = False, [], list(review.evidence)
    elif review.verdict == "correct":
        answerable = True
        evidence = evidence or cited
        if not answers and not evidence:
            return None, "no gold answer and no evidence documents: add one in the review"
    else:
        answerable = True
        if not answers and not evidence:
            return None, ("judged incorrect without a gold answer or evidence documents: add one in the "
                          "review to make it an item")
    tags = {**(dict(review.tags) if review.tags else dict(cohort_tags or {})), "origin": "production"}
    reviewers = [r.reviewer for r in sorted(reviews, key=lambda r: r.rank)]
    said = "abstained" if abstained else f"answered: {_short(str(entry.get('answer', '')), 200)}"
    mode = f"; failure mode {review.failure_mode}" if review.failure_mode else ""
    d = {
        "id": f"prod-{str(entry['request_id'])[:12]}",
        "question": entry["question"],
        "answers": answers,
        "answerable": answerable,
        "evidence": evidence,
        "tags": tags,
        "notes": f"production query judged {review.verdict} by {review.reviewer}{mode}; the system {said}",
        "source": {
            "kind": "production", "request_id": entry["request_id"], "logged_at": entry.get("created_at"),
            "variant": entry.get("variant"), "reviewer": review.reviewer, "reviewers": reviewers,
            "reviewed_at": review.updated_at, "verdict": review.verdict, "failure_mode": review.failure_mode,
        },
    }
    return parse_item(d, file="review", line=None), None


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def highlight(text: str, answer: str, threshold: float = 0.6) -> list[tuple[str, bool]]:
    """`text` cut into (segment, is_cited) pieces: a sentence is cited when at least
    `threshold` of its content words (stemmed) occur in the answer — exactly the sentences an
    extractive answer copied, and the sentences an LLM answer paraphrased closely."""
    from shipcall.core.text import sentence_spans

    said = set(terms(answer))
    if not said:
        return [(text, False)] if text else []
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for a, b in sentence_spans(text):
        words = terms(text[a:b])
        if not words:
            continue
        cited = sum(w in said for w in words) / len(words) >= threshold and len(set(words)) >= 2
        if not cited:
            continue
        if a > pos:
            pieces.append((text[pos:a], False))
        pieces.append((text[a:b], True))
        pos = b
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces
