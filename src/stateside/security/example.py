"""A small, hand-checkable example coalition for the security review (fictional names).

Used by the tests and the documentation, and to try ``stateside screen`` without a
scenario folder. Every number is illustrative; the structure mirrors the story: a US
sponsor, cloud partner, chip maker and venture fund, a Canadian public pension fund, a
Japanese strategic investor, a Korean and two UAE sovereign vehicles.

Hand-checks (see tests/test_security_review.py):

* Falcon AI Investments (AE): the Abu Dhabi Investment Council (a PublicBody) holds 75 %
  of Oasis Strategic Holding, which holds 51 % of Falcon (a parent, so deemed 100 %):
  75 %; the UAE Federal Treasury (PublicBody, same government) holds 20 % directly; the
  UAE government's aggregate voting interest is 75 + 20 = 95 %; economic 0.75 × 0.51 +
  0.20 = 58.25 %.
* Redwood Ventures Fund III: US fund, US general partner; a Hong Kong family office
  holds 8 % of the economics and no votes (below the 10 % country-of-concern threshold).
"""

from __future__ import annotations

import csv
from importlib import resources
from typing import Any

import pandas as pd

from stateside.scenario.settings import ChipSettings, FinanceSettings, Period, SecuritySettings, Settings
from stateside.scenario.types import TABLE_NAMES, Scenario


def schema(table: str) -> list[dict[str, str]]:
    """The declared columns of a scenario table (from scenario/schema/<table>.csv)."""
    text = (
        resources.files("stateside.scenario").joinpath("schema", f"{table}.csv").read_text(encoding="utf-8")
    )
    return list(csv.DictReader(text.splitlines()))


def _default(col: dict[str, str]) -> Any:
    raw = col.get("default", "")
    kind = col.get("type", "")
    if raw == "":
        return None
    if kind == "float":
        return float(raw)
    if kind in {"int", "year"}:
        return int(raw)
    if kind == "bool":
        return raw.lower() == "true"
    return raw


