"""The packaged impact data: jobs coefficients, their sources, eGRID 2022 state CO2 rates,
and dollar-year conversion.

Files (``stateside/data/impact/``, described in its ``SOURCES.md``):

* ``jobs_coefficients.csv`` — one row per (asset class, technology, phase): the value,
  its unit, the dollar year of money-based coefficients, the source id and a marking
  (``source``, ``derived``, ``secondary``, ``illustrative``);
* ``sources.csv`` — one row per source id: title, publisher, year, where to find it;
* ``egrid2022_state_co2.csv`` — EPA eGRID2022 state CO2 output emission rates (reference).

Dollar years are converted with the GDP deflator table of the default scenario
(``stateside/data/default/reference/deflators.csv``), the one source of truth for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

COEFFICIENT_COLUMNS: list[str] = [
    "coefficient_id",
    "asset_class",
    "technology",
    "phase",
    "value",
    "unit",
    "dollar_year",
    "source_id",
    "marking",
    "note",
]
SOURCE_COLUMNS: list[str] = ["source_id", "title", "publisher", "year", "reference", "marking"]
PHASES: tuple[str, ...] = ("construction", "operations", "operations_energy")


def data_dir() -> Path:
    """The packaged impact data folder."""
    return Path(str(resources.files("stateside").joinpath("data", "impact")))


def deflator_path() -> Path:
    """The GDP deflator table shared with the default scenario."""
    return Path(str(resources.files("stateside").joinpath("data", "default", "reference", "deflators.csv")))


@lru_cache(maxsize=8)
def _read(path: str) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def jobs_coefficients() -> pd.DataFrame:
    """The jobs coefficient table (a copy)."""
    df = _read(str(data_dir() / "jobs_coefficients.csv")).copy()
    df["technology"] = df["technology"].fillna("")
    return df[COEFFICIENT_COLUMNS]


def sources() -> pd.DataFrame:
    """The source table (a copy)."""
    return _read(str(data_dir() / "sources.csv")).copy()[SOURCE_COLUMNS]


def egrid_state_co2() -> pd.DataFrame:
    """eGRID2022 state CO2 output emission rates: ``region, co2_lb_per_mwh, net_generation_mwh, co2_t_per_mwh``."""
    return _read(str(data_dir() / "egrid2022_state_co2.csv")).copy()


def dollar_factor(from_year: int, to_year: int) -> float:
    """Multiply an amount in ``from_year`` dollars by this to get ``to_year`` dollars (GDP deflator)."""
    if from_year == to_year:
        return 1.0
    table = _read(str(deflator_path()))
    factors = dict(zip(table["year"].astype(int), table["factor_to_2024_usd"].astype(float), strict=True))
    missing = [y for y in (from_year, to_year) if y not in factors]
    if missing:
        raise ValueError(
            f"{deflator_path()}: no GDP deflator for {missing}; years available: {sorted(factors)}"
        )
    # factor_to_2024(y) = D(2024) / D(y);  value_to = value_from * D(to) / D(from)
    return factors[from_year] / factors[to_year]


@dataclass(frozen=True)
class Coefficient:
    """One jobs coefficient with where it comes from."""

    coefficient_id: str
    asset_class: str
    technology: str
    phase: str
    value: float
    unit: str
    dollar_year: int | None
    source_id: str
    marking: str
    note: str


class CoefficientBook:
    """Look-up of jobs coefficients by (asset class, technology, phase).

    A technology-specific row wins; a row with a blank technology applies to the whole
    asset class (campuses, fabs, transmission).
    """

    def __init__(self, table: pd.DataFrame | None = None) -> None:
        self.table = jobs_coefficients() if table is None else table.copy()
        self._by_key: dict[tuple[str, str, str], Coefficient] = {}
        for r in self.table.to_dict("records"):
            year = r.get("dollar_year")
            dollar_year = (
                None if year is None or (isinstance(year, float) and math.isnan(year)) else int(year)
            )
            c = Coefficient(
                coefficient_id=str(r["coefficient_id"]),
                asset_class=str(r["asset_class"]),
                technology=str(r.get("technology") or ""),
                phase=str(r["phase"]),
                value=float(r["value"]),
                unit=str(r["unit"]),
                dollar_year=dollar_year,
                source_id=str(r["source_id"]),
                marking=str(r["marking"]),
                note=str(r.get("note") or ""),
            )
            self._by_key[(c.asset_class, c.technology, c.phase)] = c

    def get(self, asset_class: str, technology: str, phase: str) -> Coefficient | None:
        """The coefficient for a technology (or for the asset class as a whole), or None."""
        return self._by_key.get((asset_class, technology, phase)) or self._by_key.get(
            (asset_class, "", phase)
        )

    def used(self, ids: set[str]) -> pd.DataFrame:
        """The rows of the coefficients in ``ids``, with their source's title and reference."""
        src = sources().rename(columns={"title": "source_title", "reference": "source_reference"})
        out = self.table[self.table["coefficient_id"].isin(ids)].merge(
            src[["source_id", "source_title", "source_reference"]], on="source_id", how="left"
        )
        return out.reset_index(drop=True)
