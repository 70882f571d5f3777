"""Run and ItemResult: one variant executed over one dataset version on one corpus version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    doc_id: str
    chunk_id: str
    heading_path: tuple[str, ...]
    snippet: str


@dataclass(frozen=True)
class Answer:
    """What a generator returns: the answer text (exactly what `exact_match` and `f1` score),
    its context (the sentence or sentences it was taken from, as the reader sees them; "" when
    the answer is its own context, as an LLM's reply is), its citations, whether it abstained,
    and its support score in [0, 1].

    LLM generators also report tokens and cost (US dollars, at the configured prices), the time
    to the first token and the generation time of the call (for a reply served from the response
    cache: the original call's, with `cached` set and nothing paid), the reply as the model gave
    it (`raw`, with its `[n]` markers) and provider details (`meta`: model, finish reason,
    attempts, refusal)."""

    text: str
    context: str = ""
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    support: float = 0.0
    sentences: tuple[str, ...] = ()  # the answer's sentences, for groundedness
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    ttft_ms: float | None = None
    generate_ms: float | None = None
    cached: bool = False
    raw: str = ""
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Retrieved:
    """One retrieved chunk as stored per item."""

    doc_id: str
    chunk_id: str
    score: float
    rank: int


@dataclass
class ItemResult:
    """Everything one item produced in a run, including its per-item metric values."""

    item_id: str
    retrieved: list[Retrieved] = field(default_factory=list)
    retrieved_docs: list[Retrieved] = field(default_factory=list)  # chunk_id of the best chunk
    answer: str = ""
    context: str = ""  # the sentence(s) the answer was taken from; "" when the answer is its own context
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    support: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)  # retrieve, generate, total
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    failure_modes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemOutcome:
    """What comparisons read of an item result: its metric values, error and failure modes.
    `compare`, `gate` and dataset health need no more; the full ItemResult is loaded where
    rankings, answers or citations are shown."""

    item_id: str
    metrics: dict[str, float]
    error: str | None = None
    failure_modes: list[str] = field(default_factory=list)


@dataclass
class Run:
    """A run's identity and its aggregated metrics."""

    id: str
    variant: str
    variant_hash: str
    dataset: str
    dataset_version: int
    corpus_version: str
    code_version: str
    status: str = "running"  # running | finished
    started_at: str = ""
    finished_at: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    n_items: int = 0
    errors: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    cohorts: dict[str, dict[str, Any]] = field(default_factory=dict)
    task: str = "rag"  # the dataset's task type (rag | classify | summarize)


@dataclass(frozen=True)
class RunIdentity:
    """What makes two runs the same run: the variant (with what determines its outputs beyond its
    config, e.g. a prompt template's hash), the dataset version, the corpus version and the run
    settings. The runner resumes an unfinished run with the same identity; a sweep reuses a
    finished one. One value, computed in one place (app/run.py `run_identity`)."""

    variant_hash: str
    dataset: str
    dataset_version: int
    corpus_version: str
    config: dict[str, Any]

    def matches(self, run: Run) -> bool:
        return (run.variant_hash == self.variant_hash and run.dataset == self.dataset
                and run.dataset_version == self.dataset_version and run.corpus_version == self.corpus_version
                and run.config == self.config)


def cost_per_1000(run: Run) -> float:
    """US dollars per 1,000 answered items at the configured prices: the run's `cost` over its
    items without error, × 1,000; 0 when nothing was priced (offline generators)."""
    cost = run.metrics.get("cost")
    items = run.n_items - run.errors
    if not isinstance(cost, (int, float)) or cost != cost or not cost or items <= 0:
        return 0.0
    return round(1000 * float(cost) / items, 6)
