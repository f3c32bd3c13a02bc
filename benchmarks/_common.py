"""Helpers shared by the benchmark scripts (not part of the package)."""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
from collections import deque
from pathlib import Path

import pandas as pd

from stateside.scenario.types import Scenario


def subset_regions(scenario: Scenario, n: int, seed_region: str = "TX") -> Scenario:
    """The first ``n`` regions reached breadth-first over corridors from ``seed_region``
    (all regions when n covers them), with every table cut to them and the IT targets
    scaled by the share of campus capacity kept."""
    regions = list(scenario.regions["region"])
    if n >= len(regions):
        return scenario
    cor = scenario.corridors
    nbrs: dict[str, list[str]] = {r: [] for r in regions}
    for a, b in zip(cor["region_from"], cor["region_to"], strict=True):
        nbrs[a].append(b)
        nbrs[b].append(a)
    keep: list[str] = []
    queue = deque([seed_region])
    while queue and len(keep) < n:
        r = queue.popleft()
        if r in keep:
            continue
        keep.append(r)
        queue.extend(sorted(nbrs[r]))
    kept = set(keep)
    t = dict(scenario.tables)
    for name, table in scenario.tables.items():  # every table with a region column
        if isinstance(table, pd.DataFrame) and len(table) and "region" in table.columns:
            t[name] = table[table["region"].isin(kept)].reset_index(drop=True)
    profiles = scenario.profiles
    if isinstance(profiles, pd.DataFrame) and len(profiles.columns):
        # hourly profile columns are "<kind>.<region>": drop the regions left out
        gone = set(regions) - kept
        profiles = profiles[[c for c in profiles.columns if str(c).rsplit(".", 1)[-1] not in gone]]
    t["corridors"] = cor[cor["region_from"].isin(kept) & cor["region_to"].isin(kept)].reset_index(drop=True)
    camp_all = scenario.campuses
    cap_all = float((camp_all["module_it_mw"] * camp_all["max_modules"]).sum()) or 1.0
    cap_kept = float((t["campuses"]["module_it_mw"] * t["campuses"]["max_modules"]).sum())
    share = cap_kept / cap_all
    s = scenario.settings.model_copy(
        update={"it_target_mw": {p: v * share for p, v in scenario.settings.it_target_mw.items()}}
    )
    return dataclasses.replace(scenario, settings=s, tables=t, profiles=profiles)


def with_resolution(scenario: Scenario, typical_days: int, hours_per_block: int) -> Scenario:
    s = scenario.settings.model_copy(
        update={"typical_days": typical_days, "hours_per_block": hours_per_block}
    )
    return dataclasses.replace(scenario, settings=s)


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM), MB. ``ru_maxrss`` is not used: a
    child started by fork and exec can report its parent's peak."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_child(code: str, timeout: float = 900.0) -> dict[str, object]:
    """Run ``code`` in a fresh Python with benchmarks/ on its path; it must print one JSON
    object as its last line."""
    here = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": here + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    return statistics.median(values)


def frame(rows: list[dict[str, object]]) -> str:
    return pd.DataFrame(rows).to_string(index=False)
