"""FastAPI dependencies: the application's state, who is asking, CSRF, roles, pagination."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from stateside.api import auth
from stateside.api.config import ApiConfig
from stateside.api.jobs import JobRunner
from stateside.api.problems import Problem, forbidden
from stateside.api.rundata import RunCache
from stateside.api.tables import DEFAULT_LIMIT, MAX_LIMIT

SESSION_COOKIE = "stateside_session"
CSRF_COOKIE = "stateside_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(auto_error=False, description="An API token: `stateside users token NAME`.")
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="The browser session of `POST /api/session`; state-changing requests also need the "
    f"`{CSRF_HEADER}` header equal to the `{CSRF_COOKIE}` cookie.",
)


@dataclass
class AppState:
    """What the routes share: the settings, the job runner and the cache of loaded runs."""

    config: ApiConfig
    runner: JobRunner
    runs: RunCache
    reports: dict[str, bytes] = field(default_factory=dict)
    throttle: auth.LoginThrottle = field(default_factory=auth.LoginThrottle)
    hash_gate: auth.HashGate = field(default_factory=auth.HashGate)

    @property
    def url(self) -> str | None:
        return self.config.db_url


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.stateside
    return state


State = Annotated[AppState, Depends(app_state)]


async def _csrf_value(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        try:
            form = await request.form()
        except Exception:
            return None
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def optional_principal(
    request: Request,
    st: State,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> auth.Principal | None:
    """The user of an API token or a session cookie (None if neither); checks CSRF on session writes."""
    if bearer is not None:
        p = auth.principal_from_token(bearer.credentials, st.url)
        if p is None:
            raise Problem(
                401,
                "the API token is not valid (revoked, mistyped, or its user was removed)",
                kind="unauthenticated",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return p
    if not cookie:
        return None
    p = auth.principal_from_session(cookie, st.url)
    if p is None:
        return None
    if request.method not in SAFE_METHODS:
        sent = await _csrf_value(request)
        if not (
            auth.same_secret(sent, request.cookies.get(CSRF_COOKIE)) and auth.same_secret(sent, p.csrf_token)
        ):
            raise Problem(
                403,
                f"a state-changing request of a browser session needs the {CSRF_HEADER} header "
                f"(or a {CSRF_FIELD} form field) equal to the {CSRF_COOKIE} cookie",
                kind="csrf",
            )
    return p


async def principal(p: Annotated[auth.Principal | None, Depends(optional_principal)]) -> auth.Principal:
    """The authenticated user; 401 problem without credentials."""
    if p is None:
        raise Problem(
            401,
            "sign in (POST /api/session) or send an API token (Authorization: Bearer sst_…)",
            kind="unauthenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return p


User = Annotated[auth.Principal, Depends(principal)]


def writer(p: User) -> auth.Principal:
    """An admin or analyst (who may upload scenarios and start jobs)."""
    if not p.can_write:
        raise forbidden(f"role {p.role} is read-only here: uploading and running need an analyst or admin")
    return p


def admin(p: User) -> auth.Principal:
    if p.role != "admin":
        raise forbidden("only an admin manages users")
    return p


Writer = Annotated[auth.Principal, Depends(writer)]
Admin = Annotated[auth.Principal, Depends(admin)]


@dataclass(frozen=True)
class PageParams:
    offset: int
    limit: int


def page_params(
    offset: Annotated[int, Query(ge=0, le=10**9, description="Rows to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows to return.")] = DEFAULT_LIMIT,
) -> PageParams:
    return PageParams(offset, limit)


Page = Annotated[PageParams, Depends(page_params)]


def small_page_params(
    offset: Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Items to return.")] = 50,
) -> PageParams:
    return PageParams(offset, limit)


SmallPage = Annotated[PageParams, Depends(small_page_params)]


def paged(items: list[Any], total: int, pg: PageParams) -> dict[str, Any]:
    return {"items": items, "total": total, "offset": pg.offset, "limit": pg.limit}
