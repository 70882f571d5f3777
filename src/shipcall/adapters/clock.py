"""The one clock: every stored time is an ISO 8601 UTC string with millisecond precision, so
times written by any part of shipcall sort correctly as text."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
