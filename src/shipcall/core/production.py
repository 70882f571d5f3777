"""ProductionLogEntry and the canary split. Pure: the server measures, redacts and stores.

Canary assignment (`assign_arm`): with a user, the arm is a function of a hash of the user and
the candidate's name, so one user always gets the same variant while the share is unchanged
(and raising the share only moves users from baseline to candidate, never back). Without a
user, each request is its own draw (`draw` in [0, 1), supplied by the caller).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any, Literal

Arm = Literal["baseline", "candidate"]
Rating = Literal["up", "down"]


def user_bucket(user: str, salt: str) -> float:
    """A stable number in [0, 1) for a user: the first 8 bytes of sha256(salt NUL user)."""
    h = hashlib.sha256(f"{salt}\0{user}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def assign_arm(user: str | None, share: float, *, salt: str, draw: float) -> Arm:
    """`candidate` for a `share` of traffic: sticky per user when given, else by `draw`."""
    if share <= 0:
        return "baseline"
    x = user_bucket(user, salt) if user else draw
    return "candidate" if x < share else "baseline"


def user_hash(user: str | None, key: bytes) -> str | None:
    """What the log keeps of a user id: a pseudonym, HMAC-SHA256 under the workspace's secret
    `key` (16 hex digits), never the id itself. Without the key, a list of staff e-mails does not
    re-identify anyone (a constant salt would let anyone recompute the hashes). Entries logged
    before the key existed keep their old pseudonyms; they are still read like any other."""
    if not user:
        return None
    return hmac.new(key, f"user\0{user}".encode(), hashlib.sha256).hexdigest()[:16]


def client_hash(client: str | None, key: bytes) -> str | None:
    """The pseudonym of an anonymous asker's network address (`client-` + 12 hex digits), logged
    in `user_hash` when no user id is given, so that per-user caps also limit a flood of
    anonymous questions from one address; the `client-` prefix tells it from a user's."""
    if not client:
        return None
    return "client-" + hmac.new(key, f"client\0{client}".encode(), hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True)
class Feedback:
    request_id: str
    rating: Rating
    comment: str
    created_at: str
    redactions: dict[str, int] = field(default_factory=dict)


@dataclass
class ProductionLogEntry:
    """One answered query as logged (question, answer and comments already redacted)."""

    request_id: str
    created_at: str
    variant: str
    question: str
    answer: str
    abstained: bool
    support: float = 0.0
    arm: Arm = "baseline"
    variant_hash: str = ""
    user_hash: str | None = None
    retrieved: list[dict[str, Any]] = field(default_factory=list)  # doc_id, chunk_id, score, rank
    citations: list[dict[str, Any]] = field(default_factory=list)  # doc_id, chunk_id, snippet (redacted)
    latency_ms: dict[str, float] = field(default_factory=dict)
    redactions: dict[str, int] = field(default_factory=dict)
    corpus_version: str = ""
    feedback: list[Feedback] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id, "created_at": self.created_at, "variant": self.variant,
            "arm": self.arm, "variant_hash": self.variant_hash, "user_hash": self.user_hash,
            "question": self.question, "answer": self.answer, "abstained": self.abstained,
            "support": self.support, "retrieved": self.retrieved, "citations": self.citations,
            "latency_ms": self.latency_ms, "redactions": self.redactions, "corpus_version": self.corpus_version,
            "feedback": [{"rating": f.rating, "comment": f.comment, "created_at": f.created_at}
                         for f in self.feedback],
        }


def cap_per_user(entries: list[ProductionLogEntry], cap: int | None) -> list[ProductionLogEntry]:
    """At most `cap` entries per user pseudonym (the earliest ones), so one user or one address
    flooding the log cannot steer drift, production weights or the monitor. Entries without a
    pseudonym (logged before addresses were) are kept. Order is preserved; `cap=None` keeps all."""
    if cap is None:
        return entries
    seen: dict[str, int] = {}
    order = sorted(range(len(entries)), key=lambda i: (entries[i].created_at, i))
    keep = set()
    for i in order:
        who = entries[i].user_hash
        if who is None:
            keep.add(i)
            continue
        seen[who] = seen.get(who, 0) + 1
        if seen[who] <= cap:
            keep.add(i)
    return [e for i, e in enumerate(entries) if i in keep]
