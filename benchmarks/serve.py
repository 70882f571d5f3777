"""Serving benchmark: what `shipcall serve` costs per request beyond the answer, and how its
throughput grows with `--workers`. Writes the `serve` section of BENCHMARKS.md.

    python benchmarks/serve.py                  # ~3 minutes: 5 repeats of 2,000 requests per server
    python benchmarks/serve.py --quick          # CI-sized; writes benchmarks/.data/BENCHMARKS.quick.md
    python benchmarks/serve.py --save-before    # record this checkout's figures as the "before" column

Workspace: the bundled sample (56 documents; default variant: heading chunker, BM25 k=5, extractive
answers); questions: the sample dataset's, every other one carrying an e-mail address and a phone
number so that redaction has work to do. Each server is a real `shipcall serve` process (1 and 2
workers; a generous rate limit is on, so that its cost is counted as in production); the load comes from
a client process (threads, each with its own keep-alive connection, sending back to back).

Measured per repeat, interleaved (anchor, 1 worker, 2 workers, anchor, ...):
- the anchor: the same questions answered in this process by `Feature.answer` (CPU time);
- each server: the CPU time of its whole process tree (supervisor and workers, from /proc) while the
  client sends N requests, and the client's wall time (requests/s).
Per-request overhead = (server CPU - anchor CPU) / N; the ratio = server CPU / anchor CPU, per pair.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import HERE, Sample, alternate, machine, machine_line, measure_call, ratios, spread, table, write_section

TOKEN = "bench-token-Jx7qP2mV9cR4tW8zK3nB6yL5dF"  # 32+ characters: serve refuses weaker ones
BEFORE = HERE / "data" / "serve-before.json"
CLIENTS = 10
RATE = os.environ.get("SHIPCALL_BENCH_RATE", "1000000/s")  # on, so that its cost is counted; never refusing
TICK = os.sysconf("SC_CLK_TCK")


def questions() -> list[str]:
    from shipcall.app.demo import sample_path

    qs = [json.loads(line)["question"] for line in (sample_path() / "dataset.jsonl").read_text().splitlines()
          if line.strip()]
    return [q if i % 2 else f"{q} Reply to jane.doe{i}@example.com or +44 20 7946 0{i % 1000:03d}"
            for i, q in enumerate(qs)]


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))] if s else float("nan")


# -- the client process ---------------------------------------------------------------------
def client_main(url: str, clients: int, n: int, offset: int) -> None:
    """Send requests offset..offset+n-1 from `clients` threads; print one JSON line."""
    import http.client
    from urllib.parse import urlparse

    u = urlparse(url)
    qs = questions()
    counter = iter(range(offset, offset + n))
    lock = threading.Lock()
    lat: list[float] = []
    errors = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body = json.dumps({"question": qs[i % len(qs)], "user": f"user-{i % 500}"})
            t = time.perf_counter()
            try:
                conn.request("POST", "/v1/ask", body=body, headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                status = r.status
            except OSError:
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
            dt = (time.perf_counter() - t) * 1000
            with lock:
                if status != 200:
                    errors[0] += 1
                lat.append(dt)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    print(json.dumps({"n": len(lat), "errors": errors[0], "wall_s": elapsed, "p50": pct(lat, 50),
                      "p95": pct(lat, 95)}))


# -- servers --------------------------------------------------------------------------------
def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of `pid` and its live descendants (uvicorn's workers)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "
        stats[int(entry)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        if p in stats:
            total += (int(stats[p][11]) + int(stats[p][12])) / TICK  # utime, stime
        todo.extend(children.get(p, []))
    return total


class Serve:
    """`shipcall serve --port 0 --json [--workers W]` in a workspace of its own."""

    def __init__(self, root: Path, workers: int) -> None:
        env = {**os.environ, "SHIPCALL_TOKEN": TOKEN}
        args = ["--workers", str(workers)] if workers > 1 else []
        self.root, self.workers = root, workers
        self.proc = subprocess.Popen([sys.executable, "-m", "shipcall", "serve", "--port", "0", "--json",
                                      "--rate-limit", RATE, *args], cwd=root, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("}"):
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("shipcall serve did not start")
            lines.append(line)
        self.url = json.loads("".join(lines))["url"]
        self.sent = 0
        import urllib.request

        deadline = time.monotonic() + 300  # the workers load their indexes after the address is printed
        while True:
            try:
                with urllib.request.urlopen(self.url + "/v1/health", timeout=30) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no health from {self.url}") from None
                time.sleep(0.1)

    def load(self, n: int) -> tuple[Sample, dict[str, Any]]:
        """The server's CPU and the client's wall time for n requests."""
        c0 = tree_cpu(self.proc.pid)
        out = subprocess.run([sys.executable, __file__, "--client", self.url, str(CLIENTS), str(n), str(self.sent)],
                             capture_output=True, text=True, check=True)
        cpu = tree_cpu(self.proc.pid) - c0
        self.sent += n
        res = json.loads(out.stdout.strip().splitlines()[-1])
        if res["errors"] or res["n"] != n:
            raise RuntimeError(f"{res['errors']} failed requests against {self.workers} worker(s)")
        return Sample(cpu, res["wall_s"], 0.0), res

    def stop(self) -> int:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        from shipcall.adapters.store.production_log import ProductionLog
        from shipcall.app.workspace import Workspace

        log = ProductionLog(Workspace.open(self.root).store)
        rows = log.count()
        log.engine.dispose()
        return rows


# -- the benchmark --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="CI-sized; nothing enforced")
    ap.add_argument("--save-before", action="store_true", help=f"write the figures to {BEFORE} (the 'before')")
    ap.add_argument("--workers", default="1,2", help="worker counts to measure (default 1,2)")
    ap.add_argument("--requests", type=int, default=None, help="requests per repeat and server (default 2,000)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats (default 5)")
    ap.add_argument("--client", nargs=4, metavar=("URL", "CLIENTS", "N", "OFFSET"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.client:
        url, c, n, off = args.client
        client_main(url, int(c), int(n), int(off))
        return 0

    from shipcall.app.demo import build_workspace
    from shipcall.app.feature import Feature
    from shipcall.app.ingest import ingest

    n, warm = (300, 100) if args.quick else (2000, 500)
    n, repeats = args.requests or n, args.repeats
    workers = [int(w) for w in args.workers.split(",")]
    qs = questions()
    m0 = machine()
    tmp = Path(tempfile.mkdtemp(prefix="shipcall-serve-bench-"))
    servers: dict[int, Serve] = {}
    try:
        ws = build_workspace(tmp / "anchor")
        docs = ingest(ws, str(ws.root / "docs")).ingested
        for w in workers:  # a workspace each, so that each server's log can be counted
            ingest(build_workspace(tmp / f"w{w}"), str(tmp / f"w{w}" / "docs"))
        feature = Feature.open(ws)
        batch = [qs[i % len(qs)].strip() for i in range(n)]
        for q in batch[:warm]:
            feature.answer(q)
        for w in workers:
            servers[w] = Serve(tmp / f"w{w}", w)
            servers[w].load(warm)  # warm-up: every worker opened, caches filled
        details: dict[str, list[dict[str, Any]]] = {f"w{w}": [] for w in workers}

        def run_server(w: int) -> Sample:
            sample, res = servers[w].load(n)
            details[f"w{w}"].append(res)
            return sample

        runs = {"anchor": lambda: measure_call(lambda: [feature.answer(q) for q in batch])}
        runs.update({f"w{w}": (lambda w=w: run_server(w)) for w in workers})
        samples = alternate(runs, repeats)
        rows_logged = {w: (servers.pop(w).stop(), servers_sent) for w, servers_sent in
                       [(w, servers[w].sent) for w in workers]}
    finally:
        for s in servers.values():
            s.proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    m1 = machine()
    result = summarise(samples, details, n, workers, rows_logged)
    result.update({"machine": m0, "load_end": m1["load"], "documents": docs, "questions": len(qs), "n": n,
                   "repeats": repeats, "clients": CLIENTS})
    if args.save_before:
        BEFORE.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {BEFORE}", file=sys.stderr)
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() else None
    text = render(result, before)
    print(text)
    if args.save_before or args.requests or repeats < 5:  # a trial: printed, not written
        return 0
    path = write_section("serve", text, quick=args.quick)
    print(f"wrote the serve section of {path}", file=sys.stderr)
    lost = [w for w, (rows, sent) in rows_logged.items() if rows != sent]
    return 1 if lost else 0


def summarise(samples: dict[str, list[Sample]], details: dict[str, list[dict[str, Any]]], n: int,
              workers: list[int], rows_logged: dict[int, tuple[int, int]]) -> dict[str, Any]:
    anchor = samples["anchor"]
    out: dict[str, Any] = {"anchor_ms": spread([s.cpu_s / n * 1000 for s in anchor]).__dict__, "servers": {}}
    for w in workers:
        ours = samples[f"w{w}"]
        over = [(o.cpu_s - a.cpu_s) / n * 1000 for o, a in zip(ours, anchor, strict=True)]
        out["servers"][str(w)] = {
            "cpu_ms": spread([s.cpu_s / n * 1000 for s in ours]).__dict__,
            "overhead_ms": spread(over).__dict__,
            "ratio": ratios(ours, anchor).__dict__,
            "rps": spread([n / s.wall_s for s in ours]).__dict__,
            "p50_ms": statistics.median(d["p50"] for d in details[f"w{w}"]),
            "p95_ms": statistics.median(d["p95"] for d in details[f"w{w}"]),
            "rows": rows_logged[w][0], "sent": rows_logged[w][1],
        }
    return out


def _s(d: dict[str, float], digits: int = 2) -> str:
    return f"{d['median']:.{digits}f} (min {d['min']:.{digits}f})"


def _row(label: str, s: dict[str, Any], anchor: dict[str, float]) -> list[str]:
    return [label, _s(s["cpu_ms"]), _s(anchor, 3), _s(s["overhead_ms"]), _s(s["ratio"], 1) + "×", _s(s["rps"], 0),
            f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['rows']:,} / {s['sent']:,}"]


def render(r: dict[str, Any], before: dict[str, Any] | None) -> str:
    import fastapi
    import uvicorn

    rows = [_row(f"{w} worker{'s' if w != '1' else ''}", s, r["anchor_ms"]) for w, s in r["servers"].items()]
    if before is not None:
        rows.append(_row(f"before: 1 worker, commit {before['machine']['commit'].split()[0]} (load "
                         f"{before['machine']['load'].split()[0]}–{before['load_end'].split()[0]})",
                         before["servers"]["1"], before["anchor_ms"]))
    header = ["server", "CPU ms / request", "anchor: answer CPU ms", "overhead ms", "ratio", "requests/s",
              "p50 ms", "p95 ms", "rows logged / sent"]
    text = f"""## Serving (`shipcall serve`)

