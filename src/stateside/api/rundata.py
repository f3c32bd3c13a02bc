"""Saved runs as the service reads them: resolved, loaded once and kept (runs never change)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from stateside.api import access
from stateside.api.access import Parties, parties
from stateside.api.auth import Principal
from stateside.api.problems import Problem, not_found
from stateside.plan import Plan
from stateside.scenario.types import Scenario
from stateside.store.api import RunInfo, list_runs, load_run, load_run_scenario, run_info
from stateside.store.codec import decode_frame
from stateside.store.db import StoreError, session
from stateside.store.models import Run, RunTable, SweepMember
from stateside.store.refs import Stored, matching_ids

#: views and chart sets kept per run (a few per kind of viewer and page)
MEMO_SIZE = 256

#: what the service accepts: ``latest``, ``latest~N`` (N up to 6 digits) or 4-32 hex characters of an id
_REF = re.compile(r"latest(?:~(\d{1,6}))?|[0-9a-f]{4,32}")


def resolve_stored(ref: str, url: str | None, model: Stored, noun: str) -> str:
    """The full id of the ``noun`` (``run``, ``sweep``) ``ref`` names: an id, a unique prefix of
    at least 4 characters, ``latest``, ``latest~N``.

    404 problem when there is none, 409 when a prefix is ambiguous."""
    m = _REF.fullmatch(ref.strip().lower())
    if m is None:
        raise not_found(f"{noun} {ref!r}")
    with session(url) as s:
        ids = matching_ids(s, model, m, limit=2)
    if not ids:
        raise not_found(f"{noun} {ref!r}")
    if len(ids) > 1:
        raise Problem(409, f"{noun} {ref!r} is ambiguous: give more characters of its id", kind="ambiguous")
    return ids[0]


def resolve(ref: str, url: str | None = None) -> str:
    """The full id of run ``ref`` (see :func:`resolve_stored`): 404 / 409 problems."""
    return resolve_stored(ref, url, Run, "run")


def count_runs(url: str | None = None) -> int:
    with session(url) as s:
        return int(s.scalar(select(func.count()).select_from(Run)) or 0)


def runs_page(
    offset: int,
    limit: int,
    url: str | None = None,
    viewer: Principal | None = None,
    cache: RunCache | None = None,
) -> tuple[list[RunInfo], int]:
    """Runs ``viewer`` may open (:func:`stateside.api.access.can_see_run`), newest first,
    ``limit`` from ``offset``; and how many there are. No viewer: every run."""
    if viewer is None or access.is_full(viewer):
        total = count_runs(url)
        items = list_runs(limit=offset + limit, url=url)[offset:]
        return items, total
    index = cache.index if cache is not None else RunIndex(url)
    visible = [i for i in list_runs(url=url) if index.visible(viewer, i.id, i.source)]
    return visible[offset : offset + limit], len(visible)


#: the tables a run's investor ids are read from (the scenario's, else the plan's capital tables)
_INVESTOR_SOURCES: tuple[tuple[str, str], ...] = (
    ("input", "investors"),
    ("result", "capital_by_investor"),
    ("result", "capital"),
)


class RunIndex:
    """What decides who may open a run, per run id (runs never change, so it is kept): the ids of
    its investors and whether it is a sweep member."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._investors: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    def investors(self, run_id: str) -> frozenset[str]:
        with self._lock:
            hit = self._investors.get(run_id)
        if hit is not None:
            return hit
        found: frozenset[str] = frozenset()
        with session(self.url) as s:
            rows = {
                (k, n): blob
                for k, n, blob in s.execute(
                    select(RunTable.kind, RunTable.name, RunTable.data).where(
                        RunTable.run_id == run_id,
                        RunTable.name.in_([n for _, n in _INVESTOR_SOURCES]),
                    )
                )
            }
        for key in _INVESTOR_SOURCES:
            if key in rows:
                df = decode_frame(rows[key])
                if "investor" in df.columns:
                    found = frozenset(str(x) for x in df["investor"].dropna())
                    break
        with self._lock:
            self._investors[run_id] = found
        return found

    def sweep_member(self, run_id: str, source: str | None) -> bool:
        if access.is_sweep_source(source):
            return True
        with session(self.url) as s:
            return (
                s.scalars(select(SweepMember.run_id).where(SweepMember.run_id == run_id)).first() is not None
            )

    def visible(self, viewer: Principal, run_id: str, source: str | None) -> bool:
        if access.is_full(viewer):
            return True
        sweep = self.sweep_member(run_id, source)
        invs = self.investors(run_id) if viewer.role == "investor" and not sweep else frozenset()
        return access.can_see_run(viewer, invs, sweep)


