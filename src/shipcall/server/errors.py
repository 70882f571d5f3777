"""The API's error responses: one JSON shape, `{error, field, hint}`, for every error (server/app.py's
handlers and /v1/ask's fast path, server/fastpath.py)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse

from shipcall.errors import ApiError, NotFoundError, ShipcallError

log = logging.getLogger("shipcall.server")


def error_body(error: str, field: str | None = None, hint: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": error, "field": field, "hint": hint, **extra}


def shipcall_error_response(e: ShipcallError) -> JSONResponse:
    """A ShipcallError as the API's error response (the handler's, and /v1/ask's fast path's)."""
    from shipcall.errors import StoreError

    status = (e.status if isinstance(e, ApiError) else 404 if isinstance(e, NotFoundError)
              else 503 if isinstance(e, StoreError) else 400)  # 503: the store failed, not the request
    if isinstance(e, StoreError):
        log.error("%s", e)  # the operator's copy names the file; the caller's does not
    return JSONResponse(error_body(e.message, e.field, e.hint), status_code=status)
