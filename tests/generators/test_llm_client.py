"""The LLM client through the real openai and anthropic SDKs against a scripted loopback server:
answers, retries (429 + Retry-After, 5xx, hangs, dropped connections), non-retried failures
(malformed JSON, empty replies, 4xx), refusals, streaming with time to first token, the cache."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from shipcall.adapters.generators.llm import LLMClient, answer_from, price_of, retry_after
from shipcall.adapters.generators.prompts import Message
from shipcall.config.schema import AnthropicGenerator, OpenAIGenerator
from shipcall.errors import ProviderError
from tests.generators.conftest import anthropic_generator, openai_generator
from tests.generators.fake_llm import Drop, FakeLLM, Hang, Raw, Reply, Status, fail_first

MESSAGES = [Message("system", "Answer from the sources."), Message("user", "Question: how many days?")]


class MemCache:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    def put(self, key: str, provider: str, model: str, response: dict[str, Any]) -> None:
        self.data.setdefault(key, response)


def client(fake: FakeLLM, kind: str = "openai", cache: MemCache | None = None, **over: Any) -> LLMClient:
    if kind == "openai":
        from shipcall.adapters.generators.openai import OpenAIProvider

        cfg: Any = OpenAIGenerator.model_validate(openai_generator(fake, **over))
        return LLMClient(cfg, OpenAIProvider(cfg), cache)
    from shipcall.adapters.generators.anthropic import AnthropicProvider

    cfg = AnthropicGenerator.model_validate(anthropic_generator(fake, **over))
    return LLMClient(cfg, AnthropicProvider(cfg), cache)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_LLM_KEY", "sk-test")


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_normal_answer_with_usage(fake: FakeLLM, kind: str) -> None:
    c = client(fake, kind).complete(MESSAGES)
    assert c.text == "Employees get 20 days of paid time off per year [1]."
    assert (c.tokens_in, c.tokens_out, c.attempts, c.cached) == (100, 10, 1, False)
    assert c.ttft_ms == c.latency_ms > 0
    req = fake.requests[0]
    assert req.message("system") == "Answer from the sources." and "how many days" in req.message("user")
    assert req.body["max_tokens"] == 512
    if kind == "anthropic":
        assert req.path == "/v1/messages" and "temperature" not in req.body  # sent only when set
    else:
        assert req.path == "/v1/chat/completions" and req.body["temperature"] == 0


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_429_with_retry_after_is_honoured_and_the_retry_succeeds(kind: str) -> None:
    with FakeLLM(fail_first(1, Status(429, {"Retry-After": "0.3"}))) as fake:
        c = client(fake, kind).complete(MESSAGES)
    assert c.attempts == 2 and c.text
    assert len(fake.requests) == 2 and fake.requests[0].raw == fake.requests[1].raw
    # a lower bound only (a busy machine waits longer, never shorter): the header's 0.3 s, not the 0.01 s backoff
    assert fake.requests[1].at - fake.requests[0].at >= 0.3


def test_retry_after_ms_and_http_dates_are_understood() -> None:
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after": "3"}) == 3.0
    when = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 < (retry_after({"retry-after": format_datetime(when, usegmt=True)}) or 0) <= 30
    assert retry_after({}) is None and retry_after({"retry-after": "soon"}) is None


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_5xx_is_retried_with_backoff_until_it_succeeds(kind: str) -> None:
    with FakeLLM(fail_first(2, Status(500))) as fake:
        c = client(fake, kind).complete(MESSAGES)
    assert c.attempts == 3 and len(fake.requests) == 3


def test_persistent_5xx_gives_up_after_max_retries_with_a_clear_error() -> None:
    with FakeLLM(lambda req: Status(503, message="overloaded")) as fake:
        cl = client(fake, max_retries=2)
        with pytest.raises(ProviderError, match=r"HTTP 503.*gave up after 3 attempts"):
            cl.complete(MESSAGES)
    assert len(fake.requests) == 3
    assert cl.stats.to_dict()["retries"] == 2 and cl.stats.to_dict()["failures"] == 1


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_hang_past_the_timeout_is_retried(kind: str) -> None:
    with FakeLLM(fail_first(1, Hang())) as fake:
        c = client(fake, kind, timeout=0.3).complete(MESSAGES)
        held = fake.hanging  # the server still holds the first request: the client gave up on its own
    assert c.attempts == 2 and c.text and held == 1


def test_a_persistent_hang_ends_in_a_timeout_error() -> None:
    with FakeLLM(lambda req: Hang()) as fake:
        with pytest.raises(ProviderError, match="timed out.*gave up after 2 attempts"):
            client(fake, timeout=0.3, max_retries=1).complete(MESSAGES)
        assert fake.hanging == 2  # both attempts are still held by the server


def test_a_dropped_connection_is_retried() -> None:
    with FakeLLM(fail_first(1, Drop())) as fake:
        c = client(fake).complete(MESSAGES)
    assert c.attempts == 2


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
@pytest.mark.parametrize("raw", [b'{"id": "x", "choices": [ {"index"', b"<html>502 gateway</html>", b'{"foo": 1}'])
def test_a_malformed_response_is_an_error_and_not_retried(kind: str, raw: bytes) -> None:
    with FakeLLM(lambda req: Raw(raw)) as fake, pytest.raises(ProviderError, match="malformed"):
        client(fake, kind).complete(MESSAGES)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_an_empty_reply_is_an_error(kind: str) -> None:
    with FakeLLM(lambda req: Reply(text="", finish="length")) as fake, \
            pytest.raises(ProviderError, match="empty reply") as e:
        client(fake, kind).complete(MESSAGES)
    assert "max_tokens" in str(e.value)


def test_a_bad_key_is_not_retried_and_says_what_to_check() -> None:
    with FakeLLM(lambda req: Status(401, message="invalid api key")) as fake, \
            pytest.raises(ProviderError, match="HTTP 401") as e:
        client(fake).complete(MESSAGES)
    assert len(fake.requests) == 1 and "api_key_env" in str(e.value)


def test_a_retry_after_beyond_the_limit_fails_at_once() -> None:
    with FakeLLM(lambda req: Status(429, {"Retry-After": "3600"})) as fake, \
            pytest.raises(ProviderError, match="asked to wait 3600 s"):
        client(fake).complete(MESSAGES)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_refusal_is_an_abstention_with_the_reason(kind: str) -> None:
    with FakeLLM(lambda req: Reply(text="" if kind == "openai" else "I can't help with that.",
                                   refusal="I can't help with that.")) as fake:
        c = client(fake, kind).complete(MESSAGES)
    a = answer_from(c, [], 0.0)
    assert a.abstained and a.text == "" and a.meta["refusal"]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_streaming_delivers_pieces_and_measures_the_time_to_first_token(kind: str) -> None:
    text = "Employees get twenty days of paid leave [1]."
    first_seen = threading.Event()
    with FakeLLM(lambda req: Reply(text=text, chunk_delay=0.05, gate=first_seen)) as fake:
        pieces: list[str] = []

        def on_text(piece: str) -> None:
            pieces.append(piece)
            first_seen.set()  # the server sends the rest only now: the first piece came alone

        c = client(fake, kind, stream=True).complete(MESSAGES, on_text=on_text)
    assert "".join(pieces) == c.text == text and len(pieces) == 8
    assert c.ttft_ms < c.latency_ms - 250  # seven more pieces, 50 ms apart, sent after the client saw the first
    assert fake.gate_timeouts == 0
    assert (c.tokens_in, c.tokens_out, c.usage_estimated) == (100, 10, False)
    assert fake.requests[0].body["stream"] is True


def test_a_stream_without_usage_estimates_tokens_and_says_so() -> None:
    with FakeLLM(lambda req: Reply(usage=False)) as fake:
        c = client(fake, stream=True).complete(MESSAGES)
    assert c.usage_estimated and c.tokens_out == len(c.text) // 4 + (len(c.text) % 4 > 0)


def test_the_cache_answers_a_repeated_request_without_a_call(fake: FakeLLM) -> None:
    cache = MemCache()
    first = client(fake, cache=cache).complete(MESSAGES)
    again: list[str] = []
    second = client(fake, cache=cache, stream=True, timeout=9).complete(MESSAGES, on_text=again.append)
    assert len(fake.requests) == 1
    assert second.cached and second.text == first.text and again == [first.text]
    assert (second.tokens_in, second.latency_ms) == (first.tokens_in, first.latency_ms)
    client(fake, cache=cache, temperature=0.5).complete(MESSAGES)  # a parameter that changes answers: a call
    client(fake, cache=cache).complete(MESSAGES, salt={"judge_repeat": 1})  # a judge repeat: a call
    assert len(fake.requests) == 3


def test_prices_come_from_the_table_or_the_config() -> None:
    def cfg(model: str, price: dict[str, float] | None = None) -> Any:
        return OpenAIGenerator.model_validate({"kind": "openai", "model": model, "price": price})

    assert price_of(cfg("gpt-4o-mini-2024-07-18")) == (0.15, 0.60)
    assert price_of(cfg("gpt-4o-2024-08-06")) == (2.50, 10.00)
    assert price_of(cfg("my-local-llama")) is None
    assert price_of(cfg("gpt-4o", {"input": 1, "output": 3})) == (1, 3)
