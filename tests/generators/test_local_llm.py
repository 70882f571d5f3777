"""A local model as the best offline quality: an `openai` variant pointed at an Ollama- or
llama.cpp-style server on 127.0.0.1 with no key (the README's "A local model" section), against
the scripted OpenAI-compatible server."""

from __future__ import annotations

import json

import pytest

from shipcall.app.run import run
from tests.generators.conftest import MakeWs
from tests.generators.fake_llm import FakeLLM, Reply, Request

LOCAL = {"kind": "openai", "model": "llama3.1:8b", "api_key_env": None, "temperature": 0,
         "price": {"input": 0, "output": 0}, "concurrency": 1, "timeout": 5.0, "max_retries": 1}


def local_model(req: Request) -> Reply:
    """Answers like a small local model: from the first source, citing it."""
    return Reply(text="Full-time employees get 20 days of paid time off per year [1].")


def test_a_keyless_local_server_answers_as_an_openai_variant(make_ws: MakeWs, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with FakeLLM(local_model) as server:
        ws = make_ws({**LOCAL, "base_url": server.openai_url})
        from shipcall.cli.main import main

        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            main(["--workspace", str(ws.root), "ask", "How many days of paid time off do full-time employees get?",
                  "--variant", "llm", "--json"])
        body = json.loads(capsys.readouterr().out)
        out = run(ws, ws.store.load_dataset("t"), "llm")
    assert e.value.code == 0 and not body["abstained"] and "20 days" in body["answer"]
    assert body["citations"] and body["usage"]["model"] == "llama3.1:8b"
    first = server.requests[0]
    assert first.path.endswith("/chat/completions") and first.body["model"] == "llama3.1:8b"
    assert first.authorization in (None, "Bearer unused")  # no key of the user's is sent
    assert "paid time off" in first.text  # the retrieved sources reach the local model
    r = out.run
    assert r.status == "finished" and r.errors == 0 and r.metrics["cost_paid"] == 0.0
    assert r.metrics["contains_answer"] > 0
