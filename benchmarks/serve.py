"""Serving benchmark: `shipcall serve` under 1, 10 and 50 concurrent clients, beside the same
retrieval + generation called in-process. Writes its section of BENCHMARKS.md (between
`<!-- serve:start -->` and `<!-- serve:end -->`, added at the end if absent; nothing else).

    python benchmarks/serve.py              # ~1 minute
    python benchmarks/serve.py --quick      # a smoke run; prints, writes nothing

Workspace: the bundled sample (56 documents; default variant: heading chunker, BM25 k=5,
extractive answers); questions: the sample dataset's, every other one carrying an e-mail
address and a phone number so that redaction has work to do. The server is a real
`shipcall serve` process; the clients are threads in another process, each with its own
keep-alive connection (http.client), sending requests back to back.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- serve:start -->", "<!-- serve:end -->"
TOKEN = "bench-token-Jx7qP2mV9cR4tW8zK3nB6yL5dF"  # 32+ characters: serve refuses weaker ones
LEVELS = (1, 10, 50)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def questions() -> list[str]:
    from shipcall.app.demo import sample_path

    qs = [json.loads(line)["question"] for line in (sample_path() / "dataset.jsonl").read_text().splitlines()
          if line.strip()]
    return [q if i % 2 else f"{q} Reply to jane.doe{i}@example.com or +44 20 7946 0{i % 1000:03d}"
            for i, q in enumerate(qs)]


# -- the client process ---------------------------------------------------------------------
def client_main(url: str, clients: int, n: int, warmup: int) -> None:
    """Send n requests from `clients` threads (plus warm-up); print one JSON line."""
    import http.client
    from urllib.parse import urlparse

    u = urlparse(url)
    qs = questions()
    counter = iter(range(10**9))
    lock = threading.Lock()
    lat: list[float] = []
    errors = [0]

    def worker(budget: list[int], record: bool) -> None:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        while True:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
                i = next(counter)
            body = json.dumps({"question": qs[i % len(qs)], "user": f"user-{i % 500}"})
            t = time.perf_counter()
            conn.request("POST", "/v1/ask", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            dt = (time.perf_counter() - t) * 1000
            with lock:
                if r.status != 200:
                    errors[0] += 1
                elif record:
                    lat.append(dt)
        conn.close()

    def run(total: int, record: bool) -> float:
        budget = [total]
        threads = [threading.Thread(target=worker, args=(budget, record)) for _ in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    run(warmup, False)
    elapsed = run(n, True)
    print(json.dumps({"clients": clients, "n": len(lat), "errors": errors[0], "elapsed_s": elapsed,
                      "rps": len(lat) / elapsed, "p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
                      "mean": statistics.fmean(lat), "sent": n + warmup}))


# -- the benchmark --------------------------------------------------------------------------
def in_process(ws: Any, qs: list[str], n: int) -> dict[str, Any]:
    """Feature.answer alone, then the server's whole per-request work without HTTP
    (answer + redact + committed log row), one at a time."""
    from shipcall.app.feature import Feature
    from shipcall.server.app import create_app

    feature = Feature.open(ws)
    for q in qs[:50]:
        feature.answer(q)
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        feature.answer(qs[i % len(qs)])
        lat.append((time.perf_counter() - t) * 1000)
    answer = {"rps": n / (time.perf_counter() - t0), "p50": pct(lat, 50), "p95": pct(lat, 95),
              "mean": statistics.fmean(lat)}
    server = create_app(ws, token=TOKEN).state.server
    for q in qs[:50]:
        server.ask(q, "warm")
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        server.ask(qs[i % len(qs)], f"user-{i % 500}")
        lat.append((time.perf_counter() - t) * 1000)
    full = {"rps": n / (time.perf_counter() - t0), "p50": pct(lat, 50), "p95": pct(lat, 95),
            "mean": statistics.fmean(lat)}
    server.log.engine.dispose()
    return {"answer": answer, "server_path": full}


def serve(ws_root: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "SHIPCALL_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "shipcall", "serve", "--port", "0", "--json"], cwd=ws_root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    lines = []
    while not lines or not lines[-1].startswith("}"):
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("shipcall serve did not start")
        lines.append(line)
    return proc, json.loads("".join(lines))["url"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small counts; print only")
    ap.add_argument("--client", nargs=4, metavar=("URL", "CLIENTS", "N", "WARMUP"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.client:
        url, c, n, w = args.client
        client_main(url, int(c), int(n), int(w))
        return

    from shipcall.adapters.store.production_log import ProductionLog
    from shipcall.app.demo import build_workspace
    from shipcall.app.ingest import ingest
    from shipcall.app.workspace import Workspace

    counts = {1: 300, 10: 600, 50: 1000} if args.quick else {1: 1500, 10: 3000, 50: 5000}
    warmup = 50 if args.quick else 200
    qs = questions()
    t_start = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="shipcall-serve-bench-") as tmp:
        ws = build_workspace(Path(tmp) / "ws")
        rep = ingest(ws, str(ws.root / "docs"))
        inproc = in_process(ws, qs, 300 if args.quick else 2000)
        ProductionLog(ws.store).engine.dispose()
        bench_ws = Workspace(build_workspace(Path(tmp) / "ws2").root)
        ingest(bench_ws, str(bench_ws.root / "docs"))
        proc, url = serve(bench_ws.root)
        levels = []
        try:
            for c in LEVELS:
                out = subprocess.run([sys.executable, __file__, "--client", url, str(c), str(counts[c]), str(warmup)],
                                     capture_output=True, text=True, check=True)
                levels.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(f"{c:>3} clients: {levels[-1]['rps']:.0f} req/s, p50 {levels[-1]['p50']:.2f} ms, "
                      f"p95 {levels[-1]['p95']:.2f} ms ({levels[-1]['errors']} errors)", file=sys.stderr)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        log = ProductionLog(Workspace(bench_ws.root).store)
        rows = log.count()
        sent = sum(x["sent"] for x in levels)
        last = log.entries(limit=counts[50], with_feedback=False)
        stage = {k: statistics.median(e.latency_ms.get(k, 0.0) for e in last)
                 for k in ("total", "redact", "server")}
    result = {"levels": levels, "in_process": inproc, "rows": rows, "sent": sent, "stage_c50": stage,
              "documents": rep.ingested, "questions": len(qs), "wall_s": time.perf_counter() - t_start,
              "load": (load_before, os.getloadavg()[0])}
    text = render(result)
    print(text)
    if not args.quick:
        write_section(ROOT / "BENCHMARKS.md", text)
        print(f"wrote the serve section of {ROOT / 'BENCHMARKS.md'}", file=sys.stderr)


def render(r: dict[str, Any]) -> str:
    import fastapi
    import uvicorn

    a, sp = r["in_process"]["answer"], r["in_process"]["server_path"]
    one = r["levels"][0]
    rows = "\n".join(
        f"| HTTP, {x['clients']} concurrent client{'s' if x['clients'] > 1 else ''} | {x['rps']:,.0f} | "
        f"{x['p50']:.2f} | {x['p95']:.2f} | {x['p99']:.2f} | {x['n']:,} | {x['errors']} |" for x in r["levels"])
    best = max(r["levels"], key=lambda x: x["rps"])
    st = r["stage_c50"]
    return f"""## Serving (`shipcall serve`)

