"""`kind: extractive`: deterministic extractive summaries of meeting notes, offline, no model.

Method: MEAD-style centroid scoring (Radev et al. 2004, "Centroid-based summarization of
multiple documents"), chosen because it needs no training data or model, is deterministic, and
on meeting transcripts — long, repetitive, with the agenda stated early — a sentence close to
the meeting's overall word distribution is a good stand-in for "what the meeting was about":

1. Candidates: every sentence of every turn (`Speaker: words` lines), cleaned of disfluency
   markers (`{vocalsound}`, `{disfmarker}`, …) and fillers (um, uh, mm-hmm); sentences with
   fewer than `min_sentence_words` words or fewer than three content words are backchannel
   ("Yeah, okay.") and never picked.
2. Score = cosine(TF-IDF of the sentence, centroid of all candidates) (scikit-learn
   `TfidfVectorizer`, English stopwords, sublinear tf, IDF over the meeting's own sentences)
   + `position_weight` · (1 − position / candidates) (openings state the agenda)
   + `length_weight` · min(content words, 20) / 20 (a longer sentence carries more content).
   A speaker-change feature (first sentence after another speaker) was measured on
   qmsum-val and lowered ROUGE-1 (0.219 → 0.215), so it is not used; the speaker's name is
   kept instead as the sentence's prefix, because summaries name who said what.
3. Selection: greedily by score; a sentence is skipped when its TF-IDF cosine with a chosen one
   exceeds `redundancy` or it is a near-duplicate by the `redundant` failure mode's rule, or
   when it does not fit the words left in `max_words` (speaker names count); it stops when
   fewer than `min_sentence_words` words are left.
4. Output: the chosen sentences in source order, one a line, each with a pointer to its span
   in the source. Every sentence is a source sentence minus disfluencies, so its groundedness
   is 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from shipcall.core.metrics.groundedness import content_tokens
from shipcall.core.metrics.summarization import NEAR_DUPLICATE
from shipcall.core.tasks.summarize import Span, Summary, clean_turn, split_speaker
from shipcall.core.text import sentence_spans, split_sentences

LENGTH_CAP = 20
MIN_CONTENT_WORDS = 3


def candidates(text: str, min_words: int) -> list[tuple[str, str | None, Span]]:
    """(cleaned sentence, speaker, span in `text`) for every sentence worth picking; the span is
    the source sentence it came from."""
    out: list[tuple[str, str | None, Span]] = []
    offset = 0
    for n, line in enumerate(text.split("\n"), start=1):
        speaker, content, at = split_speaker(line)
        base = offset + at
        for a, b in sentence_spans(content):
            # Removing disfluencies can join what the splitter saw as one sentence ("us {disfmarker}
            # . Yeah"): split again, so that each summary line is one sentence by the metrics' rule.
            for sentence in split_sentences(clean_turn(content[a:b])):
                if len(sentence.split()) >= min_words and len(content_tokens(sentence)) >= MIN_CONTENT_WORDS:
                    out.append((sentence, speaker, Span(line=n, start=base + a, end=base + b)))
        offset += len(line) + 1
    return out


def _near_duplicate(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and len(a & b) >= NEAR_DUPLICATE * len(a | b)


class ExtractiveSummarizer:
    def __init__(self, config: Any, ctx: Any = None) -> None:
        self.config = config
        self.info: dict[str, Any] = {}

    def summarize(self, text: str) -> Summary:
        cfg = self.config
        cands = candidates(text, cfg.min_sentence_words)
        if not cands:
            return Summary(text="")
        from sklearn.feature_extraction.text import TfidfVectorizer

        sentences = [c[0] for c in cands]
        try:
            x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(sentences)
        except ValueError:  # only stopwords: nothing to weigh
            return Summary(text="")
        centroid = np.asarray(x.mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid))
        centrality = x @ (centroid / norm) if norm else np.zeros(len(cands))
        n = len(cands)
        position = 1.0 - np.arange(n) / n
        length = np.array([min(len(content_tokens(s)), LENGTH_CAP) / LENGTH_CAP for s in sentences])
        score = np.asarray(centrality).ravel() + cfg.position_weight * position + cfg.length_weight * length
        lines = [f"{spk}: {s}" if cfg.speakers and spk else s for s, spk, _ in cands]
        chosen: list[int] = []
        chosen_tokens: list[set[str]] = []
        used = 0
        for i in np.argsort(-score, kind="stable"):
            i = int(i)
            words = len(lines[i].split())
            if used + words > cfg.max_words:
                continue
            tokens = content_tokens(lines[i])
            if chosen and (float((x[chosen] @ x[i].T).max()) > cfg.redundancy
                           or any(_near_duplicate(tokens, t) for t in chosen_tokens)):
                continue
            chosen.append(i)
            chosen_tokens.append(tokens)
            used += words
            if cfg.max_words - used < cfg.min_sentence_words:
                break
        chosen.sort()
        return Summary(text="\n".join(lines[i] for i in chosen), spans=tuple(cands[i][2] for i in chosen))
