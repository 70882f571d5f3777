"""`POST /v1/ask` without the framework's per-request machinery, for the requests that need none of it.

Why hand-written: the route is the one that takes the traffic, and for a quick variant (BM25 +
extractive, about half a millisecond) FastAPI's routing, dependency solving, body parsing and
exception middleware cost about as much CPU again as the answer. This ASGI middleware sits inside
the rate limit and the body-size limit (it is added first, so it runs after them) and handles
exactly the ordinary case: `ask` open to the public (`server.public`), a JSON body that validates
as `AskRequest` (the same pydantic model, so the same rules), and a quick variant
(`Server.answers_quickly`). Everything else — a token to check, a bad body, a slow variant — is
passed on unchanged to the FastAPI route, which answers it exactly as before (its errors, its 422
shapes, /openapi.json). An error while answering is mapped by the same function as the app's
exception handler (`server/errors.py`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from shipcall.errors import ShipcallError
from shipcall.server.errors import shipcall_error_response

PATH = "/v1/ask"
_JSON_HEADERS = [(b"content-type", b"application/json")]


class AskFastPath:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        server, auth = state.server, state.auth
        if "ask" not in auth.public or not _json_or_unnamed(scope) or not server.answers_quickly():
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to answer
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        request = _valid(body)
        if request is None:  # not the ordinary case: the route answers it, from the same bytes
            await self.app(scope, replay_body(body, receive), send)
            return
        client = scope.get("client")
        try:
            served = server.answer(request.question, request.user, str(client[0]) if client else None)
            await server.record_soon(served)  # committed before the answer is sent
        except ShipcallError as e:
            await shipcall_error_response(e)(scope, receive, send)
            return
        out = {"request_id": served.request_id, **served.response.to_dict(served.feature.name)}
        payload = json.dumps(out, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_JSON_HEADERS, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


def _json_or_unnamed(scope: dict[str, Any]) -> bool:
    """A body FastAPI would read as JSON: no content type, or a JSON one."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return True


def _valid(body: bytes) -> Any:
    from shipcall.server.api import AskRequest

    try:
        return AskRequest.model_validate_json(body)
    except (ValidationError, ValueError):
        return None


def replay_body(body: bytes, receive: Any) -> Any:
    """`receive` for the app behind: the whole body, read already, then whatever the client sends
    next (the body limit in server/app.py reads the body first too)."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
