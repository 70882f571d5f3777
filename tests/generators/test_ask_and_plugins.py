"""`shipcall ask` streams an LLM's answer as it arrives; generator plugins register through the
`shipcall.adapters.generators` entry point group exactly like the built-in generators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import yaml

from tests.generators.conftest import MakeWs, openai_generator
from tests.generators.fake_llm import FakeLLM, Reply


def test_ask_streams_the_answer_and_reports_time_to_first_token(make_ws: MakeWs) -> None:
    text = "Employees get 20 days of paid time off [1]."
    first_read = threading.Event()  # the server sends the rest only after the test has read the first word
    with FakeLLM(lambda req: Reply(text=text, chunk_delay=0.15, gate=first_read)) as fake:
        ws = make_ws(openai_generator(fake, stream=True))
        proc = subprocess.Popen([sys.executable, "-m", "shipcall", "ask", "How many days of paid time off?",
                                 "--variant", "llm"], cwd=ws.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=os.environ.copy())
        assert proc.stdout is not None
        first = proc.stdout.read(9)  # "Employees" arrives before the rest is even sent
        first_read.set()
        rest = proc.stdout.read()
        err = proc.stderr.read() if proc.stderr else b""
        proc.wait(timeout=120)
        as_json = subprocess.run([sys.executable, "-m", "shipcall", "ask", "How many days of paid time off?",
                                  "--variant", "llm", "--json"], cwd=ws.root, capture_output=True, text=True,
                                 env=os.environ.copy())
    out = (first + rest).decode()
    assert proc.returncode == 0, err.decode()
    assert first == b"Employees"  # printed while the server was still holding back the rest
    assert out.startswith(text) and "Sources:\n  [1] hr/time-off.md" in out
    assert "first token" in err.decode() and "tokens" in err.decode()
    data = json.loads(as_json.stdout)
    assert data["answer"] == "Employees get 20 days of paid time off."
    assert data["citations"][0]["doc_id"] == "hr/time-off.md"
    assert data["usage"]["cached"] is True and data["latency_ms"]["ttft"] < data["latency_ms"]["total"]
    assert len(fake.requests) == 1  # the second ask came from the response cache
    assert fake.gate_timeouts == 0


PLUGIN = textwrap.dedent('''
    """A minimal generator plugin: answers with its prefix and the top chunk, citing it."""
    from pydantic import BaseModel, ConfigDict

    from shipcall.core.runs import Answer, Citation


    class ShoutConfig(BaseModel):
        model_config = ConfigDict(extra="forbid")
        kind: str
        prefix: str = "ANSWER"


    class ShoutGenerator:
        def __init__(self, config, retriever):
            self.config = ShoutConfig.model_validate(config.model_dump())  # the plugin checks its own keys

        def generate(self, question, chunks):
            if not chunks:
                return Answer(text="", abstained=True)
            top = chunks[0].chunk
            return Answer(text=f"{self.config.prefix}: {top.text.split(chr(10))[0]}",
                          citations=(Citation(top.doc_id, top.id, top.heading_path, top.text[:80]),), support=1.0)
''')


def install_plugin(site: Path, body: str = PLUGIN) -> None:
    (site / "shout_plugin.py").write_text(body)
    dist = site / "shout_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[shipcall.generators]\nshout = shout_plugin:ShoutGenerator\n")


def test_a_plugin_generator_registers_through_the_entry_point(make_ws: MakeWs, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_plugin(site)
    with FakeLLM() as fake:
        ws = make_ws(openai_generator(fake))
    cfg = yaml.safe_load((ws.root / "shipcall.yaml").read_text())
    cfg["variants"]["shout"] = {"generator": {"kind": "shout", "prefix": "HEY"}}
    cfg["variants"]["typo"] = {"generator": {"kind": "shout", "prefx": "HEY"}}
    (ws.root / "shipcall.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}

    def ask(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "shipcall", "ask", *args], cwd=ws.root, capture_output=True,
                              text=True, env={**env, **extra})

    p = ask("How many days of paid time off?", "--variant", "shout", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["answer"].startswith("HEY: ")
    typo = ask("q", "--variant", "typo")
    assert typo.returncode != 0 and "prefx" in typo.stderr
    hidden = ask("q", "--variant", "shout", SHIPCALL_PLUGINS="openai")
    assert hidden.returncode == 2 and "unknown generator kind 'shout'" in hidden.stderr
    assert "openai" in hidden.stderr and "extractive" in hidden.stderr
