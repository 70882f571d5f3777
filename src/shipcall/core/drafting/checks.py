"""The checks every draft passes before it is queued or stored, whoever wrote it (the rules or
an LLM). A failed check drops the draft and counts the reason:

- `gold_not_in_evidence`: an answer that does not occur in its evidence documents (SQuAD
  normalisation: lower case, no punctuation or articles; the check the health report uses). A
  generated answer that does not occur word for word is still kept when every one of its
  content words (stemmed) occurs in the evidence passage ("supported by").
- `copies_sentence`: the question, without its question mark, occurs word for word in a
  document of the corpus.
- `duplicate`: the same question (normalised) as an existing item or an earlier draft.
- `near_duplicate`: a question sharing at least NEAR_DUPLICATE_JACCARD of its words with an
  existing item's or an earlier draft's (token-set Jaccard, the threshold of the dataset health
  check).
- `no_question`: an empty or malformed question.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from shipcall.core.cohorts import terms
from shipcall.core.health import NEAR_DUPLICATE_JACCARD
from shipcall.core.metrics.answer import normalize_answer

REASONS = ("gold_not_in_evidence", "copies_sentence", "duplicate", "near_duplicate", "no_question",
           "no_candidate", "provider_error", "malformed_reply")


def gold_in(answers: Sequence[str], texts: Sequence[str], *, supported: bool = False) -> bool:
    """Every answer occurs (normalised) in one of `texts`; with `supported`, an answer whose
    content words all occur in the texts also counts."""
    norm = [f" {normalize_answer(t)} " for t in texts]
    for a in answers:
        g = normalize_answer(a)
        if not g:
            return False
        if any(f" {g} " in t for t in norm):
            continue
        if supported:
            words = set(terms(a))
            have = {w for t in texts for w in terms(t)}
            if words and words <= have:
                continue
        return False
    return bool(answers)


def copies_sentence(question: str, normalised_texts: Iterable[str]) -> bool:
    """The question (normalised, without `?`) occurs word for word in one of the texts (already
    normalised with `normalize_answer`); questions of three words or fewer never count."""
    q = normalize_answer(question.rstrip("?"))
    if len(q.split()) <= 3:
        return False
    return any(f" {q} " in f" {t} " for t in normalised_texts)


class QuestionIndex:
    """Questions seen so far (existing items, accepted drafts): exact and near duplicates by
    token-set Jaccard, with an inverted index so each check only meets questions sharing a word."""

    def __init__(self, questions: Iterable[str] = ()) -> None:
        self.exact: set[str] = set()
        self.sets: list[frozenset[str]] = []
        self.by_token: dict[str, list[int]] = defaultdict(list)
        for q in questions:
            self.add(q)

    def add(self, question: str) -> None:
        norm = normalize_answer(question)
        self.exact.add(norm)
        toks = frozenset(norm.split())
        i = len(self.sets)
        self.sets.append(toks)
        for t in toks:
            self.by_token[t].append(i)

    def check(self, question: str) -> str | None:
        """None, `duplicate` or `near_duplicate`."""
        norm = normalize_answer(question)
        if norm in self.exact:
            return "duplicate"
        toks = frozenset(norm.split())
        shared: dict[int, int] = defaultdict(int)
        for t in toks:
            for i in self.by_token.get(t, ()):
                shared[i] += 1
        for i, n in shared.items():
            if n / (len(toks) + len(self.sets[i]) - n) >= NEAR_DUPLICATE_JACCARD:
                return "near_duplicate"
        return None


def near_duplicate_rate(questions: Sequence[str]) -> float:
    """Share of questions that duplicate or nearly duplicate an earlier one (for benchmarks)."""
    idx = QuestionIndex()
    dup = 0
    for q in questions:
        if idx.check(q):
            dup += 1
        idx.add(q)
    return dup / len(questions) if questions else 0.0


def check_draft(question: str, answers: Sequence[str], answerable: bool, evidence_texts: Sequence[str],
                corpus_normalised: Iterable[str], seen: QuestionIndex, *, supported: bool = False) -> str | None:
    """The first failed check's reason (see the module docstring), or None."""
    q = " ".join(question.split())
    if len(q.split()) < 3 or not q.endswith("?"):
        return "no_question"
    if answerable and not gold_in(answers, evidence_texts, supported=supported):
        return "gold_not_in_evidence"
    if copies_sentence(q, corpus_normalised):
        return "copies_sentence"
    return seen.check(q)


def reasons_count(reasons: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in reasons:
        out[r] = out.get(r, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def normalised_corpus(texts: Mapping[str, str]) -> dict[str, str]:
    return {d: normalize_answer(t) for d, t in texts.items()}
