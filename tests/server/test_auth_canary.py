"""Token auth (missing/wrong → 401, constant-time compare, token file 0600) and the canary
(share and stickiness per user), over a real uvicorn."""

from __future__ import annotations

import hmac
import stat
from collections import Counter

import pytest

from shipcall.errors import ConfigError
from tests.server.conftest import TOKEN, client, http, live

AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "How many days of paid time off do full-time employees get?"


def test_the_log_needs_the_token_and_ask_does_not(ingested) -> None:  # noqa: ANN001
    from shipcall.server.app import create_app

    with live(create_app(ingested, token=TOKEN)) as url:
        assert http.post(f"{url}/v1/ask", json={"question": QUESTION}).status_code == 200
        for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN},
                        {"Authorization": f"Basic {TOKEN}"}, {"Authorization": f"Bearer {TOKEN}x"},
                        {"Authorization": f"Bearer {TOKEN[:-1]}"}):
            r = http.get(f"{url}/v1/logs", headers=headers)
            assert r.status_code == 401, headers
            assert r.headers["www-authenticate"].startswith("Bearer") and r.json()["hint"]
        assert http.get(f"{url}/v1/logs", headers=AUTH).status_code == 200
        assert http.get(f"{url}/v1/logs", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_asking_and_feedback_can_require_the_token(ingested) -> None:  # noqa: ANN001
    from shipcall.server.app import create_app

    settings = ingested.config.server.model_copy(update={"public": []})
    with live(create_app(ingested, token=TOKEN, settings=settings)) as url:
        assert http.post(f"{url}/v1/ask", json={"question": QUESTION}).status_code == 401
        r = http.post(f"{url}/v1/ask", json={"question": QUESTION}, headers=AUTH)
        assert r.status_code == 200
        rid = r.json()["request_id"]
        assert http.post(f"{url}/v1/feedback", json={"request_id": rid, "rating": "up"}).status_code == 401
        assert http.post(f"{url}/v1/feedback", json={"request_id": rid, "rating": "up"},
                          headers=AUTH).status_code == 200
        assert http.get(f"{url}/v1/health").status_code == 200


def test_token_check_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every check goes through hmac.compare_digest on fixed-length SHA-256 digests, so the
    time depends neither on where the first wrong character is nor on the length."""
    from shipcall.server.auth import Auth

    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    auth = Auth(TOKEN)
    assert auth.check_token(TOKEN)
    for wrong in ("", "x", TOKEN[:-1], TOKEN + "x", "y" + TOKEN[1:], "z" * 1000):
        assert not auth.check_token(wrong)
    assert calls == [(32, 32)] * 7


def test_token_generated_once_owner_only_and_env_wins(ingested, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from shipcall.server.auth import load_or_create_token, token_path

    monkeypatch.delenv("SHIPCALL_TOKEN", raising=False)
    first = load_or_create_token(ingested)
    assert first.origin == "created" and len(first.token) >= 40
    path = token_path(ingested)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_token(ingested)
    assert again.origin == "file" and again.token == first.token
    path.chmod(0o644)
    load_or_create_token(ingested)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv("SHIPCALL_TOKEN", "from-the-environment-Rk4nQ8wZp2Lx7Vb")
    env = load_or_create_token(ingested)
    assert env.origin == "env" and env.token == "from-the-environment-Rk4nQ8wZp2Lx7Vb"
    monkeypatch.setenv("SHIPCALL_TOKEN", "short")
    with pytest.raises(ConfigError, match="too short"):
        load_or_create_token(ingested)


@pytest.mark.slow  # thousands of requests
def test_canary_share_and_stickiness(ingested) -> None:  # noqa: ANN001
    from shipcall.server.app import create_app

    with live(create_app(ingested, candidate="small", share=0.3, token=TOKEN)) as url, client() as c:
        assert c.get(f"{url}/v1/health").json()["candidate"] == "small"
        answered: Counter[str] = Counter()
        by_user = {}
        for i in range(300):
            r = c.post(f"{url}/v1/ask", json={"question": QUESTION, "user": f"user-{i}"})
            by_user[f"user-{i}"] = r.json()["variant"]
            answered[r.json()["variant"]] += 1
        share = sum(v == "small" for v in by_user.values()) / len(by_user)
        assert 0.3 - 0.08 < share < 0.3 + 0.08  # ±3 binomial standard deviations (0.026)
        # sticky: the same user always gets the same variant
        for user in ("user-1", "user-2", "user-3", "user-4", "user-5"):
            seen = set()
            for _ in range(10):
                v = c.post(f"{url}/v1/ask", json={"question": QUESTION, "user": user}).json()["variant"]
                seen.add(v)
                answered[v] += 1
            assert seen == {by_user[user]}
        # no user: a draw per request, same share
        anon: Counter[str] = Counter()
        for _ in range(200):
            anon[c.post(f"{url}/v1/ask", json={"question": QUESTION}).json()["variant"]] += 1
        assert 0.3 - 0.1 < anon["small"] / 200 < 0.3 + 0.1
        answered += anon
        # every log row names the variant that answered
        items = c.get(f"{url}/v1/logs", params={"limit": 1000}, headers=AUTH).json()["items"]
        assert len(items) == 550
        assert Counter(x["variant"] for x in items) == answered
        assert all((x["arm"] == "candidate") == (x["variant"] == "small") for x in items)


def test_canary_assignment_is_a_stable_hash() -> None:
    from shipcall.core.production import assign_arm, user_bucket

    assert user_bucket("alice", "small") == user_bucket("alice", "small")
    arms = [assign_arm(f"u{i}", 0.1, salt="small", draw=0.99) for i in range(10_000)]
    assert 0.09 < arms.count("candidate") / 10_000 < 0.11
    # raising the share only moves users to the candidate
    lo = {f"u{i}" for i in range(2000) if assign_arm(f"u{i}", 0.1, salt="small", draw=0) == "candidate"}
    hi = {f"u{i}" for i in range(2000) if assign_arm(f"u{i}", 0.5, salt="small", draw=0) == "candidate"}
    assert lo <= hi
    assert assign_arm(None, 0.1, salt="small", draw=0.05) == "candidate"
    assert assign_arm(None, 0.1, salt="small", draw=0.5) == "baseline"
    assert assign_arm("anyone", 0.0, salt="small", draw=0.0) == "baseline"


def test_canary_config_errors(ingested) -> None:  # noqa: ANN001
    from shipcall.server.app import create_app

    with pytest.raises(ConfigError, match="unknown variant"):
        create_app(ingested, candidate="nope", token=TOKEN)
    with pytest.raises(ConfigError, match="between 0 and 1"):
        create_app(ingested, candidate="small", share=1.5, token=TOKEN)
    with pytest.raises(ConfigError, match="is the baseline"):
        create_app(ingested, candidate="baseline", token=TOKEN)
    with pytest.raises(ConfigError, match="needs --candidate"):
        create_app(ingested, share=0.2, token=TOKEN)
