"""Kinds by name: one registry per extension point, each read from an entry point group.

Built-ins register in `pyproject.toml` through the same entry point groups that plugins use
(as simonw/llm registers its DEFAULT_PLUGINS), so a built-in has no privilege a plugin lacks:

| group                 | what a name resolves to                                           |
|-----------------------|-------------------------------------------------------------------|
| `shipcall.generators` | a Generator class, constructed as `Cls(config, retriever)`        |
| `shipcall.retrievers` | a RetrieverKind (build / load / is_complete an index)             |
| `shipcall.chunkers`   | a function `(document, config) -> [(start, end), ...]`            |
| `shipcall.judges`     | an LLM provider class for the judge, constructed as `Cls(config)` |
| `shipcall.tasks`      | a Task class (rag, classify, summarize)                           |
| `shipcall.classifiers`| a classifier class, constructed as `Cls(config, build_context)`   |
| `shipcall.summarizers`| a summarizer class, constructed as `Cls(config, build_context)`   |

Entry points load lazily, once. A broken plugin is a warning, not a crash;
`SHIPCALL_PLUGINS=a,b` restricts which non-built-in entry points load. `register()` adds a
kind in-process (tests, notebooks) without packaging it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from shipcall.errors import ConfigError

BUILTIN_DIST = "shipcall"


class Registry:
    def __init__(self, group: str, what: str, field: str) -> None:
        self.group = group
        self.what = what  # "generator", "retriever", ... for messages
        self.field = field  # the config field a bad name is reported at
        self._entry_points: dict[str, Any] | None = None
        self._loaded: dict[str, Any] = {}
        self._registered: dict[str, Any] = {}

    def _eps(self) -> dict[str, Any]:
        if self._entry_points is None:
            allowed = {x.strip() for x in os.environ.get("SHIPCALL_PLUGINS", "").split(",") if x.strip()}
            found: dict[str, Any] = {}
            for ep in entry_points(group=self.group):
                builtin = ep.value.startswith("shipcall.")
                if allowed and not builtin and ep.name not in allowed:
                    continue
                found.setdefault(ep.name, ep)
            self._entry_points = found
        return self._entry_points

    def register(self, name: str, target: Any) -> Callable[[], None]:
        """Register `target` under `name` in this process; returns a function that removes it."""
        self._registered[name] = target

        def unregister() -> None:
            self._registered.pop(name, None)

        return unregister

    def names(self) -> list[str]:
        return sorted({*self._eps(), *self._registered})

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._registered or name in self._eps())

    def get(self, name: str) -> Any:
        if name in self._registered:
            return self._registered[name]
        if name in self._loaded:
            return self._loaded[name]
        eps = self._eps()
        if name not in eps:
            raise ConfigError(f"unknown {self.what} kind {name!r}", field=self.field,
                              hint=f"registered {self.what}s: {', '.join(self.names()) or '(none)'}")
        try:
            target = eps[name].load()
        except Exception as e:  # a broken plugin must not take the tool down
            print(f"warning: {self.what} plugin {name!r} failed to load: {e}", file=sys.stderr)
            raise ConfigError(f"{self.what} plugin {name!r} failed to load: {e}", field=self.field) from None
        self._loaded[name] = target
        return target


GENERATORS = Registry("shipcall.generators", "generator", "generator.kind")
RETRIEVERS = Registry("shipcall.retrievers", "retriever", "retriever.kind")
CHUNKERS = Registry("shipcall.chunkers", "chunker", "chunker.kind")
JUDGES = Registry("shipcall.judges", "judge provider", "judge.provider.kind")
TASKS = Registry("shipcall.tasks", "task", "task")
CLASSIFIERS = Registry("shipcall.classifiers", "classifier", "classifier.kind")
SUMMARIZERS = Registry("shipcall.summarizers", "summarizer", "summarizer.kind")
