"""Sign in and out, who am I, my API tokens; users (admins)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import JSONResponse

from stateside.api import auth
from stateside.api.deps import CSRF_COOKIE, SESSION_COOKIE, Admin, State, User
from stateside.api.problems import Problem, not_found, problem_responses
from stateside.api.schemas import (
    Login,
    Me,
    NewToken,
    NewUser,
    SessionOut,
    TokenOut,
    UserChange,
    UserChangeOut,
    UserOut,
)
from stateside.store.db import as_utc

router = APIRouter(prefix="/api", tags=["auth"], responses=problem_responses(400, 401, 403, 422))


def set_session_cookies(response: Response, st: Any, secret: str, csrf: str) -> None:
    """The session cookie (HttpOnly, SameSite=Lax) and the CSRF cookie (readable by the page's script)."""
    max_age = int(st.config.session_hours * 3600)
    secure = st.config.secure_cookies
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=max_age, httponly=True, secure=secure, samesite="lax", path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, httponly=False, secure=secure, samesite="strict", path="/"
    )


def clear_session_cookies(response: Response, st: Any) -> None:
    secure = st.config.secure_cookies
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="strict")


def _me(p: auth.Principal) -> dict[str, Any]:
    return {"name": p.name, "role": p.role, "investor": p.investor, "state": p.state, "via": p.via}


