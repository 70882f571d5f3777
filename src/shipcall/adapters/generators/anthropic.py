"""`kind: anthropic`: Claude through the official `anthropic` SDK (messages API). One attempt per
call; retries, cache and accounting are in llm.py. The SDK is imported on first use.

`base_url` is the API root without `/v1` (the SDK adds `/v1/messages`). `temperature` is sent
only when set. A `stop_reason` of `refusal` is a refusal (an abstention with `meta.refusal`)."""

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
from shipcall.config.schema import AnthropicGenerator as AnthropicConfig

DEFAULT_ENDPOINT = "https://api.anthropic.com"
REFUSED = "the model declined to answer (stop_reason: refusal)"


class AnthropicProvider:
    name = "anthropic"

    def __init__(self, config: AnthropicConfig) -> None:
        self.config = config
        self.endpoint = (config.base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_ENDPOINT).rstrip("/")
        sdk = require_sdk("anthropic")
        self.client = sdk.Anthropic(api_key=api_key(config, "Anthropic"), base_url=self.endpoint,
                                    timeout=config.timeout, max_retries=0)

    def _params(self, messages: list[Message]) -> dict[str, Any]:
        c = self.config
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        params: dict[str, Any] = {
            "model": c.model, "max_tokens": c.max_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in messages if m.role != "system"],
        }
        if system:
            params["system"] = system
        if c.temperature is not None:
            params["extra_body"] = {"temperature": c.temperature}
        return params

    def call(self, messages: list[Message], *, stream: bool, on_text: Callable[[str], None] | None) -> Completion:
        t0 = time.perf_counter()
        if stream:
            return self._stream(messages, on_text, t0)
        msg = self.client.messages.create(**self._params(messages))
        latency = (time.perf_counter() - t0) * 1000
        try:
            blocks = list(msg.content)
            text = "".join(getattr(b, "text", "") or "" for b in blocks if getattr(b, "type", None) == "text")
            stop = msg.stop_reason
            model = getattr(msg, "model", None) or self.config.model
        except (AttributeError, TypeError):
            raise MalformedResponse(f"malformed response from {self.endpoint}: no message content "
                                    f"(got {str(msg)[:200]!r})",
                                    hint="the endpoint did not answer in the messages protocol; check base_url"
                                    ) from None
        usage = getattr(msg, "usage", None)
        reported = getattr(usage, "input_tokens", None)
        estimated = reported is None
        tin = estimate_tokens(" ".join(m.content for m in messages)) if reported is None else int(reported)
        tout = estimate_tokens(text) if reported is None else int(getattr(usage, "output_tokens", 0) or 0)
        if on_text is not None and text:
            on_text(text)
        return Completion(text=text, tokens_in=tin, tokens_out=tout, finish_reason=stop, model=model,
                          latency_ms=latency, ttft_ms=latency, refusal=REFUSED if stop == "refusal" else None,
                          usage_estimated=estimated)

    def _stream(self, messages: list[Message], on_text: Callable[[str], None] | None, t0: float) -> Completion:
        parts: list[str] = []
        ttft: float | None = None
        stop = None
        tin: int | None = None
        tout: int | None = None
        model = self.config.model
        for event in self.client.messages.create(**self._params(messages), stream=True):
            kind = getattr(event, "type", None)
            if kind == "message_start":
                message = event.message
                model = getattr(message, "model", None) or model
                usage = getattr(message, "usage", None)
                tin = getattr(usage, "input_tokens", None)
            elif kind == "content_block_delta":
                piece = getattr(event.delta, "text", None)
                if piece:
                    if ttft is None:
                        ttft = (time.perf_counter() - t0) * 1000
                    parts.append(piece)
                    if on_text is not None:
                        on_text(piece)
            elif kind == "message_delta":
                stop = getattr(event.delta, "stop_reason", None) or stop
                tout = getattr(getattr(event, "usage", None), "output_tokens", None) or tout
        latency = (time.perf_counter() - t0) * 1000
        text = "".join(parts)
        estimated = tin is None or tout is None
        return Completion(
            text=text, tokens_in=tin if tin is not None else estimate_tokens(" ".join(m.content for m in messages)),
            tokens_out=tout if tout is not None else estimate_tokens(text), finish_reason=stop, model=model,
            latency_ms=latency, ttft_ms=ttft if ttft is not None else latency,
            refusal=REFUSED if stop == "refusal" else None, usage_estimated=estimated)


class AnthropicGenerator(LLMGenerator):
    """`generator: {kind: anthropic, model: …, api_key_env: ANTHROPIC_API_KEY}`."""

    provider_class = AnthropicProvider
