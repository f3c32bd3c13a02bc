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

Abuse limits (docs/api.md, "Sign-in limits"): :class:`LoginThrottle` refuses sign-in for
an account after ``10`` failures and for a client address after ``50`` within 15 minutes,
with a doubling back-off; :class:`HashGate` lets at most a few argon2 checks run at once
(each takes 64 MiB) and refuses the rest at once rather than queueing without bound.
Passwords need 10+ characters, must not be on the bundled list of common passwords
(``data/common-passwords.txt``) and must not contain the user name. API tokens expire
(``DEFAULT_TOKEN_DAYS``; at most ``MAX_TOKEN_DAYS``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from stateside.store.db import as_utc, session
from stateside.store.models import ApiToken, User, WebSession

ROLES: tuple[str, ...] = ("admin", "analyst", "investor", "state_official", "reviewer")
#: roles that may change things (upload scenarios, start jobs)
WRITERS: tuple[str, ...] = ("admin", "analyst")
TOKEN_PREFIX = "sst_"
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
#: days an API token lives when no other lifetime is asked for, and the longest allowed
DEFAULT_TOKEN_DAYS = 90.0
MAX_TOKEN_DAYS = 366.0

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


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (lower case), see ``data/common-passwords.txt``."""
    text = resources.files("stateside.api").joinpath("data", "common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_rules(password: str, user_name: str | None = None) -> None:
    """Raise :class:`AuthError` for a password that is too short or long, common, or built on
    the user name (NIST SP 800-63B §5.1.1.2: length and a list of known-bad passwords, no
    composition rules)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(f"a password needs at least {MIN_PASSWORD_CHARS} characters, found {len(password)}")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AuthError(f"a password may have at most {MAX_PASSWORD_CHARS} characters")
    folded = password.strip().lower()
    if folded in common_passwords() or len(set(folded)) <= 2:
        raise AuthError(
            "that password is one of the most common passwords (or one repeated character); choose another"
        )
    if user_name and len(user_name) >= 3 and user_name.lower() in folded:
        raise AuthError("a password must not contain the user name")


def _principal(u: User, via: str, csrf: str | None = None) -> Principal:
    return Principal(u.id, u.name, u.role, u.investor, u.state, via, csrf)


def check_binding(
    role: str,
    investor: str | None,
    state: str | None,
    known: tuple[set[str], set[str]] | None = None,
) -> tuple[str | None, str | None]:
    """The (investor, state) a user of ``role`` is bound to, checked; raises :class:`AuthError`.

    ``known``: (investor ids, state codes) the binding must be one of (see :func:`known_bindings`);
    None checks the form only."""
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
    if known is not None:
        investors, states = known
        if investor and investor not in investors:
            near = sorted(i for i in investors if i.lower() == investor.lower())
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise AuthError(
                f"no investor {investor!r} in the default scenario, an uploaded scenario or a saved run{hint}; "
                "add the scenario first"
            )
        if state and state not in states:
            raise AuthError(f"no state or region {state!r}: expected a two-letter code such as TX or DC")
    return investor, state


def known_bindings(url: str | None = None) -> tuple[set[str], set[str]]:
    """Investor ids and region codes a user may be bound to: those of the embedded default
    scenario, of uploaded scenarios and of the input tables of saved runs."""
    import csv
    import io
    import json

    from stateside.store.codec import decode_frame
    from stateside.store.models import RunTable, ScenarioUpload

    base = resources.files("stateside").joinpath("data", "default")
    investors = {
        r["investor"] for r in csv.DictReader(io.StringIO(base.joinpath("investors.csv").read_text("utf-8")))
    }
    states = {
        r["region"] for r in csv.DictReader(io.StringIO(base.joinpath("regions.csv").read_text("utf-8")))
    }
    with session(url) as s:
        for summary in s.scalars(select(ScenarioUpload.summary_json)):
            d = json.loads(summary or "{}")
            investors.update(str(x) for x in d.get("investor_ids", []))
            states.update(str(x) for x in d.get("region_ids", []))
        for name, blob in s.execute(
            select(RunTable.name, RunTable.data).where(
                RunTable.kind == "input", RunTable.name.in_(("investors", "regions"))
            )
        ):
            df = decode_frame(blob)
            col = "investor" if name == "investors" else "region"
            if col in df.columns:
                (investors if name == "investors" else states).update(str(x) for x in df[col])
    return investors, states


def create_user(
    name: str,
    role: str,
    password: str,
    investor: str | None = None,
    state: str | None = None,
    url: str | None = None,
    check_known: bool = True,
) -> Principal:
    """Add a user; raises :class:`AuthError` for a bad name, role, binding, password or a taken name
    (names are unique regardless of case: ``root`` and ``ROOT`` are one name). ``check_known``:
    the investor or state must exist in a scenario or run of the store (:func:`known_bindings`)."""
    if not _NAME.fullmatch(name or ""):
        raise AuthError(
            "a user name is 1-100 characters: letters, digits and . _ @ - (starting with a letter or digit)"
        )
    investor, state = check_binding(
        role, investor, state, known_bindings(url) if check_known and (investor or state) else None
    )
    check_password_rules(password, name)
    with session(url, write=True) as s:
        taken = s.scalars(select(User.name).where(func.lower(User.name) == name.lower())).first()
        if taken is not None:
            raise AuthError(
                f"there is already a user {taken!r}"
                + (" (names differ only in case)" if taken != name else "")
            )
        u = User(
            name=name,
            role=role,
            investor=investor,
            state=state,
            password_hash=hash_password(password),
            created_at=_now(),
            disabled=False,
            password_changed_at=_now(),
        )
        s.add(u)
        s.flush()
        return _principal(u, "none")


def list_users(url: str | None = None) -> list[User]:
    with session(url) as s:
        return list(s.scalars(select(User).order_by(User.name)))


def _find(s: Session, name: str) -> User | None:
    """The user named ``name`` (exactly, else regardless of case)."""
    u = s.scalars(select(User).where(User.name == name)).first()
    if u is None and len(name) <= 100:
        u = s.scalars(select(User).where(func.lower(User.name) == name.lower())).first()
    return u


def get_user(name: str, url: str | None = None) -> User | None:
    with session(url) as s:
        return _find(s, name)


def authenticate(name: str, password: str, url: str | None = None) -> Principal | None:
    """The user if ``password`` is theirs (rehashing it if the hash parameters changed), else None."""
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    with session(url) as s:
        u = _find(s, name)
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
# account lifecycle (``stateside users …`` and the admin routes of the API)


def _user_or_error(s: Session, name: str) -> User:
    u = _find(s, name)
    if u is None:
        raise AuthError(f"no user {name!r}")
    return u


def _other_enabled_admins(s: Session, u: User) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.disabled.is_(False), User.id != u.id)
        )
        or 0
    )


