"""The JSON API under /v1/: ask, feedback, health, and the production log (token required).

Routes are plain `def` functions: uvicorn runs them on its thread pool, so a slow answer or a
log write never blocks the event loop. `/v1/ask` is the exception, because it is the route that
takes the traffic: when the answer is about a millisecond of CPU work in this process
(`Server.answers_quickly`: BM25 + extractive) it is answered on the event loop, since the hop to
a thread and back (a queue, a wake-up, GIL hand-overs among 64 threads) cost more CPU than the
answer, and its log row is committed by `Server.record_soon` before the answer is sent, through a
group commit (on the loop itself on SQLite; on the log's own thread on a database server, so the
loop never waits on the network); otherwise (an LLM, an embedding model) it goes to the thread
pool as before.
Its response is serialised once, directly (the answer's dict is already in the response's shape;
`AskResponse` still documents it in /openapi.json). The ordinary public request does not even
reach this route: server/fastpath.py answers it the same way with less framework around it.
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shipcall.server.auth import require_token, require_token_unless_public

router = APIRouter(prefix="/v1")
ASK_ACCESS = Depends(require_token_unless_public("ask"))
FEEDBACK_ACCESS = Depends(require_token_unless_public("feedback"))


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, description="the question; personal data in it is redacted before logging")
    user: str | None = Field(None, max_length=200,
                             description="any stable id of the asker: keeps a canary sticky; logged as a hash")

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v


class CitationOut(BaseModel):
    doc_id: str
    chunk_id: str
    heading_path: list[str]
    snippet: str


class AskResponse(BaseModel):
    request_id: str
    variant: str
    answer: str = Field(description="the answer itself: for extractive variants the span of the asked type")
    context: str = Field("", description="the sentence(s) the answer was taken from (the answer itself for LLMs)")
    citations: list[CitationOut]
    abstained: bool
    support: float
    near_misses: list[dict[str, Any]]
    latency_ms: dict[str, float]
    usage: dict[str, Any] | None = Field(None, description="LLM variants: tokens, cost, cache hit, model")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: str = Field(min_length=1, max_length=64)
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=4000, description="redacted before it is stored")


class FeedbackResponse(BaseModel):
    request_id: str
    rating: str
    comment: str
    created_at: str
    redactions: dict[str, int]


@router.post("/ask", response_model=AskResponse, response_model_exclude_unset=True,
             summary="Answer a question (logged, redacted)")
async def ask(body: AskRequest, request: Request, _: Any = ASK_ACCESS) -> Response:
    server = request.app.state.server
    client = request.client.host if request.client else None
    if server.answers_quickly():
        served = server.answer(body.question, body.user, client)
        await server.record_soon(served)
    else:
        from starlette.concurrency import run_in_threadpool

        served = await run_in_threadpool(server.ask, body.question, body.user, client)
    out = {"request_id": served.request_id, **served.response.to_dict(served.feature.name)}
    return Response(json.dumps(out, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(),
                    media_type="application/json")


@router.post("/feedback", response_model=FeedbackResponse, summary="Rate an answer: up or down, with a comment")
def feedback(body: FeedbackRequest, request: Request,
             _: Any = FEEDBACK_ACCESS) -> dict[str, Any]:
    return request.app.state.server.feedback(body.request_id, body.rating, body.comment)


@router.get("/health", summary="Liveness, the variants served, the store's kind and migration, whether the store "
                               "takes writes (503 `degraded` when not); with the token also its size and retention")
def health(request: Request) -> Any:
    from fastapi.responses import JSONResponse

    s = request.app.state.server
    s.follow_canary()
    problem = s.health()
    body: dict[str, Any] = {
        "status": "degraded" if problem else "ok",
        "variant": s.baseline.name,
        "candidate": s.candidate.name if s.candidate else None,
        "share": s.share,
        "corpus_version": s.baseline.corpus_version,
        "started_at": s.started_at,
    }
    if problem:
        body["problem"] = "the store cannot be written"
    if request.app.state.auth.principal(request) is not None:  # operators only: sizes and reasons
        from shipcall.adapters.store.production_log import retention

        store = s.ws.store
        applied = store.migrations_applied()
        body["store"] = {"kind": store.kind, "migration": applied[max(applied)] if applied else None,
                         "size_bytes": store.size_bytes()}
        body["process"] = os.getpid()  # which worker of `serve --workers N` answered
        if problem:
            body["problem"] = f"the store cannot be written: {problem}"
        try:
            body["retention"] = retention(store)
        except Exception:  # a damaged log must not break the health answer itself
            body["retention"] = None
    return JSONResponse(body, status_code=503 if problem else 200)


class CanaryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["set", "promote", "rollback"]
    share: float | None = Field(None, ge=0, le=1, description="set: the candidate's share of traffic")
    candidate: str | None = Field(None, description="set: the candidate variant (default: the current one)")
    note: str = Field("", max_length=2000, description="why: recorded with the decision")


@router.get("/admin/canary", summary="The live canary split every replica follows (token required)")
def canary_status(request: Request, _: str = Depends(require_token)) -> dict[str, Any]:
    from shipcall.app.canary import current

    return current(request.app.state.server.ws).to_dict()


@router.post("/admin/canary", summary="Change the live canary split on every replica (token required)")
def canary_change(body: CanaryRequest, request: Request, who: str = Depends(require_token)) -> dict[str, Any]:
    from shipcall.app import canary

    s = request.app.state.server
    if body.action == "set":
        state = canary.set_canary(s.ws, share=body.share, candidate=body.candidate, note=body.note, who=who)
    elif body.action == "promote":
        state = canary.promote(s.ws, note=body.note, who=who)
    else:
        state = canary.rollback(s.ws, note=body.note, who=who)
    if s.canary is not None:  # this replica at once; the others within their poll interval
        s.canary.state = state
    s.follow_canary()
    return state.to_dict()


@router.get("/logs", summary="The production log, newest first (token required)")
def logs(request: Request, _: str = Depends(require_token),
         limit: int = Query(100, ge=1, le=10_000),
         since: str | None = Query(None, description="30m, 2h, 7d, a date or an ISO date and time (UTC)"),
         variant: str | None = Query(None)) -> dict[str, Any]:
    from shipcall.adapters.store.production_log import parse_since

    s = request.app.state.server
    cutoff = parse_since(since)
    items = s.log.entries(limit=limit, since=cutoff, variant=variant)
    return {"items": [e.to_dict() for e in items], "count": len(items), "limit": limit, "since": cutoff,
            "variant": variant}


@router.get("/logs/{request_id}", summary="One logged query with its feedback (token required)")
def log_entry(request_id: str, request: Request, _: str = Depends(require_token)) -> dict[str, Any]:
    return request.app.state.server.log.get(request_id).to_dict()
