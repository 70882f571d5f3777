"""`kind: openai` / `kind: anthropic` classifiers: the configured provider is shown the labels (with
their descriptions when the variant gives them) and the message, and must reply with one label.

Parsing is strict on purpose: the reply, with surrounding white space, quotes, backticks,
asterisks and one trailing period removed, must equal a label (exactly, or ignoring case when
that matches exactly one label). Anything else — an explanation, two labels, a label that is
not in the set — is an item error with failure mode `unparseable`, counted in the run's errors
and never mapped to the nearest label: a classifier that needs its replies repaired is not the
classifier that was measured. An LLM gives no probabilities, so its items have no confidence
(they are left out of `ece`, `confident_wrong` and `low_confidence_correct`).
"""

from __future__ import annotations

from typing import Any

from shipcall.adapters.classifiers.base import BuildContext
from shipcall.adapters.llm_task import LLMTaskAdapter, delimit
from shipcall.core.tasks.classify import Classification
from shipcall.errors import ConfigError, ShipcallError

_STRIP = " \t\r\n\"'`*"


def parse_label(reply: str, labels: list[str]) -> str | None:
    """The label a reply names, or None (module docstring)."""
    text = reply.strip(_STRIP)
    if len(text) > 1 and text.endswith("."):
        text = text[:-1].strip(_STRIP)
    if text in labels:
        return text
    folded = [label for label in labels if label.casefold() == text.casefold()]
    return folded[0] if len(folded) == 1 else None


class LLMClassifier(LLMTaskAdapter):
    template_name = "classify.md.j2"
    field = "classifier.prompt"

    def __init__(self, config: Any, ctx: BuildContext) -> None:
        unknown = sorted(set(config.labels) - set(ctx.labels))
        if unknown:
            raise ConfigError(f"label {unknown[0]!r} is not in the dataset's label set", field="classifier.labels")
        super().__init__(config, store=ctx.store, root=ctx.root)
        self.labels = list(ctx.labels)
        self.label_info = [{"name": label, "description": config.labels.get(label, "")} for label in self.labels]
        self.info: dict[str, Any] = {"labels": len(self.labels)}

    def classify(self, texts: list[str]) -> list[Classification]:
        return [self._one(t) for t in texts]

    def _one(self, text: str) -> Classification:
        messages = self.template.render(text=delimit(text.strip(), "message"), labels=self.label_info)
        try:
            c = self.client.complete(messages)
        except ShipcallError as e:
            return Classification(label=None, error=str(e).splitlines()[0])
        usage = self.usage(c)
        label = parse_label(c.text, self.labels)
        if label is None:
            shown = " ".join(c.text.split())[:120]
            return Classification(label=None, raw=c.text, usage=usage,
                                  error=f"unparseable reply: {shown!r} is not one of the {len(self.labels)} labels")
        return Classification(label=label, raw=c.text, usage=usage)