@dataclass
class RunData:
    """One saved run, loaded: its identity, plan, scenario (None if not saved with it) and parties."""

    info: RunInfo
    plan: Plan
    scenario: Scenario | None
    parties: Parties
    _reviews: tuple[pd.DataFrame | None, str] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    _memo_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per ``key`` for this run (runs never change, so neither do the
        views of them: the tables a kind of viewer may see, the charts of a page)."""
        with self._memo_lock:
            if key not in self._memo:
                if len(self._memo) >= MEMO_SIZE:
                    self._memo.pop(next(iter(self._memo)))
                self._memo[key] = make()
            return self._memo[key]

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def inputs(self) -> dict[str, pd.DataFrame]:
        return dict(self.scenario.tables) if self.scenario is not None else {}

    def reviews(self) -> tuple[pd.DataFrame | None, str]:
        """The security review of the cap tables, round by round (computed once): (rows, note)."""
        with self._lock:
            if self._reviews is None:
                if self.scenario is None:
                    self._reviews = (None, "This run was saved without its scenario: nothing to review.")
                else:
                    from stateside.report.security import review_cap_tables

                    self._reviews = review_cap_tables(self.plan, self.scenario)
            return self._reviews

    def regions(self) -> dict[str, str]:
        """Region code → name, from the scenario (codes alone without it)."""
        if self.scenario is not None and "regions" in self.scenario.tables:
            r = self.scenario.regions
            return {str(c): str(n) for c, n in zip(r["region"], r["name"], strict=True)}
        codes: set[str] = set()
        for df in self.plan.tables.values():
            if "region" in df.columns:
                codes.update(str(x) for x in df["region"].dropna())
        return {c: c for c in sorted(codes)}


class RunCache:
    """Loaded runs by id, the ``size`` most recently used kept in memory (thread-safe)."""

    def __init__(self, url: str | None, size: int = 8) -> None:
        self.url = url
        self.size = max(1, size)
        self._items: OrderedDict[str, RunData] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self.index = RunIndex(url)

    def get(self, ref: str, viewer: Principal | None = None) -> RunData:
        """Run ``ref`` (404 problem if there is none, or ``viewer`` may not open it; for a
        viewer who sees only some runs, ``latest~N`` counts those runs)."""
        if viewer is not None and not access.is_full(viewer):
            m = _REF.fullmatch(ref.strip().lower())
            if m is not None and ref.strip().lower().startswith("latest"):
                n = int(m.group(1) or 0)
                items, _ = runs_page(n, 1, self.url, viewer, self)
                if not items:
                    raise not_found(f"run {ref!r}")
                ref = items[0].id
            run_id = resolve(ref, self.url)
            info = run_info(run_id, self.url)
            if not self.index.visible(viewer, run_id, info.source):
                raise not_found(f"run {ref!r}")
        return self._get(ref)

    def _get(self, ref: str) -> RunData:
        run_id = resolve(ref, self.url)
        with self._lock:
            hit = self._items.get(run_id)
            if hit is not None:
                self._items.move_to_end(run_id)
                return hit
            gate = self._loading.setdefault(run_id, threading.Lock())
        with gate:  # one load per run, however many requests ask at once
            with self._lock:
                hit = self._items.get(run_id)
            if hit is None:
                hit = self._load(run_id)
                with self._lock:
                    self._items[run_id] = hit
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            with self._lock:
                self._loading.pop(run_id, None)
        return hit

    def _load(self, run_id: str) -> RunData:
        info = run_info(run_id, self.url)
        plan = load_run(run_id, self.url)
        scenario: Scenario | None
        try:
            scenario = load_run_scenario(run_id, self.url)
        except StoreError:
            scenario = None
        who = parties(plan.tables, dict(scenario.tables) if scenario is not None else None)
        return RunData(info=info, plan=plan, scenario=scenario, parties=who)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def summary_of(data: RunData) -> dict[str, Any]:
    return data.plan.summary()
