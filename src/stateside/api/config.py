"""Settings of the web service (:class:`ApiConfig`), given to :func:`stateside.api.app.create_app`."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _default_workers() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass(frozen=True)
class ApiConfig:
    """How the service runs.

    ``db_url``: the store (None: ``$STATESIDE_DB_URL``, else the default SQLite file).
    ``secure_cookies``: mark the session and CSRF cookies ``Secure`` (browsers still send
    them to ``http://127.0.0.1`` and ``http://localhost``; turn off only to serve plain HTTP
    on another address). ``job_workers``: plans and sweeps running at once, each in its own
    worker process; 0 keeps submitted jobs queued (for tests of the API alone).
    ``lease_ttl_s``: how long the server's lease on the store lives without renewal (one
    server per store, :mod:`stateside.api.lease`); ``lease_wait_s``: how long a starting
    server waits for another server's lease to end before refusing to start.
    """

    db_url: str | None = None
    secure_cookies: bool = True
    session_hours: float = 12.0
    job_workers: int = -1
    max_upload_bytes: int = 20 * 2**20
    max_unpacked_bytes: int = 200 * 2**20
    max_files: int = 200
    plan_cache_size: int = 8
    report_cache_size: int = 4
    title: str = "Stateside"
    lease_ttl_s: float = 15.0
    lease_wait_s: float = 0.0

    @property
    def workers(self) -> int:
        """``job_workers``, with -1 meaning half the CPU cores (at least one)."""
        return _default_workers() if self.job_workers < 0 else self.job_workers