Written by `python -m benchmarks serve`; {machine_line(r['machine'])}, load average at the end
{r['load_end']}; FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}. The bundled sample
({r['documents']} documents; heading chunker, BM25 k=5, extractive answers) and its {r['questions']} questions,
every other one carrying an e-mail address and a phone number. Each server is a real `shipcall serve`
process (`--workers 1` and `--workers 2`, rate limit on, so its cost is counted); the load is {r['clients']}
client threads with a keep-alive connection each, in a second process on the same cores. Per repeat,
interleaved: the anchor (the same {r['n']:,} questions answered in-process by `Feature.answer`, CPU time),
then {r['n']:,} requests to each server (CPU time of the server's whole process tree, from /proc; wall time
at the client). Median and min of {r['repeats']} repeats; overhead = server CPU minus anchor CPU, per
request; ratio = server CPU / anchor CPU, per pair. Every request sent was logged exactly once (last column).

{table(header, rows)}
"""
    one, two = r["servers"].get("1"), r["servers"].get("2")
    if before is not None and one is not None:
        b1 = before["servers"]["1"]
        text += (f"\nBefore → after (1 worker): CPU per request {b1['cpu_ms']['median']:.2f} → "
                 f"{one['cpu_ms']['median']:.2f} ms; overhead beyond the answer {b1['overhead_ms']['median']:.2f} → "
                 f"{one['overhead_ms']['median']:.2f} ms; ratio to the answer {b1['ratio']['median']:.1f}× → "
                 f"{one['ratio']['median']:.1f}×; throughput {b1['rps']['median']:,.0f} → {one['rps']['median']:,.0f} "
                 "requests/s. The before row was measured by this same benchmark on the code before the change, on "
                 "this machine the same day (its load average in the row); each ratio is against the anchor of its "
                 "own run.\n")
    if one is not None and two is not None:
        text += (f"\nTwo workers against one: {two['rps']['median'] / one['rps']['median']:.2f}× the throughput "
                 f"({one['rps']['median']:,.0f} → {two['rps']['median']:,.0f} requests/s), at "
                 f"{two['cpu_ms']['median']:.2f} ms of CPU per request against {one['cpu_ms']['median']:.2f}. This "
                 f"machine has {r['machine']['cores']} cores, shared with the client process and, at the load average "
                 "shown, with other work: a second worker can only add the CPU that is idle, so on a busy 2-core "
                 "machine the gain is small or none. The workers share the store (each request logged once), "
                 "the canary (a user's variant is the same on either worker), the token and the rate limits "
                 "(tests/server/test_workers.py).\n")
    text += """
