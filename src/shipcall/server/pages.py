"""The HTML pages under /ui/: server-rendered Jinja2 templates (server/templates/), CSS and one
script served from the package (server/static/), nothing from outside the server. Every page
reads and works without JavaScript; review.js adds keyboard shortcuts.

The evaluation pages (run, comparison, decision, variants) include the same body templates as
`shipcall report`'s files, fed by the same context builders (render/html.py) with page links, so
a page and its report never disagree; their plots are inline SVG like the files'.

Access: the evaluation pages (runs, failures, comparisons, decisions) are open like
/v1/health, except that production questions promoted into a dataset (and the answers and gold
answers shown with them) pass through the redactor for a visitor without a session; the ask page
follows `server.public` (like /v1/ask); the review pages show logged queries and record reviews,
so they need a session (a redirect to /ui/login otherwise). Expensive pages (comparisons) are
computed once per (runs, contract, corpus) and cached (server/cache.py). Every
state-changing form is a POST protected against cross-site requests (server/session.py).
Responses carry a Content-Security-Policy that allows only this server's own scripts, styles
and images, and forbids framing (keyboard shortcuts must not be clickjacked).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shipcall.core.metrics.glossary import describe
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
    from shipcall.render.html import environment

    env = environment(str(HERE / "templates"))  # the server's templates first, then the reports' components
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
    auth = request.app.state.auth
    wait = auth.throttled(request)
    if wait > 0:  # too many wrong tokens from this address: not even checked (server/limits.py)
        from shipcall.core.ratelimit import retry_after

        refused = render(request, "login.html", status=429, title="Sign in", next=target,
                         error=f"Too many failed sign-ins from this address: try again in {retry_after(wait)} s.")
        refused.headers["Retry-After"] = retry_after(wait)
        return refused
    if not auth.check_token(token):
        auth.failed(request)
        return render(request, "login.html", status=401, title="Sign in", next=target,
                      error="That is not the server's token.")
    resp = redirect(target)
    set_session(resp, request, _sessions(request).issue(reviewer))
    return resp


@router.post("/logout")
async def logout(request: Request) -> Response:
    if await _checked_form(request) is None:
        return _forbidden(request)
    import anyio.to_thread

    from shipcall.server.session import SESSION_COOKIE

    value = request.cookies.get(SESSION_COOKIE)
    await anyio.to_thread.run_sync(lambda: _sessions(request).revoke(value))  # no copy of the cookie works now
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
        client = request.client.host if request.client else None
        served = await anyio.to_thread.run_sync(lambda: server.ask(question, user, client))
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
@router.get("/report.css")
def report_css() -> Response:
    """The reports' stylesheet (render/templates/report.css), which the pages share."""
    from shipcall.render.html import css

    return secure(Response(css(), media_type="text/css"))


def _contract(ws: Any) -> Any:
    """The workspace's contract; the documented defaults when it cannot be read (a page still lists runs)."""
    from shipcall.config.contract import default_contract

    try:
        return ws.contract()
    except ShipcallError:
        return default_contract()


@router.get("/runs")
def runs_page(request: Request) -> Response:
    from shipcall.app.reports import baseline_for
    from shipcall.render.views import headline_metrics

    ws = request.app.state.server.ws
    runs = ws.store.runs(limit=200)
    base_variant = ws.config.default_variant
    rows = [{"run": r, "baseline": baseline_for(runs, r, base_variant)} for r in runs]
    shown = [describe(m) for m in headline_metrics(runs, _contract(ws))[:4]]
    finished = [r for r in runs if r.status == "finished"]
    pick_base = next((r.id for r in finished if r.variant == base_variant), finished[-1].id if finished else "")
    pick_cand = next((r.id for r in finished if r.id != pick_base), pick_base)
    return render(request, "runs.html", title="Runs", rows=rows, metrics=shown, base_variant=base_variant,
                  choices=finished, pick=(pick_base, pick_cand))


@router.get("/compare")
def pick_compare(request: Request, baseline: str = "", candidate: str = "") -> Response:
    """The runs page's form: compare any two runs."""
    if not baseline or not candidate:
        return render(request, "error.html", status=422, title="Error", message="pick a baseline and a candidate run",
                      hint="go back to the runs page and choose both")
    return redirect(f"/ui/compare/{quote(baseline, safe='')}/{quote(candidate, safe='')}")


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str) -> Response:
    from shipcall.app.reports import run_report
    from shipcall.render.html import run_context
    from shipcall.render.views import PAGE_LINKS

    ws = request.app.state.server.ws
    try:
        rep = run_report(ws, run_id)
    except ShipcallError as e:
        return _error(request, e)
    others = [r for r in ws.store.runs() if r.dataset == rep.run.dataset and r.id != rep.run.id
              and r.status == "finished"]
    return render(request, "run.html", others=others,
                  **run_context(rep, PAGE_LINKS, required=False, redact=_visitor_redact(request)))


