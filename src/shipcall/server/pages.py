"""The HTML pages under /ui/: server-rendered Jinja2 templates (server/templates/), CSS and one
script served from the package (server/static/), nothing from outside the server. Every page
reads and works without JavaScript; review.js adds keyboard shortcuts.

Access: the evaluation pages (runs, failures, comparisons, decisions) are open like
/v1/health; the ask page follows `server.public` (like /v1/ask); the review pages show logged
queries and record reviews, so they need a session (a redirect to /ui/login otherwise). Every
state-changing form is a POST protected against cross-site requests (server/session.py).
Responses carry a Content-Security-Policy that allows only this server's own scripts, styles
and images, and forbids framing (keyboard shortcuts must not be clickjacked).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shipcall.errors import ShipcallError
from shipcall.server import views
from shipcall.server.session import (
    CSRF_COOKIE,
    Sessions,
    browser_id,
    clear_session,
    cookie_args,
    cross_site,
    set_session,
)

R = TypeVar("R", bound=Response)

router = APIRouter(prefix="/ui", include_in_schema=False)
HERE = Path(__file__).parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = views.fmt
    return env


def _sessions(request: Request) -> Sessions:
    return request.app.state.sessions


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    browser, new = browser_id(request)
    sess = _sessions(request).session(request)
    html = _env().get_template(template).render(
        reviewer=sess.reviewer if sess else None, csrf=_sessions(request).csrf_token(browser),
        path=request.url.path, **ctx)
    resp = HTMLResponse(html, status_code=status)
    if new:
        resp.set_cookie(CSRF_COOKIE, browser, **cookie_args(request))
    return secure(resp)


def secure(resp: R) -> R:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def redirect(url: str) -> Response:
    return secure(RedirectResponse(url, status_code=303))


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/ui/login?next={quote(target, safe='')}")


def _reviewer(request: Request) -> str | None:
    sess = _sessions(request).session(request)
    return sess.reviewer if sess else None


def _ask_is_open(request: Request) -> bool:
    return "ask" in request.app.state.auth.public


def _safe_next(target: str | None) -> str:
    """Only paths on this server's pages (never //host or a scheme)."""
    if target and target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/review"


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    out: dict[str, Any] = {}
    for k, v in form.multi_items():
        if isinstance(v, str):
            out.setdefault(k, []).append(v)
    return {k: (v if len(v) > 1 or k == "evidence" else v[0]) for k, v in out.items()}


def _forbidden(request: Request) -> HTMLResponse:
    return render(request, "error.html", status=403, title="Refused",
                  message="This form was not sent from this server's own page (cross-site request protection).",
                  hint="Reload the page and send the form again.")


async def _checked_form(request: Request) -> dict[str, Any] | None:
    """The POSTed form if it passes the cross-site checks, else None."""
    if cross_site(request):
        return None
    form = await _form(request)
    if not _sessions(request).check_csrf(request, form.get("csrf") if isinstance(form.get("csrf"), str) else None):
        return None
    return form


def _error(request: Request, e: ShipcallError) -> HTMLResponse:
    from shipcall.errors import NotFoundError

    return render(request, "error.html", status=404 if isinstance(e, NotFoundError) else 400, title="Error",
                  message=e.message, hint=e.hint)


