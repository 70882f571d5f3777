"""The /v1 API over a real uvicorn: shapes, logging before the response, feedback, 4xx errors."""

from __future__ import annotations

import json

import pytest

from shipcall.adapters.store.production_log import ProductionLog
from shipcall.adapters.store.store import Store
from tests.server.conftest import TOKEN, http, live

AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "How many days of paid time off do full-time employees get?"


@pytest.fixture
def app(ingested):  # noqa: ANN001, ANN201
    from shipcall.server.app import create_app

    return create_app(ingested, token=TOKEN)


@pytest.fixture
def url(app):  # noqa: ANN001, ANN201
    with live(app) as base:
        yield base


def test_ask_shares_the_cli_shape_and_is_logged_before_the_response(url: str, ingested) -> None:  # noqa: ANN001
    from shipcall.app.feature import Feature

    r = http.post(f"{url}/v1/ask", json={"question": QUESTION})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = Feature.open(ingested).answer(QUESTION).to_dict("baseline")
    assert set(body) == set(expected) | {"request_id"}
    assert body["variant"] == "baseline" and not body["abstained"] and "20 days" in body["answer"]
    assert body["answer"] == expected["answer"] and body["citations"] == expected["citations"]
    assert set(body["citations"][0]) == {"doc_id", "chunk_id", "heading_path", "snippet"}
    assert set(body["latency_ms"]) == {"retrieve", "generate", "total"}
    # a fresh connection to the database file (another engine) already sees the committed row
    other = ProductionLog(Store.open(ingested.store_url()))
    row = other.get(body["request_id"])
    assert row.variant == "baseline" and row.question == QUESTION and "20 days" in row.answer
    assert row.retrieved[0]["doc_id"] == "hr/time-off.md" and row.retrieved[0]["rank"] == 1
    assert row.citations[0]["doc_id"] == "hr/time-off.md"
    assert {"retrieve", "generate", "total", "redact", "server"} <= set(row.latency_ms)
    assert row.abstained is False and row.corpus_version


def test_feedback_is_attached_and_redacted(url: str) -> None:
    rid = http.post(f"{url}/v1/ask", json={"question": QUESTION}).json()["request_id"]
    r = http.post(f"{url}/v1/feedback", json={"request_id": rid, "rating": "down",
                                               "comment": "Wrong! Call me on 020 7946 0991 or a.b@example.com"})
    assert r.status_code == 200, r.text
    assert r.json()["comment"] == "Wrong! Call me on [PHONE] or [EMAIL]"
    http.post(f"{url}/v1/feedback", json={"request_id": rid, "rating": "up"})
    entry = http.get(f"{url}/v1/logs/{rid}", headers=AUTH).json()
    assert [f["rating"] for f in entry["feedback"]] == ["down", "up"]
    assert "7946" not in json.dumps(entry) and "example.com" not in json.dumps(entry)


def test_personal_data_never_reaches_the_log(url: str) -> None:
    q = "How many days of paid time off? I'm jane.doe@example.com, +44 20 7946 0018, card 4111 1111 1111 1111"
    assert http.post(f"{url}/v1/ask", json={"question": q, "user": "jane.doe@example.com"}).status_code == 200
    items = http.get(f"{url}/v1/logs", headers=AUTH).json()["items"]
    text = json.dumps(items)
    assert "example.com" not in text and "7946" not in text and "4111" not in text
    assert items[0]["question"] == "How many days of paid time off? I'm [EMAIL], [PHONE], card [CARD]"
    assert items[0]["redactions"] == {"EMAIL": 1, "PHONE": 1, "CARD": 1}
    assert items[0]["user_hash"] and len(items[0]["user_hash"]) == 16


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"nope": 1}, 422, "question"),
    ({"question": 5}, 422, "question"),
    ({"question": "   "}, 422, "question"),
    ({"question": "ok", "extra": True}, 422, "extra"),
    ({"question": "ok", "user": ["x"]}, 422, "user"),
    ([1, 2], 422, None),
    ({"question": "x" * 5000}, 422, "question"),
])
def test_bad_ask_bodies_get_4xx_with_a_json_error(url: str, body: object, status: int, field: str | None) -> None:
    r = http.post(f"{url}/v1/ask", json=body)
    assert r.status_code == status, r.text
    err = r.json()
    assert set(err) >= {"error", "field", "hint"} and err["error"]
    assert err["field"] == field