def make_table(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A table with exactly the declared columns; missing values take their defaults."""
    cols = schema(table)
    names = [c["column"] for c in cols]
    unknown = sorted({k for r in rows for k in r} - set(names))
    if unknown:
        raise ValueError(f"{table}: unknown columns {unknown}")
    data = [{c["column"]: r.get(c["column"], _default(c)) for c in cols} for r in rows]
    return pd.DataFrame(data, columns=names)


def example_settings(*, avoid_mandatory_declarations: bool = False, apply_rule_caps: bool = True) -> Settings:
    """Minimal settings (the security block is what matters here)."""
    return Settings(
        name="security-example",
        base_dollar_year=2024,
        start_year=2026,
        periods=[Period(year=2028, length_years=2), Period(year=2030, length_years=2)],
        discount_rate=0.05,
        reserve_margin=0.15,
        chips=ChipSettings(accelerators_per_mw_it=1500.0, import_limit_per_year=1_000_000.0),
        finance=FinanceSettings(
            debt_share={"datacenter": 0.6, "generation": 0.6, "storage": 0.6, "transmission": 0.6, "fab": 0.3}
        ),
        security=SecuritySettings(
            apply_rule_caps=apply_rule_caps, avoid_mandatory_declarations=avoid_mandatory_declarations
        ),
    )


INVESTORS: list[dict[str, Any]] = [
    {
        "investor": "sponsor",
        "name": "Frontier Lab Inc.",
        "country": "US",
        "investor_type": "sponsor",
        "board_seat": True,
    },
    {
        "investor": "cloud",
        "name": "Nimbus Cloud Corp.",
        "country": "US",
        "investor_type": "cloud",
        "board_seat": True,
    },
    {
        "investor": "chipco",
        "name": "Silicon Forge Inc.",
        "country": "US",
        "investor_type": "strategic",
        "board_seat": True,
    },
    {
        "investor": "redwood",
        "name": "Redwood Ventures Fund III LP",
        "country": "US",
        "investor_type": "venture",
        "entity": "redwood_fund",
        "excluded_asset_classes": "transmission",
        "max_share_pct": 20.0,
    },
    {
        "investor": "maple",
        "name": "Maple Pension Investment Board",
        "country": "CA",
        "investor_type": "pension",
        "government_ownership_pct": 100.0,
        "board_seat": True,
    },
    {
        "investor": "sakura",
        "name": "Sakura Telecom Group",
        "country": "JP",
        "investor_type": "strategic",
        "board_seat": True,
    },
    {
        "investor": "hanriver",
        "name": "Han River Investment Corporation",
        "country": "KR",
        "investor_type": "sovereign",
        "government_ownership_pct": 100.0,
        "board_seat": False,
    },
    {
        "investor": "falcon",
        "name": "Falcon AI Investments",
        "country": "AE",
        "investor_type": "sovereign",
        "government_ownership_pct": 95.0,
        "entity": "falcon_ai",
        "board_seat": True,
    },
    {
        "investor": "gulf",
        "name": "Gulf Horizon Fund",
        "country": "AE",
        "investor_type": "sovereign",
        "government_ownership_pct": 100.0,
        "entity": "gulf_horizon",
        "board_seat": True,
    },
]
for _row in INVESTORS:
    _row.setdefault("source", "illustrative: security-review example coalition (fictional)")

ENTITIES: list[dict[str, Any]] = [
    {"entity": "redwood_fund", "name": "Redwood Ventures Fund III LP", "schema": "Fund", "country": "US"},
    {"entity": "redwood_gp", "name": "Redwood Ventures GP LLC", "schema": "Company", "country": "US"},
    {"entity": "harbor_fo", "name": "Harbor Lantern Family Office Ltd", "schema": "Company", "country": "HK"},
    {"entity": "us_lps", "name": "US limited partners (pooled)", "schema": "Organization", "country": "US"},
    {"entity": "adic", "name": "Abu Dhabi Investment Council", "schema": "PublicBody", "country": "AE"},
    {"entity": "uae_treasury", "name": "UAE Federal Treasury", "schema": "PublicBody", "country": "AE"},
    {
        "entity": "oasis",
        "name": "Oasis Strategic Holding PJSC",
        "schema": "Company",
        "country": "AE",
        "identifiers": "LEI:5493000OASIS0000001",
    },
    {
        "entity": "falcon_ai",
        "name": "Falcon AI Investments LLC",
        "schema": "Company",
        "country": "AE",
        "identifiers": "LEI:5493000FALCON000002",
    },
    {"entity": "gulf_horizon", "name": "Gulf Horizon Fund", "schema": "Fund", "country": "AE"},
]

OWNERSHIP: list[dict[str, Any]] = [
    {
        "owner": "redwood_gp",
        "asset": "redwood_fund",
        "voting_pct": 100.0,
        "economic_pct": 1.0,
        "general_partner": True,
    },
    {"owner": "us_lps", "asset": "redwood_fund", "voting_pct": 0.0, "economic_pct": 91.0},
    {"owner": "harbor_fo", "asset": "redwood_fund", "voting_pct": 0.0, "economic_pct": 8.0},
    {"owner": "adic", "asset": "oasis", "voting_pct": 75.0, "economic_pct": 75.0},
    {"owner": "oasis", "asset": "falcon_ai", "voting_pct": 51.0, "economic_pct": 51.0},
    {"owner": "uae_treasury", "asset": "falcon_ai", "voting_pct": 20.0, "economic_pct": 20.0},
    {"owner": "adic", "asset": "gulf_horizon", "voting_pct": 100.0, "economic_pct": 100.0},
]

CAMPUSES: list[dict[str, Any]] = [
    {
        "campus": "tx_frontier",
        "name": "West Texas Frontier Campus",
        "region": "TX",
        "module_it_mw": 200.0,
        "max_modules": 6,
        "earliest_year": 2028,
        "capex_usd_per_kw_it": 12_500.0,
        "fixed_om_usd_per_kw_year": 150.0,
        "pue": 1.2,
        "utilisation": 0.8,
        "frontier_weights": True,
        "sensitive_data": False,
    },
    {
        "campus": "oh_inference",
        "name": "Ohio Inference Campus",
        "region": "OH",
        "module_it_mw": 100.0,
        "max_modules": 4,
        "earliest_year": 2028,
        "capex_usd_per_kw_it": 11_000.0,
        "fixed_om_usd_per_kw_year": 150.0,
        "pue": 1.25,
        "utilisation": 0.7,
        "frontier_weights": False,
        "sensitive_data": False,
    },
]
for _row in CAMPUSES:
    _row.setdefault("source", "illustrative: example campus (fictional)")

FABS: list[dict[str, Any]] = [
    {
        "fab": "az_fab",
        "name": "Arizona Accelerator Fab",
        "region": "AZ",
        "capex_usd": 20e9,
        "grant_usd": 6.6e9,
        "power_mw": 300.0,
        "accelerators_per_year": 1_000_000.0,
        "lead_time_years": 4.0,
        "earliest_year": 2030,
        "source": "illustrative: capex and grant of the order of TSMC Arizona fab 1 (reference notes)",
    },
]

COMMITMENTS: list[dict[str, Any]] = [
    {"investor": inv, "year": 2026, "amount_usd": amount, "stage": stage, "source": "illustrative"}
    for inv, amount, stage in [
        ("sponsor", 5e9, "committed"),
        ("cloud", 8e9, "committed"),
        ("chipco", 3e9, "term_sheet"),
        ("redwood", 1e9, "in_talks"),
        ("maple", 4e9, "committed"),
        ("sakura", 6e9, "term_sheet"),
        ("hanriver", 3e9, "in_talks"),
        ("falcon", 7e9, "term_sheet"),
        ("gulf", 2e9, "prospect"),
    ]
]

SHARE_CAPS: list[dict[str, Any]] = [
    {
        "investor": "sakura",
        "asset_class": "generation",
        "max_share_pct": 30.0,
        "reason": "illustrative: Sakura board limit on power assets",
    },
]


def example_scenario(
    *,
    avoid_mandatory_declarations: bool = False,
    apply_rule_caps: bool = True,
    investors: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    ownership: list[dict[str, Any]] | None = None,
    control: list[dict[str, Any]] | None = None,
    campuses: list[dict[str, Any]] | None = None,
    fabs: list[dict[str, Any]] | None = None,
    share_caps: list[dict[str, Any]] | None = None,
    rules_yaml: str | None = None,
) -> Scenario:
    """The example coalition as a Scenario (any table can be replaced)."""
    given = {
        "investors": INVESTORS if investors is None else investors,
        "entities": ENTITIES if entities is None else entities,
        "ownership": OWNERSHIP if ownership is None else ownership,
        "control": [] if control is None else control,
        "campuses": CAMPUSES if campuses is None else campuses,
        "fabs": FABS if fabs is None else fabs,
        "share_caps": SHARE_CAPS if share_caps is None else share_caps,
        "commitments": COMMITMENTS,
    }
    tables = {name: make_table(name, given.get(name, [])) for name in TABLE_NAMES}
    settings = example_settings(
        avoid_mandatory_declarations=avoid_mandatory_declarations, apply_rule_caps=apply_rule_caps
    )
    return Scenario(settings=settings, tables=tables, rules_yaml=rules_yaml)