Where the CPU went before, profiled (py-spy on the server under this load, cProfile in-process): the
hop of every request to a thread pool of 64 threads and back (queue, wake-up, GIL hand-overs: about a
third of the server's CPU), the pure-Python HTTP parser (h11), building an SQLAlchemy insert statement
per log row (0.3 ms), re-redacting the same document snippets for every citation (0.3 ms), FastAPI's
routing, dependency solving and response validation, and the variant's hash recomputed per request.
Then: uvicorn's C parser and event loop (httptools, uvloop), quick variants (BM25 + extractive) answered
on the event loop, the insert statement built once, document-text redaction remembered, and the
ordinary public `/v1/ask` answered by a small ASGI handler inside the rate and body limits
(`server/fastpath.py`) instead of the full framework stack; anything else (a token to check, a bad body,
an LLM variant) takes the unchanged FastAPI route. Profiled again (py-spy on the server under this
load; the server with the answer, the redaction or the log write stubbed out in turn), the overhead
was the question's redaction (0.2–0.4 ms on a question with personal data), one SQLite transaction
per log row (0.19 ms in-process, 0.26 ms in the server) and the HTTP and framework layers (0.2 ms).
Now: the log rows go through a group commit — on SQLite on the event loop itself (the rows of the
requests answered in one turn of the loop share one transaction, written at its next turn: about 4
rows per transaction at 10 clients, 0.06 ms per row), on Postgres on the log's own thread — and
each answer is still sent only after its row is committed (a graceful stop or SIGTERM mid-load
leaves every answered request logged once: tests/server/test_log_group_commit.py); redaction
matches its cue words without IGNORECASE on lower-cased ASCII words (a third of the CPU, the same
matches) and searches its look-alike and postcode patterns only when a substring every match of
theirs holds is there (0.20 → 0.15 ms on a question with personal data in-process, 0.03 without;
the same output on the redaction corpora). What remains beyond the answer: that redaction, the
row in its shared transaction, HTTP on both sides of the loopback (a bare uvicorn app costs
0.05–0.1 ms per request here) and the limits, and an answer that costs somewhat more in the
server than in the anchor's tight loop (its caches are shared with the HTTP work).

The earlier claim here, "16× serving overhead" (one client's HTTP p50 over in-process `Feature.answer`),
did not reproduce (4.4–5.4× when re-measured) and mixed wall latency with a busy machine; it is replaced
by the CPU figures above, which hold up under load.
"""
    return text


if __name__ == "__main__":
    raise SystemExit(main())