def _end_sessions(s: Session, user_id: int) -> int:
    res = s.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(res, "rowcount", 0) or 0)


def _delete_tokens(s: Session, user_id: int) -> int:
    res = s.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
    return int(getattr(res, "rowcount", 0) or 0)


def set_disabled(name: str, disabled: bool, url: str | None = None) -> str:
    """Disable (sign-in, tokens and sessions refused; sessions ended) or enable a user; their name.

    The last enabled admin cannot be disabled."""
    with session(url, write=True) as s:
        u = _user_or_error(s, name)
        if disabled and u.role == "admin" and not u.disabled and not _other_enabled_admins(s, u):
            raise AuthError(f"{u.name} is the last enabled admin; add or enable another admin first")
        u.disabled = disabled
        if disabled:
            _end_sessions(s, u.id)
        return u.name


def delete_user(name: str, url: str | None = None) -> str:
    """Delete a user with their tokens and sessions (jobs and uploads they made are kept, unowned)."""
    with session(url, write=True) as s:
        u = _user_or_error(s, name)
        if u.role == "admin" and not u.disabled and not _other_enabled_admins(s, u):
            raise AuthError(f"{u.name} is the last enabled admin; add another admin first")
        _end_sessions(s, u.id)
        _delete_tokens(s, u.id)
        s.delete(u)
        return u.name


def reset_password(name: str, password: str, url: str | None = None) -> tuple[str, int]:
    """Set a new password for a user and end their browser sessions: (name, sessions ended).

    API tokens are kept (revoke them with :func:`revoke_all`)."""
    with session(url) as s:
        u0 = _user_or_error(s, name)
        real = u0.name
    check_password_rules(password, real)
    new_hash = hash_password(password)
    with session(url, write=True) as s:
        u = _user_or_error(s, real)
        u.password_hash = new_hash
        u.password_changed_at = _now()
        return u.name, _end_sessions(s, u.id)


def revoke_all(name: str, url: str | None = None) -> tuple[str, int, int]:
    """Revoke every API token and end every browser session of a user: (name, tokens, sessions)."""
    with session(url, write=True) as s:
        u = _user_or_error(s, name)
        return u.name, _delete_tokens(s, u.id), _end_sessions(s, u.id)


# --------------------------------------------------------------------------------------
# API tokens


