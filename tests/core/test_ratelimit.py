"""Per-client token buckets, with the time passed in (no sleeping, no clock)."""

from __future__ import annotations

import pytest

from shipcall.core.ratelimit import Limiter, Rate, parse_rate, retry_after
from shipcall.errors import ConfigError


def test_rates_parse_and_print() -> None:
    assert parse_rate("120/min") == Rate(120, 60.0) and str(parse_rate("120/min")) == "120/min"
    assert parse_rate("10/s") == Rate(10, 1.0) and parse_rate("1000/h") == Rate(1000, 3600.0)
    assert parse_rate("30/5min") == Rate(30, 300.0)
    assert parse_rate("off") is None and parse_rate("0") is None
    for bad in ("lots", "120", "-1/min", "0/min", "12/fortnight"):
        with pytest.raises(ConfigError, match="not a rate"):
            parse_rate(bad)


def test_a_bucket_allows_a_burst_then_one_per_interval_with_the_wait_to_say() -> None:
    lim = Limiter(Rate(3, 60.0))  # 3 per minute: a token every 20 s
    assert [lim.take("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = lim.take("a", 0.0)
    assert wait == pytest.approx(20.0) and retry_after(wait) == "20"
    assert lim.take("b", 0.0) == 0.0  # another client has its own bucket
    assert lim.take("a", 10.0) == pytest.approx(10.0)  # refused requests spend nothing
    assert lim.take("a", 20.0) == 0.0 and lim.wait("a", 20.0) == pytest.approx(20.0)
    assert retry_after(0.2) == "1"


def test_idle_clients_are_forgotten() -> None:
    lim = Limiter(Rate(2, 10.0))
    for i in range(1000):
        lim.take(f"client-{i}", 0.0)
    lim.take("late", 100.0)
    assert len(lim._buckets) == 1
