"""Serving, the use case behind `shipcall serve`: answer -> redact -> log (committed) -> return.

The HTTP server and the tests call this same code; the server only adds routing, auth and
error mapping. One `Server` holds what every request shares: the store's production log, the
redactor and the opened features (indexes loaded once)."""

from __future__ import annotations

import functools
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipcall.adapters.clock import now
from shipcall.adapters.store.production_log import ProductionLog
from shipcall.app.redact import Redactor
from shipcall.app.workspace import Workspace
from shipcall.core.production import ProductionLogEntry, assign_arm, client_hash, user_hash
from shipcall.errors import ApiError

if TYPE_CHECKING:
    from shipcall.adapters.store.group_commit import GroupCommit, LoopGroupCommit
    from shipcall.app.canary import CanaryWatch
    from shipcall.app.feature import Feature
    from shipcall.config.schema import ServerConfig

PROBE_SECONDS = 2.0
FAILED_WRITE_SECONDS = 30.0


@dataclass
class Served:
    """One answered question: what /v1/ask returns and what was logged."""

    request_id: str
    feature: Feature
    response: Any  # shipcall.app.feature.Response
    entry: ProductionLogEntry


@dataclass
class Server:
    ws: Workspace
    settings: ServerConfig
    log: ProductionLog
    redactor: Redactor
    baseline: Feature
    candidate: Feature | None = None
    share: float = 0.0
    secret: bytes = b""  # keys the user pseudonyms (adapters/store/secret.py)
    started_at: str = field(default_factory=now)
    probe_seconds: float = PROBE_SECONDS  # at most one write probe per this many seconds
    _last_write_error: tuple[float, str] | None = None  # (when, why) the latest log write failed
    _probe: tuple[float, str | None] = (-1e9, None)    # (when, error) of the latest write probe
    _probe_lock: threading.Lock = field(default_factory=threading.Lock)
    canary: CanaryWatch | None = None  # the live split from the store (every replica follows it)
    _opened: dict[str, Feature] = field(default_factory=dict)
    _hashes: dict[int, str] = field(default_factory=dict)  # id(feature) -> its variant hash (fixed once opened)
    _quick: dict[int, bool] = field(default_factory=dict)  # id(feature) -> answered on the event loop
    _writer: GroupCommit | None = None  # the log's group commit on a database server (its own thread)
    _loop_writer: LoopGroupCommit | None = None  # the log's group commit on SQLite (on the event loop)

    def __post_init__(self) -> None:
        # Answers and citation snippets are document text that recurs from request to request:
        # their redaction (a pure function of the text) is remembered. Questions are not: they
        # are new text each time, and personal data should not linger in memory for them.
        self._redact_document_text = functools.lru_cache(maxsize=8192)(self.redactor.redact)

    def features(self) -> list[Feature]:
        return [self.baseline] + ([self.candidate] if self.candidate else [])

    def follow_canary(self) -> None:
        """Serve the split the store holds now (re-read every few seconds): a `canary set`,
        `promote` or `rollback` reaches every replica without a restart. A variant not opened
        yet is opened here, once."""
        if self.canary is None:
            return
        state = self.canary.get()
        if (state.baseline, state.candidate, state.share) == (
                self.baseline.name, self.candidate.name if self.candidate else None, self.share):
            return
        self.baseline = self._feature(state.baseline)
        self.candidate = self._feature(state.candidate) if state.candidate else None
        self.share = state.share if state.candidate else 0.0

    def _feature(self, name: str) -> Feature:
        from shipcall.app.feature import Feature

        for f in (self.baseline, self.candidate):
            if f is not None:
                self._opened.setdefault(f.name, f)
        if name not in self._opened:
            self._opened[name] = Feature.open(self.ws, name)
        return self._opened[name]

    def ask(self, question: str, user: str | None = None, client: str | None = None) -> Served:
        """Answer, redact, log (committed), and only then return. `client`: the asker's network
        address, logged as a pseudonym when there is no `user` (per-user caps)."""
        served = self.answer(question, user, client)
        self.record(served)
        return served

    def answer(self, question: str, user: str | None = None, client: str | None = None) -> Served:
        """`ask` without the log write: answered and redacted, its log entry ready for `record`."""
        t0 = time.perf_counter()
        question = question.strip()
        self.check_length(question, "question", self.settings.max_question_chars)
        self.follow_canary()
        baseline, candidate, share = self.baseline, self.candidate, self.share  # one consistent split
        arm = "baseline"
        if candidate is not None:
            arm = assign_arm(user, share, salt=candidate.name, draw=random.random())
        feature = candidate if arm == "candidate" and candidate is not None else baseline
        r = feature.answer(question)
        t1 = time.perf_counter()
        q = self.redactor.redact(question)
        a = self._redact_document_text(r.answer.text)
        t2 = time.perf_counter()
        # what the log received from the person asking: the question's personal data. The answer
        # and snippets quote the team's own documents; they are redacted too but not counted as received.
        counts = dict(q.counts)
        request_id = uuid.uuid4().hex
        entry = ProductionLogEntry(
            request_id=request_id, created_at=now(), variant=feature.name, question=q.text, answer=a.text,
            abstained=r.answer.abstained, support=float(r.answer.support), arm=arm,  # type: ignore[arg-type]
            variant_hash=self._variant_hash(feature),  # with its prompt's hash
            user_hash=user_hash(user, self.secret) if user else client_hash(client, self.secret),
            retrieved=[{"doc_id": sc.chunk.doc_id, "chunk_id": sc.chunk.id, "score": round(sc.score, 6),
                        "rank": sc.rank} for sc in r.chunks],
            citations=[{"doc_id": c.doc_id, "chunk_id": c.chunk_id,
                        "snippet": self._redact_document_text(c.snippet).text} for c in r.answer.citations],
            latency_ms={**{k: round(v, 3) for k, v in r.latency_ms.items()},
                        "redact": round((t2 - t1) * 1000, 3),
                        "server": round((t2 - t0) * 1000, 3)},
            redactions=counts, corpus_version=feature.corpus_version,
        )
        return Served(request_id, feature, r, entry)

    def record(self, served: Served) -> None:
        """Commit the answer's log entry (before the caller sees its request id)."""
        try:
            self.log.add(served.entry)
        except Exception as e:
            self._last_write_error = (time.monotonic(), getattr(e, "message", None) or str(e))
            raise
        self._last_write_error = None

    async def record_soon(self, served: Served) -> None:
        """`record` for a caller on the event loop: the entry joins a group commit (one transaction
        for the entries of every request answered meanwhile) and this returns once it is committed,
        so the answer is still sent only after its row is in the store. On SQLite (a file on this
        machine, where a commit is ~0.15 ms of CPU and a hop to a thread and back costs more than
        it saves, as measured) the group commit runs on the loop itself, at its next turn; on a
        database server on the log's own thread, so that the loop answers other requests instead
        of waiting on the network."""
        try:
            if self.log.local:
                if self._loop_writer is None:
                    from shipcall.adapters.store.group_commit import LoopGroupCommit

                    self._loop_writer = LoopGroupCommit(self.log.add_many)
                await self._loop_writer.submit(served.entry)
            else:
                import asyncio

                if self._writer is None:
                    from shipcall.adapters.store.group_commit import GroupCommit

                    self._writer = GroupCommit(self.log.add_many)
                await asyncio.wrap_future(self._writer.submit(served.entry))
        except Exception as e:
            self._last_write_error = (time.monotonic(), getattr(e, "message", None) or str(e))
            raise
        self._last_write_error = None

    def close(self) -> None:
        """Finish the pending log writes (at shutdown)."""
        if self._loop_writer is not None:
            self._loop_writer.flush()
        if self._writer is not None:
            self._writer.close()

    def answers_quickly(self) -> bool:
        """Whether answering costs only CPU work in this process, about a millisecond: every
        served variant is `quick` (no LLM, no embedding model). The server then answers on its
        event loop (handing such a request to a thread and back costs more CPU than the answer)
        and logs through `record_soon`; anything that waits goes to threads (server/api.py)."""
        self.follow_canary()
        for f in (self.baseline, self.candidate):
            if f is not None:
                quick = self._quick.get(id(f))
                if quick is None:
                    quick = self._quick[id(f)] = bool(getattr(f.generator.capabilities, "quick", False)
                                                      and not f.loads_model)
                if not quick:
                    return False
        return True

    def _variant_hash(self, feature: Feature) -> str:
        """A feature's variant hash, computed once (it hashes the resolved config, ~20 µs)."""
        h = self._hashes.get(id(feature))
        if h is None:
            h = self._hashes[id(feature)] = getattr(feature, "variant_hash", feature.variant.hash)
        return h

    def health(self) -> str | None:
        """Why the store cannot take the log's writes right now, or None: a write probe (at most
        one every `probe_seconds`; a committed tiny write and a rolled-back log insert) and the
        latest real log write, if it failed in the last FAILED_WRITE_SECONDS and no probe has
        passed since (so a load balancer stops sending traffic, and sends it again once writes
        work, without a restart)."""
        t = time.monotonic()
        with self._probe_lock:
            if t - self._probe[0] >= self.probe_seconds:
                self._probe = (t, self.ws.store.write_probe())
            probed_at, error = self._probe
        failed = self._last_write_error
        if error is None and failed is not None and failed[0] > probed_at and t - failed[0] < FAILED_WRITE_SECONDS:
            error = f"the last production log write failed: {failed[1]}"
        return error

    def check_length(self, text: str, field: str, limit: int | None = None) -> None:
        """Size limits come before any work (redaction, answering, storing)."""
        limit = limit or self.settings.max_comment_chars
        if len(text) > limit:
            key = "max_question_chars" if field == "question" else "max_comment_chars"
            raise ApiError(422, f"{field} is too long ({len(text)} characters)", field=field,
                           hint=f"at most {limit} characters (server.{key})")

    def feedback(self, request_id: str, rating: str, comment: str | None) -> dict[str, Any]:
        self.check_length(comment or "", "comment")
        red = self.redactor.redact(comment or "")
        fb = self.log.add_feedback(request_id, rating, red.text, red.counts)
        return {"request_id": fb.request_id, "rating": fb.rating, "comment": fb.comment,
                "created_at": fb.created_at, "redactions": fb.redactions}
