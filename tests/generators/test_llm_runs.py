"""Runs on LLM generators through the real SDKs: faults per item, the response cache (re-runs
and resumed runs pay nothing twice), cost accounting, concurrency, budget, streaming ttft."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from shipcall.app.run import run
from tests.generators.conftest import COST_PER_CALL, FAST, MakeWs, anthropic_generator, openai_generator
from tests.generators.fake_llm import FakeLLM, Raw, Reply, Request, Status, fail_first

N_ITEMS = 12


def faulty(req: Request) -> object:
    text = req.text
    if "parental leave" in text.split("Question:")[-1]:
        return Status(500)  # persistent: retries cannot fix it
    if "VPN" in text.split("Question:")[-1]:
        return Raw()  # malformed JSON: not retried
    if "visa" in text.split("Question:")[-1]:
        return Reply(text="", refusal="I can't help with that.")
    return Reply()


def test_persistent_failures_are_item_errors_and_the_run_finishes(make_ws: MakeWs) -> None:
    with FakeLLM(faulty) as fake:
        ws = make_ws(openai_generator(fake))
        out = run(ws, ws.store.load_dataset("t"), "llm")
    r = out.run
    results = {x.item_id: x for x in ws.store.item_results(r.id)}
    errors = {i: x.error for i, x in results.items() if x.error}
    assert r.status == "finished" and r.n_items == N_ITEMS and r.errors == len(errors) >= 2
    assert any("HTTP 500" in e and "gave up after 3 attempts" in e for e in errors.values())
    assert any("malformed" in e for e in errors.values())
    refused = [x for x in results.values() if x.extra.get("usage", {}).get("refusal")]
    assert refused and all(x.abstained and x.error is None for x in refused)
    assert out.provider is not None and out.provider["retries"] >= 2 and out.provider["failures"] == len(errors)


def test_a_rerun_makes_zero_calls_and_cost_totals_add_up(make_ws: MakeWs) -> None:
    with FakeLLM(fail_first(1, Status(429, {"Retry-After": "0"}))) as fake:
        ws = make_ws(openai_generator(fake))
        ds = ws.store.load_dataset("t")
        first = run(ws, ds, "llm")
        n1 = len(fake.requests)
        second = run(ws, ds, "llm")
        n2 = len(fake.requests)
    assert first.run.errors == 0 and n1 == 2 * N_ITEMS  # every item: one 429, one answer
    assert n2 == n1 and second.run.id != first.run.id  # the re-run made no call
    assert second.provider == {"calls": 0, "cache_hits": N_ITEMS, "retries": 0, "failures": 0, "tokens_in": 0,
                               "tokens_out": 0, "cost_paid": 0.0}
    m1, m2 = first.run.metrics, second.run.metrics
    per_item = [x.extra["usage"]["cost"] for x in ws.store.item_results(first.run.id)]
    assert sum(per_item) == pytest.approx(m1["cost"]) == pytest.approx(N_ITEMS * COST_PER_CALL)
    assert m1["cost_paid"] == pytest.approx(m1["cost"]) and m2["cost_paid"] == 0.0
    assert m2["cost"] == pytest.approx(m1["cost"]) and m1["cost_per_item"] == pytest.approx(COST_PER_CALL)
    assert m1["tokens_in"] == 100 * N_ITEMS and m1["tokens_out"] == 10 * N_ITEMS
    assert first.provider is not None and first.provider["cost_paid"] == pytest.approx(m1["cost"])
    # a cached reply reports its original call's timing, so a re-run's latency is the feature's
    g1 = {x.item_id: x.latency_ms["generate"] for x in ws.store.item_results(first.run.id)}
    g2 = {x.item_id: x.latency_ms["generate"] for x in ws.store.item_results(second.run.id)}
    assert g1 == g2
    assert {k: v for k, v in m1.items() if "ms" not in k and "cost_paid" not in k} == {
        k: v for k, v in m2.items() if "ms" not in k and "cost_paid" not in k}


def test_items_run_concurrently_up_to_the_limit(make_ws: MakeWs) -> None:
    together = threading.Barrier(3)

    def three_at_a_time(req: Request) -> object:
        """Answers only once three requests are in flight together: a run that sent them one
        by one would break the barrier (an error per item) instead of being merely slow."""
        try:
            together.wait(timeout=120)
        except threading.BrokenBarrierError:
            return Status(500, message="fewer than 3 requests in flight")
        return Reply()

    with FakeLLM(three_at_a_time) as fake:
        ws = make_ws(openai_generator(fake, concurrency=3))
        out = run(ws, ws.store.load_dataset("t"), "llm")
    assert out.run.errors == 0 and fake.max_in_flight == 3 and len(fake.requests) == N_ITEMS
    assert [x.item_id for x in ws.store.item_results(out.run.id)] == [f"t-{i:02d}" for i in range(1, 13)]


def test_streaming_records_time_to_first_token_per_item(make_ws: MakeWs) -> None:
    with FakeLLM(lambda req: Reply(chunk_delay=0.02)) as fake:
        ws = make_ws(openai_generator(fake, stream=True))
        out = run(ws, ws.store.load_dataset("t"), "llm")
    m = out.run.metrics
    assert out.run.errors == 0 and m["ttft_ms_p50"] < m["latency_ms_p50"] and m["ttft_ms_p95"] > 0
    for x in ws.store.item_results(out.run.id):
        assert x.latency_ms["retrieve"] <= x.latency_ms["ttft"] < x.latency_ms["total"]


def test_an_anthropic_variant_runs_through_429s(make_ws: MakeWs) -> None:
    with FakeLLM(fail_first(1, Status(429, {"retry-after": "0"}))) as fake:
        ws = make_ws(anthropic_generator(fake, temperature=0.2))
        out = run(ws, ws.store.load_dataset("t"), "llm")
        reqs = fake.calls("/v1/messages")
    assert out.run.errors == 0 and len(reqs) == 2 * N_ITEMS
    assert reqs[0].body["temperature"] == 0.2 and "data, not instructions" in reqs[0].body["system"]
    assert out.run.metrics["cost"] == pytest.approx(N_ITEMS * COST_PER_CALL)
    assert out.run.metrics["contains_answer"] > 0  # the fake's answer ("20 days …") is right for t-01


def test_the_prompt_template_is_part_of_the_run_identity(make_ws: MakeWs) -> None:
    with FakeLLM() as fake:
        ws = make_ws(openai_generator(fake, prompt="prompts/mine.j2"))
        (ws.root / "prompts").mkdir()
        tpl = ws.root / "prompts" / "mine.j2"
        tpl.write_text("{% block user %}Sources: {% for s in sources %}[{{ s.n }}] {{ s.text }} {% endfor %}\n"
                       "Q: {{ question }}{% endblock %}")
        ds = ws.store.load_dataset("t")
        a = run(ws, ds, "llm", limit=2)
        tpl.write_text(tpl.read_text().replace("Q:", "Question:"))
        from shipcall.app.workspace import Workspace

        b = run(Workspace(ws.root), ds, "llm", limit=2)
    assert a.run.variant_hash != b.run.variant_hash
    assert a.run.config["generator"]["prompt_sha"] != b.run.config["generator"]["prompt_sha"]
    assert len(fake.requests) == 4 and fake.requests[0].message("user").startswith("Sources: [1]")
    assert "system" not in {m["role"] for m in fake.requests[0].body["messages"]}


# -- through the CLI: budget, missing key, kill -9 ------------------------------------------------

def shipcall(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shipcall", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def set_generator(ws_root: Path, **keys: object) -> None:
    path = ws_root / "shipcall.yaml"
    cfg = yaml.safe_load(path.read_text())
    cfg["variants"]["llm"]["generator"].update(keys)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))


def test_a_budget_stops_the_run_cleanly_and_a_raised_budget_resumes_it(make_ws: MakeWs) -> None:
    with FakeLLM() as fake:
        ws = make_ws(openai_generator(fake, concurrency=1, budget={"max_cost": 3.5 * COST_PER_CALL}))
        p = shipcall("run", "--dataset", "t", "--variant", "llm", "--json", cwd=ws.root)
        assert p.returncode == 2, p.stderr
        out = json.loads(p.stdout)
        assert out["status"] == "running" and "budget reached" in out["stopped"] and "budget reached" in p.stderr
        assert len(fake.requests) == 4  # stops before the item that would start past the budget
        set_generator(ws.root, budget={"max_cost": 100 * COST_PER_CALL}, concurrency=4)  # not the identity
        p = shipcall("run", "--dataset", "t", "--variant", "llm", "--json", cwd=ws.root)
        assert p.returncode == 0, p.stderr
        again = json.loads(p.stdout)
    assert again["run_id"] == out["run_id"] and again["resumed"] and again["items_done_before"] == 4
    assert again["status"] == "finished" and again["n_items"] == N_ITEMS and len(fake.requests) == N_ITEMS
    assert again["metrics"]["cost_paid"] == pytest.approx(N_ITEMS * COST_PER_CALL)


def test_a_missing_api_key_stops_before_anything_runs(make_ws: MakeWs) -> None:
    with FakeLLM() as fake:
        ws = make_ws(openai_generator(fake, api_key_env="SHIPCALL_TEST_NO_SUCH_KEY"))
        p = shipcall("run", "--dataset", "t", "--variant", "llm", cwd=ws.root)
    assert p.returncode == 2 and "SHIPCALL_TEST_NO_SUCH_KEY is not set" in p.stderr and "Traceback" not in p.stderr
    assert not fake.requests and ws.store.runs() == []


def test_an_unknown_generator_key_is_an_error_naming_file_line_and_key(make_ws: MakeWs) -> None:
    with FakeLLM() as fake:
        ws = make_ws(openai_generator(fake))
        set_generator(ws.root, api_key="sk-secret-in-a-file")
        p = shipcall("ask", "hello", "--variant", "llm", cwd=ws.root)
    assert p.returncode == 2 and "unknown key" in p.stderr and "generator.api_key" in p.stderr
    assert "shipcall.yaml:" in p.stderr


def _cached(db: Path) -> int:
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute("select count(*) from response_cache").fetchone()[0]
    finally:
        con.close()


def _held_server(portfile: Path, log: Path, hold_after: int) -> subprocess.Popen[bytes]:
    """The fake as a process: answers the first `hold_after` requests, holds later ones until
    LOG.release exists, so a test acts on a run that is certainly still going."""
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("fake_llm.py")), str(portfile), str(log),
                             "0", str(hold_after)])


def _wait_for(portfile: Path) -> str:
    deadline = time.monotonic() + 120  # a bound for a busy machine, not a speed expectation
    while not portfile.exists():
        assert time.monotonic() < deadline, "the fake server did not start"
        time.sleep(0.02)
    return portfile.read_text()


def _wait_for_requests(log: Path, n: int, proc: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 180
    while not log.exists() or len(log.read_text().splitlines()) < n:
        assert proc.poll() is None, f"the run ended before its request {n}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no request {n} within 180 s"
        time.sleep(0.01)


@pytest.mark.slow  # kill -9 of a real process
def test_a_killed_run_resumes_without_repeating_finished_calls(make_ws: MakeWs, tmp_path: Path) -> None:
    portfile, log = tmp_path / "port", tmp_path / "requests.jsonl"
    server = _held_server(portfile, log, hold_after=5)
    try:
        url = f"http://127.0.0.1:{_wait_for(portfile)}/v1"
        ws = make_ws({"kind": "openai", "model": "fake-model", "base_url": url, "api_key_env": "FAKE_LLM_KEY",
                      **FAST, "concurrency": 2})
        db = ws.root / ".shipcall" / "shipcall.db"
        proc = subprocess.Popen([sys.executable, "-m", "shipcall", "run", "--dataset", "t", "--variant", "llm"],
                                cwd=ws.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait_for_requests(log, 6, proc)  # the 6th is held by the server: the run cannot have finished
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        (tmp_path / "requests.jsonl.release").touch()
        cached_at_kill = _cached(db)
        before = len(log.read_text().splitlines())
        assert 0 < cached_at_kill < N_ITEMS
        p = shipcall("run", "--dataset", "t", "--variant", "llm", "--json", cwd=ws.root)
        assert p.returncode == 0, p.stderr
        out = json.loads(p.stdout)
        after = len(log.read_text().splitlines())
    finally:
        server.kill()
        server.wait()
    assert out["resumed"] and out["n_items"] == N_ITEMS and out["errors"] == 0 and out["status"] == "finished"
    # every reply paid before the kill came from the cache: only the rest were asked again
    assert after - before == N_ITEMS - cached_at_kill
    assert out["provider"]["cache_hits"] == cached_at_kill - out["items_done_before"]


@pytest.mark.slow  # a real process interrupted with SIGINT
def test_ctrl_c_says_what_was_kept_and_the_same_command_continues(make_ws: MakeWs, tmp_path: Path) -> None:
    portfile, log = tmp_path / "port", tmp_path / "requests.jsonl"
    server = _held_server(portfile, log, hold_after=3)
    try:
        url = f"http://127.0.0.1:{_wait_for(portfile)}/v1"
        ws = make_ws({"kind": "openai", "model": "fake-model", "base_url": url, "api_key_env": "FAKE_LLM_KEY",
                      **FAST, "concurrency": 1})
        proc = subprocess.Popen([sys.executable, "-m", "shipcall", "run", "--dataset", "t", "--variant", "llm"],
                                cwd=ws.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for_requests(log, 4, proc)  # the 4th is held by the server: the run is still going
        proc.send_signal(signal.SIGINT)
        (tmp_path / "requests.jsonl.release").touch()
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err
        assert "items done and stored; run the same command to continue" in err, err
        kept = int(err.split("interrupted: run ")[1].split(": ")[1].split(" of ")[0])
        p = shipcall("run", "--dataset", "t", "--variant", "llm", "--json", cwd=ws.root)
        assert p.returncode == 0, p.stderr
        out = json.loads(p.stdout)
    finally:
        server.kill()
        server.wait()
    assert out["resumed"] and out["items_done_before"] == kept and out["n_items"] == N_ITEMS