def issue_token(
    user_name: str, label: str = "", url: str | None = None, days: float = DEFAULT_TOKEN_DAYS
) -> tuple[int, str]:
    """A new API token of ``user_name`` valid for ``days``: (token id, the token — shown once, only
    its hash is kept)."""
    if not (0 < days <= MAX_TOKEN_DAYS):
        raise AuthError(f"a token lives more than 0 and at most {MAX_TOKEN_DAYS:g} days, found {days:g}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    with session(url, write=True) as s:
        u = _find(s, user_name)
        if u is None:
            raise AuthError(f"no user {user_name!r}")
        if u.disabled:
            raise AuthError(f"user {u.name} is disabled; enable them first")
        row = ApiToken(
            user_id=u.id,
            token_hash=sha256(token),
            label=label[:100],
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        s.add(row)
        s.flush()
        return row.id, token


def list_tokens(user_id: int, url: str | None = None) -> list[ApiToken]:
    with session(url) as s:
        return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def revoke_token(user_id: int, token_id: int, url: str | None = None) -> bool:
    """Delete token ``token_id`` if it belongs to ``user_id``; whether it did."""
    if not (0 < token_id < 2**63):
        return False
    with session(url, write=True) as s:
        res = s.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
        return bool(getattr(res, "rowcount", 0))


def principal_from_token(token: str, url: str | None = None) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with session(url) as s:
        hit = s.execute(
            select(User, ApiToken.expires_at)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == sha256(token))
        ).first()
        if hit is None:
            return None
        row, expires = hit
        if row.disabled or (expires is not None and as_utc(expires) <= _now()):
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


# --------------------------------------------------------------------------------------
# abuse limits: sign-in throttle and a gate on concurrent argon2 work


@dataclass
class _Failures:
    times: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    streak: int = 0


class LoginThrottle:
    """Failed sign-ins per account and per client address, with a doubling back-off.

    After ``account_limit`` failures of one account (``address_limit`` from one address)
    within ``window_s``, sign-in for it is refused — whatever the password — for
    ``base_lock_s`` seconds, doubling with each further failure once allowed again (capped
    at ``max_lock_s``). A successful sign-in clears its account's record. In memory: one
    server runs per store (:mod:`.lease`), and a restart forgets (it costs an attacker a
    restart they cannot cause)."""

    def __init__(
        self,
        account_limit: int = 10,
        address_limit: int = 50,
        window_s: float = 900.0,
        base_lock_s: float = 60.0,
        max_lock_s: float = 3600.0,
        clock: object = time.monotonic,
    ) -> None:
        self.account_limit = account_limit
        self.address_limit = address_limit
        self.window_s = window_s
        self.base_lock_s = base_lock_s
        self.max_lock_s = max_lock_s
        self._clock = clock
        self._accounts: dict[str, _Failures] = {}
        self._addresses: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def _now(self) -> float:
        clock = self._clock
        return float(clock())  # type: ignore[operator]

    def retry_after_s(self, account: str, address: str | None) -> float:
        """Seconds until sign-in for (account, address) is allowed again; 0 if it is now."""
        now = self._now()
        with self._lock:
            waits = [
                rec.locked_until - now
                for rec in (self._accounts.get(account.lower()), self._addresses.get(address or ""))
                if rec is not None
            ]
        return max([0.0, *waits])

    def address_retry_after_s(self, address: str | None) -> float:
        """Seconds until sign-in from ``address`` is allowed again (the address limit only)."""
        if not address:
            return 0.0
        now = self._now()
        with self._lock:
            rec = self._addresses.get(address)
            return max(0.0, rec.locked_until - now) if rec is not None else 0.0

    def _record(self, table: dict[str, _Failures], key: str, limit: int, now: float) -> None:
        rec = table.setdefault(key, _Failures())
        while rec.times and rec.times[0] < now - self.window_s:
            rec.times.popleft()
        rec.times.append(now)
        if len(rec.times) >= limit:
            rec.streak += 1
            rec.locked_until = now + min(self.base_lock_s * 2 ** (rec.streak - 1), self.max_lock_s)
        if len(table) > 100_000:  # bounded memory under a spray of names or addresses
            for k in [k for k, r in table.items() if r.locked_until < now][:50_000]:
                del table[k]

    def failed(self, account: str, address: str | None) -> None:
        now = self._now()
        with self._lock:
            self._record(self._accounts, account.lower()[:100], self.account_limit, now)
            if address:
                self._record(self._addresses, address, self.address_limit, now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._accounts.pop(account.lower(), None)

    def clear(self, account: str | None = None) -> None:
        """Forget the failures of ``account`` (an admin enabled or reset it), or all."""
        with self._lock:
            if account is None:
                self._accounts.clear()
                self._addresses.clear()
            else:
                self._accounts.pop(account.lower(), None)


class HashGate:
    """At most ``concurrent`` argon2 checks at once and ``waiting`` queued; the rest refused at once.

    Each argon2id check takes 64 MiB and ~50 ms of a core, so a flood of sign-ins would
    otherwise take the server's memory and every worker thread."""

    def __init__(self, concurrent: int = 2, waiting: int = 8) -> None:
        self.concurrent = max(1, concurrent)
        self.waiting = max(0, waiting)
        self._sem: asyncio.Semaphore | None = None
        self._queued = 0
        self.refused = 0

    def _semaphore(self) -> asyncio.Semaphore:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.concurrent)
        return self._sem

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[bool]:
        """Yields True with a slot held, or False (refused: too many waiting)."""
        sem = self._semaphore()
        if sem.locked() and self._queued >= self.waiting:
            self.refused += 1
            yield False
            return
        self._queued += 1
        try:
            await sem.acquire()
        finally:
            self._queued -= 1
        try:
            yield True
        finally:
            sem.release()