# -- sign-in ------------------------------------------------------------------------------------
@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def index() -> Response:
    return redirect("/ui/runs")


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query name
    return render(request, "login.html", title="Sign in", next=_safe_next(next), error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    target = _safe_next(form.get("next"))
    token = str(form.get("token", ""))
    reviewer = " ".join(str(form.get("reviewer", "")).split())[:200] or "reviewer"
    if not request.app.state.auth.check_token(token):
        return render(request, "login.html", status=401, title="Sign in", next=target,
                      error="That is not the server's token.")
    resp = redirect(target)
    set_session(resp, request, _sessions(request).issue(reviewer))
    return resp


@router.post("/logout")
async def logout(request: Request) -> Response:
    if await _checked_form(request) is None:
        return _forbidden(request)
    resp = redirect("/ui/login")
    clear_session(resp, request)
    return resp


# -- ask ----------------------------------------------------------------------------------------
@router.get("/ask")
def ask_page(request: Request) -> Response:
    if not _ask_is_open(request) and _reviewer(request) is None:
        return _to_login(request)
    return render(request, "ask.html", title="Ask", question="", served=None, message=None)


@router.post("/ask")
async def ask(request: Request) -> Response:
    if not _ask_is_open(request) and _reviewer(request) is None:
        return _to_login(request)
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    question = str(form.get("question", "")).strip()
    if not question:
        return render(request, "ask.html", status=422, title="Ask", question="", served=None,
                      message="Type a question first.")
    import anyio.to_thread

    server = request.app.state.server
    browser = request.cookies.get(CSRF_COOKIE, "")  # one browser keeps one canary arm (an id unrelated to it)
    user = "ui-" + _sessions(request).csrf_token("user:" + browser)[:16] if browser else None
    try:
        served = await anyio.to_thread.run_sync(lambda: server.ask(question, user))
    except ShipcallError as e:
        return render(request, "ask.html", status=422, title="Ask", question=question, served=None,
                      message=e.message)
    return render(request, "ask.html", title="Ask", question=question, served=served, message=None)


@router.post("/feedback")
async def feedback(request: Request) -> Response:
    if not _ask_is_open(request) and _reviewer(request) is None:
        return _to_login(request)
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    rating = form.get("rating")
    if rating not in ("up", "down"):
        return render(request, "error.html", status=422, title="Error", message="rating must be up or down", hint=None)
    try:
        request.app.state.server.feedback(str(form.get("request_id", "")), rating, str(form.get("comment", "")))
    except ShipcallError as e:
        return _error(request, e)
    return render(request, "ask.html", title="Ask", question="", served=None,
                  message="Thank you: your feedback was recorded.")


# -- evaluation pages -----------------------------------------------------------------------
@router.get("/runs")
def runs_page(request: Request) -> Response:
    ws = request.app.state.server.ws
    runs = ws.store.runs(limit=200)
    shown = views.headline_metrics(runs)
    return render(request, "runs.html", title="Runs", runs=runs, metrics=shown)


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str) -> Response:
    ws = request.app.state.server.ws
    try:
        run = ws.store.get_run(run_id)
    except ShipcallError as e:
        return _error(request, e)
    earlier = [r for r in ws.store.runs() if r.dataset == run.dataset and r.id != run.id
               and r.status == "finished"]
    unreviewed = sum(not it.reviewed for it in ws.store.load_dataset(run.dataset, run.dataset_version).items)
    return render(request, "run.html", title=f"Run {run.id}", run=run, tables=views.cohort_tables(run),
                  metrics=sorted(run.metrics.items()), others=earlier[:8], unreviewed=unreviewed)


@router.get("/runs/{run_id}/failures")
def failures_page(request: Request, run_id: str) -> Response:
    from shipcall.app.decisions import load_run

    try:
        ev = load_run(request.app.state.server.ws, run_id)
    except ShipcallError as e:
        return _error(request, e)
    from shipcall.app.failures import failure_table

    rows = views.pareto_rows(failure_table(ev))
    return render(request, "failures.html", title=f"Failures of {ev.run.id}", run=ev.run, rows=rows,
                  failed=sum(r["count"] for r in rows), n=len(ev.results))


@router.get("/compare/{baseline}/{candidate}")
def compare_page(request: Request, baseline: str, candidate: str, weights: str = "eval") -> Response:
    from shipcall.app.decisions import compare_runs
    from shipcall.errors import NotFoundError

    ws = request.app.state.server.ws
    notice = None
    try:
        try:
            rep = compare_runs(ws, baseline, candidate, ws.contract(),
                               weights="production" if weights == "production" else "eval")
        except NotFoundError as e:
            if weights != "production" or "production log" not in e.message:
                raise
            notice = f"{e.message} ({e.hint})"
            rep = compare_runs(ws, baseline, candidate, ws.contract())
    except ShipcallError as e:
        return _error(request, e)
    cmp = rep.comparison
    notable = [r for r in cmp.cohorts if r.verdict != "no_change"]
    return render(request, "compare.html", title=f"{rep.baseline.run.id} → {rep.candidate.run.id}", rep=rep,
                  cmp=cmp, overall=views.interval_rows(cmp.overall), cohorts=views.interval_rows(notable),
                  hidden=len(cmp.cohorts) - len(notable), weights=rep.production, notice=notice)


@router.get("/decisions")
def decisions_page(request: Request) -> Response:
    rows = list(reversed(request.app.state.server.ws.store.decisions()))
    return render(request, "decisions.html", title="Decisions", decisions=rows)


