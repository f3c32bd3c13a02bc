"""The application: API routes under ``/api``, dashboard pages, one error format, security headers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from stateside import __version__
from stateside.api.config import ApiConfig
from stateside.api.deps import AppState
from stateside.api.jobs import JobRunner
from stateside.api.limits import BodyLimit, SignInGate
from stateside.api.problems import PROBLEM_JSON, Problem, ProblemModel
from stateside.api.rundata import RunCache
from stateside.store.db import StoreError, engine_for

log = logging.getLogger("stateside.api")

#: Content-Security-Policy of the dashboard's pages: scripts and styles from the app only
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

DESCRIPTION = """The Stateside web service: scenarios, plan runs and their result tables, sweeps and the
security review, with role-based access (admin, analyst, investor, state_official, reviewer).

Authenticate with an API token (`Authorization: Bearer sst_…`, from `stateside users token NAME` or
`POST /api/me/tokens`) or a browser session (`POST /api/session`; state-changing requests then need the
`X-CSRF-Token` header equal to the `stateside_csrf` cookie). Every error is an RFC 9457 problem
(`application/problem+json`). See docs/api.md.
"""


def create_app(config: ApiConfig | None = None, *, runner: JobRunner | None = None) -> FastAPI:
    """The application over the store of ``config.db_url``; jobs run by ``runner`` (default: a new one)."""
    cfg = config or ApiConfig()
    engine_for(cfg.db_url)  # a bad URL or unreachable database fails here, not at the first request
    state = AppState(
        config=cfg,
        runner=runner or JobRunner(cfg.db_url, cfg.workers, cfg.lease_ttl_s, cfg.lease_wait_s),
        runs=RunCache(cfg.db_url, cfg.plan_cache_size),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.runner.start()
        try:
            yield
        finally:
            state.runner.stop()

    app = FastAPI(
        title=f"{cfg.title} API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.stateside = state
    _handlers(app)
    _headers(app)
    app.add_middleware(SignInGate, locked=lambda address: state.throttle.address_retry_after_s(address))
    app.add_middleware(
        BodyLimit,
        max_bytes=lambda: cfg.max_upload_bytes + 2**20,  # the file and the form around it
        signed_in=lambda bearer, cookie: _signed_in(bearer, cookie, cfg.db_url),
    )
    _docs(app)

    from stateside.api import routes_auth, routes_jobs, routes_runs, routes_scenarios, routes_sweeps
    from stateside.web import pages

    app.include_router(routes_auth.router)
    app.include_router(routes_scenarios.router)
    app.include_router(routes_runs.router)
    app.include_router(routes_jobs.router)
    app.include_router(routes_sweeps.router)
    from stateside.api import routes_coalition

    app.include_router(routes_coalition.router)
    app.include_router(routes_coalition.page_router)
    pages.mount(app)
    _openapi_problem_schema(app)
    return app


def _signed_in(bearer: str | None, cookie: str | None, url: str | None) -> bool:
    from stateside.api import auth

    if bearer:
        return auth.principal_from_token(bearer, url) is not None
    return bool(cookie) and auth.principal_from_session(cookie or "", url) is not None


#: the page of the interactive API docs: Swagger UI from the swagger-ui-bundle package, served by the
#: app itself (works offline; no inline script, so the pages' CSP holds)
DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>
"""
DOCS_INIT_JS = """window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui",
  deepLinking: true, presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
"""


def _docs(app: FastAPI) -> None:
    """/api/docs: Swagger UI served from the installed swagger-ui-bundle package (no CDN)."""
    from fastapi.responses import HTMLResponse
    from starlette.staticfiles import StaticFiles

    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # pragma: no cover - a dependency; the page then says so
        swagger_ui_path = None

    title = f"{app.title} - docs"

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> Response:
        if swagger_ui_path is None:
            return HTMLResponse(
                "<p>Install swagger-ui-bundle for the docs page; the schema is at "
                "<a href='/api/openapi.json'>/api/openapi.json</a>.</p>",
                status_code=503,
            )
        return HTMLResponse(DOCS_HTML.format(title=title))

    @app.get("/api/docs/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(DOCS_INIT_JS, media_type="text/javascript")

    if swagger_ui_path is not None:
        app.mount("/api/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (for the Allow header of a 405)."""
    from starlette.routing import Match

    methods: list[str] = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            methods.append(method)
    return methods


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def problem_response(request: Request, problem: Problem) -> Response:
    """The problem as JSON for the API (and clients that do not ask for HTML), as a page otherwise."""
    if not _is_api(request):
        from stateside.web.pages import error_page

        page = error_page(request, problem)
        if page is not None:
            return page
    return JSONResponse(
        problem.body(instance=request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code)
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(exc.headers or {})
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing at {request.url.path}"
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
                detail = f"{request.method} is not allowed here; allowed: {', '.join(allowed)}"
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            kind = "bad-body"
            detail = "the request body could not be read: send JSON encoded as UTF-8 (RFC 8259 §8.1)"
        return problem_response(request, Problem(exc.status_code, detail, kind=kind, headers=headers))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"where": ".".join(str(x) for x in e.get("loc", ())), "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"where": "request", "message": "invalid"}
        return problem_response(
            request,
            Problem(
                422,
                f"{first['where']}: {first['message']}"
                + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                kind="invalid-request",
                errors=errors,
            ),
        )

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> Response:
        log.error("store error on %s: %s", request.url.path, exc)
        return problem_response(request, Problem(503, "the run store cannot answer right now", kind="store"))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            request, Problem(500, "an unexpected error; it has been logged on the server", kind="internal")
        )


def _headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def _security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # (body limits: BodyLimit, the outermost middleware, counts the bytes as they are read)
        response = await call_next(request)
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Content-Security-Policy", PAGE_CSP)
        if not request.url.path.startswith("/static/"):
            h.setdefault("Cache-Control", "no-store")
        return response


def _openapi_problem_schema(app: FastAPI) -> None:
    """Put ProblemModel into the schema's components (routes refer to it)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps.setdefault(
            "ProblemModel", ProblemModel.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
