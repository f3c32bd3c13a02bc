"""The loaded, validated scenario: settings plus one tidy table per schema table."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stateside.scenario.settings import Settings

TABLE_NAMES: tuple[str, ...] = (
    "regions",
    "corridors",
    "technologies",
    "technology_costs",
    "fuels",
    "fuel_prices",
    "cost_multipliers",
    "existing_capacity",
    "capacity_credit_steps",
    "demand",
    "campuses",
    "fabs",
    "investors",
    "commitments",
    "entities",
    "ownership",
    "control",
    "share_caps",
    "funding_rounds",
    "sponsor_cap_table",
)


@dataclass(frozen=True)
class Scenario:
    """A checked scenario.

    Each table is a pandas DataFrame with a default RangeIndex and exactly the columns
    declared in ``stateside/scenario/schema/<table>.csv`` (optional columns filled with
    their declared default, blanks as NaN/None). Optional tables that are absent are
    empty frames with the declared columns. ``profiles`` holds the user's own hourly
    profiles (8760 rows, columns ``<kind>.<region>``) or None.
    """

    settings: Settings
    tables: dict[str, pd.DataFrame]
    profiles: pd.DataFrame | None = None
    source_dir: Path | None = None
    rules_yaml: str | None = field(default=None, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def content_hash(self) -> str:
        """SHA-256 over settings, every table and the profiles: identical inputs, identical hash."""
        h = hashlib.sha256()
        h.update(self.settings.model_dump_json().encode())
        for name in sorted(self.tables):
            h.update(name.encode())
            h.update(self.tables[name].to_csv(index=False).encode())
        if self.profiles is not None:
            h.update(self.profiles.to_csv(index=False).encode())
        if self.rules_yaml:
            h.update(self.rules_yaml.encode())
        return h.hexdigest()


def selected_demand(scenario: Scenario) -> pd.DataFrame:
    """The rows of ``demand`` for the settings' ``demand_case`` (every row where the table
    has no ``case`` column): the one reader of demand growth cases."""
    dem = scenario.demand
    if "case" not in dem.columns:
        return dem
    case = scenario.settings.demand_case
    return dem[dem["case"].fillna("reference").astype(str) == case].reset_index(drop=True)
