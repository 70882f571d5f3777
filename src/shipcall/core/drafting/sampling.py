"""Which documents get drafts, and how many of each kind. Pure and seeded.

**Documents** (`allocate`): a draft count per document in proportion to its size (characters),
spread first: while some document has no draft, no document gets a second one. With n below
the number of documents, n documents are drawn without replacement with probability in
proportion to size (Efraimidis–Spirakis keys u^(1/size)); above it, every document gets one and
the remaining n − D are shared in proportion to size by largest remainder (ties by the seeded
key). `order_slots` interleaves the documents round-robin so that a run cut short (drops,
Ctrl-C) is still spread over the corpus.

**Kinds** (`kind_counts`): n shared over the requested kinds by DEFAULT_KIND_WEIGHTS,
largest remainder, ties in the order the kinds were listed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

KINDS = ("factoid", "paraphrase", "multi_hop", "unanswerable")
DEFAULT_KIND_WEIGHTS = {"factoid": 0.5, "paraphrase": 0.2, "multi_hop": 0.15, "unanswerable": 0.15}


def allocate(sizes: Mapping[str, int], n: int, seed: int = 0) -> dict[str, int]:
    """Drafts per document (only documents with a count above 0); see the module docstring."""
    docs = sorted(d for d, s in sizes.items() if s > 0)
    if n <= 0 or not docs:
        return {}
    rng = random.Random(seed)
    key = {d: rng.random() ** (1.0 / sizes[d]) for d in docs}
    if n < len(docs):
        chosen = sorted(docs, key=lambda d: -key[d])[:n]
        return dict.fromkeys(sorted(chosen), 1)
    counts = dict.fromkeys(docs, 1)
    extra = n - len(docs)
    total = sum(sizes[d] for d in docs)
    share = {d: extra * sizes[d] / total for d in docs}
    for d in docs:
        counts[d] += math.floor(share[d])
    left = n - sum(counts.values())
    for d in sorted(docs, key=lambda d: (-(share[d] - math.floor(share[d])), -key[d]))[:left]:
        counts[d] += 1
    return counts


def order_slots(counts: Mapping[str, int], seed: int = 0) -> list[str]:
    """Document ids, one per draft, round-robin: every document once (seeded order), then the
    documents with a second draft, and so on."""
    rng = random.Random(seed + 1)
    docs = sorted(counts)
    rng.shuffle(docs)
    out: list[str] = []
    for r in range(max(counts.values(), default=0)):
        out.extend(d for d in docs if counts[d] > r)
    return out


def kind_counts(kinds: Sequence[str], n: int) -> dict[str, int]:
    """How many drafts of each requested kind make n (see the module docstring)."""
    weights = {k: DEFAULT_KIND_WEIGHTS[k] for k in kinds}
    total = sum(weights.values())
    share = {k: n * w / total for k, w in weights.items()}
    counts = {k: math.floor(s) for k, s in share.items()}
    left = n - sum(counts.values())
    for k in sorted(kinds, key=lambda k: (-(share[k] - counts[k]), list(kinds).index(k)))[:left]:
        counts[k] += 1
    return counts


def kind_sequence(kinds: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """`kind_counts` as a seeded shuffled list of length n (one kind per slot)."""
    seq = [k for k, c in kind_counts(kinds, n).items() for _ in range(c)]
    random.Random(seed + 2).shuffle(seq)
    return seq