def test_malformed_json_and_oversize_bodies(url: str) -> None:
    r = http.post(f"{url}/v1/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "the body is not valid JSON"
    big = json.dumps({"question": "a" * 70_000}).encode()
    r = http.post(f"{url}/v1/ask", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than 65536 bytes" in r.json()["error"]

    def chunks():  # no Content-Length: chunked transfer encoding
        for _ in range(70):
            yield b"a" * 1024

    r = http.post(f"{url}/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_feedback_errors(url: str) -> None:
    r = http.post(f"{url}/v1/feedback", json={"request_id": "no-such-id", "rating": "up"})
    assert r.status_code == 404 and r.json()["field"] == "request_id"
    rid = http.post(f"{url}/v1/ask", json={"question": QUESTION}).json()["request_id"]
    r = http.post(f"{url}/v1/feedback", json={"request_id": rid, "rating": "meh"})
    assert r.status_code == 422 and r.json()["field"] == "rating"
    r = http.post(f"{url}/v1/feedback", json={"rating": "up"})
    assert r.status_code == 422 and r.json()["field"] == "request_id"


def test_logs_read_filters_and_errors(url: str, ingested) -> None:  # noqa: ANN001
    from shipcall.adapters.store.production_log import now
    from shipcall.core.production import ProductionLogEntry

    log = ProductionLog(ingested.store)
    for i in range(1100):
        log.add(ProductionLogEntry(request_id=f"old-{i}", created_at="2020-01-01T00:00:00.000+00:00",
                                   variant="small" if i % 2 else "baseline", question=f"q{i}", answer="",
                                   abstained=True))
    ids = [http.post(f"{url}/v1/ask", json={"question": QUESTION}).json()["request_id"] for _ in range(3)]
    r = http.get(f"{url}/v1/logs", params={"limit": 1000}, headers=AUTH)
    assert r.status_code == 200 and len(r.json()["items"]) == 1000
    assert [x["request_id"] for x in r.json()["items"][:3]] == ids[::-1]  # newest first
    recent = http.get(f"{url}/v1/logs", params={"since": "1h"}, headers=AUTH).json()["items"]
    assert {x["request_id"] for x in recent} == set(ids)
    dated = http.get(f"{url}/v1/logs", params={"since": now()[:10]}, headers=AUTH).json()["items"]
    assert {x["request_id"] for x in dated} == set(ids)
    small = http.get(f"{url}/v1/logs", params={"variant": "small", "limit": 5000}, headers=AUTH).json()["items"]
    assert len(small) == 550 and {x["variant"] for x in small} == {"small"}
    assert http.get(f"{url}/v1/logs", params={"since": "yesterday-ish"}, headers=AUTH).status_code == 400
    assert http.get(f"{url}/v1/logs", params={"limit": 0}, headers=AUTH).status_code == 422
    assert http.get(f"{url}/v1/logs/nope", headers=AUTH).status_code == 404


def test_health_openapi_and_unknown_endpoints(url: str) -> None:
    h = http.get(f"{url}/v1/health").json()
    assert h["status"] == "ok" and h["variant"] == "baseline" and h["candidate"] is None
    spec = http.get(f"{url}/openapi.json").json()
    assert {"/v1/ask", "/v1/feedback", "/v1/health", "/v1/logs"} <= set(spec["paths"])
    assert http.get(f"{url}/docs").status_code == 404  # Swagger's page would load a CDN
    r = http.get(f"{url}/v1/nothing")
    assert r.status_code == 404 and r.json()["error"] == "no such endpoint: GET /v1/nothing"
    assert http.get(f"{url}/v1/ask").status_code == 405