def client_address(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


async def check_password(st: Any, name: str, password: str, address: str | None) -> auth.Principal:
    """The user of (name, password) through the sign-in throttle and the argon2 gate; 429 while
    the account or address is locked out, 503 when too many checks are already waiting, 401 when wrong."""
    wait = st.throttle.retry_after_s(name, address)
    if wait > 0:
        raise Problem(
            429,
            f"too many failed sign-ins for this account or address; try again in {math.ceil(wait)} s",
            kind="too-many-sign-ins",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    async with st.hash_gate.slot() as ok:
        if not ok:
            raise Problem(
                503,
                "too many sign-ins are being checked at once; try again in a second",
                kind="busy",
                headers={"Retry-After": "1"},
            )
        p = await anyio.to_thread.run_sync(auth.authenticate, name, password, st.url)
    if p is None:
        st.throttle.failed(name, address)
        raise Problem(401, "wrong user name or password", kind="unauthenticated")
    st.throttle.succeeded(name)
    return p


@router.post(
    "/session",
    response_model=SessionOut,
    summary="Sign in (sets the session and CSRF cookies)",
    responses=problem_responses(400, 429, 503),
)
async def login(body: Login, request: Request, response: Response, st: State) -> dict[str, Any]:
    p = await check_password(st, body.name, body.password, client_address(request))
    secret, csrf = await anyio.to_thread.run_sync(
        auth.start_session, p.user_id, st.config.session_hours, st.url
    )
    set_session_cookies(response, st, secret, csrf)
    return {**_me(p), "via": "session", "csrf_token": csrf}


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out (ends the session)")
def logout(p: User, st: State, request: Request) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if p.via == "session" and secret:
        auth.end_session(secret, st.url)
    out = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(out, st)
    return out


@router.get("/me", response_model=Me, summary="Who you are signed in as")
def me(p: User) -> dict[str, Any]:
    return _me(p)


def _token(t: Any, token: str | None = None) -> dict[str, Any]:
    expires = as_utc(t.expires_at) if t.expires_at is not None else None
    return {
        "id": t.id,
        "label": t.label,
        "created_at": as_utc(t.created_at).isoformat(),
        "expires_at": expires.isoformat() if expires is not None else None,
        "expired": expires is not None and expires <= datetime.now(UTC),
        "token": token,
    }


@router.get(
    "/me/tokens", response_model=list[TokenOut], summary="Your API tokens (not the tokens themselves)"
)
def my_tokens(p: User, st: State) -> list[dict[str, Any]]:
    return [_token(t) for t in auth.list_tokens(p.user_id, st.url)]


@router.post(
    "/me/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED, summary="Make an API token"
)
def make_token(body: NewToken, p: User, st: State) -> dict[str, Any]:
    token_id, token = auth.issue_token(p.name, body.label, st.url, days=body.days)
    t = next(t for t in auth.list_tokens(p.user_id, st.url) if t.id == token_id)
    return _token(t, token)


@router.delete(
    "/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke one of your tokens"
)
def revoke(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="A token id.")], p: User, st: State
) -> Response:
    if not auth.revoke_token(p.user_id, token_id, st.url):
        raise not_found(f"token {token_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _user(u: Any, tokens: int = 0) -> dict[str, Any]:
    return {
        "name": u.name,
        "role": u.role,
        "investor": u.investor,
        "state": u.state,
        "created_at": as_utc(u.created_at).isoformat(),
        "disabled": bool(u.disabled),
        "tokens": tokens,
    }


@router.get("/users", response_model=list[UserOut], summary="Every user (admins)")
def users(_: Admin, st: State) -> list[dict[str, Any]]:
    return [_user(u) for u in auth.list_users(st.url)]


@router.post(
    "/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Add a user (admins)"
)
async def add_user(body: NewUser, _: Admin, st: State) -> JSONResponse:
    try:
        await anyio.to_thread.run_sync(
            lambda: auth.create_user(body.name, body.role, body.password, body.investor, body.state, st.url)
        )
    except auth.AuthError as exc:
        taken = "already" in str(exc)
        raise Problem(409 if taken else 422, str(exc), kind="user-exists" if taken else "bad-user") from None
    u = auth.get_user(body.name, st.url)
    assert u is not None
    return JSONResponse(_user(u), status_code=201, headers={"Location": "/api/users"})


UserName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$", description="A user name.")]


def _user_out(name: str, url: str | None) -> dict[str, Any]:
    u = auth.get_user(name, url)
    if u is None:
        raise not_found(f"user {name}")
    now = datetime.now(UTC)
    live = sum(1 for t in auth.list_tokens(u.id, url) if t.expires_at is None or as_utc(t.expires_at) > now)
    return _user(u, live)


@router.get(
    "/users/{name}", response_model=UserOut, summary="One user (admins)", responses=problem_responses(404)
)
def show_user(name: UserName, _: Admin, st: State) -> dict[str, Any]:
    return _user_out(name, st.url)


@router.patch(
    "/users/{name}",
    response_model=UserChangeOut,
    summary="Disable or enable a user, set a new password, revoke their tokens and sessions (admins)",
    responses=problem_responses(404, 409),
)
def change_user(name: UserName, body: UserChange, p: Admin, st: State) -> dict[str, Any]:
    if auth.get_user(name, st.url) is None:
        raise not_found(f"user {name}")
    tokens = sessions = 0
    try:
        if body.password is not None:
            name, sessions = auth.reset_password(name, body.password, st.url)
            st.throttle.clear(name)
        if body.disabled is not None:
            if body.disabled and name.lower() == p.name.lower():
                raise Problem(409, "you cannot disable yourself; ask another admin", kind="bad-user")
            name = auth.set_disabled(name, body.disabled, st.url)
            if not body.disabled:
                st.throttle.clear(name)
        if body.revoke:
            name, tokens, more = auth.revoke_all(name, st.url)
            sessions += more
    except auth.AuthError as exc:
        raise Problem(409 if "last enabled admin" in str(exc) else 422, str(exc), kind="bad-user") from None
    return {"user": _user_out(name, st.url), "tokens_revoked": tokens, "sessions_ended": sessions}


@router.delete(
    "/users/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a user, their tokens and sessions (admins)",
    responses=problem_responses(404, 409),
)
def remove_user(name: UserName, p: Admin, st: State) -> Response:
    if auth.get_user(name, st.url) is None:
        raise not_found(f"user {name}")
    if name.lower() == p.name.lower():
        raise Problem(409, "you cannot delete yourself; ask another admin", kind="bad-user")
    try:
        auth.delete_user(name, st.url)
    except auth.AuthError as exc:
        raise Problem(409, str(exc), kind="bad-user") from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)