@router.get("/runs/{run_id}/failures")
def failures_page(request: Request, run_id: str) -> Response:
    from shipcall.app.decisions import load_run

    try:
        ev = load_run(request.app.state.server.ws, run_id)
    except ShipcallError as e:
        return _error(request, e)
    from shipcall.app.failures import failure_table
    from shipcall.errors import MissingExtraError
    from shipcall.render import plots
    from shipcall.render.views import failure_rows, production_examples

    table = failure_table(ev)
    redact = _visitor_redact(request)
    redacted = production_examples(table) if redact is not None else 0
    rows = failure_rows(table, redact)
    try:
        figure = plots.failure_pareto([(r["mode"], r["count"]) for r in table.modes], prefix="pareto",
                                      title="Why items failed") if rows else None
    except MissingExtraError:
        figure = None
    return render(request, "failures.html", title=f"Failures of {ev.run.id}", run=ev.run, rows=rows,
                  failed=table.failed, n=len(ev.results), figure=figure, redacted=redacted)


@router.get("/compare/{baseline}/{candidate}")
def compare_page(request: Request, baseline: str, candidate: str, weights: str = "eval") -> Response:
    """The gate's comparison of the pair (one test family with `shipcall gate`), verdict first; nothing recorded."""
    from shipcall.app.reports import compare_report
    from shipcall.errors import NotFoundError
    from shipcall.render.html import compare_context
    from shipcall.render.views import PAGE_LINKS

    ws = request.app.state.server.ws
    weights = "production" if weights == "production" else "eval"

    def build() -> tuple[Any, str | None]:
        try:
            return compare_report(ws, baseline, candidate, weights=weights), None
        except NotFoundError as e:
            if weights != "production" or "production log" not in e.message:
                raise
            return compare_report(ws, baseline, candidate), f"{e.message} ({e.hint})"

    try:
        contract = ws.contract()
        b, c = ws.store.get_run(baseline), ws.store.get_run(candidate)
        if b.status == "finished" and c.status == "finished":  # finished runs never change: cache the page
            log_size = request.app.state.server.log.count() if weights == "production" else None
            key = ("compare", b.id, c.id, contract.hash, weights, ws.store.corpus_version(), log_size)
            rep, notice = _page_cache(request).get(key, build)
        else:
            rep, notice = build()
    except ShipcallError as e:
        return _error(request, e)
    return render(request, "compare.html", notice=notice,
                  **compare_context(rep, PAGE_LINKS, required=False, redact=_visitor_redact(request)))


def _visitor_redact(request: Request) -> Callable[[str], str] | None:
    """Production text only to signed-in people; for a visitor, through today's redactor (the log
    was redacted when the query was asked, by the recognizers of that day)."""
    if _reviewer(request) is not None:
        return None
    redactor = request.app.state.server.redactor
    return lambda text: redactor.redact(text).text


def _page_cache(request: Request) -> Any:
    return request.app.state.page_cache  # made in create_app


@router.get("/decisions")
def decisions_page(request: Request) -> Response:
    rows = list(reversed(request.app.state.server.ws.store.decisions()))
    return render(request, "decisions.html", title="Decisions", decisions=rows)


@router.get("/decisions/{decision_id}")
def decision_page(request: Request, decision_id: int) -> Response:
    from shipcall.app.reports import decision_report
    from shipcall.render.html import decision_context
    from shipcall.render.views import PAGE_LINKS

    try:
        rep = decision_report(request.app.state.server.ws, decision_id)
    except ShipcallError as e:
        return _error(request, e)
    return render(request, "decision.html",
                  **decision_context(rep, PAGE_LINKS, required=False, redact=_visitor_redact(request)))


@router.get("/variants")
def variants_page(request: Request, dataset: str | None = None) -> Response:
    from shipcall.app.variants import variants
    from shipcall.render.html import variants_context
    from shipcall.render.views import PAGE_LINKS

    try:
        rep = variants(request.app.state.server.ws, dataset or None)
    except ShipcallError as e:
        return _error(request, e)
    return render(request, "variants.html", **variants_context(rep, PAGE_LINKS, required=False))


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
        for name in ("gold", "note", "tags", "evidence_other"):
            server.check_length(str(form.get(name, "")), name)
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