# -- review -------------------------------------------------------------------------------------
@router.get("/review")
def review_queue(request: Request, done: int = 0) -> Response:
    from shipcall.adapters.store.reviews import ReviewStore
    from shipcall.app.draft_review import drafts
    from shipcall.app.review import queue, reason_text
    from shipcall.core.review import agreement

    who = _reviewer(request)
    if who is None:
        return _to_login(request)
    ws = request.app.state.server.ws
    entries = queue(ws)
    drafted = drafts(ws)
    reviewed = sum(q.reviewed for q in entries)
    mine = sum(any(r.reviewer == who for r in q.reviews) for q in entries)
    first = next((q for q in entries if not any(r.reviewer == who for r in q.reviews)), None)
    first_draft = next((d for d in drafted if not d.reviewed), None)
    return render(request, "review_queue.html", title="Review queue", entries=entries, reviewed=reviewed, mine=mine,
                  total=len(entries), first=first, reason_text=reason_text, done=bool(done),
                  agreement=agreement(ReviewStore(ws.store).reviews()), drafts=drafted,
                  drafts_reviewed=sum(d.reviewed for d in drafted), first_draft=first_draft)


def _neighbours(entries: list[Any], request_id: str, who: str) -> tuple[Any, Any, Any, int]:
    idx = next((i for i, q in enumerate(entries) if q.request_id == request_id), -1)
    prev = entries[idx - 1] if idx > 0 else None
    nxt = entries[idx + 1] if 0 <= idx < len(entries) - 1 else None
    later = [q for q in entries[idx + 1:] + entries[:max(idx, 0)] if not any(r.reviewer == who for r in q.reviews)]
    return prev, nxt, (later[0] if later else None), idx


@router.get("/review/draft/{draft_id}")
def review_draft(request: Request, draft_id: str) -> Response:
    from shipcall.app.draft_review import drafts
    from shipcall.core.drafting import VERDICTS

    who = _reviewer(request)
    if who is None:
        return _to_login(request)
    ws = request.app.state.server.ws
    entries = drafts(ws)
    idx = next((i for i, d in enumerate(entries) if d.draft.draft_id == draft_id), None)
    if idx is None:
        return render(request, "error.html", status=404, title="Not queued", message=f"no draft {draft_id}",
                      hint="draft items with `shipcall dataset draft --name NAME`")
    q = entries[idx]
    final = q.final
    return render(request, "review_draft.html", title="Review draft", q=q, d=q.draft, final=final,
                  position=idx + 1, total=len(entries), reviewed=sum(x.reviewed for x in entries),
                  prev=entries[idx - 1] if idx > 0 else None, nxt=entries[idx + 1] if idx + 1 < len(entries) else None,
                  verdicts=VERDICTS, sources=views.draft_sources(ws, q.draft),
                  tags_text=", ".join(f"{k}={v}" for k, v in final.tags.items()))


@router.post("/review/draft/{draft_id}")
async def record_draft_review(request: Request, draft_id: str) -> Response:
    from shipcall.app.draft_review import drafts
    from shipcall.app.draft_review import record as record_draft
    from shipcall.core.review import parse_tags

    who = _reviewer(request)
    if who is None:
        return _to_login(request)
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    server = request.app.state.server
    evidence = [d.strip() for d in str(form.get("evidence_text", "")).replace("\n", ",").split(",") if d.strip()]

    def save() -> None:
        record_draft(server.ws, draft_id, reviewer=who, verdict=str(form.get("verdict", "")),
                     question=str(form.get("question", "")) or None, gold=str(form.get("gold", "")) or None,
                     evidence=evidence, tags=parse_tags(str(form.get("tags", ""))), note=str(form.get("note", "")),
                     redact=lambda t: server.redactor.redact(t).text)

    import anyio.to_thread

    try:
        await anyio.to_thread.run_sync(save)
    except ShipcallError as e:
        what = f"{e.field}: {e.message}" if e.field else e.message
        return render(request, "error.html", status=422, title="Not saved", message=what,
                      hint=(e.hint or "") + " — go back (Alt+←) to correct the form.")
    entries = await anyio.to_thread.run_sync(lambda: drafts(server.ws))
    idx = next((i for i, d in enumerate(entries) if d.draft.draft_id == draft_id), 0)
    later = [d for d in entries[idx + 1:] + entries[:idx] if not d.reviewed]
    if not later:
        return redirect("/ui/review?done=1")
    return redirect(f"/ui/review/draft/{later[0].draft.draft_id}")


