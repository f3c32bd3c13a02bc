"""Sign in and out, who am I, my API tokens; users (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from stateside.api import auth
from stateside.api.deps import CSRF_COOKIE, SESSION_COOKIE, Admin, State, User
from stateside.api.problems import Problem, not_found, problem_responses
from stateside.api.schemas import Login, Me, NewToken, NewUser, SessionOut, TokenOut, UserOut
from stateside.store.db import as_utc

router = APIRouter(prefix="/api", tags=["auth"], responses=problem_responses(401, 403, 422))


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


@router.post("/session", response_model=SessionOut, summary="Sign in (sets the session and CSRF cookies)")
def login(body: Login, response: Response, st: State) -> dict[str, Any]:
    p = auth.authenticate(body.name, body.password, st.url)
    if p is None:
        raise Problem(401, "wrong user name or password", kind="unauthenticated")
    secret, csrf = auth.start_session(p.user_id, st.config.session_hours, st.url)
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
    return {"id": t.id, "label": t.label, "created_at": as_utc(t.created_at).isoformat(), "token": token}


@router.get(
    "/me/tokens", response_model=list[TokenOut], summary="Your API tokens (not the tokens themselves)"
)
def my_tokens(p: User, st: State) -> list[dict[str, Any]]:
    return [_token(t) for t in auth.list_tokens(p.user_id, st.url)]


@router.post(
    "/me/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED, summary="Make an API token"
)
def make_token(body: NewToken, p: User, st: State) -> dict[str, Any]:
    token_id, token = auth.issue_token(p.name, body.label, st.url)
    t = next(t for t in auth.list_tokens(p.user_id, st.url) if t.id == token_id)
    return _token(t, token)


@router.delete(
    "/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke one of your tokens"
)
def revoke(token_id: int, p: User, st: State) -> Response:
    if not auth.revoke_token(p.user_id, token_id, st.url):
        raise not_found(f"token {token_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _user(u: Any) -> dict[str, Any]:
    return {
        "name": u.name,
        "role": u.role,
        "investor": u.investor,
        "state": u.state,
        "created_at": as_utc(u.created_at).isoformat(),
        "disabled": bool(u.disabled),
    }


@router.get("/users", response_model=list[UserOut], summary="Every user (admins)")
def users(_: Admin, st: State) -> list[dict[str, Any]]:
    return [_user(u) for u in auth.list_users(st.url)]


@router.post(
    "/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Add a user (admins)"
)
def add_user(body: NewUser, _: Admin, st: State) -> JSONResponse:
    try:
        auth.create_user(body.name, body.role, body.password, body.investor, body.state, st.url)
    except auth.AuthError as exc:
        taken = "already" in str(exc)
        raise Problem(409 if taken else 422, str(exc), kind="user-exists" if taken else "bad-user") from None
    u = auth.get_user(body.name, st.url)
    assert u is not None
    return JSONResponse(_user(u), status_code=201, headers={"Location": "/api/users"})
