"""One server per store: a lease in the database, held by the server that runs jobs.

``stateside serve`` takes the lease named ``jobs`` (a row of ``server_leases``) when it
starts and renews it every ``ttl_s / 3`` seconds; it is released when the server stops.
A second server on the same store finds the lease held and refuses to start (or waits
for it, ``--wait``) — so it can neither mark the first one's running jobs
``interrupted`` nor cancel jobs it does not run. A server killed with ``kill -9`` stops
renewing: its lease expires after ``ttl_s`` seconds and the next server takes it.

Worker processes check the lease too (:func:`holds`): a worker whose server's lease is
gone (expired or taken) stops its job instead of saving a run nobody follows.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from stateside.store.db import as_utc, session
from stateside.store.models import ServerLease

JOBS = "jobs"
#: seconds a lease lives without renewal
DEFAULT_TTL_S = 15.0


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LeaseInfo:
    """Who holds a lease."""

    holder: str
    host: str
    pid: int
    acquired_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        return (
            f"another server (pid {self.pid} on {self.host}, since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC) "
            f"runs the jobs of this store; its lease runs to {self.expires_at:%H:%M:%S} UTC"
        )


class LeaseHeld(RuntimeError):
    """The lease is held by another live server."""

    def __init__(self, info: LeaseInfo) -> None:
        self.info = info
        super().__init__(
            info.describe() + ". Stop it first (one server per store), or start with --wait to take over "
            "when it stops"
        )


def _info(row: ServerLease) -> LeaseInfo:
    return LeaseInfo(row.holder, row.host, row.pid, as_utc(row.acquired_at), as_utc(row.expires_at))


def current(url: str | None = None, name: str = JOBS) -> LeaseInfo | None:
    """The lease ``name`` if it is held and not expired."""
    with session(url) as s:
        row = s.get(ServerLease, name)
        if row is None or as_utc(row.expires_at) <= _now():
            return None
        return _info(row)


def acquire(holder: str, url: str | None = None, ttl_s: float = DEFAULT_TTL_S, name: str = JOBS) -> None:
    """Take lease ``name`` for ``holder``; :class:`LeaseHeld` if another holder's has not expired."""
    now = _now()
    try:
        with session(url, write=True) as s:
            row = s.execute(select(ServerLease).where(ServerLease.name == name).with_for_update()).scalar()
            if row is None:
                s.add(
                    ServerLease(
                        name=name,
                        holder=holder,
                        host=socket.gethostname()[:255],
                        pid=os.getpid(),
                        acquired_at=now,
                        renewed_at=now,
                        expires_at=now + timedelta(seconds=ttl_s),
                    )
                )
                return
            if row.holder != holder and as_utc(row.expires_at) > now:
                raise LeaseHeld(_info(row))
            row.holder = holder
            row.host = socket.gethostname()[:255]
            row.pid = os.getpid()
            row.acquired_at = now
            row.renewed_at = now
            row.expires_at = now + timedelta(seconds=ttl_s)
    except IntegrityError:  # another server inserted it at the same moment
        info = current(url, name)
        if info is not None and info.holder != holder:
            raise LeaseHeld(info) from None
        raise


def renew(holder: str, url: str | None = None, ttl_s: float = DEFAULT_TTL_S, name: str = JOBS) -> bool:
    """Extend ``holder``'s lease; False if it no longer holds it (expired and taken, or released)."""
    now = _now()
    with session(url, write=True) as s:
        res = s.execute(
            update(ServerLease)
            .where(ServerLease.name == name, ServerLease.holder == holder)
            .values(renewed_at=now, expires_at=now + timedelta(seconds=ttl_s))
        )
        return bool(getattr(res, "rowcount", 0))


def release(holder: str, url: str | None = None, name: str = JOBS) -> None:
    """Give the lease up (if ``holder`` holds it)."""
    with session(url, write=True) as s:
        s.execute(delete(ServerLease).where(ServerLease.name == name, ServerLease.holder == holder))


def holds(holder: str | None, url: str | None = None, name: str = JOBS) -> bool:
    """Whether ``holder`` holds an unexpired lease ``name``."""
    info = current(url, name)
    return info is not None and holder is not None and info.holder == holder
