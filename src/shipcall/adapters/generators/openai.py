"""`kind: openai`: any OpenAI-compatible chat-completions endpoint through the official `openai`
SDK (OpenAI, Azure-style gateways, vLLM, Ollama, llama.cpp server). One attempt per call; retries,
cache and accounting are in llm.py. The SDK is imported on first use, never at start-up."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from shipcall.adapters.generators.llm import (
    Completion,
    LLMGenerator,
    MalformedResponse,
    api_key,
    estimate_tokens,
    require_sdk,
)
from shipcall.adapters.generators.prompts import Message
from shipcall.config.schema import OpenAIGenerator as OpenAIConfig

DEFAULT_ENDPOINT = "https://api.openai.com/v1"


class OpenAIProvider:
    name = "openai"

    def __init__(self, config: OpenAIConfig) -> None:
        self.config = config
        self.endpoint = (config.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_ENDPOINT).rstrip("/")
        sdk = require_sdk("openai")
        self.client = sdk.OpenAI(api_key=api_key(config, "OpenAI"), base_url=self.endpoint,
                                 timeout=config.timeout, max_retries=0)

    def _params(self, messages: list[Message]) -> dict[str, Any]:
        c = self.config
        params: dict[str, Any] = {"model": c.model, "max_tokens": c.max_tokens,
                                  "messages": [{"role": m.role, "content": m.content} for m in messages]}
        if c.temperature is not None:
            params["temperature"] = c.temperature
        return params

    def call(self, messages: list[Message], *, stream: bool, on_text: Callable[[str], None] | None) -> Completion:
        t0 = time.perf_counter()
        if stream:
            return self._stream(messages, on_text, t0)
        resp = self.client.chat.completions.create(**self._params(messages))
        latency = (time.perf_counter() - t0) * 1000
        try:
            choice = resp.choices[0]
            message = choice.message
            text = message.content or ""
            refusal = getattr(message, "refusal", None)
            finish = choice.finish_reason
            model = getattr(resp, "model", None) or self.config.model
        except (AttributeError, IndexError, TypeError, KeyError):
            raise MalformedResponse(f"malformed response from {self.endpoint}: no choices[0].message "
                                    f"(got {str(resp)[:200]!r})",
                                    hint="the endpoint did not answer in the chat-completions protocol; check base_url"
                                    ) from None
        if not isinstance(text, str):
            raise MalformedResponse(f"malformed response from {self.endpoint}: message content is not text")
        if finish == "content_filter" and not refusal:
            refusal = "the provider's content filter stopped the reply"
        usage = getattr(resp, "usage", None)
        reported = getattr(usage, "prompt_tokens", None)
        estimated = reported is None
        tin = estimate_tokens(" ".join(m.content for m in messages)) if reported is None else int(reported)
        tout = estimate_tokens(text) if reported is None else int(getattr(usage, "completion_tokens", 0) or 0)
        if on_text is not None and text:
            on_text(text)
        return Completion(text=text, tokens_in=tin, tokens_out=tout, finish_reason=finish, model=model,
                          latency_ms=latency, ttft_ms=latency, refusal=refusal or None, usage_estimated=estimated)

    def _stream(self, messages: list[Message], on_text: Callable[[str], None] | None, t0: float) -> Completion:
        params = self._params(messages) | {"stream": True, "stream_options": {"include_usage": True}}
        parts: list[str] = []
        refusal_parts: list[str] = []
        ttft: float | None = None
        finish = None
        usage = None
        model = self.config.model
        for chunk in self.client.chat.completions.create(**params):
            if getattr(chunk, "usage", None) is not None:
                usage = chunk.usage
            model = getattr(chunk, "model", None) or model
            for choice in getattr(chunk, "choices", None) or []:
                delta = getattr(choice, "delta", None)
                piece = getattr(delta, "content", None) if delta is not None else None
                refused = getattr(delta, "refusal", None)
                if refused:
                    refusal_parts.append(refused)
                if piece:
                    if ttft is None:
                        ttft = (time.perf_counter() - t0) * 1000
                    parts.append(piece)
                    if on_text is not None:
                        on_text(piece)
                if getattr(choice, "finish_reason", None):
                    finish = choice.finish_reason
        latency = (time.perf_counter() - t0) * 1000
        text = "".join(parts)
        refusal = "".join(refusal_parts) or None
        if finish == "content_filter" and not refusal:
            refusal = "the provider's content filter stopped the reply"
        reported = getattr(usage, "prompt_tokens", None)
        estimated = reported is None
        tin = estimate_tokens(" ".join(m.content for m in messages)) if reported is None else int(reported)
        tout = estimate_tokens(text) if reported is None else int(getattr(usage, "completion_tokens", 0) or 0)
        return Completion(text=text, tokens_in=tin, tokens_out=tout, finish_reason=finish, model=model,
                          latency_ms=latency, ttft_ms=ttft if ttft is not None else latency, refusal=refusal,
                          usage_estimated=estimated)


class OpenAIGenerator(LLMGenerator):
    """`generator: {kind: openai, model: …, base_url: …, api_key_env: OPENAI_API_KEY}`."""

    provider_class = OpenAIProvider
