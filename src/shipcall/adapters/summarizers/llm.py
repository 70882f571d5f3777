"""`kind: openai` / `kind: anthropic` summarizers: a Jinja2 prompt (built in: prompts/summarize.md.j2,
or the file named by `prompt`) asks the configured provider for a summary of at most `max_words`.

Map-reduce: a text longer than the model's `context_tokens` (estimated as characters / 4, the
estimate the LLM client uses when a server reports no usage; half the context is kept for the
instructions and the reply) is cut at line (turn) boundaries into consecutive parts that fit;
each part is summarized (map), then the part summaries, in order, are summarized into one (reduce,
repeated while they still do not fit). Every call goes through the response cache, so a re-run
pays nothing. The reply is used as written (white space tidied); groundedness and the failure
modes (`too_long`, `unsupported_sentence`) say how well it kept to the notes and the budget.
"""

from __future__ import annotations

import math
from typing import Any

from shipcall.adapters.llm_task import LLMTaskAdapter, delimit
from shipcall.core.tasks.summarize import Summary
from shipcall.errors import ShipcallError

CHARS_PER_TOKEN = 4


def split_parts(text: str, max_chars: int) -> list[str]:
    """Consecutive parts of at most `max_chars` characters, cut between lines (a single longer
    line is cut between words)."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.splitlines():
        pieces = [line] if len(line) <= max_chars else _cut_words(line, max_chars)
        for piece in pieces:
            if current and size + len(piece) + 1 > max_chars:
                parts.append("\n".join(current))
                current, size = [], 0
            current.append(piece)
            size += len(piece) + 1
    if current:
        parts.append("\n".join(current))
    return parts


def _cut_words(line: str, max_chars: int) -> list[str]:
    out, current = [], ""
    for word in line.split():
        if current and len(current) + 1 + len(word) > max_chars:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*out, current] if current else out


class LLMSummarizer(LLMTaskAdapter):
    template_name = "summarize.md.j2"
    field = "summarizer.prompt"

    def __init__(self, config: Any, ctx: Any = None) -> None:
        super().__init__(config, store=getattr(ctx, "store", None), root=getattr(ctx, "root", None))
        self.info: dict[str, Any] = {}

    @property
    def max_chars(self) -> int:
        return max(1000, self.config.context_tokens * CHARS_PER_TOKEN // 2)

    def summarize(self, text: str) -> Summary:
        usage: dict[str, Any] = {"tokens_in": 0, "tokens_out": 0, "cost": 0.0, "cost_paid": 0.0, "calls": 0,
                                 "cached": True}
        try:
            parts = split_parts(text.strip(), self.max_chars)
            if len(parts) <= 1:
                reply = self._call(usage, text=text.strip())
            else:
                summaries = [self._call(usage, text=p, part=i, parts=len(parts)) for i, p in enumerate(parts, 1)]
                reply = self._reduce(usage, summaries)
        except ShipcallError as e:
            return Summary(text="", error=str(e).splitlines()[0], usage=usage)
        return Summary(text="\n".join(" ".join(line.split()) for line in reply.strip().splitlines() if line.strip()),
                       raw=reply, usage=usage)

    def _reduce(self, usage: dict[str, Any], summaries: list[str]) -> str:
        while True:
            joined = "\n\n".join(summaries)
            if len(joined) <= self.max_chars or len(summaries) == 1:
                return self._call(usage, text=joined, parts=len(summaries), combine=True)
            group = max(2, math.ceil(len(summaries) / math.ceil(len(joined) / self.max_chars)))
            summaries = [self._call(usage, text="\n\n".join(summaries[i:i + group]), parts=len(summaries[i:i + group]),
                                    combine=True) for i in range(0, len(summaries), group)]

    def _call(self, usage: dict[str, Any], *, text: str, part: int | None = None, parts: int = 1,
              combine: bool = False) -> str:
        messages = self.template.render(text=delimit(text, "notes"), max_words=self.config.max_words, part=part,
                                        parts=parts, combine=combine)
        c = self.client.complete(messages)
        one = self.usage(c)
        for key in ("tokens_in", "tokens_out", "cost", "cost_paid"):
            usage[key] += one[key]
        usage["calls"] += 1
        usage["cached"] = usage["cached"] and c.cached
        usage["model"] = c.model
        return c.text