Written by `python benchmarks/serve.py` ({r['wall_s']:.0f} s) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC;
{os.cpu_count()} logical cores, Python {platform.python_version()}, FastAPI {fastapi.__version__}, uvicorn
{uvicorn.__version__} (one process, `server.threads` 64). The bundled sample ({r['documents']} documents;
default variant: heading chunker, BM25 k=5, extractive answers), its {r['questions']} questions, every other one
carrying an e-mail address and a phone number. The server is a real `shipcall serve` process; the clients are
threads in a second process on the same {os.cpu_count()} cores, each with its own keep-alive connection, sending
requests back to back; latency is measured by the client, after a warm-up. Load average (1 min) before and
after: {r['load'][0]:.1f} and {r['load'][1]:.1f}; on a busy machine the HTTP rows suffer first.

| Path | requests/s | p50 ms | p95 ms | p99 ms | requests | errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| in-process `Feature.answer` (retrieve + generate), one at a time | {a['rps']:,.0f} | {a['p50']:.2f} | \
{a['p95']:.2f} |  |  |  |
| in-process server path (answer + redact + committed log row) | {sp['rps']:,.0f} | {sp['p50']:.2f} | \
{sp['p95']:.2f} |  |  |  |
{rows}

Overhead of serving, one client: p50 {one['p50']:.2f} ms over HTTP against {a['p50']:.2f} ms in-process,
**{one['p50'] / a['p50']:.2f}×** (throughput {a['rps'] / one['rps']:.2f}× lower). The ratio is large because the
answer itself is small (BM25 over {r['documents']} documents): serving adds {one['p50'] - a['p50']:.2f} ms per request
at the median, of which redaction and the committed log row are {max(sp['p50'] - a['p50'], 0):.2f} ms (the in-process
server path) and HTTP, JSON, the thread-pool hop and the framework on both sides of the loopback the other
{max(one['p50'] - sp['p50'], 0):.2f} ms. The in-process server path's p95 ({sp['p95']:.2f} ms) comes from the
occasional slow SQLite commit and from digit-heavy questions, which the phone recognizer scans once per region.
Throughput peaks at {best['rps']:,.0f} requests/s with {best['clients']} clients: retrieval is serialised per feature
and all the work is Python under one GIL, on the two cores that the clients share, so more clients queue rather
than add throughput. At 50 clients the median request spent {st['server']:.2f} ms in its handler (answer
{st['total']:.2f} ms, redaction {st['redact']:.2f} ms; the rest is waiting for the GIL and retrieval's lock) and the
remainder of its latency in the thread pool's queue and the
event loop. Rows logged: {r['rows']:,} for {r['sent']:,} requests sent (warm-ups included){
' — none lost' if r['rows'] == r['sent'] else ' — MISMATCH'}.
"""


def write_section(path: Path, body: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{START}\n{body.rstrip()}\n{END}"
    if START in text and END in text and text.index(START) < text.index(END):
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
