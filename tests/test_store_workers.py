"""Child-process helpers for tests/test_store.py (no tests here).

They live in their own light module so a spawned child imports only the store, not the
planning model and the test module's fixtures.
"""

from __future__ import annotations

import pickle
import time
from typing import Any

import pandas as pd

from stateside.store import api, db


def save_slowly_then_wait(url: str, pickled: str, flushed: Any) -> None:
    """Start saving; after 3 tables reached the database, announce it and stall until killed."""
    with open(pickled, "rb") as f:
        plan, scenario = pickle.load(f)
    real = api.encode_frame
    calls = {"n": 0}

    def slow(df: pd.DataFrame, where: str = "table") -> bytes:
        calls["n"] += 1
        if calls["n"] == 4:
            flushed.set()
            time.sleep(60)
        return real(df, where)

    api.encode_frame = slow  # type: ignore[assignment]
    api.save_run(plan, scenario, url=url)


def save_runs(url: str, pickled: str, n: int, barrier: Any) -> None:
    """Wait for the other processes, then save the plan ``n`` times."""
    with open(pickled, "rb") as f:
        plan, scenario = pickle.load(f)
    db.engine_for(url)
    barrier.wait(timeout=60)
    for _ in range(n):
        api.save_run(plan, scenario, url=url)
