"""The server under hostile use (security review D4, D6, D7, D12, D14, D15, D19, D20, D21):
pseudonyms that need the workspace's secret, strong tokens only, per-client rate limits and
sign-in throttling, size limits, health that says when the store cannot be written, retention,
server-side sign-out, cached comparisons, production text redacted for visitors, per-user caps."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from shipcall.errors import ConfigError
from tests.conftest import FIXTURES, Shipcall
from tests.server.conftest import TOKEN, live

AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "How many days of paid time off do full-time employees get?"


def app_for(ws, **settings):  # noqa: ANN001, ANN201, ANN003
    from shipcall.server.app import create_app

    return create_app(ws, token=TOKEN, settings=ws.config.server.model_copy(update=settings))


def signed_in(c: httpx.Client, reviewer: str = "rita") -> str:
    login = c.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
    r = c.post("/ui/login", data={"token": TOKEN, "reviewer": reviewer, "csrf": csrf})
    assert r.status_code == 303, r.text
    return csrf


# -- D4: pseudonyms -----------------------------------------------------------------------------------

def test_user_pseudonyms_are_an_hmac_under_the_workspace_secret(ingested) -> None:  # noqa: ANN001
    secret_file = ingested.state_dir / "secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600  # made by init
    key = bytes.fromhex(secret_file.read_text().strip())
    with live(app_for(ingested)) as url:
        rid = httpx.post(f"{url}/v1/ask", json={"question": QUESTION, "user": "alice.martin@corp.example"}
                         ).json()["request_id"]
        anon = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}).json()["request_id"]
        entry = httpx.get(f"{url}/v1/logs/{rid}", headers=AUTH).json()
        anon_entry = httpx.get(f"{url}/v1/logs/{anon}", headers=AUTH).json()
    constant_salt = hashlib.sha256(b"shipcall-user\0alice.martin@corp.example").hexdigest()[:16]
    assert entry["user_hash"] != constant_salt  # the reviewer's reversal no longer works
    assert entry["user_hash"] == hmac.new(key, b"user\0alice.martin@corp.example", hashlib.sha256).hexdigest()[:16]
    assert anon_entry["user_hash"].startswith("client-")  # an anonymous asker's address, as a pseudonym
    assert "127.0.0.1" not in json.dumps(anon_entry)


def test_another_workspace_gives_another_pseudonym(tmp_path: Path) -> None:
    from shipcall.adapters.store.secret import load_or_create_secret
    from shipcall.core.production import user_hash

    a, b = load_or_create_secret(tmp_path / "a"), load_or_create_secret(tmp_path / "b")
    assert a != b and user_hash("alice", a) != user_hash("alice", b)
    assert load_or_create_secret(tmp_path / "a") == a  # created once


def test_a_full_disk_leaves_no_empty_token_file(ingested) -> None:  # noqa: ANN001
    """D15: the token is written whole or not at all (a file-size limit makes the write fail)."""
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (10, 10))\n"
            "from shipcall.app.workspace import Workspace\n"
            "from shipcall.server.auth import load_or_create_token\n"
            "try:\n    load_or_create_token(Workspace.open(sys.argv[1]))\n"
            "except OSError as e:\n    print('failed', e.errno)\n")
    env = {k: v for k, v in os.environ.items() if k != "SHIPCALL_TOKEN"}
    out = subprocess.run([sys.executable, "-c", code, str(ingested.root)], capture_output=True, text=True, env=env)
    assert out.stdout.startswith("failed"), out.stdout + out.stderr
    token = ingested.state_dir / "token"
    assert not token.exists() and not list(ingested.state_dir.glob(".token-*"))


# -- D19: tokens and sign-in ------------------------------------------------------------------------

@pytest.mark.parametrize("weak", ["aaaaaaaaaaaaaaaa", "a" * 40, "0123456789abcdef0123456789abcdef",
                                  "Password123Password123Password12"])
def test_weak_tokens_are_refused_at_start(ingested, weak: str) -> None:  # noqa: ANN001
    from shipcall.server.app import create_app

    with pytest.raises(ConfigError, match="the token is too"):
        create_app(ingested, token=weak)


def test_serve_refuses_a_weak_token_from_the_environment(ingested) -> None:  # noqa: ANN001
    env = {**os.environ, "SHIPCALL_TOKEN": "aaaaaaaaaaaaaaaa"}
    p = subprocess.run([sys.executable, "-m", "shipcall", "serve", "--port", "0"], cwd=ingested.root, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "SHIPCALL_TOKEN: the token is too short" in p.stderr and "Traceback" not in p.stderr


def test_failed_sign_ins_are_throttled(ingested) -> None:  # noqa: ANN001
    with live(app_for(ingested, login_rate_limit="5/min")) as url, httpx.Client(base_url=url, timeout=60) as c:
        login = c.get("/ui/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        codes = [c.post("/ui/login", data={"token": f"guess-{i}", "csrf": csrf}).status_code for i in range(7)]
        assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
        right = c.post("/ui/login", data={"token": TOKEN, "csrf": csrf})
        assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1  # not even checked
        bearer = [httpx.get(f"{url}/v1/logs", headers={"Authorization": "Bearer nope"}).status_code for _ in range(2)]
        assert bearer == [429, 429]  # the same address guessing through the API


def test_bearer_guesses_are_throttled_too(ingested) -> None:  # noqa: ANN001
    with live(app_for(ingested, login_rate_limit="3/min")) as url:
        codes = [httpx.get(f"{url}/v1/logs", headers={"Authorization": f"Bearer guess-{i}"}).status_code
                 for i in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        assert httpx.get(f"{url}/v1/logs", headers=AUTH).status_code == 429


# -- D7: rate limits and sizes ----------------------------------------------------------------------

def test_open_endpoints_have_a_per_client_rate_limit_with_retry_after(ingested) -> None:  # noqa: ANN001
    with live(app_for(ingested, rate_limit="4/min")) as url:
        codes = [httpx.post(f"{url}/v1/ask", json={"question": QUESTION}).status_code for _ in range(6)]
        assert codes == [200] * 4 + [429] * 2
        r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION})
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60 and "error" in r.json()
        assert httpx.post(f"{url}/v1/feedback", json={"request_id": "x", "rating": "up"}).status_code == 429
        assert httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, headers=AUTH).status_code == 200  # token
        assert httpx.get(f"{url}/v1/health").status_code == 200  # not an open endpoint: never limited


def test_serve_rate_limit_defaults_depend_on_the_address() -> None:
    from shipcall.cli.serve import resolve_rate_limit

    assert resolve_rate_limit(None, None, "127.0.0.1") is None
    assert resolve_rate_limit(None, None, "::1") is None
    assert str(resolve_rate_limit(None, None, "0.0.0.0")) == "120/min"
    assert str(resolve_rate_limit("30/s", None, "127.0.0.1")) == "30/s"
    assert resolve_rate_limit("off", "60/min", "0.0.0.0") is None
    assert str(resolve_rate_limit(None, "60/min", "127.0.0.1")) == "60/min"
    with pytest.raises(ConfigError, match="not a rate"):
        resolve_rate_limit("lots", None, "0.0.0.0")


def test_sizes_are_enforced_before_any_work(ingested) -> None:  # noqa: ANN001
    with live(app_for(ingested, max_question_chars=100, max_comment_chars=50)) as url:
        r = httpx.post(f"{url}/v1/ask", json={"question": "x" * 101})
        assert r.status_code == 422 and r.json()["field"] == "question"
        rid = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}).json()["request_id"]
        r = httpx.post(f"{url}/v1/feedback", json={"request_id": rid, "rating": "down", "comment": "y" * 51})
        assert r.status_code == 422 and "max_comment_chars" in r.json()["hint"]


# -- D12, D14: since, health ------------------------------------------------------------------------

def test_absurd_since_is_a_400(ingested) -> None:  # noqa: ANN001
    with live(app_for(ingested)) as url:
        for since in ("9999999999d", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
            r = httpx.get(f"{url}/v1/logs", params={"since": since}, headers=AUTH)
            assert r.status_code == 400 and r.json()["field"] == "since", r.text


def test_health_shows_the_store_size_and_retention_only_with_the_token(ingested) -> None:  # noqa: ANN001
    with live(app_for(ingested)) as url:
        open_view = httpx.get(f"{url}/v1/health").json()
        assert open_view["status"] == "ok" and "store" not in open_view and "retention" not in open_view
        op = httpx.get(f"{url}/v1/health", headers=AUTH).json()
        assert op["store"]["kind"] == "sqlite" and op["store"]["size_bytes"] > 10_000
        assert set(op["retention"]) == {"retain", "last_pruned_at", "pruned_before", "oldest_entry", "entries"}


def test_serve_warns_at_start_when_the_store_cannot_be_written(ingested) -> None:  # noqa: ANN001
    db = ingested.state_dir / "shipcall.db"
    env = {**os.environ, "SHIPCALL_STORE": f"sqlite:///file:{db}?mode=ro&uri=true", "SHIPCALL_TOKEN": TOKEN}
    p = subprocess.Popen([sys.executable, "-m", "shipcall", "serve", "--port", "0"], cwd=ingested.root, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            lines.append(line)
            if not line or "warning:" in line:
                break
    finally:
        p.terminate()
        p.wait(timeout=30)
    assert any("warning: the store cannot be written" in x and "503 degraded" in x for x in lines), lines


def test_health_is_degraded_and_asks_fail_clearly_on_a_read_only_store(ingested, tmp_path: Path) -> None:  # noqa: ANN001
    from shipcall.app.workspace import Workspace
    from shipcall.server.app import create_app

    db = ingested.state_dir / "shipcall.db"
    os.environ["SHIPCALL_STORE"] = f"sqlite:///file:{db}?mode=ro&uri=true"
    try:
        ro = Workspace.open(ingested.root)
        app = create_app(ro, token=TOKEN)
        with live(app) as url:
            h = httpx.get(f"{url}/v1/health")
            assert h.status_code == 503 and h.json()["status"] == "degraded"
            detail = httpx.get(f"{url}/v1/health", headers=AUTH).json()["problem"]
            assert "cannot be written" in detail and "readonly" in detail
            r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION})
            assert r.status_code == 503 and "the store cannot be written" in r.json()["error"]
            assert str(ingested.root) not in r.text  # no server paths to anonymous callers
    finally:
        del os.environ["SHIPCALL_STORE"]


# -- D7: retention --------------------------------------------------------------------------------

def _old_entry(ws, rid: str, created_at: str) -> None:  # noqa: ANN001
    from shipcall.adapters.store.production_log import ProductionLog
    from shipcall.core.production import ProductionLogEntry

    ProductionLog(ws.store).add(ProductionLogEntry(request_id=rid, created_at=created_at, variant="baseline",
                                                   question="old question", answer="old answer", abstained=False))


def test_serve_retain_deletes_old_entries_and_records_the_retention(ingested) -> None:  # noqa: ANN001
    from shipcall.adapters.store.production_log import ProductionLog, retention

    _old_entry(ingested, "old-1", "2020-01-01T00:00:00.000+00:00")
    ProductionLog(ingested.store).add_feedback("old-1", "down", "meh")
    with live(app_for(ingested, retain="30d")) as url:
        fresh = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}).json()["request_id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and ProductionLog(ingested.store).count() > 1:
            time.sleep(0.05)
    ids = ProductionLog(ingested.store).request_ids()
    assert ids == {fresh}
    r = retention(ingested.store)
    assert r["retain"] == "30d" and r["last_pruned_at"] and r["entries"] == 1


def test_logs_prune_deletes_entries_and_what_hangs_on_them(ingested, sc: Shipcall) -> None:  # noqa: ANN001
    from shipcall.adapters.store.production_log import ProductionLog

    _old_entry(ingested, "old-1", "2020-01-01T00:00:00.000+00:00")
    _old_entry(ingested, "old-2", "2021-01-01T00:00:00.000+00:00")
    _old_entry(ingested, "new-1", "2999-01-01T00:00:00.000+00:00")
    ProductionLog(ingested.store).add_feedback("old-2", "up")
    dry = json.loads(sc("logs", "prune", "--before", "2022-01-01", "--dry-run", "--json", cwd=ingested.root).stdout)
    assert dry["deleted"] == {"entries": 2, "feedback": 1, "queued": 0, "reviews": 0}
    assert ProductionLog(ingested.store).count() == 3
    out = sc("logs", "prune", "--before", "2022-01-01", cwd=ingested.root).stdout
    assert "deleted 2 log entries" in out
    assert ProductionLog(ingested.store).request_ids() == {"new-1"}
    bad = sc("logs", "prune", "--before", "9999999999d", cwd=ingested.root, check=2)
    assert "--before" in bad.stderr and "Traceback" not in bad.stderr


def test_store_info(ingested, sc: Shipcall) -> None:  # noqa: ANN001
    info = json.loads(sc("store", "info", "--json", cwd=ingested.root).stdout)
    assert set(info) == {"url", "kind", "migration", "size_bytes"}
    assert info["kind"] == "sqlite" and info["url"].startswith("sqlite:////") and info["migration"]
    assert info["size_bytes"] == (ingested.state_dir / "shipcall.db").stat().st_size + (
        (ingested.state_dir / "shipcall.db-wal").stat().st_size if (ingested.state_dir / "shipcall.db-wal").exists()
        else 0)


# -- D20: sign-out ---------------------------------------------------------------------------------

def test_signing_out_revokes_the_session_on_the_server(ingested) -> None:  # noqa: ANN001
    with live(app_for(ingested)) as url, httpx.Client(base_url=url, timeout=60) as c:
        csrf = signed_in(c)
        cookie = c.cookies.get("shipcall_session")
        assert cookie and c.get("/v1/logs").status_code == 200
        assert c.post("/ui/logout", data={"csrf": csrf}).status_code == 303
        thief = httpx.Client(base_url=url, cookies={"shipcall_session": cookie}, timeout=60)
        assert thief.get("/v1/logs").status_code == 401
        assert thief.get("/ui/review").status_code == 303  # to the sign-in page
        thief.close()
    from shipcall.server.session import REVOKED_PREFIX

    assert ingested.store.meta_with_prefix(REVOKED_PREFIX)  # shared by every replica on the store


# -- D6: comparisons cached ------------------------------------------------------------------------

@pytest.fixture
def two_runs(ingested):  # noqa: ANN001, ANN201
    from shipcall.app.datasets import import_dataset
    from shipcall.app.run import run

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "t")
    ds = ingested.store.load_dataset("t")
    return ingested, run(ingested, ds, "baseline").run.id, run(ingested, ds, "small").run.id


def test_a_comparison_page_is_computed_once(two_runs) -> None:  # noqa: ANN001
    ws, b, c = two_runs
    app = app_for(ws)
    with live(app) as url:
        with ThreadPoolExecutor(4) as pool:
            pages = list(pool.map(lambda _: httpx.get(f"{url}/ui/compare/{b}/{c}", timeout=60), range(4)))
        again = httpx.get(f"{url}/ui/compare/{b}/{c}")
    assert all(p.status_code == 200 for p in pages) and again.status_code == 200
    cache = app.state.page_cache
    assert cache.misses == 1 and cache.hits == 4  # four concurrent requests and one later: one computation
    strip = re.compile(r'name="csrf" value="[^"]*"')
    assert strip.sub("", again.text) == strip.sub("", pages[0].text)


# -- D21: production text on open pages ------------------------------------------------------------

def test_promoted_production_text_is_redacted_for_visitors(ingested) -> None:  # noqa: ANN001
    """A question logged before today's redactor knew a kind (here an e-mail written into the log
    directly, as an older version would have stored it) is promoted into a dataset and fails: the
    failures page shows it redacted without a session, as logged with one."""
    from shipcall.app.review import promote, record, sample
    from shipcall.app.run import run

    leaked = "Where do I send the laptop? mail me at dana.lee@corp.example"
    _old_entry(ingested, "r" * 32, "2026-11-30T00:00:00.000+00:00")
    from shipcall.adapters.store import schema

    with ingested.store.engine.begin() as conn:
        conn.execute(schema.production_log.update().values(question=leaked, answer=""))
    sample(ingested, 5)
    record(ingested, "r" * 32, reviewer="rita", verdict="incorrect", gold_answer="Send it to dana.lee@corp.example",
           evidence=["it/laptops.html"])
    promote(ingested, "prod")
    rid = run(ingested, ingested.store.load_dataset("prod"), "baseline").run.id
    with live(app_for(ingested)) as url:
        visitor = httpx.get(f"{url}/ui/runs/{rid}/failures", timeout=120).text
        with httpx.Client(base_url=url, timeout=60) as c:
            signed_in(c)
            staff = c.get(f"/ui/runs/{rid}/failures").text
    assert "dana.lee@corp.example" not in visitor and "[EMAIL]" in visitor and "came from production" in visitor
    assert "dana.lee@corp.example" in staff


# -- D7: per-user caps ------------------------------------------------------------------------------

def test_a_flood_from_one_address_counts_at_most_the_cap(ingested, tmp_path: Path) -> None:  # noqa: ANN001
    from shipcall.app.production import production_mix
    from shipcall.core.production import ProductionLogEntry, cap_per_user

    entries = [ProductionLogEntry(f"f{i}", f"2026-12-01T00:00:{i % 60:02d}.{i:03d}+00:00", "b", "q", "a", False,
                                  user_hash="client-aaaaaaaaaaaa") for i in range(200)]
    entries += [ProductionLogEntry(f"u{i}", "2026-12-01T00:00:00.000+00:00", "b", "q", "a", False,
                                   user_hash=f"user{i}") for i in range(10)]
    entries.append(ProductionLogEntry("legacy", "2026-12-01T00:00:00.000+00:00", "b", "q", "a", False))
    kept = cap_per_user(entries, 5)
    assert len(kept) == 5 + 10 + 1 and cap_per_user(entries, None) == entries
    # end to end: the cap in shipcall.yaml applies to what production weighting counts
    from shipcall.app.datasets import import_dataset

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "t")
    with live(app_for(ingested)) as url:
        for _ in range(12):
            httpx.post(f"{url}/v1/ask", json={"question": QUESTION})
    items = list(ingested.store.load_dataset("t").items)
    _, n_all = production_mix(ingested, items, ["topic"])
    cfg = ingested.config_path
    cfg.write_text(cfg.read_text() + "\nproduction:\n  max_queries_per_user: 3\n")
    from shipcall.app.workspace import Workspace

    _, n_capped = production_mix(Workspace.open(ingested.root), items, ["topic"])
    assert (n_all, n_capped) == (12, 3)


def test_a_log_that_refuses_rows_makes_health_degraded_until_it_takes_them_again(ingested) -> None:  # noqa: ANN001
    """D13/D14 in the running server: when the log cannot take a row (here SQLite itself refuses
    it, through a trigger), questions get 503 and health says degraded; once rows go in again,
    health is ok again without a restart."""
    from sqlalchemy import text

    app = app_for(ingested)
    server = app.state.server
    server.probe_seconds = 0.0  # probe on every health request (the default is at most every 2 s)
    engine = ingested.store.engine
    with live(app) as url:
        assert httpx.get(f"{url}/v1/health", timeout=60).status_code == 200
        with engine.begin() as c:
            c.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON production_log "
                           "BEGIN SELECT RAISE(ABORT, 'database disk image is malformed'); END"))
        r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=60)
        assert r.status_code == 503 and "corrupt" in r.json()["error"]
        h = httpx.get(f"{url}/v1/health", timeout=60)
        assert h.status_code == 503 and h.json()["status"] == "degraded"
        with engine.begin() as c:
            c.execute(text("DROP TRIGGER refuse"))
        assert httpx.get(f"{url}/v1/health", timeout=60).status_code == 200
        assert httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=60).status_code == 200
