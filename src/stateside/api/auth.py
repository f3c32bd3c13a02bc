"""Users, roles, password hashes, API tokens and browser sessions.

Passwords are hashed with **argon2id** (``argon2-cffi``'s ``PasswordHasher``: RFC 9106's
second recommended parameter set — 64 MiB, 3 passes, 4 lanes — in the PHC string
format, so raising the cost later rehashes each password at its next login). API tokens
(``sst_`` + 32 random bytes) and session cookies (32 random bytes) are high-entropy
secrets, so only their SHA-256 is stored: a stolen database yields no usable credential,
and checking one costs one indexed lookup, not an argon2 hash per request.

Roles (:data:`ROLES`): ``admin`` and ``analyst`` see everything (analysts upload
scenarios and start plans and sweeps; admins also manage users); ``investor`` is bound to
one investor id and ``state_official`` to one state; ``reviewer`` reads ownership, cap
tables and the security review. What each may see is decided in :mod:`.access`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select

from stateside.store.db import as_utc, session
from stateside.store.models import ApiToken, User, WebSession

ROLES: tuple[str, ...] = ("admin", "analyst", "investor", "state_official", "reviewer")
#: roles that may change things (upload scenarios, start jobs)
WRITERS: tuple[str, ...] = ("admin", "analyst")
TOKEN_PREFIX = "sst_"
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_STATE = re.compile(r"[A-Z]{2}")
_INVESTOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

_hasher = PasswordHasher()
# verified against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AuthError(ValueError):
    """A user or credential the caller got wrong (a message for the person, no secrets)."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user, their role and binding, and how they authenticated."""

    user_id: int
    name: str
    role: str
    investor: str | None = None
    state: str | None = None
    via: str = "token"
    csrf_token: str | None = None

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS


def _now() -> datetime:
    return datetime.now(UTC)


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password``."""
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AuthError(f"a password may have at most {MAX_PASSWORD_CHARS} characters")


def _principal(u: User, via: str, csrf: str | None = None) -> Principal:
    return Principal(u.id, u.name, u.role, u.investor, u.state, via, csrf)


def check_binding(role: str, investor: str | None, state: str | None) -> tuple[str | None, str | None]:
    """The (investor, state) a user of ``role`` is bound to, checked; raises :class:`AuthError`."""
    if role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}, found {role!r}")
    investor = investor.strip() if investor else None
    state = state.strip().upper() if state else None
    if role == "investor":
        if not investor or not _INVESTOR.fullmatch(investor):
            raise AuthError(
                "an investor user needs --investor ID (the investor id of the scenario's investors.csv)"
            )
    elif investor:
        raise AuthError(f"only investor users are bound to an investor (role {role})")
    if role == "state_official":
        if not state or not _STATE.fullmatch(state):
            raise AuthError("a state official needs --state XX (a two-letter region code, e.g. TX)")
    elif state:
        raise AuthError(f"only state officials are bound to a state (role {role})")
    return investor, state


def create_user(
    name: str,
    role: str,
    password: str,
    investor: str | None = None,
    state: str | None = None,
    url: str | None = None,
) -> Principal:
    """Add a user; raises :class:`AuthError` for a bad name, role, binding, password or a taken name."""
    if not _NAME.fullmatch(name or ""):
        raise AuthError(
            "a user name is 1-100 characters: letters, digits and . _ @ - (starting with a letter or digit)"
        )
    investor, state = check_binding(role, investor, state)
    check_password_rules(password)
    with session(url, write=True) as s:
        if s.scalars(select(User.id).where(User.name == name)).first() is not None:
            raise AuthError(f"there is already a user {name!r}")
        u = User(
            name=name,
            role=role,
            investor=investor,
            state=state,
            password_hash=hash_password(password),
            created_at=_now(),
            disabled=False,
        )
        s.add(u)
        s.flush()
        return _principal(u, "none")


def list_users(url: str | None = None) -> list[User]:
    with session(url) as s:
        return list(s.scalars(select(User).order_by(User.name)))


def get_user(name: str, url: str | None = None) -> User | None:
    with session(url) as s:
        return s.scalars(select(User).where(User.name == name)).first()


def authenticate(name: str, password: str, url: str | None = None) -> Principal | None:
    """The user if ``password`` is theirs (rehashing it if the hash parameters changed), else None."""
    with session(url) as s:
        u = s.scalars(select(User).where(User.name == name)).first()
    if u is None or u.disabled:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(u.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(u.password_hash):
        with session(url, write=True) as s:
            row = s.get(User, u.id)
            if row is not None:
                row.password_hash = hash_password(password)
    return _principal(u, "password")


# --------------------------------------------------------------------------------------
# API tokens


def issue_token(user_name: str, label: str = "", url: str | None = None) -> tuple[int, str]:
    """A new API token of ``user_name``: (token id, the token — shown once, only its hash is kept)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session(url, write=True) as s:
        u = s.scalars(select(User).where(User.name == user_name)).first()
        if u is None:
            raise AuthError(f"no user {user_name!r}")
        row = ApiToken(user_id=u.id, token_hash=sha256(token), label=label[:100], created_at=_now())
        s.add(row)
        s.flush()
        return row.id, token


def list_tokens(user_id: int, url: str | None = None) -> list[ApiToken]:
    with session(url) as s:
        return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def revoke_token(user_id: int, token_id: int, url: str | None = None) -> bool:
    """Delete token ``token_id`` if it belongs to ``user_id``; whether it did."""
    with session(url, write=True) as s:
        res = s.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
        return bool(getattr(res, "rowcount", 0))


def principal_from_token(token: str, url: str | None = None) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with session(url) as s:
        row = s.execute(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == sha256(token))
        ).scalar_one_or_none()
        if row is None or row.disabled:
            return None
        return _principal(row, "token")


# --------------------------------------------------------------------------------------
# browser sessions


def start_session(user_id: int, hours: float, url: str | None = None) -> tuple[str, str]:
    """A new session of ``user_id``: (cookie value, CSRF token). Expired sessions are cleared."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = _now()
    with session(url, write=True) as s:
        s.execute(delete(WebSession).where(WebSession.expires_at < now))
        s.add(
            WebSession(
                id=sha256(secret),
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
    return secret, csrf


def principal_from_session(secret: str, url: str | None = None) -> Principal | None:
    if not secret or len(secret) > 200:
        return None
    with session(url) as s:
        row = s.execute(
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.id == sha256(secret))
        ).first()
    if row is None:
        return None
    ws, u = row
    if as_utc(ws.expires_at) < _now() or u.disabled:
        return None
    return _principal(u, "session", ws.csrf_token)


def end_session(secret: str, url: str | None = None) -> None:
    with session(url, write=True) as s:
        s.execute(delete(WebSession).where(WebSession.id == sha256(secret)))


def same_secret(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (False if either is missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())
