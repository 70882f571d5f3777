"""ProductionLogEntry and the canary split. Pure: the server measures, redacts and stores.

Canary assignment (`assign_arm`): with a user, the arm is a function of a hash of the user and
the candidate's name, so one user always gets the same variant while the share is unchanged
(and raising the share only moves users from baseline to candidate, never back). Without a
user, each request is its own draw (`draw` in [0, 1), supplied by the caller).
"""

from __future__ import annotations

import hashlib
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


def user_hash(user: str | None) -> str | None:
    """What the log keeps of a user id: a pseudonym (sha256, 16 hex digits), never the id itself."""
    if not user:
        return None
    return hashlib.sha256(f"shipcall-user\0{user}".encode()).hexdigest()[:16]


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