@router.get("/review/{request_id}")
def review_item(request: Request, request_id: str) -> Response:
    from shipcall.app.review import queue, reason_text
    from shipcall.core.failures import FAILURE_MODES
    from shipcall.core.review import VERDICTS

    who = _reviewer(request)
    if who is None:
        return _to_login(request)
    server = request.app.state.server
    entries = queue(server.ws)
    q = next((x for x in entries if x.request_id == request_id), None)
    if q is None:
        return render(request, "error.html", status=404, title="Not queued",
                      message=f"no queued query with request id {request_id}",
                      hint="queue logged queries with `shipcall review sample --n 50`")
    prev, nxt, next_pending, idx = _neighbours(entries, request_id, who)
    mine = next((r for r in q.reviews if r.reviewer == who), None)
    others = [r for r in q.reviews if r.reviewer != who]
    if not hasattr(request.app.state, "chunk_lookup"):
        request.app.state.chunk_lookup = views.chunk_lookup(server.features())
    tags = mine.tags if mine else q.cohorts
    retrieved = list(dict.fromkeys(r["doc_id"] for r in q.entry.retrieved))
    chosen = set(mine.evidence) if mine else set()
    return render(request, "review_item.html", title="Review", q=q, e=q.entry, position=idx + 1, total=len(entries),
                  reviewed=sum(x.reviewed for x in entries), prev=prev, nxt=nxt, next_pending=next_pending,
                  mine=mine, others=len(others), verdicts=VERDICTS, modes=FAILURE_MODES, reason_text=reason_text,
                  sources=views.sources(server.ws, q.entry, request.app.state.chunk_lookup),
                  tags_text=", ".join(f"{k}={v}" for k, v in tags.items()), retrieved=retrieved, chosen=chosen,
                  other_evidence=", ".join(d for d in chosen if d not in retrieved), error=None)


@router.post("/review/{request_id}")
async def record_review(request: Request, request_id: str) -> Response:
    from shipcall.app.review import queue, record
    from shipcall.core.review import parse_tags

    who = _reviewer(request)
    if who is None:
        return _to_login(request)
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    server = request.app.state.server
    evidence = [e for e in form.get("evidence", []) if e] + [
        d.strip() for d in str(form.get("evidence_other", "")).replace("\n", ",").split(",") if d.strip()]

    def save() -> None:
        record(server.ws, request_id, reviewer=who, verdict=str(form.get("verdict", "")),
               failure_mode=str(form.get("failure_mode") or "") or None, gold_answer=str(form.get("gold", "")),
               evidence=evidence, tags=parse_tags(str(form.get("tags", ""))), note=str(form.get("note", "")),
               redact=lambda t: server.redactor.redact(t).text)

    import anyio.to_thread

    try:
        await anyio.to_thread.run_sync(save)
    except ShipcallError as e:
        what = f"{e.field}: {e.message}" if e.field else e.message
        return render(request, "error.html", status=422, title="Not saved", message=what,
                      hint=(e.hint or "") + " — go back (Alt+←) to correct the form.")
    entries = await anyio.to_thread.run_sync(lambda: queue(server.ws))
    _, _, next_pending, _ = _neighbours(entries, request_id, who)
    if next_pending is None:
        return redirect("/ui/review?done=1")
    return redirect(f"/ui/review/{next_pending.request_id}")


@router.post("/review-promote")
async def promote(request: Request) -> Response:
    from shipcall.app.review import promote as do_promote
    from shipcall.core.datasets import diff_items

    if _reviewer(request) is None:
        return _to_login(request)
    form = await _checked_form(request)
    if form is None:
        return _forbidden(request)
    ws = request.app.state.server.ws
    import anyio.to_thread

    try:
        rep = await anyio.to_thread.run_sync(lambda: do_promote(ws, str(form.get("dataset", "")).strip()))
    except ShipcallError as e:
        return _error(request, e)
    diff = None
    if rep.created and rep.previous_version:
        old = ws.store.load_dataset(rep.dataset, rep.previous_version)
        new = ws.store.load_dataset(rep.dataset, rep.version)
        diff = diff_items(old.items, new.items)
    return render(request, "promoted.html", title="Promoted", rep=rep, diff=diff)
