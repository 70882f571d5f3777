"""Per-client rate limits: a token bucket per key, with the wait a refused client must observe.

Pure: the caller passes the current time (`now`, seconds on any monotonic clock), so the
arithmetic is tested without sleeping. Written by hand (a few lines) rather than with a rate-limit
package: the server needs the bucket, the retry delay for `Retry-After` and a bound on memory,
and nothing else.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from shipcall.errors import ConfigError

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour)s?\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
OFF = ("off", "none", "0", "no", "false")


@dataclass(frozen=True)
class Rate:
    """`count` requests per `period` seconds, with bursts of up to `count`."""

    count: int
    period: float

    def __str__(self) -> str:
        unit = {1: "s", 60: "min", 3600: "h"}.get(int(self.period))
        return f"{self.count}/{unit}" if unit else f"{self.count}/{self.period:g}s"


def parse_rate(text: str, *, field: str = "--rate-limit") -> Rate | None:
    """`120/min`, `10/s`, `1000/h`, `30/5min`; `off` (or 0) is None."""
    if text.strip().lower() in OFF:
        return None
    m = _RATE.match(text)
    if not m or int(m.group(1)) < 1:
        raise ConfigError(f"not a rate: {text!r}", field=field, hint="write COUNT/UNIT, e.g. 120/min, 10/s or 1000/h; "
                                                                    "or off")
    period = _SECONDS[m.group(3).lower()] * (int(m.group(2)) if m.group(2) else 1)
    if period <= 0:
        raise ConfigError(f"not a rate: {text!r}", field=field, hint="the period must be longer than 0")
    return Rate(int(m.group(1)), float(period))


def refill(rate: Rate, bucket: tuple[float, float] | None, now: float) -> float:
    """Tokens in a bucket (tokens, last time) at `now`; a key without a bucket has a full one."""
    tokens, last = bucket if bucket is not None else (float(rate.count), now)
    return min(float(rate.count), tokens + max(0.0, now - last) * rate.count / rate.period)


def take_token(rate: Rate, bucket: tuple[float, float] | None, now: float) -> tuple[tuple[float, float], float]:
    """Spend one token: (the bucket after, 0.0), or (the bucket, seconds until a token) when empty.
    The arithmetic of `Limiter.take`, shared with the limiter that several server processes use
    (adapters/shared_limits.py)."""
    tokens = refill(rate, bucket, now)
    if tokens >= 1.0:
        return (tokens - 1.0, now), 0.0
    return (tokens, now), (1.0 - tokens) / (rate.count / rate.period)


def wait_for(rate: Rate, bucket: tuple[float, float] | None, now: float) -> float:
    """Seconds until the bucket has a token (0.0: now), spending nothing."""
    tokens = refill(rate, bucket, now)
    return 0.0 if tokens >= 1.0 else (1.0 - tokens) / (rate.count / rate.period)


@dataclass
class Limiter:
    """Token buckets per key. `take(key, now)` spends one token and returns 0.0, or returns how many
    seconds until one is available (nothing spent). Idle keys are forgotten (their bucket is full
    again anyway), so memory stays bounded by the clients of the last period."""

    rate: Rate
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, last time)
    _swept: float = 0.0

    def take(self, key: str, now: float) -> float:
        self._sweep(now)
        self._buckets[key], wait = take_token(self.rate, self._buckets.get(key), now)
        return wait

    def wait(self, key: str, now: float) -> float:
        """Seconds until `key` may take a token (0.0: now), spending nothing."""
        return wait_for(self.rate, self._buckets.get(key), now)

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.rate.period:
            return
        self._swept = now
        idle = [k for k, (_, last) in self._buckets.items() if now - last > self.rate.period]
        for k in idle:
            del self._buckets[k]


def retry_after(seconds: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
