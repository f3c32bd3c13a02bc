"""The web service: a FastAPI application over the run store, with role-based access.

* :mod:`.app` — :func:`create_app`, the application (API under ``/api``, dashboard pages
  from :mod:`stateside.web`, problem details for every error);
* :mod:`.auth` — users, roles, argon2id password hashes, API tokens, browser sessions;
* :mod:`.access` — the one place that decides which rows of which table a user may see;
* :mod:`.jobs` / :mod:`.worker` — plans and sweeps run in worker processes, their state
  in the database;
* :mod:`.scenarios` — zipped scenario folders: safe unpacking, validation, storage.

Nothing here is imported by ``import stateside``. See docs/api.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from stateside.api.config import ApiConfig


def create_app(config: ApiConfig | None = None, **kwargs: Any) -> FastAPI:
    """The application (see :func:`stateside.api.app.create_app`)."""
    from stateside.api.app import create_app as _create

    return _create(config, **kwargs)


__all__ = ["create_app"]
