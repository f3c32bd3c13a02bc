"""Request body limits, enforced on the bytes read (streamed), before authentication.

:class:`BodyLimit` is a pure ASGI middleware at the outside of the application. It counts
the bytes of the body as the application reads them, whatever ``Content-Length`` says (a
chunked body has none), and answers ``413`` as soon as the count passes the limit, so a
body never grows the server's memory or its temporary folder past that limit:

* a request without valid credentials (no API token, no session cookie, or ones that do
  not check out) may send at most ``anonymous_bytes`` (64 KiB: a sign-in is a few hundred
  bytes) — an unauthenticated 300 MiB upload is cut off after 64 KiB, before the form
  parser spools anything to disk;
* a signed-in request may send ``max_upload_bytes`` plus 1 MiB for the form around it.

Credentials are only looked up here (one indexed query) when the body could be larger
than ``anonymous_bytes``: a declared larger ``Content-Length`` or a chunked body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: what a request without credentials may send
ANONYMOUS_BYTES = 64 * 1024


class BodyTooLarge(Exception):
    """Raised inside the application's ``receive`` once the body passes its limit."""


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def problem_413(limit_bytes: int, path: str) -> bytes:
    size = f"{limit_bytes // 2**20} MiB" if limit_bytes >= 2**20 else f"{limit_bytes // 1024} KiB"
    return json.dumps(
        {
            "type": "urn:stateside:problem:too-large",
            "title": "Content Too Large",
            "status": 413,
            "detail": f"the request body is larger than {size}"
            + (
                " (sign in first: requests without valid credentials may send only a little)"
                if limit_bytes <= ANONYMOUS_BYTES
                else ""
            ),
            "instance": path,
        }
    ).encode()


class BodyLimit:
    """Limit request bodies (see the module's doc). ``signed_in(headers)`` says whether the
    request's credentials are valid (run in a worker thread: it may query the store)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: Callable[[], int],
        signed_in: Callable[[str | None, str | None], bool],
        anonymous_bytes: int = ANONYMOUS_BYTES,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.signed_in = signed_in
        self.anonymous_bytes = anonymous_bytes

    async def _limit(self, headers: dict[bytes, bytes]) -> int:
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) <= self.anonymous_bytes:
            return self.anonymous_bytes
        auth = headers.get(b"authorization", b"").decode("latin-1")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        cookie = None
        raw = headers.get(b"cookie")
        if raw:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(raw.decode("latin-1"))
            except Exception:
                jar = SimpleCookie()
            morsel = jar.get("stateside_session")
            cookie = morsel.value if morsel is not None else None
        if not bearer and not cookie:
            return self.anonymous_bytes
        import anyio

        ok = await anyio.to_thread.run_sync(self.signed_in, bearer, cookie)
        return self.max_bytes() if ok else self.anonymous_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        limit = await self._limit(headers)
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit, scope)
            return
        seen = 0
        over = False
        started = False

        async def limited() -> Message:
            nonlocal seen, over
            if over:
                raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the application's answer to a cut-off body is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._refuse(send, limit, scope)

    async def _refuse(self, send: Send, limit: int, scope: Scope) -> None:
        body = problem_413(limit, str(scope.get("path", "")))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    (b"cache-control", b"no-store"),
                    (b"x-content-type-options", b"nosniff"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


#: the paths that check a password
SIGN_IN_PATHS = frozenset({"/api/session", "/login"})


class SignInGate:
    """Answer a sign-in from a locked-out client address with 429 before any routing or body parsing.

    ``locked(address)`` gives the seconds until the address may sign in again (0: now). A flood
    from one address costs the server almost nothing once it is locked; the account limits and
    the argon2 gate apply in the route (:func:`stateside.api.routes_auth.check_password`)."""

    def __init__(self, app: ASGIApp, *, locked: Callable[[str | None], float]) -> None:
        self.app = app
        self.locked = locked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") in SIGN_IN_PATHS:
            client = scope.get("client")
            wait = self.locked(client[0] if client else None)
            if wait > 0:
                seconds = str(max(1, int(wait + 0.999)))
                body = json.dumps(
                    {
                        "type": "urn:stateside:problem:too-many-sign-ins",
                        "title": "Too Many Requests",
                        "status": 429,
                        "detail": f"too many failed sign-ins from this address; try again in {seconds} s",
                        "instance": str(scope.get("path", "")),
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 429,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"retry-after", seconds.encode()),
                            (b"cache-control", b"no-store"),
                            (b"x-content-type-options", b"nosniff"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
