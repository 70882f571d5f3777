"""`shipcall serve` and `shipcall logs` through the real command line."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Shipcall
from tests.server.conftest import client, http

pytestmark = pytest.mark.slow  # starts real server processes

QUESTION = "How many days of paid time off do full-time employees get?"


def test_serve_binds_localhost_says_so_and_prints_a_new_token_once(ingested, serve_process) -> None:  # noqa: ANN001
    first = serve_process(ingested.root, token=None)
    assert first.info["host"] == "127.0.0.1" and first.info["local_only"] is True
    assert first.info["token_source"] == "created" and first.info["token"]
    token = first.info["token"]
    assert (ingested.root / ".shipcall" / "token").read_text().strip() == token
    first.stop()
    err = first.stderr_path.read_text()
    assert "bound to 127.0.0.1 only" in err and "shown this once" in err and token in err

    second = serve_process(ingested.root, token=None)
    assert second.info["token_source"] == "file" and second.info["token"] is None
    assert http.get(f"{second.url}/v1/logs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    second.stop()
    assert token not in second.stderr_path.read_text()


def test_serve_with_a_canary_and_read_the_log_from_the_cli(ingested, serve_process, sc: Shipcall) -> None:  # noqa: ANN001
    srv = serve_process(ingested.root, "--candidate", "small", "--share", "0.5")
    assert srv.info["candidate"] == "small" and srv.info["share"] == 0.5
    variants = {}
    with client(base_url=srv.url) as c:
        for i in range(40):
            r = c.post("/v1/ask", json={"question": f"{QUESTION} ({i}) write to me@example.com", "user": f"u{i}"})
            variants[r.json()["request_id"]] = r.json()["variant"]
        rid = next(iter(variants))
        c.post("/v1/feedback", json={"request_id": rid, "rating": "down", "comment": "no"})
    assert set(variants.values()) == {"baseline", "small"}
    out = json.loads(sc("logs", "--json", "--limit", "100", cwd=ingested.root).stdout)
    assert out["count"] == 40 and {x["request_id"]: x["variant"] for x in out["items"]} == variants
    assert not any("example.com" in x["question"] for x in out["items"])
    small = json.loads(sc("logs", "--json", "--variant", "small", cwd=ingested.root).stdout)
    assert {x["variant"] for x in small["items"]} == {"small"}
    assert json.loads(sc("logs", "--json", "--since", "2099-01-01", cwd=ingested.root).stdout)["count"] == 0
    one = json.loads(sc("logs", "--id", rid, "--json", cwd=ingested.root).stdout)
    assert one["feedback"][0]["rating"] == "down"
    text = sc("logs", cwd=ingested.root).stdout
    assert "baseline" in text and "small" in text and "example.com" not in text
    bad = sc("logs", "--since", "soon", cwd=ingested.root, check=2)
    assert "--since" in bad.stderr and "Traceback" not in bad.stderr


def test_serve_errors_are_clear(ingested, ws, sc: Shipcall) -> None:  # noqa: ANN001
    r = sc("serve", "--candidate", "nope", cwd=ingested.root, check=2)
    assert "unknown variant 'nope'" in r.stderr and "Traceback" not in r.stderr
    r = sc("serve", "--share", "0.3", cwd=ingested.root, check=2)
    assert "--share needs --candidate" in r.stderr
    r = sc("logs", "--id", "nope", cwd=ingested.root, check=2)
    assert "no logged query" in r.stderr
