"""Shared test set-up."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own SQLite run store, never the user's."""
    monkeypatch.setenv("STATESIDE_DB_URL", f"sqlite:///{tmp_path_factory.mktemp('store') / 'runs.db'}")
    # typical days cached for the session, never in the user's ~/.cache (stateside.run)
    monkeypatch.setenv("STATESIDE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
