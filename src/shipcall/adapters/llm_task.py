"""What the LLM classifiers and summarizers share with the LLM generators: the provider SDK
adapters, retries, the response cache in the store, token and cost accounting (all of
generators/llm.py), a Jinja2 prompt template (built in, or a file named by `prompt`), and the
hooks a run uses (`concurrency`, `budget`, `stats()`, `identity()`)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from shipcall.adapters.generators.llm import LLMClient, ResponseCache, api_key
from shipcall.adapters.generators.prompts import PromptTemplate, load_template


def provider_class(kind: str) -> Any:
    if kind == "openai":
        from shipcall.adapters.generators.openai import OpenAIProvider

        return OpenAIProvider
    from shipcall.adapters.generators.anthropic import AnthropicProvider

    return AnthropicProvider


def delimit(text: str, tag: str) -> str:
    """`text` made safe inside `<tag>…</tag>`: anything that would open or close the tag is escaped."""
    return re.sub(rf"<(\s*/?\s*){tag}\b", lambda m: "&lt;" + m.group(1) + tag, text, flags=re.IGNORECASE)


class LLMTaskAdapter:
    """Base of the LLM classifier and summarizer: `template_name` is the built-in prompt,
    `field` the config key a prompt error names."""

    template_name = ""
    field = ""

    def __init__(self, config: Any, *, store: Any = None, root: Path | None = None) -> None:
        from shipcall.adapters.store.llm import StoreResponseCache

        self.config = config
        self.concurrency = config.concurrency
        self.budget = config.budget
        self._root = root
        self._cache: ResponseCache | None = StoreResponseCache(store) if store is not None else None
        self._client: LLMClient | None = None
        self._lock = threading.Lock()
        api_key(config, config.kind)  # a missing key stops the run before it starts
        self.template: PromptTemplate = load_template(config.prompt, root=root, default=self.template_name,
                                                      field=self.field)

    def identity(self) -> dict[str, Any]:
        """Beyond the config: the prompt template's content hash (part of the run's identity)."""
        return {"prompt_sha": self.template.sha}

    @property
    def client(self) -> LLMClient:
        with self._lock:
            if self._client is None:
                self._client = LLMClient(self.config, provider_class(self.config.kind)(self.config), self._cache)
            return self._client

    def stats(self) -> dict[str, Any]:
        return self.client.stats.to_dict()

    def usage(self, c: Any) -> dict[str, Any]:
        """One call's accounting, as the generators record it per item."""
        cost = self.client.cost(c)
        return {"tokens_in": c.tokens_in, "tokens_out": c.tokens_out, "cost": cost,
                "cost_paid": 0.0 if c.cached else cost, "cached": c.cached, "model": c.model,
                "finish_reason": c.finish_reason, "attempts": c.attempts}
