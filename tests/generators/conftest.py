"""Workspaces whose variants answer through the official SDKs against a scripted loopback server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.generators.fake_llm import FakeLLM

pytest.importorskip("openai")
pytest.importorskip("anthropic")
pytest.importorskip("jinja2")

# Short backoff keeps the fault tests fast; prices make cost exact to check. The timeout is
# generous on purpose: a loaded machine can take seconds to answer, and a timeout would add a
# retry the request counts do not expect (the hang tests set their own short timeout).
FAST = {"timeout": 60.0, "max_retries": 2, "backoff": 0.01, "backoff_max": 0.05, "concurrency": 4,
        "price": {"input": 1.0, "output": 2.0}}
COST_PER_CALL = (100 * 1.0 + 10 * 2.0) / 1_000_000  # the fake's default usage at FAST's prices


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as f:
        yield f


def openai_generator(fake: FakeLLM, **over: Any) -> dict[str, Any]:
    return {"kind": "openai", "model": "fake-model", "base_url": fake.openai_url, "api_key_env": "FAKE_LLM_KEY",
            **FAST, **over}


def anthropic_generator(fake: FakeLLM, **over: Any) -> dict[str, Any]:
    return {"kind": "anthropic", "model": "fake-claude", "base_url": fake.anthropic_url,
            "api_key_env": "FAKE_LLM_KEY", **FAST, **over}


MakeWs = Callable[..., Any]


@pytest.fixture
def make_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeWs:
    """make_ws(generator, contract_yaml=None, corpus=FIXTURES/corpus, dataset=None) → an ingested
    Workspace with variant `llm` using `generator`, and dataset `t` imported."""
    monkeypatch.setenv("FAKE_LLM_KEY", "sk-test")
    counter = iter(range(1000))

    def make(generator: dict[str, Any], *, contract_yaml: str | None = None, corpus: Path | None = None,
             dataset: Path | None = None, variants: dict[str, dict[str, Any]] | None = None) -> Any:
        from shipcall.app.datasets import import_dataset
        from shipcall.app.ingest import ingest
        from shipcall.app.init import init_workspace
        from shipcall.app.workspace import Workspace

        n = next(counter)
        corpus_dir = tmp_path / f"corpus{n}"
        shutil.copytree(corpus or FIXTURES / "corpus", corpus_dir)
        extra = f"  llm:\n    generator: {json.dumps(generator)}\n"
        for name, spec in (variants or {}).items():
            extra += f"  {name}:\n" + "".join(f"    {k}: {json.dumps(v)}\n" for k, v in spec.items())
        root = init_workspace(tmp_path / f"ws{n}", extra_variants=extra, contract_yaml=contract_yaml)
        ws = Workspace(root)
        ingest(ws, str(corpus_dir))
        import_dataset(ws, str(dataset or FIXTURES / "dataset.jsonl"), name="t")
        return ws

    return make
