"""What the LLM generators share: calls with retries, the response cache, token and cost
accounting, and turning a reply into an Answer. The SDK adapters (openai.py, anthropic.py) only
make one call each; everything else is here.

Calls
- One attempt per SDK call (the SDKs' own retries are off). Retried: HTTP 408, 409, 429 and
  5xx, timeouts and connection errors, up to `max_retries` times. The wait honours the
  provider's `Retry-After` / `retry-after-ms` header (seconds or an HTTP date; above
  MAX_RETRY_AFTER seconds the call fails instead); without one it is `backoff · 2^attempt`,
  at most `backoff_max`, times a jitter factor in (0.75, 1]. A streamed reply that broke after
  its first token is not retried (the text has been shown); it is an error.
- Not retried, and a per-item error with a clear message: other 4xx (bad key, unknown model),
  a malformed response (invalid JSON, missing fields) and an empty reply.

Response cache (in the store): keyed by provider, endpoint, model, sampling parameters and the
rendered messages (sha256). A hit returns the stored reply without a call: a re-run or a
resumed run does not pay twice. Only successful replies are stored, right after the call (so a
killed run loses no paid call). Streaming, timeouts and retries are not part of the key.

Accounting: tokens as the provider reports them (estimated as characters / 4, and flagged,
when a server omits usage); cost = tokens_in · input price + tokens_out · output price, prices
in USD per 1M tokens from `price:` or DEFAULT_PRICES (longest model-name prefix); an unknown
model costs 0 (a warning says so). A cached reply reports its original tokens and cost with
`cached` set: `cost` is what the answer costs, `cost_paid` what this run paid.

Replies: plain text with `[n]` markers citing the numbered sources (`[1]`, `[2][3]`, `[1, 3]`,
`[source 2]`). Markers are removed from the answer text (metrics score the words) and become
citations of the chunks ranked n; numbers with no source are ignored. A reply starting with the
abstention phrase (ABSTENTION, quotes and case ignored) is an abstention; a provider refusal
(OpenAI `message.refusal` or finish reason `content_filter`, Anthropic stop reason `refusal`) is
an abstention with `meta.refusal` set. A reply without markers is an answer without citations.
`support` is the share of the reply's sentences that cite a source.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from shipcall.adapters.generators.base import ABSTENTION, Capabilities, GeneratorBase
from shipcall.adapters.generators.prompts import (
    ANSWER_TEMPLATE,
    Message,
    PromptTemplate,
    load_template,
    neutralise,
    sources_for,
)
from shipcall.core.documents import ScoredChunk
from shipcall.core.runs import Answer, Citation
from shipcall.core.text import split_sentences
from shipcall.errors import ConfigError, MissingExtraError, ProviderError

MAX_RETRY_AFTER = 120.0  # seconds; a provider asking for a longer wait fails the call instead

# List prices in USD per 1M tokens (input, output) when this table was written; providers change
# them: check yours and override with `price: {input: …, output: …}` in the generator config.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "o4-mini": (1.10, 4.40),
    "claude-3-haiku": (0.25, 1.25),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-3-5-sonnet": (3.00, 15.00),
    "claude-3-7-sonnet": (3.00, 15.00),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-opus-4": (15.00, 75.00),
}


@dataclass(frozen=True)
class Completion:
    """One model reply with its usage and timing (ms, for the call that produced it)."""

    text: str
    tokens_in: int
    tokens_out: int
    finish_reason: str | None
    model: str
    latency_ms: float
    ttft_ms: float
    refusal: str | None = None
    usage_estimated: bool = False
    cached: bool = False
    attempts: int = 1

    def to_cache(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("cached")
        d.pop("attempts")
        return d

    @classmethod
    def from_cache(cls, d: dict[str, Any]) -> Completion:
        known = {k: d[k] for k in ("text", "tokens_in", "tokens_out", "finish_reason", "model", "latency_ms",
                                   "ttft_ms", "refusal", "usage_estimated") if k in d}
        return cls(**known, cached=True, attempts=0)


class Provider(Protocol):
    """One SDK: a single attempt per `call`, SDK errors raised as they are."""

    name: str
    endpoint: str  # the base URL, part of the cache key

    def call(self, messages: list[Message], *, stream: bool, on_text: Callable[[str], None] | None) -> Completion:
        ...


class ResponseCache(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, provider: str, model: str, response: dict[str, Any]) -> None: ...


class MalformedResponse(ProviderError):
    """The provider answered with something that is not a valid reply."""


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


def api_key(config: Any, provider: str) -> str:
    """The API key from the environment variable the config names (never from a file)."""
    name = config.api_key_env
    if name is None:
        return "unused"  # a local server without keys; the SDKs insist on some value
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"the environment variable {name} is not set", field="generator.api_key_env",
                          hint=f"export {name}=… (API keys come only from the environment); for a local "
                               f"{provider}-compatible server without keys set `api_key_env: null`")
    return value


def require_sdk(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise MissingExtraError(f"the {module} generator needs the `llm` extra",
                                hint='pip install -e ".[llm]"  (or pip install "shipcall[llm]")') from None


def price_of(config: Any) -> tuple[float, float] | None:
    if config.price is not None:
        return config.price.input, config.price.output
    best = max((m for m in DEFAULT_PRICES if config.model.startswith(m)), key=len, default=None)
    return DEFAULT_PRICES[best] if best else None


# -- failures and retries ------------------------------------------------------------------------

def retry_after(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if headers is None:
        return None
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None
    return None


def classify(exc: BaseException) -> tuple[bool, float | None, str]:
    """(retryable, Retry-After seconds, message) for an SDK exception (both SDKs share the shapes)."""
    names = {c.__name__ for c in type(exc).__mro__}
    if "APITimeoutError" in names or "TimeoutException" in names:
        return True, None, "the request timed out"
    if "APIConnectionError" in names or "ConnectError" in names or isinstance(exc, ConnectionError):
        return True, None, f"connection error ({exc})"
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        response = getattr(exc, "response", None)
        wait = retry_after(getattr(response, "headers", None))
        retryable = status in (408, 409, 429) or status >= 500
        return retryable, wait, f"HTTP {status}: {_short(getattr(exc, 'message', None) or str(exc))}"
    if isinstance(exc, ValueError):  # json.JSONDecodeError: a body that is not JSON
        return False, None, f"malformed response (not valid JSON: {_short(str(exc))})"
    return False, None, f"{type(exc).__name__}: {_short(str(exc))}"


def _short(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class Stats:
    """What a generator did in this process: calls made, cache hits, retries, tokens, money paid."""

    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    failures: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_paid: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            return {"calls": self.calls, "cache_hits": self.cache_hits, "retries": self.retries,
                    "failures": self.failures, "tokens_in": self.tokens_in, "tokens_out": self.tokens_out,
                    "cost_paid": round(self.cost_paid, 8)}


class LLMClient:
    """Retries, the response cache and accounting around one Provider."""

    def __init__(self, config: Any, provider: Provider, cache: ResponseCache | None = None, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.provider = provider
        self.cache = cache
        self.sleep = sleep
        self.stats = Stats()
        self.prices = price_of(config)
        self._warned_price = False

    def key(self, messages: list[Message], salt: Any = None) -> str:
        c = self.config
        blob = {"provider": self.provider.name, "endpoint": self.provider.endpoint, "model": c.model,
                "temperature": c.temperature, "max_tokens": c.max_tokens,
                "messages": [[m.role, m.content] for m in messages]}
        if salt is not None:
            blob["salt"] = salt
        return hashlib.sha256(json.dumps(blob, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def cost(self, c: Completion) -> float:
        if self.prices is None:
            if not self._warned_price:
                self._warned_price = True
                print(f"warning: no price known for model {self.config.model!r}: its cost counts as 0; "
                      f"set `price: {{input: …, output: …}}` (USD per 1M tokens) in its config", file=sys.stderr)
            return 0.0
        return (c.tokens_in * self.prices[0] + c.tokens_out * self.prices[1]) / 1_000_000

    def complete(self, messages: list[Message], *, on_text: Callable[[str], None] | None = None,
                 salt: Any = None) -> Completion:
        key = self.key(messages, salt)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                c = Completion.from_cache(hit)
                with self.stats.lock:
                    self.stats.cache_hits += 1
                if on_text is not None and c.text:
                    on_text(c.text)
                return c
        c = self._call_with_retries(messages, on_text)
        with self.stats.lock:
            self.stats.tokens_in += c.tokens_in
            self.stats.tokens_out += c.tokens_out
            self.stats.cost_paid += self.cost(c)
        if not c.text.strip() and not c.refusal:
            raise MalformedResponse(f"{self.provider.name} returned an empty reply (finish reason "
                                    f"{c.finish_reason or 'unknown'})",
                                    hint="raise max_tokens if the reply was cut off" if
                                    c.finish_reason in ("length", "max_tokens") else None)
        if self.cache is not None:
            self.cache.put(key, self.provider.name, self.config.model, c.to_cache())
        return c

    def _call_with_retries(self, messages: list[Message], on_text: Callable[[str], None] | None) -> Completion:
        cfg = self.config
        attempts = cfg.max_retries + 1
        start = time.perf_counter()
        for attempt in range(attempts):
            emitted = False
            began = time.perf_counter()

            def sink(text: str) -> None:
                nonlocal emitted
                emitted = True
                on_text(text)  # type: ignore[misc]

            with self.stats.lock:
                self.stats.calls += 1
            try:
                c = self.provider.call(messages, stream=bool(cfg.stream), on_text=sink if on_text else None)
            except ProviderError:
                with self.stats.lock:
                    self.stats.failures += 1
                raise
            except Exception as e:
                retryable, wait, message = classify(e)
                where = f"{self.provider.name} ({self.provider.endpoint}, model {cfg.model})"
                if not retryable or emitted:
                    with self.stats.lock:
                        self.stats.failures += 1
                    raise ProviderError(f"{where}: {message}" + (" (after the reply began)" if emitted else ""),
                                        hint=_hint(message)) from None
                if attempt == attempts - 1:
                    with self.stats.lock:
                        self.stats.failures += 1
                    raise ProviderError(f"{where}: {message}; gave up after {attempts} attempts",
                                        hint="raise max_retries or timeout, or lower concurrency") from None
                if wait is not None and wait > MAX_RETRY_AFTER:
                    with self.stats.lock:
                        self.stats.failures += 1
                    raise ProviderError(f"{where}: {message}; the provider asked to wait {wait:.0f} s",
                                        hint="try again later, or lower concurrency") from None
                delay = wait if wait is not None else min(cfg.backoff * 2**attempt, cfg.backoff_max) * (
                    1 - 0.25 * random.random())
                with self.stats.lock:
                    self.stats.retries += 1
                self.sleep(delay)
                continue
            # latency as the user feels it: from the first attempt, retries and waits included
            waited = (began - start) * 1000
            return replace(c, attempts=attempt + 1, ttft_ms=c.ttft_ms + waited, latency_ms=c.latency_ms + waited)
        raise AssertionError("unreachable")


def _hint(message: str) -> str | None:
    if "HTTP 401" in message or "HTTP 403" in message:
        return "check the API key in the environment variable named by api_key_env"
    if "HTTP 404" in message:
        return "check base_url (OpenAI-compatible servers usually end in /v1) and the model name"
    if "malformed" in message:
        return "the endpoint did not answer in the provider's protocol; check base_url"
    return None


# -- replies ---------------------------------------------------------------------------------------

_MARKER = re.compile(r"\[\s*(?:sources?\s*)?(\d+(?:\s*(?:,|;|-|–|and)\s*(?:sources?\s*)?\d+)*)\s*\]", re.IGNORECASE)
_ABSTAIN_FORMS = ("the documents don't cover this", "the documents do not cover this")


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    return " ".join(text.split()).strip(" \"'*_`")


def is_abstention(text: str) -> bool:
    t = _normalise(text)
    return any(t.startswith(f) for f in _ABSTAIN_FORMS) or t.rstrip(".") == _normalise(ABSTENTION).rstrip(".")


def cited_numbers(marker_body: str) -> list[int]:
    """`1, 3` → [1, 3]; `2-4` → [2, 3, 4]."""
    out: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", marker_body, flags=re.IGNORECASE):
        nums = [int(x) for x in re.findall(r"\d+", part)]
        if len(nums) == 2 and re.search(r"[-–]", part) and 0 < nums[1] - nums[0] < 50:
            out.extend(range(nums[0], nums[1] + 1))
        else:
            out.extend(nums)
    return out


def strip_markers(text: str) -> str:
    text = _MARKER.sub("", text)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def answer_from(c: Completion, chunks: list[ScoredChunk], cost: float) -> Answer:
    """Parse a reply into an Answer: text without markers, citations, abstention, accounting."""
    meta: dict[str, Any] = {"model": c.model, "finish_reason": c.finish_reason, "attempts": c.attempts}
    if c.usage_estimated:
        meta["usage_estimated"] = True
    common: dict[str, Any] = {"tokens_in": c.tokens_in, "tokens_out": c.tokens_out, "cost": cost,
                              "ttft_ms": c.ttft_ms, "generate_ms": c.latency_ms, "cached": c.cached}
    if c.refusal:
        return Answer(text="", abstained=True, raw=c.text.strip() or c.refusal, meta=meta | {"refusal": c.refusal},
                      **common)
    raw = c.text.strip()
    if is_abstention(raw):
        return Answer(text="", abstained=True, raw=raw, meta=meta, **common)
    order: list[int] = []
    for m in _MARKER.finditer(raw):
        for n in cited_numbers(m.group(1)):
            if 1 <= n <= len(chunks) and n not in order:
                order.append(n)
    citations = tuple(
        Citation(chunks[n - 1].chunk.doc_id, chunks[n - 1].chunk.id, chunks[n - 1].chunk.heading_path,
                 " ".join(chunks[n - 1].chunk.text.split())[:240])
        for n in order
    )
    raw_sentences = split_sentences(raw) or [raw]
    cited = sum(1 for s in raw_sentences if _MARKER.search(s))
    text = strip_markers(raw)
    if not text:
        raise MalformedResponse("the reply has only citation markers, no answer text")
    return Answer(text=text, citations=citations, abstained=False, support=round(cited / len(raw_sentences), 6),
                  sentences=tuple(s for s in (strip_markers(x) for x in raw_sentences) if s), raw=raw, meta=meta,
                  **common)


# -- the generator ---------------------------------------------------------------------------------

class LLMGenerator(GeneratorBase):
    """A Generator on an LLM provider. Subclasses set `provider_class`; a provider plugin can
    subclass this and bring its own Provider (see README: plugins).

    Capabilities: its `concurrency`, streaming when `stream: true`, bound to the workspace
    (`bind(store=, root=)`: the response cache, prompt paths) and reporting usage (`budget`,
    `stats()`); `identity()` is the prompt template's hash."""

    provider_class: Any = None

    def __init__(self, config: Any, retriever: object) -> None:
        self.config = config
        self.retriever = retriever
        self.capabilities = Capabilities(concurrency=config.concurrency, streams=bool(config.stream),
                                         binds=True, usage=True)
        self.budget = config.budget
        self._root: Path | None = None
        self._cache: ResponseCache | None = None
        self._template: PromptTemplate | None = None
        self._client: LLMClient | None = None
        self._lock = threading.Lock()

    def bind(self, *, store: Any = None, root: Path | None = None) -> None:
        """Attach the workspace: the store's response cache and the root that prompt paths are
        relative to. Checks the API key now, so a missing key stops the run before it starts."""
        from shipcall.adapters.store.llm import StoreResponseCache

        self._root = root
        self._cache = StoreResponseCache(store) if store is not None else None
        self._template = None
        self._client = None
        api_key(self.config, self.provider_class.name)

    @property
    def template(self) -> PromptTemplate:
        if self._template is None:
            self._template = load_template(self.config.prompt, root=self._root, default=ANSWER_TEMPLATE,
                                           field="generator.prompt")
        return self._template

    def identity(self) -> dict[str, Any]:
        """Beyond the config: the prompt template's content hash (part of the run's identity)."""
        return {"prompt_sha": self.template.sha}

    @property
    def client(self) -> LLMClient:
        with self._lock:
            if self._client is None:
                self._client = LLMClient(self.config, self.provider_class(self.config), self._cache)
            return self._client

    def stats(self) -> dict[str, Any]:
        return self.client.stats.to_dict()

    def generate(self, question: str, chunks: list[ScoredChunk], *,
                 on_text: Callable[[str], None] | None = None) -> Answer:
        messages = self.template.render(question=neutralise(question), sources=sources_for(chunks),
                                        abstention=ABSTENTION)
        c = self.client.complete(messages, on_text=on_text)
        return answer_from(c, chunks, self.client.cost(c))
