#!/usr/bin/env python
"""Build the default US scenario (``src/stateside/data/default``) from the shared raw data.

Reads the public raw files under ``../shared/data/raw`` (relative to the repository root;
override with ``--shared PATH`` or the environment variable ``STATESIDE_SHARED``, which
name the ``shared`` folder), converts every money figure to 2024 US dollars with the GDP
implicit price deflator, fills the known gaps with explicit, documented rules, and writes
the scenario tables (CSV, exactly the columns declared in
``src/stateside/scenario/schema/*.csv``), ``scenario.yaml`` and ``reference/deflators.csv``.

One function per component builds each table (issue 11): regions (``build_regions``, with
``reserve_margins``), corridors and seams (``build_corridors``, ``dc_ties``), technologies and
costs (``build_technologies``, ``tech_costs``, ``unit_om``, ``gas_capex_2025``), stepwise
accreditation (``build_capacity_credit_steps``), fuels (``build_fuels``, ``build_fuel_prices``),
the fleet (``operating_units``, ``build_existing_capacity``), hourly demand shapes
(``build_profiles``), demand (``base_year_demand``, ``growth_factors``, ``build_demand``, with the
``nerc_peak_check``), campuses, fabs, the coalition, the sponsor's illustrative funding round
(``build_sponsor_round``) and ``scenario.yaml``.

The output is deterministic: running the script twice gives byte-identical files.
Nothing from the raw folder is copied; only derived tables are written. Every source,
conversion and assumption is described in ``src/stateside/data/default/SOURCES.md``.

Usage::

    python scripts/build_default_data.py                 # writes src/stateside/data/default
    python scripts/build_default_data.py --out /tmp/x    # writes elsewhere
    python scripts/build_default_data.py --shared /path/to/shared
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = REPO_ROOT / "src" / "stateside" / "scenario" / "schema"
DEFAULT_OUT = REPO_ROOT / "src" / "stateside" / "data" / "default"

BASE_YEAR = 2024
START_YEAR = 2025
PERIODS: tuple[int, ...] = (2026, 2028, 2030, 2032)
PERIOD_LENGTH_YEARS = 2

# ---------------------------------------------------------------------------------------
# Deflators: GDP implicit price deflator, index 2017 = 100 (BEA NIPA Table 1.1.9, line 1;
# FRED series A191RD3A086NBEA). See DEFLATOR_SOURCE and SOURCES.md for how they were read.
# ---------------------------------------------------------------------------------------
GDP_DEFLATOR_2017_100: dict[int, float] = {
    2004: 79.077,
    2019: 103.979,
    2020: 105.377,
    2021: 110.186,
    2022: 118.023,
    2023: 122.390,
    2024: 125.428,
    2025: 128.986,
}
DEFLATOR_SOURCE = (
    "BEA NIPA Table 1.1.9 line 1 (GDP implicit price deflator, 2017=100, annual) as FRED series "
    "A191RD3A086NBEA; values read from a FRED download in the public repository "
    "ChowchowWorks/Macroeconomics data/A191RD3A086NBEA.csv (vintage after BEA's 2025 annual update)"
)
DEFLATOR_CHECK: dict[int, str] = {
    2004: "identical in an older FRED vintage (jdelacm/Production-Functions)",
    2019: "identical in an older FRED vintage (jdelacm/Production-Functions)",
    2020: "older FRED vintage 105.361 (-0.02%)",
    2021: "older FRED vintage 110.172 (-0.01%); World Bank WDI (knoema) 110.2",
    2022: "older FRED vintage 118.026 (+0.00%); World Bank WDI (knoema) 118.0",
    2023: "older FRED vintage 122.273 (-0.10%); World Bank WDI (knoema) 122.3",
    2024: "older FRED vintage 125.230 (-0.16%); World Bank WDI (knoema) 125.2; FRED GDPDEF quarterly mean 125.22",
    2025: "2025 annual value of the same file; not cross-checked",
}


def deflator_factor(year: int) -> float:
    """Multiplier from ``year`` dollars to base-year (2024) dollars, rounded to 6 decimals."""
    return round(GDP_DEFLATOR_2017_100[BASE_YEAR] / GDP_DEFLATOR_2017_100[year], 6)


def to_base(value: float, year: int) -> float:
    """``value`` in ``year`` dollars expressed in 2024 dollars (using the stated factor)."""
    return value * deflator_factor(year)


# ---------------------------------------------------------------------------------------
# States
# ---------------------------------------------------------------------------------------
STATE_CODES: dict[str, str] = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}  # fmt: skip

# IANA time zone at each state's representative point (the zone most of the state uses).
TIMEZONES: dict[str, str] = {
    "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix",
    "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
    "CT": "America/New_York", "DE": "America/New_York", "DC": "America/New_York",
    "FL": "America/New_York", "GA": "America/New_York", "HI": "Pacific/Honolulu",
    "ID": "America/Boise", "IL": "America/Chicago", "IN": "America/Indiana/Indianapolis",
    "IA": "America/Chicago", "KS": "America/Chicago", "KY": "America/New_York",
    "LA": "America/Chicago", "ME": "America/New_York", "MD": "America/New_York",
    "MA": "America/New_York", "MI": "America/Detroit", "MN": "America/Chicago",
    "MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver",
    "NE": "America/Chicago", "NV": "America/Los_Angeles", "NH": "America/New_York",
    "NJ": "America/New_York", "NM": "America/Denver", "NY": "America/New_York",
    "NC": "America/New_York", "ND": "America/Chicago", "OH": "America/New_York",
    "OK": "America/Chicago", "OR": "America/Los_Angeles", "PA": "America/New_York",
    "RI": "America/New_York", "SC": "America/New_York", "SD": "America/Chicago",
    "TN": "America/Chicago", "TX": "America/Chicago", "UT": "America/Denver",
    "VT": "America/New_York", "VA": "America/New_York", "WA": "America/Los_Angeles",
    "WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
}  # fmt: skip

# Representative points outside the CONUS centroid file (labelled in SOURCES.md).
EXPLICIT_POINTS: dict[str, tuple[float, float, str]] = {
    "AK": (61.2181, -149.9003, "Anchorage (Railbelt grid, most of Alaska's load)"),
    "HI": (21.3069, -157.8583, "Honolulu (Oahu, most of Hawaii's load)"),
    "DC": (38.9072, -77.0369, "Washington, DC"),
}

# Ties in the ReEDS zone count (transreg / interconnect) broken by the utility serving most
# of the state's load (judgement, listed in SOURCES.md).
ISO_TIE_BREAK: dict[str, str] = {
    "AR": "MISO",  # Entergy Arkansas
    "MS": "MISO",  # Entergy Mississippi, Cooperative Energy
    "ND": "SPP",  # Basin Electric / WAPA co-ops (largest generator)
    "NM": "WestConnect",  # PNM, El Paso Electric
    "SD": "SPP",  # WAPA / Basin / NorthWestern
    "WY": "NorthernGrid",  # PacifiCorp East
}
INTERCONNECT_TIE_BREAK: dict[str, str] = {"NM": "western", "SD": "eastern"}
ISLANDED: dict[str, tuple[str, str]] = {"AK": ("AK", "alaska"), "HI": ("HI", "hawaii")}
DC_NEIGHBOURS: tuple[str, ...] = ("MD", "VA")

# Census division of the regions missing from reeds/zones/state_groups.csv (US Census Bureau).
EXTRA_CENDIV: dict[str, str] = {"AK": "Pacific", "HI": "Pacific", "DC": "South_Atlantic"}

SOLAR_CF_FLOOR = 0.15
SOLAR_CF_ALASKA = 0.10
WIND_FALLBACK_ATB = "Land-Based Wind - Class 10 - Technology 4"

# ---------------------------------------------------------------------------------------
# Technologies
# ---------------------------------------------------------------------------------------
EIA_FUEL_TO_TECH: dict[str, str] = {
    # EIA-860 state x fuel table, used only for AK, HI and DC (not in the unit database).
    # The table does not split gas into combined cycles and turbines: all gas is gas_ct_existing.
    "Coal": "coal",
    "Natural Gas": "gas_ct_existing",
    "Other Gases": "gas_ct_existing",
    "Nuclear": "nuclear",
    "Hydroelectric": "hydro",
    "Pumped Storage": "pumped_storage",
    "Wind": "wind",
    "Solar Thermal and Photovoltaic": "solar",
    "Geothermal": "geothermal",
    "Petroleum": "oil",
    "Other Biomass": "biomass",
    "Wood and Wood Derived Fuels": "biomass",
    "Other": "battery",
}

# Unit database (ReEDS/NEMS via PowerGenome-data): EIA technology description -> technology.
UNIT_TECH: dict[str, str] = {
    "Conventional Steam Coal": "coal",
    "Coal Integrated Gasification Combined Cycle": "coal",
    "Petroleum Coke": "coal",  # solid fuel burnt in coal-like steam units; priced and emitting like coal
    "Natural Gas Fired Combined Cycle": "gas_cc_existing",
    "Natural Gas Fired Combustion Turbine": "gas_ct_existing",
    "Natural Gas Internal Combustion Engine": "gas_ct_existing",
    "Natural Gas Steam Turbine": "gas_ct_existing",
    "Natural Gas with Compressed Air Storage": "gas_ct_existing",
    "Other Natural Gas": "gas_ct_existing",
    "Other Gases": "gas_ct_existing",
    "Nuclear": "nuclear",
    "Conventional Hydroelectric": "hydro",
    "Run of River Hydroelectric": "hydro",
    "Hydroelectric Pumped Storage": "pumped_storage",
    "Onshore Wind Turbine": "wind",
    "Offshore Wind Turbine": "wind",
    "Solar Photovoltaic": "solar",
    "Solar Thermal with Energy Storage": "solar",
    "Solar Thermal without Energy Storage": "solar",
    "Geothermal": "geothermal",
    "Petroleum Liquids": "oil",
    "Landfill Gas": "biomass",
    "Municipal Solid Waste": "biomass",
    "Other Waste Biomass": "biomass",
    "Wood/Wood Waste Biomass": "biomass",
    "All Other": "biomass",  # 122 MW of miscellaneous waste-fuel units (EIA 'Other'); closest is biomass
    "Batteries": "battery",
    "Flywheels": "battery",
}
FLEET_YEAR = 2024  # units operating at the end of this year form the existing fleet
RETIREMENT_BLANK_AFTER = 2040  # cohorts retiring after this year are written with a blank year

# ReEDS maximum plant age (years) by technology, NREL/ReEDS-2.0 inputs/plant_characteristics/maxage.csv
# (read at commit 2632049e28ca7adffc03b81ab9d694bc84140f63): used only for units without a retirement year.
MAXAGE_COMMIT = "2632049e28ca7adffc03b81ab9d694bc84140f63"
REEDS_MAXAGE_YEARS: dict[str, tuple[int, str]] = {
    "coal": (70, "CoalOldUns/CoalOldScr/Coal-IGCC"),
    "gas_cc_existing": (55, "Gas-CC"),
    "gas_ct_existing": (55, "Gas-CT and o-g-s"),
    "oil": (55, "o-g-s"),
    "biomass": (45, "biopower"),
    "geothermal": (30, "geothermal"),
    "hydro": (100, "hydro"),
    "pumped_storage": (100, "hydro (no separate PSH row)"),
    "nuclear": (80, "Nuclear"),
    "solar": (30, "upv"),
    "wind": (30, "wind-ons"),
    "battery": (15, "battery_4"),
}

# EIA Electric Power Annual, Table 8.1 (average operating heat rate, 2022, Btu/kWh): fallback only.
EIA_HEAT_RATE_2022 = {"coal": 10689, "oil": 11166}
EIA_HEAT_RATE_URL = "https://www.eia.gov/electricity/annual/html/epa_08_01.html"

# Capacity credits on the SUMMER rating. Sourced values: pages/capacity_accreditation_reported.csv.
MISO_SOLAR_SUMMER_CREDIT = 0.50  # MISO 2025/26 summer seasonal capacity credit for solar
MISO_WIND_SUMMER_CREDIT = 0.208  # MISO 2025/26 summer seasonal capacity credit for wind
# Thermal units count at their full summer net rating (ICAP convention): the NERC LTRA Reference
# Margin Levels used as reserve margins (regions.reserve_margin) are ICAP-based and already allow
# for forced outages; NERC counts existing thermal resources at net summer capacity, and ReEDS's
# reserve-margin constraint does the same. UCAP-style credits (1 - EFORd) would count outages twice.
THERMAL_CAPACITY_CREDIT = 1.0
CREDIT_NOTE_THERMAL = (
    "1 on the summer net rating (ICAP convention of the NERC LTRA reference margin levels used as "
    "reserve margins, which already allow for forced outages; as in ReEDS)"
)
# MISO's LTRA level is UCAP-based; it is put on the ICAP basis of the other areas with an
# illustrative fleet-average UCAP/ICAP ratio (1 - EFORd of about 8%, NERC GADS-like, not in the raw data).
MISO_UCAP_TO_ICAP_RATIO = 0.92


@dataclass(frozen=True)
class Tech:
    """Static attributes of one technology (the costs come from CostSource)."""

    code: str
    name: str
    kind: str
    asset_class: str
    fuel: str | None
    profile: str
    buildable: bool
    availability: float | None  # None: computed from eGRID/EIA (see realized_cf)
    capacity_credit: float
    heat_rate: float | None  # MMBtu/MWh; None: from the unit database or the ATB file (2030)
    lifetime_years: float
    reeds_construction: str
    storage_hours: float | None = None
    round_trip_efficiency: float | None = None
    uses_gas_turbine: bool = False
    max_build_mw: float | None = None
    economic_retirement: bool = False
    credit_note: str = CREDIT_NOTE_THERMAL
    availability_note: str = "illustrative derate"


TECHS: tuple[Tech, ...] = (
    Tech("coal", "Coal steam (existing)", "thermal", "generation", "coal", "none", False, 0.82,
         THERMAL_CAPACITY_CREDIT, None, 40, "CoalOldUns", economic_retirement=True,
         availability_note="illustrative: 1 - forced and planned outage share of an ageing coal fleet (about 18%)"),
    Tech("gas_cc_existing", "Gas combined cycle (existing)", "thermal", "generation", "gas", "none", False,
         0.88, THERMAL_CAPACITY_CREDIT, None, 30, "Gas-CC", economic_retirement=True,
         availability_note="illustrative: 1 - forced and planned outage share of combined cycles (about 12%)"),
    Tech("gas_ct_existing", "Gas turbines, steam and engines (existing)", "thermal", "generation", "gas",
         "none", False, 0.88, THERMAL_CAPACITY_CREDIT, None, 30, "Gas-CT", economic_retirement=True,
         availability_note="illustrative: 1 - forced and planned outage share of peakers and steam units (about 12%)"),
    Tech("oil", "Petroleum (existing)", "thermal", "generation", "oil", "none", False, 0.85,
         THERMAL_CAPACITY_CREDIT, None, 25, "o-g-s", economic_retirement=True),
    Tech("biomass", "Biomass and waste (existing)", "thermal", "generation", "biomass", "none", False,
         0.80, THERMAL_CAPACITY_CREDIT, None, 30, "biopower", economic_retirement=True),
    Tech("geothermal", "Geothermal (existing)", "thermal", "generation", None, "none", False, None,
         THERMAL_CAPACITY_CREDIT, 0.0, 30, "GEO"),
    Tech("hydro", "Conventional hydro (existing)", "hydro", "generation", None, "none", False, None,
         0.70, 0.0, 80, "Hydro",
         credit_note="illustrative: summer water limits on dispatchable hydro (run-of-river and reservoir)"),
    Tech("pumped_storage", "Pumped-storage hydro (existing)", "storage", "storage", None, "none", False,
         0.95, 0.95, 0.0, 80, "PSH", storage_hours=10.0, round_trip_efficiency=0.75,
         credit_note="step 1 of capacity_credit_steps.csv (10 h storage, illustrative)"),
    Tech("nuclear", "Nuclear, large light-water (existing and new)", "thermal", "generation", "uranium",
         "none", True, None, THERMAL_CAPACITY_CREDIT, None, 40, "Nuclear", max_build_mw=2200.0),
    Tech("smr", "Small modular reactor", "thermal", "generation", "uranium", "none", True, None,
         THERMAL_CAPACITY_CREDIT, None, 40, "Nuclear-SMR", max_build_mw=300.0),
    Tech("gas_cc", "Gas combined cycle (new)", "thermal", "generation", "gas", "none", True, 0.90,
         THERMAL_CAPACITY_CREDIT, None, 30, "Gas-CC", uses_gas_turbine=True,
         availability_note="illustrative: 1 - forced and planned outage share of a new combined cycle (about 10%)"),
    Tech("gas_ct", "Gas combustion turbine (new)", "thermal", "generation", "gas", "none", True, 0.92,
         THERMAL_CAPACITY_CREDIT, None, 25, "Gas-CT", uses_gas_turbine=True),
    Tech("solar", "Utility-scale PV (single-axis tracking)", "variable", "generation", None, "solar", True,
         1.0, MISO_SOLAR_SUMMER_CREDIT, 0.0, 40, "PV",
         credit_note="step 1 of capacity_credit_steps.csv: MISO 2025/26 summer solar credit 50% "
                     "(pages/capacity_accreditation_reported.csv)"),
    Tech("wind", "Onshore wind", "variable", "generation", None, "wind", True, 1.0, MISO_WIND_SUMMER_CREDIT,
         0.0, 30, "ONSWIND",
         credit_note="step 1 of capacity_credit_steps.csv: MISO 2025/26 summer wind credit 20.8% "
                     "(pages/capacity_accreditation_reported.csv)"),
    Tech("battery", "Li-ion battery storage (4 h)", "storage", "storage", None, "none", True, 0.97, 0.90,
         0.0, 15, "BATTERY", storage_hours=4.0,
         credit_note="step 1 of capacity_credit_steps.csv (4 h storage at low penetration, illustrative)"),
)  # fmt: skip

LIFETIME_SOURCE = {
    "coal": "pypsa-technology-data costs_2030.csv coal lifetime (Lazard LCOE+ 2023)",
    "gas_cc_existing": "illustrative: same as gas_cc (JRC, pypsa-technology-data)",
    "gas_ct_existing": "illustrative: same as gas_cc (JRC, pypsa-technology-data)",
    "oil": "pypsa-technology-data costs_2030.csv oil lifetime (Danish Energy Agency)",
    "biomass": "pypsa-technology-data costs_2030.csv biomass lifetime (DIW DataDoc)",
    "geothermal": "pypsa-technology-data costs_2030.csv geothermal lifetime",
    "hydro": "pypsa-technology-data costs_2030.csv hydro lifetime (IEA 2010)",
    "pumped_storage": "pypsa-technology-data costs_2030.csv PHS lifetime (IEA 2010)",
    "nuclear": "pypsa-technology-data costs_2030.csv nuclear lifetime (Lazard LCOE+ 2023)",
    "smr": "illustrative: same as nuclear",
    "gas_cc": "pypsa-technology-data costs_2030.csv NG 2-on-1 Combined Cycle (F-Frame) lifetime (JRC)",
    "gas_ct": "pypsa-technology-data costs_2030.csv OCGT lifetime (Danish Energy Agency)",
    "solar": "pypsa-technology-data costs_2030.csv solar-utility lifetime (Danish Energy Agency)",
    "wind": "pypsa-technology-data costs_2030.csv onwind lifetime (Danish Energy Agency)",
    "battery": "pypsa-technology-data costs_2030.csv battery storage lifetime (NREL)",
}

# Cost sources. ReEDS ATB 2024 moderate files (2022 $) for the buildable technologies and
# the existing gas fleet (proxy); pypsa-technology-data (ATB 2024 Market/Moderate, 2022 $)
# for the existing-only technologies that ReEDS does not ship here.
REEDS_COSTS: dict[str, tuple[str, str | None]] = {
    # technology: (file, value of column i)
    "gas_cc": ("gas_ATB_2024_moderate.csv", "Gas-CC"),
    "gas_ct": ("gas_ATB_2024_moderate.csv", "Gas-CT"),
    "gas_cc_existing": ("gas_ATB_2024_moderate.csv", "Gas-CC"),
    "gas_ct_existing": ("gas_ATB_2024_moderate.csv", "Gas-CT"),
    "oil": ("gas_ATB_2024_moderate.csv", "Gas-CT"),
    "nuclear": ("nuclear_ATB_2024_moderate.csv", "Nuclear"),
    "smr": ("nuclear-smr_ATB_2024_moderate.csv", "Nuclear-SMR"),
    "solar": ("upv_ATB_2024_moderate.csv", None),
    "wind": ("ons-wind_ATB_2024_moderate.csv", None),
    "battery": ("battery_ATB_2024_moderate.csv", "battery_li"),
}
PYPSA_COSTS: dict[str, str] = {
    "coal": "coal",
    "biomass": "biomass",
    "geothermal": "geothermal",
    "hydro": "hydro",
    "pumped_storage": "PHS",
}
PYPSA_YEARS: tuple[int, ...] = (2025, 2030, 2035)

# Existing thermal fleets that may retire economically: fixed and variable O&M from the unit
# database (EIA/NEMS plant file values that ReEDS uses for existing units), capacity-weighted.
# The file does not state their dollar year; they are read as 2004 $, ReEDS's model dollar year.
UNIT_OM_TECHS: tuple[str, ...] = ("coal", "gas_cc_existing", "gas_ct_existing", "oil", "biomass")
UNIT_OM_DOLLAR_YEAR = 2004

# Current gas-plant capex (pages/gas_plant_costs_and_lead_times_reported.csv), nominal 2025 $/kW.
# Combined cycle: the three figures for projects priced in 2025 (GridLab "over $2,000" for projects
# starting construction, BloombergNEF $2,157 average of 2025 filings, NextEra $2,400 "today").
GAS_CC_CAPEX_2025: tuple[tuple[str, float], ...] = (
    ("GridLab (Sept 2025) via The Clear Media Project: over $2,000/kW for projects starting construction", 2000.0),
    ("BloombergNEF via Substack: $2,157/kW average US CC project cost in 2025", 2157.0),
    ("NextEra CEO at CERAWeek (Mar 2025) via Gas Outlook: $2,400/kW for the same CC today", 2400.0),
)  # fmt: skip
# Combustion turbine: the only 2025 figure is a range attributed to EIA by a blog (728-1,544 $/kW,
# weak); its top is used, because frame turbines are the scarce item that drove CC costs up ~1.7x.
GAS_CT_CAPEX_2025 = (
    "blog citing Energy Bad Boys / EIA (Sept 2025): 2025 CT costs $728-1,544/kW, top of range "
    "(weak secondary source)",
    1544.0,
)

# Locational multiplier file per buildable technology (PyPSA-USA, from EIA's capital-cost study).
MULTIPLIER_FILES: dict[str, str] = {
    "gas_cc": "natural-gas-430mw.csv",
    "gas_ct": "natural-gas-240mw.csv",
    "nuclear": "nuclear-1117mw.csv",
    "smr": "smr-600mw.csv",
    "solar": "spv-tracking-150mw.csv",
    "wind": "onshore-wind-200mw.csv",
    "battery": "battery-storage-4hr-50mw.csv",
}

# ---------------------------------------------------------------------------------------
# Demand: growth cases and the EIA-930 areas whose 2023 hourly demand gives each state's shape
# ---------------------------------------------------------------------------------------
DEMAND_CASES: tuple[str, ...] = ("reference", "high", "low")

# State -> EIA-930 balancing areas / subregions (columns of demand_cleaned_2023_hourly_utc.csv).
# Where several are listed, their MW are summed (a load-weighted mix). Judgement from the
# service territories (documented in SOURCES.md); a BA that spans states lends its whole
# shape to each state it is listed for. AK and HI have no EIA-930 data.
EIA930_STATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "AL": ("SOCO",), "AR": ("MISO-8910",), "AZ": ("AZPS", "SRP", "TEPC", "WALC"),
    "CA": ("CISO-PGAE", "CISO-SCE", "CISO-SDGE", "BANC", "LDWP", "IID", "TIDC"),
    "CO": ("PSCO", "WACM"), "CT": ("ISNE-4004",), "DC": ("PJM-PEP",), "DE": ("PJM-DPL",),
    "FL": ("FPL", "FPC", "FMPP", "JEA", "TEC", "TAL", "GVL", "HST"), "GA": ("SOCO",),
    "IA": ("MISO-0035",), "ID": ("IPCO",), "IL": ("PJM-CE", "MISO-0004"), "IN": ("MISO-0006",),
    "KS": ("SWPP-WR", "SWPP-KACY", "SWPP-SECI"), "KY": ("LGEE", "PJM-EKPC"), "LA": ("MISO-8910",),
    "MA": ("ISNE-4006", "ISNE-4007", "ISNE-4008"), "MD": ("PJM-BC", "PJM-PEP"), "ME": ("ISNE-4001",),
    "MI": ("MISO-0027",), "MN": ("MISO-0001",), "MO": ("MISO-0035", "AECI", "SWPP-KCPL"),
    "MS": ("MISO-8910",), "MT": ("NWMT",), "NC": ("DUK", "CPLE", "CPLW"), "ND": ("SWPP-WAUE",),
    "NE": ("SWPP-NPPD", "SWPP-OPPD", "SWPP-LES"), "NH": ("ISNE-4002",),
    "NJ": ("PJM-PS", "PJM-JC", "PJM-AE"), "NM": ("PNM", "EPE"), "NV": ("NEVP",),
    "NY": tuple(f"NYIS-ZON{z}" for z in "ABCDEFGHIJK"),
    "OH": ("PJM-AEP", "PJM-ATSI", "PJM-DAY", "PJM-DEOK"),
    "OK": ("SWPP-OKGE", "SWPP-CSWS", "SWPP-GRDA", "SWPP-WFEC"), "OR": ("PGE", "PACW", "BPAT"),
    "PA": ("PJM-PE", "PJM-PL", "PJM-PN", "PJM-ME", "PJM-DUQ"), "RI": ("ISNE-4005",),
    "SC": ("SC", "SCEG"), "SD": ("SWPP-WAUE",), "TN": ("TVA",),
    "TX": ("ERCO-COAS", "ERCO-EAST", "ERCO-FWES", "ERCO-NCEN", "ERCO-NRTH", "ERCO-SCEN", "ERCO-SOUT",
           "ERCO-WEST"),
    "UT": ("PACE",), "VA": ("PJM-DOM",), "VT": ("ISNE-4003",),
    "WA": ("BPAT", "PSEI", "SCL", "TPWR", "AVA", "CHPD", "DOPD", "GCPD"), "WI": ("MISO-0027",),
    "WV": ("PJM-AP",), "WY": ("PACE",),
}  # fmt: skip
WEATHER_YEAR = 2023

# ---------------------------------------------------------------------------------------
# Reserve margins: NERC LTRA 2025 assessment area of each state (judgement from the ReEDS NERC
# region of the majority of the state's zones in hierarchy.csv; WECC split by the LTRA's WECC
# areas; ties as in ISO_TIE_BREAK). Value: the area's Reference Margin Level for RESERVE_MARGIN_YEAR.
# ---------------------------------------------------------------------------------------
RESERVE_MARGIN_YEAR = 2026
NERCR_TO_LTRA: dict[str, str] = {
    "MISO": "MISO", "NPCC_NE": "NPCC-New England", "NPCC_NY": "NPCC-New York", "PJM": "PJM",
    "SERC_C": "SERC-Central", "SERC_E": "SERC-East", "SERC_F": "SERC-Florida Peninsula",
    "SERC_SE": "SERC-Southeast", "SPP": "MRO-SPP", "ERCOT": "Texas RE-ERCOT", "WECC_CA": "WECC-California",
}  # fmt: skip
WECC_LTRA_AREA: dict[str, str] = {
    "WA": "WECC-Northwest", "OR": "WECC-Northwest", "MT": "WECC-Northwest",
    "ID": "WECC-Basin", "UT": "WECC-Basin", "NV": "WECC-Basin",
    "CO": "WECC-Rocky Mountain", "WY": "WECC-Rocky Mountain",
    "AZ": "WECC-Southwest", "NM": "WECC-Southwest",
}  # fmt: skip
NERCR_TIE_BREAK: dict[str, str] = {"AR": "MISO", "MS": "MISO", "ND": "SPP", "SD": "SPP", "NM": "WECC_SW"}
ISLANDED_RESERVE_MARGIN = 0.15  # illustrative: AK and HI are outside NERC's assessment areas

# ---------------------------------------------------------------------------------------
# Stepwise capacity credits: (share_of_peak_upto or None, credit) per step. Step 1 equals the
# technology's capacity_credit. Falling marginal credits as the technology's capacity share of
# the region's peak grows (the pattern of ReEDS's ELCC curves and PJM/MISO class ratings):
# solar shifts the net peak into the evening, wind's credit is diluted by correlated output,
# and storage needs ever longer discharge as it flattens the peak. Only step 1 of solar and
# wind is sourced (MISO summer 2025/26, pages/capacity_accreditation_reported.csv); the later
# steps are illustrative.
# ---------------------------------------------------------------------------------------
CREDIT_STEPS: dict[str, tuple[tuple[float | None, float, str], ...]] = {
    "solar": (
        (0.10, MISO_SOLAR_SUMMER_CREDIT, "MISO 2025/26 summer solar credit 50% (pages/capacity_accreditation_reported.csv), at a low solar share"),
        (0.25, 0.30, "illustrative: the net peak moves past sunset as solar grows"),
        (0.40, 0.15, "illustrative: evening net peak; CAISO-like solar shares"),
        (None, 0.05, "illustrative: MISO winter solar credit 5% (pages/capacity_accreditation_reported.csv) as the floor"),
    ),
    "wind": (
        (0.10, MISO_WIND_SUMMER_CREDIT, "MISO 2025/26 summer wind credit 20.8% (pages/capacity_accreditation_reported.csv), at a low wind share"),
        (0.30, 0.15, "illustrative: correlated low-wind peak hours dilute the credit"),
        (None, 0.08, "illustrative: floor for very high wind shares"),
    ),
    "battery": (
        (0.05, 0.90, "illustrative: 4 h storage covers a narrow peak almost fully"),
        (0.15, 0.70, "illustrative: a wider net peak needs more than 4 h"),
        (0.25, 0.50, "illustrative: PJM's 2026/27 ratings fell for storage (qualitative, pages/capacity_accreditation_reported.csv)"),
        (None, 0.30, "illustrative: floor for very high storage shares"),
    ),
    "pumped_storage": (
        (0.10, 0.95, "illustrative: 10 h storage covers the daily peak"),
        (0.25, 0.85, "illustrative: multi-day peaks begin to deplete 10 h storage"),
        (None, 0.70, "illustrative: floor for very high storage shares"),
    ),
}  # fmt: skip

# ---------------------------------------------------------------------------------------
# Corridors
# ---------------------------------------------------------------------------------------
CORRIDOR_MAX_EXPANSION_MW = 2000.0
CORRIDOR_CONSTRUCTION_YEARS = 6.0
DC_CORRIDORS: dict[str, tuple[float, float]] = {"MD": (3000.0, 3000.0), "VA": (1500.0, 1500.0)}
DC_CORRIDOR_LENGTH_MILES = 10.0

# Seams: corridors between two interconnections carry DC ties only. Back-to-back converter cost:
# ReEDS scalars_transmission.csv cost_acdc_lcc = 136,172 $/MW per AC/DC converter station (EIPC 2015),
# applied twice for a back-to-back tie (two converters), in ReEDS's 2004 $
# (NREL/ReEDS-2.0 inputs/transmission/scalars_transmission.csv at commit 37ba7fc4).
REEDS_CONVERTER_USD2004_PER_MW = 136172.0
REEDS_CONVERTER_COMMIT = "37ba7fc488a5bdfaeb98152de8940924d43e52c0"
SEAM_CONSTRUCTION_YEARS = 5.0  # illustrative: converter station, shorter than a new line (6 years)

# ---------------------------------------------------------------------------------------
# Campuses, fabs and the coalition (illustrative, reasoning in SOURCES.md)
# ---------------------------------------------------------------------------------------
ABILENE_CAPEX_USD_2025 = 15e9
ABILENE_MW = 1200.0
CAMPUS_FOM_SHARE = 0.03


@dataclass(frozen=True)
class Campus:
    code: str
    name: str
    region: str
    module_it_mw: float
    max_modules: int
    earliest_year: int
    pue: float
    sensitive_data: bool
    frontier_weights: bool
    why: str
    grid_connection_year: int | None = None  # islanded on its own generation before (issue 12)


CAMPUSES: tuple[Campus, ...] = (
    Campus("tx_abilene", "West Texas flagship campus (Abilene-like)", "TX", 200, 6, 2026, 1.25, False, True,
           "Abilene-like site: 1.2 GW in 8 buildings, first phase energized 2025-26 (Crusoe release, May 2025); "
           "grid connection 2028, first phase on on-site gas turbines until then (speed to power, as at "
           "xAI Memphis; ERCOT projects average 4.5 years of development, Enverus)", 2028),
    Campus("tx_permian", "Permian Basin campus", "TX", 250, 4, 2028, 1.25, False, True,
           "ERCOT West: gas supply; grid connection 2030, on-site gas at the basin's gas supply until then", 2030),
    Campus("va_loudoun", "Northern Virginia inference campus", "VA", 200, 2, 2027, 1.2, True, False,
           "the largest data-center market (EPRI: 25.6% of VA load); small because Dominion's queue is long"),
    Campus("va_southside", "Southside Virginia campus", "VA", 250, 4, 2028, 1.2, True, False,
           "greenfield site away from the Loudoun constraint, PJM"),
    Campus("ga_douglas", "Metro Atlanta campus", "GA", 250, 4, 2027, 1.25, True, False,
           "second-largest Southeast market (EPRI: 4.3% of GA load)"),
    Campus("oh_new_albany", "Central Ohio campus", "OH", 200, 4, 2027, 1.2, True, False,
           "established hyperscale cluster near Columbus, PJM"),
    Campus("pa_susquehanna", "Nuclear-adjacent Pennsylvania campus", "PA", 250, 4, 2027, 1.2, False, True,
           "co-location next to an existing nuclear plant, PJM"),
    Campus("az_mesa", "Phoenix-area campus", "AZ", 250, 4, 2027, 1.3, True, False,
           "large desert cluster (EPRI: 7.4% of AZ load); hot climate raises PUE"),
    Campus("la_richland", "North Louisiana gigawatt campus", "LA", 300, 6, 2028, 1.25, False, True,
           "gigawatt-scale greenfield site with new gas generation, MISO South"),
    Campus("wy_cheyenne", "Cheyenne campus", "WY", 200, 5, 2028, 1.2, False, True,
           "cool climate, gas and wind; WY data centers already 11.3% of load (EPRI)"),
    Campus("nd_ellendale", "North Dakota campus", "ND", 200, 3, 2027, 1.2, False, True,
           "cool climate, stranded wind (realized wind CF 0.43)"),
    Campus("nm_dona_ana", "Southern New Mexico campus", "NM", 250, 4, 2029, 1.3, False, True,
           "greenfield desert site with solar; later permits"),
    Campus("ok_pryor", "Northeast Oklahoma campus", "OK", 200, 4, 2028, 1.25, True, False,
           "existing hyperscale cluster, SPP wind"),
    Campus("ia_council_bluffs", "Western Iowa campus", "IA", 200, 4, 2027, 1.2, True, False,
           "existing hyperscale cluster (EPRI: 11.4% of IA load), MISO wind"),
)  # fmt: skip

# CHIPS-award-linked fab candidates.
FAB_CAPEX_USD = 20e9  # TSMC Arizona fab 1 budget, $12B -> $20B (CNBC, Dec 2024)
TSMC_AZ_SITE_USD = 65e9  # TSMC Arizona site plan (CNBC, Dec 2024)
TSMC_AZ_AWARD_USD = 6.6e9  # chips_act_major_awards.csv
GRANT_INTENSITY = TSMC_AZ_AWARD_USD / TSMC_AZ_SITE_USD
LOGIC_FAB_MW = 350.0
MEMORY_FAB_MW = (480.0 + 576.0) / 2  # Micron NY: fab 2 576 MW, fabs 1+2 1,056 MW
LOGIC_ACCELERATORS = 20000 * 12 * 0.25 * 15  # wafers/month x 12 x AI share x accelerators/wafer
MEMORY_ACCELERATORS = 600_000.0
FAB_FOM_SHARE = 0.03


@dataclass(frozen=True)
class Fab:
    code: str
    name: str
    region: str
    company: str  # row key in chips_act_major_awards.csv
    state_award_usd: float | None  # known state split of the award, if any
    memory: bool
    lead_time_years: float
    earliest_year: int
    why: str


FABS: tuple[Fab, ...] = (
    Fab("fab_az_logic", "Arizona advanced-logic fab (TSMC Arizona-like)", "AZ", "TSMC Arizona", None, False,
        3, 2028, "a further fab on an existing leading-edge site"),
    Fab("fab_tx_logic", "Central Texas logic fab (Samsung Taylor-like)", "TX", "Samsung Electronics", None,
        False, 3, 2028, "Taylor-like greenfield fab under construction"),
    Fab("fab_oh_logic", "Ohio logic fab (Intel Ohio-like)", "OH", "Intel", 1.5e9, False, 3, 2030,
        "Ohio site whose first fab slipped to about 2030"),
    Fab("fab_id_memory", "Idaho memory/HBM fab (Micron Boise-like)", "ID", "Micron Technology", None, True, 3,
        2028, "HBM memory for accelerators, Boise-like site"),
    Fab("fab_ny_memory", "New York memory megafab (Micron Clay-like)", "NY", "Micron Technology", None, True,
        3, 2030, "Clay-like megafab; grid upgrades approved 2025"),
)  # fmt: skip


@dataclass(frozen=True)
class Investor:
    code: str
    name: str
    country: str
    investor_type: str
    government_ownership_pct: float
    entity: str
    excluded: str
    board_seat: bool
    why: str
    commitments: tuple[tuple[int, float, str], ...]  # (year, $B, stage)


INVESTORS: tuple[Investor, ...] = (
    Investor("sponsor", "Frontier AI Lab (sponsor)", "US", "sponsor", 0.0, "sponsor_lab", "", True,
             "the AI lab that sponsors the coalition",
             ((2026, 2.0, "funded"), (2027, 2.5, "committed"), (2028, 2.5, "committed"),
              (2029, 2.5, "committed"), (2030, 2.5, "term_sheet"))),
    Investor("cloud", "Hyperscale Cloud Partner", "US", "cloud", 0.0, "cloud_partner", "fab", True,
             "the lab's cloud partner; funds compute and power, not fabs",
             ((2026, 3.6, "funded"), (2027, 3.6, "committed"), (2028, 3.6, "committed"),
              (2029, 3.6, "committed"), (2030, 3.6, "committed"))),
    Investor("devices", "Consumer Device Maker", "US", "strategic", 0.0, "device_maker",
             "generation;storage;transmission", False,
             "strategic corporate that wants compute and chip supply, not utility assets",
             ((2026, 1.0, "committed"), (2027, 1.0, "committed"), (2028, 1.0, "committed"),
              (2029, 1.0, "committed"), (2030, 1.0, "in_talks"))),
    Investor("chips", "Accelerator Chip Maker", "US", "strategic", 0.0, "chip_maker", "transmission", False,
             "strategic corporate securing demand for its accelerators and domestic supply",
             ((2026, 1.0, "committed"), (2027, 1.5, "committed"), (2028, 1.5, "committed"),
              (2029, 1.5, "committed"), (2030, 0.5, "term_sheet"))),
    Investor("venture", "Frontier Ventures Fund III", "US", "venture", 0.0, "us_venture_fund",
             "generation;storage;transmission", False,
             "US venture fund (US GP, one foreign LP); avoids utility-like assets",
             ((2026, 0.5, "funded"), (2027, 1.0, "committed"), (2028, 1.0, "committed"),
              (2029, 0.5, "term_sheet"))),
    Investor("ca_pension", "Maple Public Pension Investment Board", "CA", "pension", 100.0, "ca_pension",
             "fab", True,
             "Canadian federal crown corporation: wholly owned by the Crown, invests at arm's length; "
             "government_ownership_pct 100 so the review sees a foreign-government-owned investor from an "
             "excepted foreign state; infrastructure mandate, no fabs",
             ((2026, 1.0, "committed"), (2027, 2.0, "committed"), (2028, 2.5, "committed"),
              (2029, 2.5, "committed"), (2030, 2.0, "term_sheet"))),
    Investor("jp_strategic", "Sakura Technology Group (via Sakura Vision Investments)", "JP", "strategic",
             0.0, "jp_vision_vehicle", "", True,
             "Japanese conglomerate investing through a Delaware subsidiary vehicle; founder holds 29%",
             ((2026, 2.0, "funded"), (2027, 3.0, "committed"), (2028, 3.0, "committed"),
              (2029, 2.0, "committed"), (2030, 2.0, "in_talks"))),
    Investor("kr_strategic", "Hanseong Electronics", "KR", "strategic", 8.7, "kr_strategic", "transmission",
             False,
             "Korean chaebol affiliate; the national pension holds 7.5% directly and 6% of its 20% holding "
             "company: 7.5 + 0.20 x 6 = 8.7% government-linked",
             ((2027, 2.0, "term_sheet"), (2028, 2.0, "term_sheet"), (2029, 2.0, "in_talks"))),
    Investor("uae_fund", "Gulf Horizon Investment Authority", "AE", "sovereign", 100.0, "ae_us_holdco", "",
             True, "UAE sovereign fund wholly owned by an emirate government, investing through a US holdco",
             ((2026, 2.0, "committed"), (2027, 3.0, "committed"), (2028, 3.0, "committed"),
              (2029, 3.0, "committed"), (2030, 3.0, "in_talks"))),
)  # fmt: skip

ENTITIES: tuple[tuple[str, str, str, str], ...] = (
    # entity, name, schema, country
    ("sponsor_lab", "Frontier AI Lab, Inc.", "Company", "US"),
    ("sponsor_foundation", "Frontier AI Foundation", "Organization", "US"),
    ("cloud_partner", "Hyperscale Cloud Corp.", "Company", "US"),
    ("device_maker", "Consumer Devices Inc.", "Company", "US"),
    ("chip_maker", "Accelerator Silicon Corp.", "Company", "US"),
    ("us_venture_fund", "Frontier Ventures Fund III, L.P.", "Fund", "US"),
    ("us_venture_gp", "Frontier Ventures GP III, LLC", "Company", "US"),
    ("us_endowment", "University Endowment Trust", "Organization", "US"),
    ("us_state_pension", "State Teachers' Retirement System", "Organization", "US"),
    ("sg_family_office", "Lion City Family Office Pte. Ltd.", "Company", "SG"),
    ("ca_pension", "Maple Public Pension Investment Board", "Organization", "CA"),
    ("ca_crown", "Government of Canada (the Crown in right of Canada)", "PublicBody", "CA"),
    ("jp_vision_vehicle", "Sakura Vision Investments (US) LLC", "Company", "US"),
    ("jp_conglomerate", "Sakura Technology Group Corp.", "Company", "JP"),
    ("jp_founder", "Founder of Sakura Technology Group", "Person", "JP"),
    ("kr_strategic", "Hanseong Electronics Co., Ltd.", "Company", "KR"),
    ("kr_holding", "Hanseong Holdings Co., Ltd.", "Company", "KR"),
    ("kr_family", "Hanseong founding family", "Person", "KR"),
    ("kr_national_pension", "National pension service of the Republic of Korea", "PublicBody", "KR"),
    ("ae_us_holdco", "Gulf Horizon US Holdings LLC", "Company", "US"),
    ("ae_fund", "Gulf Horizon Investment Authority", "Fund", "AE"),
    ("ae_emirate_government", "Government of the Emirate (UAE)", "PublicBody", "AE"),
)

OWNERSHIP: tuple[tuple[str, str, float, float, bool], ...] = (
    # owner, asset, voting %, economic %, general partner
    ("sponsor_foundation", "sponsor_lab", 74.0, 26.0, False),
    ("cloud_partner", "sponsor_lab", 0.0, 27.0, False),
    ("jp_conglomerate", "sponsor_lab", 11.0, 11.0, False),
    ("us_venture_gp", "us_venture_fund", 100.0, 1.0, True),
    ("us_endowment", "us_venture_fund", 0.0, 45.0, False),
    ("us_state_pension", "us_venture_fund", 0.0, 40.0, False),
    ("sg_family_office", "us_venture_fund", 0.0, 14.0, False),
    ("ca_crown", "ca_pension", 100.0, 100.0, False),
    ("jp_conglomerate", "jp_vision_vehicle", 100.0, 100.0, False),
    ("jp_founder", "jp_conglomerate", 29.0, 29.0, False),
    ("kr_holding", "kr_strategic", 20.0, 20.0, False),
    ("kr_national_pension", "kr_strategic", 7.5, 7.5, False),
    ("kr_family", "kr_holding", 45.0, 45.0, False),
    ("kr_national_pension", "kr_holding", 6.0, 6.0, False),
    ("ae_emirate_government", "ae_fund", 100.0, 100.0, False),
    ("ae_fund", "ae_us_holdco", 100.0, 100.0, False),
)

CONTROL: tuple[tuple[str, str, str], ...] = (
    ("sponsor_foundation", "sponsor_lab", "board_seat"),
    ("sponsor_foundation", "sponsor_lab", "substantive_decisions"),
    ("cloud_partner", "sponsor_lab", "mnpi_access"),
    ("jp_conglomerate", "sponsor_lab", "observer"),
    ("us_venture_gp", "us_venture_fund", "substantive_decisions"),
    ("sg_family_office", "us_venture_fund", "observer"),
    ("ca_crown", "ca_pension", "board_seat"),
    ("jp_conglomerate", "jp_vision_vehicle", "board_seat"),
    ("jp_conglomerate", "jp_vision_vehicle", "substantive_decisions"),
    ("kr_holding", "kr_strategic", "board_seat"),
    ("ae_emirate_government", "ae_fund", "board_seat"),
    ("ae_emirate_government", "ae_fund", "substantive_decisions"),
    ("ae_fund", "ae_us_holdco", "board_seat"),
    ("ae_fund", "ae_us_holdco", "substantive_decisions"),
)

SHARE_CAPS: tuple[tuple[str, str, float, str], ...] = (
    (
        "venture",
        "datacenter",
        10.0,
        "illustrative: the fund's limited partnership agreement caps single-asset-class concentration",
    ),
)

# Settings values with a number behind them.
IT_TARGET_MW = {2026: 500, 2028: 3000, 2030: 7000, 2032: 10000}
ACCELERATORS_PER_MW_IT = 480
ACCELERATOR_IMPORT_LIMIT = 1_000_000
MIN_DOMESTIC_SHARE = {2030: 0.1, 2032: 0.25}
DEBT_SHARE_ILLUSTRATIVE = {"datacenter": 0.65, "transmission": 0.6, "fab": 0.2}


# =======================================================================================
# Helpers
# =======================================================================================
class BuildError(RuntimeError):
    """A raw file does not look as expected."""


def read_raw(raw: Path, rel: str, **kwargs: Any) -> pd.DataFrame:
    """Read a raw CSV, failing with the file name when it is missing."""
    path = raw / rel
    if not path.is_file():
        raise BuildError(f"missing raw file {path}")
    return pd.read_csv(path, **kwargs)


def read_fuel_costs(raw: Path) -> pd.DataFrame:
    """pypsa-usa fuelCost22.csv without its '###' comment lines (some are quoted)."""
    path = raw / "pypsa-usa" / "fuelCost22.csv"
    if not path.is_file():
        raise BuildError(f"missing raw file {path}")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.lstrip('"').startswith("#")]
    return pd.read_csv(io.StringIO("\n".join(lines))).set_index("primary_fuel")


def state_code(name: str) -> str:
    try:
        return STATE_CODES[name.strip()]
    except KeyError as exc:
        raise BuildError(f"unknown state name {name!r}") from exc


def fmt_number(value: float, decimals: int) -> str:
    """Fixed-point text without trailing zeros (``-0`` printed as ``0``)."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def schema_columns(table: str) -> list[tuple[str, str]]:
    """(column, type) in declared order."""
    with (SCHEMA_DIR / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        return [(row["column"], row["type"]) for row in csv.DictReader(f)]


def format_cell(value: Any, col_type: str, decimals: int) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    base = col_type.split(":", 1)[0]
    if base == "bool":
        return "true" if bool(value) else "false"
    if base in ("int", "year"):
        return str(round(float(value)))
    if base == "float":
        return fmt_number(float(value), decimals)
    return str(value)


def table_text(table: str, df: pd.DataFrame, decimals: dict[str, int] | None = None) -> str:
    """The CSV text of ``df`` in the declared column order, with deterministic formatting."""
    columns = schema_columns(table)
    names = [c for c, _ in columns]
    if list(df.columns) != names:
        raise BuildError(f"{table}: columns {list(df.columns)} differ from the schema {names}")
    decimals = decimals or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in df.itertuples(index=False):
        writer.writerow(format_cell(v, t, decimals.get(c, 4)) for v, (c, t) in zip(row, columns, strict=True))
    return out.getvalue()


def frame(rows: Iterable[dict[str, Any]], table: str) -> pd.DataFrame:
    names = [c for c, _ in schema_columns(table)]
    return pd.DataFrame(list(rows), columns=names)


# =======================================================================================
# Regions
# =======================================================================================
def build_regions(raw: Path, log: list[str]) -> pd.DataFrame:
    census = read_raw(raw, "census/NST-EST2024-ALLDATA.csv")
    census = census[(census["SUMLEV"] == 40) & (census["NAME"] != "Puerto Rico")]
    pop = {state_code(n): int(p) for n, p in zip(census["NAME"], census["POPESTIMATE2024"], strict=True)}
    if len(pop) != 51:
        raise BuildError(f"census: expected 51 states + DC, found {len(pop)}")
    codes = sorted(pop)

    iso, interconnect = iso_groups(raw, log)
    lat, lon = representative_points(raw, log)
    solar, wind = capacity_factors(raw, log)
    retail = retail_prices(raw, log)
    margin = reserve_margins(raw, log)
    epri = read_raw(raw, "pages/epri_2023_datacenter_share_of_state_electricity.csv")
    dc_share = {
        state_code(n): float(v)
        for n, v in zip(
            epri["state"], epri["datacenter_share_of_state_electricity_consumption_2023_pct"], strict=True
        )
    }
    names = {v: k for k, v in STATE_CODES.items()}
    rows = []
    for r in codes:
        rows.append(
            {
                "region": r,
                "name": names[r],
                "iso_group": iso[r],
                "interconnect": interconnect[r],
                "latitude_deg": lat[r],
                "longitude_deg": lon[r],
                "timezone": TIMEZONES[r],
                "population": pop[r],
                "solar_cf": solar[r],
                "wind_cf": wind[r],
                "retail_price_usd_per_mwh": retail[r],
                "reserve_margin": margin[r],
                "datacenter_share_pct": dc_share.get(r),
            }
        )
    return frame(rows, "regions")


def iso_groups(raw: Path, log: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Majority ReEDS transreg and interconnect per state (ties broken explicitly)."""
    h = read_raw(raw, "reeds/zones/hierarchy.csv")
    iso: dict[str, str] = {}
    inter: dict[str, str] = {}
    for st, g in h.groupby("st"):
        for target, column, ties in (
            (iso, "transreg", ISO_TIE_BREAK),
            (inter, "interconnect", INTERCONNECT_TIE_BREAK),
        ):
            counts = g[column].value_counts()
            top = counts[counts == counts.max()].index.tolist()
            if len(top) == 1:
                target[str(st)] = str(top[0])
            elif str(st) in ties and ties[str(st)] in top:
                target[str(st)] = ties[str(st)]
                log.append(f"regions.{column} {st}: tie {sorted(top)} -> {ties[str(st)]} (judgement)")
            else:
                raise BuildError(f"hierarchy.csv: tie for {st} {column} {sorted(top)} without a rule")
    inter = {k: ("ercot" if v == "texas" else v) for k, v in inter.items()}
    for st, (group, ic) in ISLANDED.items():
        iso[st], inter[st] = group, ic
        log.append(f"regions {st}: islanded, iso_group {group}, interconnect {ic}")
    iso["DC"] = iso[DC_NEIGHBOURS[0]]
    inter["DC"] = inter[DC_NEIGHBOURS[0]]
    if any(iso[n] != iso["DC"] for n in DC_NEIGHBOURS):
        raise BuildError("DC neighbours disagree on the ISO group")
    log.append(f"regions DC: iso_group {iso['DC']} and interconnect {inter['DC']} of MD and VA")
    return iso, inter


def representative_points(raw: Path, log: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    c = read_raw(raw, "derived/state_centroid_area_approx_conus.csv")
    lat = {str(s): round(float(v), 4) for s, v in zip(c["state"], c["centroid_lat"], strict=True)}
    lon = {str(s): round(float(v), 4) for s, v in zip(c["state"], c["centroid_lon"], strict=True)}
    for st, (la, lo, what) in EXPLICIT_POINTS.items():
        lat[st], lon[st] = la, lo
        log.append(f"regions {st}: representative point {what} ({la}, {lo})")
    return lat, lon


def adjacency(raw: Path) -> dict[str, list[str]]:
    with (raw / "adjacency" / "adjacency.json").open(encoding="utf-8") as f:
        data = json.load(f)
    return {k.upper(): sorted(v.upper() for v in vs) for k, vs in data.items()}


def atb_cf(raw: Path, technology: str) -> float:
    t = read_raw(raw, "pypsa-technology-data/costs_2030.csv")
    sel = t[(t["technology"] == technology) & (t["parameter"] == "CF")
            & (t["financial_case"] == "Market") & (t["scenario"] == "Moderate")]  # fmt: skip
    if len(sel) != 1:
        raise BuildError(f"costs_2030.csv: expected one CF row for {technology!r}, found {len(sel)}")
    return float(sel["value"].iloc[0])


def capacity_factors(raw: Path, log: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Realized 2022 CFs with the documented fallbacks."""
    d = read_raw(raw, "derived/state_realized_wind_solar_cf_2022.csv")
    d = d[d["state"].isin(STATE_CODES.values())]
    adj = adjacency(raw)
    solar_raw = {str(s): float(v) for s, v in zip(d["state"], d["solar_cf_realized"], strict=True)}
    wind_raw = {str(s): float(v) for s, v in zip(d["state"], d["wind_cf_realized"], strict=True)}

    solar = {s: round(v, 3) for s, v in solar_raw.items() if not pd.isna(v) and v >= SOLAR_CF_FLOOR}
    todo = sorted(s for s in STATE_CODES.values() if s not in solar)
    for s in todo:
        why = "blank (<50 MW)" if pd.isna(solar_raw.get(s, float("nan"))) else f"{solar_raw[s]} < floor"
        log.append(f"regions.solar_cf {s}: realized {why}")
    while True:
        new = {}
        for s in todo:
            vals = [solar[n] for n in adj.get(s, []) if n in solar]
            if vals:
                new[s] = round(statistics.fmean(vals), 3)
        if not new:
            break
        for s, v in new.items():
            log.append(f"regions.solar_cf {s}: mean of neighbours -> {v}")
        solar.update(new)
        todo = [s for s in todo if s not in new]
    for s in todo:
        if s != "AK":
            raise BuildError(f"solar CF for {s} could not be filled")
        solar[s] = SOLAR_CF_ALASKA
        log.append(f"regions.solar_cf AK: illustrative {SOLAR_CF_ALASKA}")

    fallback = round(atb_cf(raw, WIND_FALLBACK_ATB), 3)
    wind = {}
    for s in STATE_CODES.values():
        v = wind_raw.get(s, float("nan"))
        if pd.isna(v):
            wind[s] = fallback
            log.append(f"regions.wind_cf {s}: blank -> ATB 2024 land-based wind class 10 CF {fallback}")
        else:
            wind[s] = round(v, 3)
    return solar, wind


def retail_prices(raw: Path, log: list[str]) -> dict[str, float]:
    """EIA 2023 average revenue per kWh (total), cents -> $/MWh, 2023 $ -> 2024 $."""
    p = read_raw(raw, "pages/eia_epa2023_avg_revenue_per_kwh_by_state.csv")
    p["code"] = p["state"].map(state_code)
    p = p.set_index("code")
    nominal = {s: float(v) * 10 for s, v in p["total_cents_per_kwh"].items() if not pd.isna(v)}
    f861 = read_raw(raw, "reeds/retail_rate_module/df_f861_state.csv")
    f20 = f861[f861["year"] == 2020].set_index("state")

    # Wisconsin: sector prices 2023 weighted by 2020 EIA-861 sector sales.
    wi = p.loc["WI"]
    w = f20.loc["WI", ["sales_res", "sales_com", "sales_ind"]].astype(float).to_numpy()
    cents = wi[["residential_cents_per_kwh", "commercial_cents_per_kwh", "industrial_cents_per_kwh"]]
    nominal["WI"] = float((cents.astype(float).to_numpy() * w).sum() / w.sum()) * 10
    log.append(
        f"regions.retail_price WI: 2023 sector prices weighted by 2020 sector sales -> "
        f"{nominal['WI']:.2f} $/MWh (2023 $)"
    )

    # Wyoming: 2020 EIA-861 average rate x median 2023/2020 ratio of its neighbours.
    adj = adjacency(raw)
    ratios = [nominal[n] / (float(f20.loc[n, "avg_retail_rate"]) * 1000) for n in adj["WY"]]
    ratio = statistics.median(ratios)
    nominal["WY"] = float(f20.loc["WY", "avg_retail_rate"]) * 1000 * ratio
    log.append(
        f"regions.retail_price WY: 2020 EIA-861 rate x median neighbour 2023/2020 ratio "
        f"{ratio:.4f} -> {nominal['WY']:.2f} $/MWh (2023 $)"
    )
    missing = set(STATE_CODES.values()) - set(nominal)
    if missing:
        raise BuildError(f"retail price missing for {sorted(missing)}")
    return {s: round(to_base(v, 2023), 2) for s, v in nominal.items()}


def industrial_tariffs(raw: Path, log: list[str]) -> tuple[dict[str, float], float]:
    """EIA 2023 average revenue per kWh from industrial customers by state, cents -> $/MWh,
    2023 $ -> 2024 $; states without a value (WY) use the national figure, the mean of the
    states weighted by their 2020 EIA-861 industrial sales (issue 12: what a campus pays)."""
    p = read_raw(raw, "pages/eia_epa2023_avg_revenue_per_kwh_by_state.csv")
    p["code"] = p["state"].map(state_code)
    ind = pd.to_numeric(p.set_index("code")["industrial_cents_per_kwh"], errors="coerce").dropna()
    f861 = read_raw(raw, "reeds/retail_rate_module/df_f861_state.csv")
    sales = f861[f861["year"] == 2020].set_index("state")["sales_ind"].astype(float)
    w = sales.reindex(ind.index).fillna(0.0)
    national = float((ind * w).sum() / w.sum()) * 10
    tariffs = {s: round(to_base(float(v) * 10, 2023), 2) for s, v in ind.items()}
    missing = sorted(set(STATE_CODES.values()) - set(tariffs))
    log.append(
        f"finance.industrial_tariff_usd_per_mwh: EIA 2023 industrial average revenue for {len(tariffs)} "
        f"states; {missing} use the sales-weighted national {national:.2f} $/MWh (2023 $)"
    )
    return tariffs, round(to_base(national, 2023), 2)


def finance_yaml(raw: Path, log: list[str]) -> str:
    """The ``finance:`` assumptions of the project economics (issue 12), each with its source."""
    tariffs, national = industrial_tariffs(raw, log)
    rows = "\n".join(f"    {s}: {v}" for s, v in sorted(tariffs.items()))
    return f"""\
  # --- project economics (issue 12); every value's source is in SOURCES.md ("Finance assumptions")
  # All-in campus lease, power included (the campus buys its power, so returns differ by site):
  # 140 USD/kW-month triple-net wholesale rent + ~60 of power (1 kW IT x 0.8 x PUE 1.2 x 730 h x 8.1 c/kWh).
  campus_lease_usd_per_kw_month: 200
  # Property tax and insurance, 1.5 % of campus capex a year (illustrative; abatements vary by state).
  campus_property_tax_insurance_share_per_year: 0.015
  # Network (T&D) charges a campus pays on top of the regional energy price: 25 % of the state's
  # industrial tariff (illustrative).
  campus_network_charge_share: 0.25
  # EIA 2023 average revenue per kWh, industrial customers, by state (2024 $/MWh).
  industrial_tariff_usd_per_mwh:
{rows}
  industrial_tariff_default_usd_per_mwh: {national}
  campus_construction_years: 2
  # PJM 2025/26 BRA RTO clearing price 269.92 USD/MW-day x 365 / 1000.
  capacity_price_usd_per_kw_year: 98.5
  # IT equipment per kW of IT (accelerators, servers, networking): Oracle ~40 bn USD of GB200 for
  # Abilene's 1.2 GW = 33,300; Epoch AI 1 GW GB200 site: servers ~60 % of 38 bn; range 25,000-35,000.
  it_equipment_usd_per_kw_it: 32000
  # B200 street price, mid-2026 (AI Infra Map: H100 30,000, H200 35,000, B200 40,000).
  accelerator_price_usd: 40000
  # Epoch AI: 5-year IT life (book life 5-6 years).
  it_refresh_years: 5
  # Who buys the IT equipment: the tenant, as at Abilene (Oracle buys the chips under a 15-year
  # lease; the Crusoe/Blue Owl JV owns the campus). The coalition's 68.5 bn of committed capital
  # could not fund 10 GW x 32,000 USD/kW = 320 bn of IT equipment.
  it_equipment_buyer: tenant
  # Illustrative GPU rental per accelerator-hour in use; GPU-backed debt: 10 %, 4 years (illustrative).
  it_rental_usd_per_accelerator_hour: 2.5
  it_interest_rate_nominal: 0.1
  it_debt_tenor_years: 4
  fab_price_usd_per_accelerator: 4500
  fab_cost_of_sales_share: 0.35
  # FERC Opinion No. 569-A base ROE (MISO TOs).
  transmission_allowed_roe: 0.1002
  transmission_om_share_per_year: 0.01
  transmission_life_years: 40
  # NREL ATB 2024 financing (2021-2100 regime), ReEDS inflation; DSCR and tenor illustrative.
  interest_rate_nominal: 0.08
  return_on_equity_nominal: 0.105
  income_tax_rate: 0.2574
  inflation: 0.025
  target_dscr: 1.3
  debt_tenor_years: 18
  # Credits: §45Y PTC ~26 USD/MWh (full rate); §48E ITC 30 % for storage; §48D 35 % for fabs placed
  # in service after 2025 (OBBBA, July 2025; 25 % before) whose construction begins by 2026.
  ptc_usd_per_mwh: 26.0
  storage_itc_rate: 0.3
  chips_48d_rate: 0.35
  chips_48d_last_start_year: 2026
"""


def state_census_divisions(raw: Path, log: list[str] | None = None) -> dict[str, str]:
    groups = read_raw(raw, "reeds/zones/state_groups.csv").set_index("st")["cendiv"].to_dict()
    for st, div in EXTRA_CENDIV.items():
        groups[st] = div
        if log is not None:
            log.append(f"fuel_prices {st}: census division {div} (not in state_groups.csv)")
    return {str(k): str(v) for k, v in groups.items()}


def state_nerc_region(raw: Path) -> dict[str, str]:
    """ReEDS NERC region (nercr) of the majority of each state's zones (ties: NERCR_TIE_BREAK)."""
    h = read_raw(raw, "reeds/zones/hierarchy.csv")
    out: dict[str, str] = {}
    for st, g in h.groupby("st"):
        counts = g["nercr"].value_counts()
        top = sorted(str(x) for x in counts[counts == counts.max()].index)
        if len(top) == 1:
            out[str(st)] = top[0]
        elif NERCR_TIE_BREAK.get(str(st)) in top:
            out[str(st)] = NERCR_TIE_BREAK[str(st)]
        else:
            raise BuildError(f"hierarchy.csv: nercr tie for {st} {top} without a rule")
    out["DC"] = out[DC_NEIGHBOURS[0]]
    return out


def state_ltra_area(raw: Path) -> dict[str, str]:
    nercr = state_nerc_region(raw)
    out: dict[str, str] = {}
    for st, nr in nercr.items():
        out[st] = WECC_LTRA_AREA[st] if nr.startswith("WECC") and st in WECC_LTRA_AREA else NERCR_TO_LTRA[nr]
    return out


def reserve_margins(raw: Path, log: list[str]) -> dict[str, float]:
    """NERC LTRA 2025 Reference Margin Level of each state's assessment area in RESERVE_MARGIN_YEAR."""
    ltra = read_raw(raw, "powergenome-data/nerc_reserve_margins_ltra2025.csv")
    ltra = ltra[ltra["planning_year"] == RESERVE_MARGIN_YEAR].set_index("region")["value"]
    area = state_ltra_area(raw)
    icap = {a: float(v) for a, v in ltra.items()}
    icap["MISO"] = (1 + icap["MISO"]) / MISO_UCAP_TO_ICAP_RATIO - 1
    log.append(
        f"regions.reserve_margin MISO: UCAP level {float(ltra['MISO'])} -> ICAP basis (1 + m) / "
        f"{MISO_UCAP_TO_ICAP_RATIO} - 1 = {icap['MISO']:.4f}"
    )
    out = {st: round(icap[a], 4) for st, a in area.items()}
    for st in ISLANDED:
        out[st] = ISLANDED_RESERVE_MARGIN
        log.append(f"regions.reserve_margin {st}: illustrative {ISLANDED_RESERVE_MARGIN} (not a NERC area)")
    missing = set(STATE_CODES.values()) - set(out)
    if missing:
        raise BuildError(f"reserve margin missing for {sorted(missing)}")
    return out


# =======================================================================================
# Corridors
# =======================================================================================
def dc_ties(
    raw: Path, log: list[str], interconnect: dict[str, str], ac: dict[tuple[str, str], list[float]]
) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Back-to-back DC ties between states: (a, b) sorted -> [(project, MW)].

    Zones map to states with hierarchy.csv. A tie whose two zones lie in one state S (S spans two
    interconnections) joins S to the part of the grid that S's node does not represent: it is
    given to the corridor between S and its neighbour (a NARIS corridor partner) in the other
    zone's interconnection, or failing that in any other interconnection, with the largest AC
    capability (both directions summed). Without such a neighbour the tie is dropped.
    """
    nonac = read_raw(raw, "pypsa-usa/transmission_capacity_init_nonAC_ba.csv")
    h = read_raw(raw, "reeds/zones/hierarchy.csv").set_index("r")
    st, ic = h["st"], h["interconnect"].replace({"texas": "ercot"})
    ties: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for r, rr, kind, mw, name in zip(
        nonac["r"], nonac["rr"], nonac["trtype"], nonac["MW"], nonac["Project(s)"], strict=True
    ):
        if kind != "B2B":
            continue
        a, b = str(st[r]), str(st[rr])
        label = str(name).replace("(West-ERCOT)", "(West-East; the file's West-ERCOT label is wrong)")
        if a == b:
            foreign = next(str(ic[z]) for z in (r, rr) if ic[z] != interconnect[a])
            partners = {(x if y == a else y): sum(v) for (x, y), v in ac.items() if a in (x, y)}
            across = {n: m for n, m in partners.items() if interconnect[n] != interconnect[a]}
            same_side = {n: m for n, m in across.items() if interconnect[n] == foreign}
            options = sorted((-m, n) for n, m in (same_side or across).items())
            if not options:
                log.append(
                    f"corridors: DC tie {label} {mw} MW inside {a} ({r}-{rr}) has no neighbour across the seam: dropped"
                )
                continue
            b = options[0][1]
            log.append(
                f"corridors: DC tie {label} {mw} MW lies inside {a} ({r}-{rr}, {foreign} side): given to "
                f"{a}-{b}, {a}'s neighbour across the seam with the most AC capability"
            )
        ties.setdefault(tuple(sorted((a, b))), []).append((label, float(mw)))  # type: ignore[arg-type]
    b2b = read_raw(raw, "reeds/transmission/b2b_converters.csv")
    total_file = float(b2b["MW"].sum())
    total_ties = float(nonac.loc[nonac["trtype"] == "B2B", "MW"].sum())
    if abs(total_file - total_ties) > 0.5:
        raise BuildError(
            f"B2B totals differ: nonAC file {total_ties} MW vs b2b_converters.csv {total_file} MW"
        )
    return ties


def build_corridors(raw: Path, log: list[str], interconnect: dict[str, str]) -> pd.DataFrame:
    naris = read_raw(raw, "pypsa-usa/transmission_capacity_init_AC_state_NARIS2024.csv")
    flows: dict[tuple[str, str], list[float]] = {}
    seen: dict[tuple[str, str], int] = {}
    for r, rr, f0, r0 in zip(naris["r"], naris["rr"], naris["MW_f0"], naris["MW_r0"], strict=True):
        a, b = sorted((str(r), str(rr)))
        fwd, rev = (float(f0), float(r0)) if (a, b) == (r, rr) else (float(r0), float(f0))
        cur = flows.setdefault((a, b), [0.0, 0.0])
        cur[0] += fwd
        cur[1] += rev
        seen[(a, b)] = seen.get((a, b), 0) + 1
    for key, n in sorted(seen.items()):
        if n > 1:
            log.append(
                f"corridors {key[0]}-{key[1]}: {n} NARIS entries (reversed duplicate) summed by direction"
            )

    dist = read_raw(raw, "pypsa-usa/transmission_distance_cost_500kVdc_state.csv")
    dist["a"] = [min(x, y) for x, y in zip(dist["r"], dist["rr"], strict=True)]
    dist["b"] = [max(x, y) for x, y in zip(dist["r"], dist["rr"], strict=True)]
    route = dist.groupby(["a", "b"])[["length_miles", "USD2004perMW"]].mean()
    ties = dc_ties(raw, log, interconnect, flows)
    converter = to_base(2 * REEDS_CONVERTER_USD2004_PER_MW, 2004)

    rows = []
    for a, b in sorted(set(flows) | set(ties)):
        miles, usd2004 = route.loc[(a, b)]
        if interconnect[a] != interconnect[b]:
            mw = sum(m for _, m in ties.get((a, b), []))
            names = "; ".join(f"{n} {m:.0f} MW" for n, m in ties.get((a, b), [])) or "no DC tie"
            ac = flows.get((a, b))
            log.append(
                f"corridors {a}-{b}: seam {interconnect[a]}-{interconnect[b]}: DC ties {mw:.0f} MW ({names})"
                + (f" replace NARIS AC {ac[0]:.0f}/{ac[1]:.0f} MW" if ac else "; new corridor")
            )
            rows.append(
                {
                    "corridor": f"{a}-{b}",
                    "region_from": a,
                    "region_to": b,
                    "existing_mw_forward": mw,
                    "existing_mw_reverse": mw,
                    "length_miles": round(float(miles), 3),
                    "expansion_capex_usd_per_mw": round(converter, 2),
                    "max_expansion_mw_per_period": CORRIDOR_MAX_EXPANSION_MW,
                    "construction_years": SEAM_CONSTRUCTION_YEARS,
                }
            )
            continue
        fwd, rev = flows[(a, b)]
        rows.append(
            {
                "corridor": f"{a}-{b}",
                "region_from": a,
                "region_to": b,
                "existing_mw_forward": round(fwd, 3),
                "existing_mw_reverse": round(rev, 3),
                "length_miles": round(float(miles), 3),
                "expansion_capex_usd_per_mw": round(to_base(float(usd2004), 2004), 2),
                "max_expansion_mw_per_period": CORRIDOR_MAX_EXPANSION_MW,
                "construction_years": CORRIDOR_CONSTRUCTION_YEARS,
            }
        )
    per_mile = statistics.median(
        float(route.loc[k, "USD2004perMW"]) / float(route.loc[k, "length_miles"]) for k in flows
    )
    for other, (fwd, rev) in DC_CORRIDORS.items():
        capex = to_base(per_mile * DC_CORRIDOR_LENGTH_MILES, 2004)
        rows.append(
            {
                "corridor": f"DC-{other}",
                "region_from": "DC",
                "region_to": other,
                "existing_mw_forward": fwd,
                "existing_mw_reverse": rev,
                "length_miles": DC_CORRIDOR_LENGTH_MILES,
                "expansion_capex_usd_per_mw": round(capex, 2),
                "max_expansion_mw_per_period": CORRIDOR_MAX_EXPANSION_MW,
                "construction_years": CORRIDOR_CONSTRUCTION_YEARS,
            }
        )
        log.append(
            f"corridors DC-{other}: illustrative {fwd:.0f}/{rev:.0f} MW, {DC_CORRIDOR_LENGTH_MILES} mi, "
            f"median NARIS-corridor $/MW-mile"
        )
    return frame(sorted(rows, key=lambda r: r["corridor"]), "corridors")


# =======================================================================================
# Technologies and costs
# =======================================================================================
def reeds_dollar_year(raw: Path, file: str) -> int:
    dy = read_raw(raw, "reeds/plant_characteristics/dollaryear.csv").set_index("Scenario")["Dollar.Year"]
    return int(dy[file.removesuffix(".csv")])


def reeds_costs(raw: Path, tech: str) -> dict[int, dict[str, float]]:
    """capex $/kW, fom $/kW-yr, vom $/MWh, heat rate (source dollars) per period year."""
    file, label = REEDS_COSTS[tech]
    d = read_raw(raw, f"reeds/plant_characteristics/{file}")
    out: dict[int, dict[str, float]] = {}
    for year in PERIODS:
        if file.startswith("ons-wind"):
            row = d[d["Year"] == year].iloc[0]
            vals = {"capex": row["Overnight Cap Cost $/kW"], "fom": row["Fixed O&M $/(kW-yr)"],
                    "vom": row["Var O&M $/MWh"], "heatrate": 0.0}  # fmt: skip
        elif file.startswith("upv"):
            row = d[d["t"] == year].iloc[0]
            vals = {"capex": row["capcost"], "fom": row["fom"], "vom": row["vom"], "heatrate": 0.0}
        else:
            row = d[(d["i"] == label) & (d["t"] == year)].iloc[0]
            if file.startswith("battery"):
                h = next(t.storage_hours for t in TECHS if t.code == tech) or 0.0
                vals = {"capex": row["capcost"] + h * row["capcost_energy"],
                        "fom": row["fom"] + h * row["fom_energy"], "vom": row["vom"],
                        "heatrate": 0.0, "rte": row["rte"]}  # fmt: skip
            else:
                vals = {"capex": row["capcost"], "fom": row["fom"], "vom": row["vom"],
                        "heatrate": row["heatrate"]}  # fmt: skip
        out[year] = {k: float(v) for k, v in vals.items()}
    return out


def pypsa_value(t: pd.DataFrame, tech: str, parameter: str) -> tuple[float, str, int]:
    sel = t[(t["technology"] == tech) & (t["parameter"] == parameter)
            & (t["financial_case"] == "Market") & (t["scenario"] == "Moderate")]  # fmt: skip
    if len(sel) == 0:
        return 0.0, "", 0
    if len(sel) != 1:
        raise BuildError(f"pypsa-technology-data: {len(sel)} rows for {tech} {parameter}")
    row = sel.iloc[0]
    return float(row["value"]), str(row["unit"]), int(row["currency_year"])


def pypsa_costs(raw: Path, tech: str) -> dict[int, dict[str, float]]:
    """capex, fom, vom (2022 $) interpolated linearly between the 2025/2030/2035 files."""
    name = PYPSA_COSTS[tech]
    known: dict[int, dict[str, float]] = {}
    for year in PYPSA_YEARS:
        t = read_raw(raw, f"pypsa-technology-data/costs_{year}.csv")
        inv, inv_unit, cy = pypsa_value(t, name, "investment")
        fom_pct, fom_unit, _ = pypsa_value(t, name, "FOM")
        vom, vom_unit, _ = pypsa_value(t, name, "VOM")
        if inv_unit != "USD/kW" or fom_unit != "%/year" or vom_unit not in ("USD/MWh", "") or cy != 2022:
            raise BuildError(f"pypsa-technology-data {name} {year}: unexpected units or currency year")
        known[year] = {"capex": inv, "fom": inv * fom_pct / 100, "vom": vom}
    out = {}
    for year in PERIODS:
        lo = max(y for y in PYPSA_YEARS if y <= year)
        hi = min(y for y in PYPSA_YEARS if y >= year)
        w = 0.0 if hi == lo else (year - lo) / (hi - lo)
        out[year] = {k: known[lo][k] * (1 - w) + known[hi][k] * w for k in known[lo]}
    return out


def construction_years(raw: Path, label: str) -> float:
    c = read_raw(raw, "reeds/financials/construction_times_default.csv")
    sel = c[(c["i"] == label) & (c["t_online"] == PERIODS[0])]
    if len(sel) != 1:
        raise BuildError(f"construction_times_default.csv: no {label} row for {PERIODS[0]}")
    return float(sel["construction_time"].iloc[0])


def realized_cf_2022(raw: Path) -> dict[str, float]:
    """National 2022 CF on the summer rating: eGRID2022 net generation / (EIA-860 2022 summer MW x 8760)."""
    e = read_raw(raw, "epa-egrid/egrid2022_state_national.csv")
    e = e[e["PSTATABB"] != "PR"]
    cap = read_raw(raw, "eia/existcapacity_annualx_national.csv")
    cap = cap[(cap["Year"] == 2022) & (cap["Producer Type"] == "Total Electric Power Industry")
              & (cap["State Code"] == "US")].set_index("Fuel Source")["Summer Capacity (Megawatts)"]  # fmt: skip
    out = {}
    for tech, col, fuel in (
        ("nuclear", "STGENANC", "Nuclear"),
        ("hydro", "STGENAHY", "Hydroelectric"),
        ("geothermal", "STGENAGT", "Geothermal"),
    ):
        out[tech] = round(float(e[col].sum()) / (float(cap[fuel]) * 8760), 3)
    return out


def unit_om(raw: Path) -> dict[str, dict[str, float]]:
    """Capacity-weighted heat rate (MMBtu/MWh), fixed O&M ($/kW-yr) and variable O&M ($/MWh) of
    the units operating at the end of FLEET_YEAR, by technology (source dollars for O&M)."""
    u = operating_units(raw)
    out: dict[str, dict[str, float]] = {}
    for tech, g in u.groupby("technology"):
        vals: dict[str, float] = {"mw": float(g["capacity_mw"].sum())}
        for key, col, scale in (
            ("heat_rate", "heat_rate_mmbtu_mwh", 1.0),
            ("fom", "fom_per_mwyr", 1e-3),
            ("vom", "vom_per_mwh", 1.0),
        ):
            h = g[g[col].notna() & (g[col] > 0)] if key == "heat_rate" else g[g[col].notna()]
            if h["capacity_mw"].sum() > 0:
                vals[key] = float((h[col] * h["capacity_mw"]).sum() / h["capacity_mw"].sum()) * scale
                vals[f"{key}_share"] = float(h["capacity_mw"].sum() / g["capacity_mw"].sum())
        out[str(tech)] = vals
    return out


def gas_capex_2025() -> dict[str, tuple[float, str]]:
    """New gas-plant capex in 2024 $/kW from the 2025 figures, with its source text."""
    k = deflator_factor(2025)
    cc = statistics.fmean(v for _, v in GAS_CC_CAPEX_2025)
    cc_text = (
        "capex: mean of 2025 CC figures in pages/gas_plant_costs_and_lead_times_reported.csv ("
        + "; ".join(w for w, _ in GAS_CC_CAPEX_2025)
        + f") = {cc:,.1f} $/kW nominal 2025 x {k} to 2024 $, held flat over the periods "
        "(turbines sold out to about 2030)"
    )
    ct_text = (
        f"capex: {GAS_CT_CAPEX_2025[0]} = {GAS_CT_CAPEX_2025[1]:,.0f} $/kW nominal 2025 x {k} to 2024 $, "
        "held flat over the periods"
    )
    return {"gas_cc": (cc * k, cc_text), "gas_ct": (GAS_CT_CAPEX_2025[1] * k, ct_text)}


def tech_costs(
    raw: Path, t: Tech, om: dict[str, dict[str, float]]
) -> tuple[list[dict[str, Any]], dict[int, dict[str, float]]]:
    """technology_costs rows of one technology (2024 $) and its source-dollar cost table."""
    if t.code in REEDS_COSTS:
        file, label = REEDS_COSTS[t.code]
        costs = reeds_costs(raw, t.code)
        dyear = reeds_dollar_year(raw, file)
        proxy = t.code in ("gas_cc_existing", "gas_ct_existing", "oil")
        what = f"{label} " if label else ""
        cost_src = (
            f"{'proxy: ' if proxy else ''}ReEDS {file} {what}(ATB 2024 moderate, "
            f"{dyear} $) x {deflator_factor(dyear)} to 2024 $"
        )
        if t.code == "battery":
            cost_src += " ; capex = capcost + 4 h x capcost_energy, fom = fom + 4 h x fom_energy"
    else:
        costs = pypsa_costs(raw, t.code)
        dyear = 2022
        cost_src = (
            f"pypsa-technology-data costs_2025/2030/2035.csv {PYPSA_COSTS[t.code]} "
            f"(ATB 2024 Market/Moderate, 2022 $; FOM = % x investment; linear in year) "
            f"x {deflator_factor(2022)} to 2024 $"
        )
    capex_2025 = gas_capex_2025().get(t.code)
    rows = []
    for year in PERIODS:
        c = costs[year]
        capex = round(to_base(c["capex"], dyear), 2)
        fom = round(to_base(c["fom"], dyear), 3)
        vom = round(to_base(c["vom"], dyear), 3)
        src = cost_src
        if capex_2025 is not None:
            capex = round(capex_2025[0], 2)
            src = f"{capex_2025[1]}; fixed and variable O&M: {cost_src}"
        if t.code in UNIT_OM_TECHS:
            u = om[t.code]
            k = deflator_factor(UNIT_OM_DOLLAR_YEAR)
            fom = round(u["fom"] * k, 3)
            vom = round(u["vom"] * k, 3)
            src = (
                f"fixed and variable O&M: EIA/NEMS existing-unit values in the unit database "
                f"(powergenome-data/reeds_generators_transformed.csv fom_per_mwyr, vom_per_mwh), weighted by "
                f"summer MW of the units operating at end-{FLEET_YEAR}; dollar year not documented, read as "
                f"{UNIT_OM_DOLLAR_YEAR} $ (ReEDS's model dollar year) x {k} to 2024 $; capex (unused, "
                f"existing only): {cost_src}"
            )
        elif not t.buildable:
            src = f"{cost_src}; existing only (capex unused)"
        rows.append(
            {
                "technology": t.code,
                "period": year,
                "capex_usd_per_kw": capex,
                "fixed_om_usd_per_kw_year": fom,
                "variable_om_usd_per_mwh": vom,
                "source": src,
            }
        )
    return rows, costs


def tech_heat_rate(
    raw: Path, t: Tech, costs: dict[int, dict[str, float]], om: dict[str, dict[str, float]]
) -> tuple[float, str]:
    if t.heat_rate is not None:
        return t.heat_rate, ""
    if t.code in UNIT_OM_TECHS and "heat_rate" in om[t.code]:
        u = om[t.code]
        return u["heat_rate"], (
            f"heat rate: unit database heat_rate_mmbtu_mwh weighted by summer MW of the end-{FLEET_YEAR} "
            f"fleet ({u['heat_rate_share']:.0%} of the MW have one)"
        )
    if t.code in EIA_HEAT_RATE_2022:
        note = f"heat rate: EIA Electric Power Annual Table 8.1, 2022 ({EIA_HEAT_RATE_URL})"
        return EIA_HEAT_RATE_2022[t.code] / 1000, note
    return costs[2030]["heatrate"], f"heat rate: {REEDS_COSTS[t.code][0]} 2030"


def build_technologies(raw: Path, log: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    cf = realized_cf_2022(raw)
    om = unit_om(raw)
    tech_rows, cost_rows = [], []
    for t in TECHS:
        construction = construction_years(raw, t.reeds_construction)
        rows, costs = tech_costs(raw, t, om)
        cost_rows.extend(rows)
        notes = []
        heat_rate, hr_note = tech_heat_rate(raw, t, costs, om)
        if hr_note:
            notes.append(hr_note)
        availability = t.availability
        if availability is None:
            key = "nuclear" if t.code in ("nuclear", "smr") else t.code
            availability = cf[key]
            notes.append(
                f"availability: realized 2022 {key} CF on the summer rating (eGRID2022 generation / "
                f"EIA-860 2022 summer MW x 8760)"
            )
        elif t.kind == "variable":
            notes.append("availability: 1 (the hourly profile limits output)")
        else:
            notes.append(f"availability: {t.availability_note}")
        rte = t.round_trip_efficiency
        if t.code == "battery":
            rte = costs[PERIODS[0]]["rte"]
            notes.append("round-trip efficiency: ReEDS battery_ATB_2024_moderate rte")
        elif t.code == "pumped_storage":
            notes.append(
                "storage hours: ATB pumped storage representative 10 h (illustrative); "
                "round-trip efficiency: pypsa-technology-data PHS efficiency (DIW DataDoc)"
            )
        notes.append(f"capacity credit (summer rating): {t.credit_note}")
        if t.economic_retirement:
            notes.append("economic retirement: yes (fixed O&M must be earned, as in ReEDS/GenX)")
        elif t.code == "nuclear":
            notes.append(
                "economic retirement: no (existing reactors are kept by state support and the federal "
                "45U production credit; their closure is a policy, not a fixed-O&M, decision)"
            )
        notes.append(f"lifetime: {LIFETIME_SOURCE[t.code]}")
        notes.append(
            f"construction: ReEDS construction_times_default.csv {t.reeds_construction} {PERIODS[0]}"
        )
        if t.max_build_mw is not None:
            notes.append("max build per region and period: illustrative")
        tech_rows.append(
            {
                "technology": t.code,
                "name": t.name,
                "kind": t.kind,
                "asset_class": t.asset_class,
                "fuel": t.fuel,
                "profile": t.profile,
                "buildable": t.buildable,
                "availability": availability,
                "capacity_credit": t.capacity_credit,
                "heat_rate_mmbtu_per_mwh": round(heat_rate, 4),
                "lifetime_years": t.lifetime_years,
                "construction_years": construction,
                "storage_hours": t.storage_hours,
                "round_trip_efficiency": rte,
                "uses_gas_turbine": t.uses_gas_turbine,
                "max_build_mw_per_region_period": t.max_build_mw,
                "economic_retirement": t.economic_retirement,
                "source": "; ".join(notes),
            }
        )
    log.append(
        "technologies: existing thermal heat rates and O&M from the unit database ("
        + ", ".join(f"{k} {om[k].get('heat_rate', float('nan')):.3f} MMBtu/MWh" for k in UNIT_OM_TECHS)
        + ")"
    )
    return frame(tech_rows, "technologies"), frame(cost_rows, "technology_costs")


FUEL_CO2: tuple[tuple[str, float, str], ...] = (
    ("biomass", 0.0, "CO2 0: biogenic by convention (EPA factor for wood 93.80 kg/MMBtu not applied)"),
    ("coal", 0.09552, "CO2 EPA GHG Emission Factors Hub 2024 Table 1, coal mixed (electric power sector) 95.52 kg/MMBtu"),
    ("gas", 0.05306, "CO2 EPA GHG Emission Factors Hub 2024 Table 1, natural gas 53.06 kg/MMBtu"),
    ("oil", 0.07396, "CO2 EPA GHG Emission Factors Hub 2024 Table 1, distillate fuel oil No. 2 73.96 kg/MMBtu"),
    ("uranium", 0.0, "no combustion CO2"),
)  # fmt: skip
# Regions without a fuel's supply (no fuel_prices row, so no plant can burn it there).
FUEL_UNAVAILABLE: dict[str, dict[str, str]] = {
    "gas": {"HI": "no pipeline gas in Hawaii (its thermal fleet burns oil)"},
    "coal": {"HI": "Hawaii's last coal plant closed in 2022 and state law bars new coal generation"},
}


def build_fuels() -> pd.DataFrame:
    rows = [
        {
            "fuel": code,
            "price_usd_per_mmbtu": None,
            "co2_t_per_mmbtu": co2,
            "source": f"{text}; prices by region and period in fuel_prices.csv",
        }
        for code, co2, text in FUEL_CO2
    ]
    return frame(rows, "fuels")


def build_fuel_prices(raw: Path, log: list[str]) -> pd.DataFrame:
    """Delivered fuel prices (2024 $/MMBtu) by fuel, region and period."""
    div = state_census_divisions(raw, log)
    dy = read_raw(raw, "reeds/fuelprices/dollaryear.csv").set_index("Scenario")["Dollar.Year"]
    year = int(dy["AEO_2025_reference"])
    k = deflator_factor(year)
    coal = read_raw(raw, "reeds/fuelprices/coal_AEO_2025_reference.csv").set_index("year")
    gas = read_raw(raw, "reeds/fuelprices/ng_AEO_2025_reference.csv").set_index("year")
    uranium = read_raw(raw, "reeds/fuelprices/uranium_AEO_2025_reference.csv").set_index("year")["cost"]
    f22 = read_fuel_costs(raw)
    k21 = deflator_factor(2021)
    rows = []
    for r in sorted(STATE_CODES.values()):
        for p in PERIODS:
            for fuel, table, file in (
                ("coal", coal, "coal_AEO_2025_reference.csv"),
                ("gas", gas, "ng_AEO_2025_reference.csv"),
            ):
                if r in FUEL_UNAVAILABLE[fuel]:
                    continue
                note = ""
                if r == "AK" and fuel == "gas":
                    note = (
                        "; proxy: AK burns Cook Inlet gas, not priced by AEO; the Pacific-division price is used "
                        "(labelled; Cook Inlet utility contract prices are reported higher, not in the raw data)"
                    )
                rows.append({
                    "fuel": fuel, "region": r, "period": p,
                    "price_usd_per_mmbtu": round(float(table.loc[p, div[r]]) * k, 3),
                    "source": f"AEO2025 reference delivered price to the electric power sector, {div[r]} census "
                              f"division, {p} (reeds/fuelprices/{file}, {year} $ x {k}){note}",
                })  # fmt: skip
            rows.append({
                "fuel": "uranium", "region": r, "period": p,
                "price_usd_per_mmbtu": round(float(uranium[p]) * k, 3),
                "source": f"AEO2025 reference national nuclear fuel cost {p} (reeds/fuelprices/uranium_AEO_2025_reference.csv, {year} $ x {k})",
            })  # fmt: skip
            rows.append({
                "fuel": "oil", "region": r, "period": p,
                "price_usd_per_mmbtu": round(float(f22.loc["oil", "fuel_price_per_mmbtu"]) * k21, 3),
                "source": f"pypsa-usa fuelCost22.csv oil (AEO2022, 2021 price, 2021 $) x {k21} to 2024 $; no newer "
                          "distillate or residual price for power (nor a Hawaii or Alaska price) in the raw data; held flat",
            })  # fmt: skip
            rows.append({
                "fuel": "biomass", "region": r, "period": p,
                "price_usd_per_mmbtu": round(float(f22.loc["biomass", "fuel_price_per_mmbtu"]) * k21, 3),
                "source": f"pypsa-usa fuelCost22.csv biomass x {k21} to 2024 $; the file calls it a placeholder "
                          "(illustrative); held flat",
            })  # fmt: skip
    for fuel, regions in FUEL_UNAVAILABLE.items():
        for r, why in regions.items():
            log.append(f"fuel_prices {fuel} {r}: no row ({why})")
    rows.sort(key=lambda x: (x["fuel"], x["region"], x["period"]))
    return frame(rows, "fuel_prices")


def build_capacity_credit_steps() -> pd.DataFrame:
    rows = []
    credit = {t.code: t.capacity_credit for t in TECHS}
    for tech, steps in CREDIT_STEPS.items():
        if steps[0][1] != credit[tech]:
            raise BuildError(f"capacity_credit_steps: step 1 of {tech} differs from technologies.csv")
        last = 0.0
        for i, (upto, value, why) in enumerate(steps, start=1):
            if (upto is None) != (i == len(steps)) or (upto is not None and upto <= last):
                raise BuildError(f"capacity_credit_steps: {tech} step {i} bounds out of order")
            last = upto or last
            rows.append(
                {
                    "technology": tech,
                    "step": i,
                    "share_of_peak_upto": upto,
                    "capacity_credit": value,
                    "source": why,
                }
            )
    return frame(rows, "capacity_credit_steps")


def build_cost_multipliers(raw: Path, log: list[str]) -> pd.DataFrame:
    rows = []
    for tech, file in MULTIPLIER_FILES.items():
        d = read_raw(raw, f"pypsa-usa/locational_multipliers/{file}")
        state = d["State"].astype(str).str.strip().copy()
        city = d["City"].astype(str).str.strip()
        state[(state == "New") & (city == "Albuquerque")] = "New Mexico"
        state[(state == "New Mexico") & (city == "New York")] = "New York"
        d = d.assign(code=state.map(state_code))
        per_state = d.groupby("code")["Location Variation"].agg(["mean", "count"])
        top = float(per_state["mean"].max())
        for r in sorted(STATE_CODES.values()):
            if r in per_state.index:
                n = int(per_state.loc[r, "count"])
                cities = ", ".join(sorted(d.loc[d["code"] == r, "City"].astype(str)))
                src = (
                    f"pypsa-usa locational_multipliers/{file} 'Location Variation' "
                    f"({'mean of ' if n > 1 else ''}{cities}; EIA capital cost study)"
                )
                value = float(per_state.loc[r, "mean"])
            else:
                value = top
                src = (
                    f"fill: no {r} row in pypsa-usa locational_multipliers/{file}; illustrative: highest "
                    f"state multiplier of the file (remote/island construction costs more)"
                )
                log.append(f"cost_multipliers {r} {tech}: absent -> {top:.3f} (highest in file)")
            rows.append({"region": r, "technology": tech, "capex_multiplier": round(value, 4), "source": src})
    log.append(
        "cost_multipliers: fixed the row shift ('New,Albuquerque' -> New Mexico; "
        "'New Mexico,New York' -> New York)"
    )
    return frame(sorted(rows, key=lambda r: (r["region"], r["technology"])), "cost_multipliers")


# =======================================================================================
# Existing capacity and demand
# =======================================================================================
def operating_units(raw: Path) -> pd.DataFrame:
    """Units of the unit database operating at the end of FLEET_YEAR, with state and technology.

    Join: reeds_generators_transformed.csv -> plant_region_map.csv (plant_id -> ReEDS zone) ->
    reeds/zones/hierarchy.csv (zone -> st). Units whose retirement_year is FLEET_YEAR or earlier
    (retired, still in the file) and units coming online after FLEET_YEAR (planned) are left out.
    """
    units = read_raw(raw, "powergenome-data/reeds_generators_transformed.csv")
    zone = read_raw(raw, "powergenome-data/plant_region_map.csv").drop_duplicates("plant_id")
    hier = read_raw(raw, "reeds/zones/hierarchy.csv").set_index("r")["st"]
    u = units.merge(zone, on="plant_id", how="left", validate="many_to_one")
    if u["region"].isna().any():
        raise BuildError(
            f"plant_region_map.csv: no zone for plants {sorted(u.loc[u['region'].isna(), 'plant_id'].unique())[:5]}"
        )
    u["st"] = u["region"].map(hier)
    if u["st"].isna().any():
        raise BuildError(f"hierarchy.csv: unknown zones {sorted(u.loc[u['st'].isna(), 'region'].unique())}")
    unknown = set(u["technology"]) - set(UNIT_TECH)
    if unknown:
        raise BuildError(f"reeds_generators_transformed.csv: unmapped technologies {sorted(unknown)}")
    u = u.rename(columns={"technology": "eia_technology"})
    u["technology"] = u["eia_technology"].map(UNIT_TECH)
    live = (u["operating_year"] <= FLEET_YEAR) & ~(u["retirement_year"] <= FLEET_YEAR)
    return u[live].copy()


def unit_retirement_year(u: pd.DataFrame) -> pd.Series:
    """The database's retirement year; where it is missing, online year + the ReEDS maximum age."""
    age = u["technology"].map({k: v[0] for k, v in REEDS_MAXAGE_YEARS.items()})
    return u["retirement_year"].fillna(u["operating_year"] + age).astype(int)


def build_existing_capacity(raw: Path, log: list[str]) -> pd.DataFrame:
    """Summer net MW by state, technology and retirement cohort.

    48 contiguous states: the unit database. AK, HI and DC (not in it): EIA-860 2024 summer
    capacity by state and fuel (no retirement years: blank).
    """
    u = operating_units(raw)
    missing_year = int(u["retirement_year"].isna().sum())
    u["cohort"] = unit_retirement_year(u)
    log.append(
        f"existing_capacity: {len(u):,} units operating at end-{FLEET_YEAR}, {u['capacity_mw'].sum() / 1000:,.1f} GW "
        f"summer; {missing_year} without a retirement year (given online year + ReEDS maxage)"
    )
    u.loc[u["cohort"] > RETIREMENT_BLANK_AFTER, "cohort"] = 0
    rows = []
    for (st, tech, year), g in u.groupby(["st", "technology", "cohort"]):
        names = " + ".join(sorted(g["eia_technology"].unique()))
        when = (
            f"retiring {year} (database retirement_year: announced or ReEDS age-based)"
            if year
            else f"retiring after {RETIREMENT_BLANK_AFTER} or never"
        )
        rows.append(
            {
                "region": str(st),
                "technology": str(tech),
                "retirement_year": int(year) if year else None,
                "capacity_mw": round(float(g["capacity_mw"].sum()), 3),
                "source": (
                    f"unit database (powergenome-data/reeds_generators_transformed.csv, summer MW) {len(g)} "
                    f"units operating end-{FLEET_YEAR}: {names}; {when}"
                ),
            }
        )
    d = read_raw(raw, "eia/existcapacity_annualx_national.csv")
    d = d[(d["Year"] == FLEET_YEAR) & (d["Producer Type"] == "Total Electric Power Industry")
          & (d["State Code"].isin(["AK", "HI", "DC"])) & (d["Fuel Source"] != "All Sources")]  # fmt: skip
    unknown = set(d["Fuel Source"]) - set(EIA_FUEL_TO_TECH)
    if unknown:
        raise BuildError(f"EIA-860: unmapped fuel sources {sorted(unknown)}")
    d = d.assign(technology=d["Fuel Source"].map(EIA_FUEL_TO_TECH))
    for (state, tech), g in d.groupby(["State Code", "technology"]):
        fuels = " + ".join(sorted(g["Fuel Source"]))
        note = ""
        if tech == "battery":
            note = "; EIA 'Other' taken as battery storage (inference: not documented by EIA)"
        elif tech == "gas_ct_existing":
            note = "; the state table does not split combined cycles from turbines: all counted as gas_ct_existing"
        rows.append(
            {
                "region": str(state),
                "technology": str(tech),
                "retirement_year": None,
                "capacity_mw": round(float(g["Summer Capacity (Megawatts)"].sum()), 3),
                "source": (
                    f"EIA-860 {FLEET_YEAR} summer capacity, Total Electric Power Industry, {fuels} (not in the "
                    f"unit database; no retirement years){note}"
                ),
            }
        )
    rows.sort(key=lambda r: (r["region"], r["technology"], r["retirement_year"] or 9999))
    return frame(rows, "existing_capacity")


def base_year_demand(raw: Path, log: list[str]) -> dict[str, tuple[float, str]]:
    """2024 annual demand (MWh) per region with its source text."""
    load = read_raw(raw, "reeds/load/EIA_loadbystate.csv")
    l24 = load[load["year"] == 2024].set_index("st")["MWh"].astype(float)
    annual = {str(s): (float(v), "ReEDS EIA_loadbystate.csv 2024") for s, v in l24.items()}
    f861 = read_raw(raw, "reeds/retail_rate_module/df_f861_state.csv")
    last = int(f861["year"].max())
    fl = f861[f861["year"] == last].set_index("state")["sales"].astype(float)
    ratio = sum(l24[n] for n in DC_NEIGHBOURS) / sum(fl[n] for n in DC_NEIGHBOURS)
    annual["DC"] = (
        fl["DC"] * ratio,
        f"ReEDS df_f861_state.csv DC {last} retail sales x {ratio:.4f} "
        f"(MD+VA: 2024 ReEDS load / {last} EIA-861 sales)",
    )
    log.append(f"demand DC: {last} sales x {ratio:.4f} = {fl['DC'] * ratio:,.0f} MWh")
    e = read_raw(raw, "epa-egrid/egrid2022_state_national.csv").set_index("PSTATABB")
    for st in ISLANDED:
        annual[st] = (
            float(e.loc[st, "STNGENAN"]),
            "eGRID2022 state net generation (islanded: generation = load + losses; no 2024 figure in the raw data)",
        )
        log.append(f"demand {st}: eGRID2022 net generation {annual[st][0]:,.0f} MWh")
    missing = set(STATE_CODES.values()) - set(annual)
    if missing:
        raise BuildError(f"demand missing for {sorted(missing)}")
    return annual


def weighted_ratio(
    ratio: dict[str, dict[int, float]], base: dict[str, tuple[float, str]], states: Iterable[str], p: int
) -> float:
    """Growth of a group of states: their ratios weighted by 2024 demand."""
    w = {s: base[s][0] for s in states}
    return sum(ratio[s][p] * w[s] for s in w) / sum(w.values())


def growth_factors(
    raw: Path, base: dict[str, tuple[float, str]]
) -> dict[tuple[str, str, int], tuple[float, str]]:
    """(case, region, period) -> demand multiplier relative to 2024, with its source text.

    CONUS states: the AEO2025 state multiplier of the case at the period year / at 2024.
    DC: the 2024-load-weighted mean of MD and VA; AK, HI: the 2024-load-weighted mean of the
    48 states (the national multiplier).
    """
    out: dict[tuple[str, str, int], tuple[float, str]] = {}
    for case in DEMAND_CASES:
        file = f"reeds/load/demand_AEO_2025_{case}.csv"
        m = read_raw(raw, file).pivot(index="r", columns="year", values="multiplier")
        ratio = {str(st): {p: float(m.loc[st, p] / m.loc[st, BASE_YEAR]) for p in PERIODS} for st in m.index}
        for st, per in ratio.items():
            for p, v in per.items():
                out[(case, st, p)] = (v, f"x {v:.4f} = AEO2025 {case} multiplier {p}/{BASE_YEAR} ({file})")

        for p in PERIODS:
            v = weighted_ratio(ratio, base, DC_NEIGHBOURS, p)
            out[(case, "DC", p)] = (
                v,
                f"x {v:.4f} = 2024-load-weighted AEO2025 {case} {p}/{BASE_YEAR} multiplier of MD and VA (DC is not separate in {file})",
            )
            v = weighted_ratio(ratio, base, ratio, p)
            for st in ISLANDED:
                out[(case, st, p)] = (
                    v,
                    f"x {v:.4f} = national (48-state, 2024-load-weighted) AEO2025 {case} {p}/{BASE_YEAR} multiplier (no {st} row in {file}; labelled)",
                )
    return out


def build_demand(raw: Path, log: list[str], peak_to_mean: dict[str, tuple[float, str]]) -> pd.DataFrame:
    """Background demand by region, period and growth case: energy and peak grow alike."""
    base = base_year_demand(raw, log)
    growth = growth_factors(raw, base)
    rows: list[dict[str, Any]] = []
    for r in sorted(base):
        mwh, src = base[r]
        ptm, ptm_src = peak_to_mean[r]
        peak_2024 = mwh / 8760 * ptm
        for p in PERIODS:
            for case in DEMAND_CASES:
                g, g_src = growth[(case, r, p)]
                rows.append(
                    {
                        "region": r,
                        "period": p,
                        "case": case,
                        "annual_demand_mwh": round(mwh * g),
                        "peak_demand_mw": round(peak_2024 * g, 1),
                        "source": (
                            f"energy: {src} {g_src}; peak: 2024 energy / 8760 x peak-to-mean {ptm:.4f} "
                            f"({ptm_src}) = {peak_2024:,.1f} MW, grown like energy"
                        ),
                    }
                )
    for case in DEMAND_CASES:
        tot = {
            p: sum(float(r["annual_demand_mwh"]) for r in rows if r["case"] == case and r["period"] == p)
            / 1e6
            for p in PERIODS
        }
        log.append(f"demand {case}: " + ", ".join(f"{p} {v:,.1f} TWh" for p, v in tot.items()))
    return frame(rows, "demand")


# =======================================================================================
# Hourly demand shapes (EIA-930, 2023)
# =======================================================================================
def profile_columns(raw: Path) -> pd.DataFrame:
    """The 2023 EIA-930 hourly demand (MW) of the BA/subregion columns used, aligned with the
    scenario clock: row h = the hour starting 2023-01-01 00:00 UTC-6 + h hours.

    EIA-930 stamps hours by their END (hour ending, UTC); the clock hour starting at UTC time T
    is therefore the row stamped T + 1 h. The clock's first hour starts 06:00 UTC, so row h of
    the clock is the file's row stamped 07:00 UTC + h. The last seven clock hours (31 Dec 2023,
    17:00-23:00 UTC-6) fall in 2024, outside the file; they are filled with the file's first
    seven rows (the night of 1 January 2023, same hours of the day, also a holiday).
    """
    d = read_raw(raw, "eia930-cleaned/demand_cleaned_2023_hourly_utc.csv")
    stamps = pd.to_datetime(d["datetime_utc"], utc=True)
    if len(d) != 8760 or stamps.iloc[0] != pd.Timestamp("2023-01-01 00:00", tz="UTC"):
        raise BuildError(
            "demand_cleaned_2023_hourly_utc.csv: expected 8760 hourly rows from 2023-01-01 00:00 UTC"
        )
    first = int(
        (pd.Timestamp("2023-01-01 06:00", tz="UTC") + pd.Timedelta(hours=1) - stamps.iloc[0])
        / pd.Timedelta(hours=1)
    )
    order = [(first + h) % 8760 for h in range(8760)]
    needed = sorted({c for cols in EIA930_STATE_COLUMNS.values() for c in cols})
    absent = [c for c in needed if c not in d.columns]
    if absent:
        raise BuildError(f"demand_cleaned_2023_hourly_utc.csv: missing columns {absent}")
    return d[needed].iloc[order].reset_index(drop=True).astype(float)


def build_profiles(raw: Path, log: list[str]) -> tuple[str, dict[str, tuple[float, str]]]:
    """profiles.csv text (hour, demand.<REGION> normalised to mean 1, 4 significant digits) and
    each region's peak-to-mean ratio with its source text."""
    cols = profile_columns(raw)
    shapes: dict[str, np.ndarray] = {}
    ptm: dict[str, tuple[float, str]] = {}
    for st, names in sorted(EIA930_STATE_COLUMNS.items()):
        mw = cols[list(names)].sum(axis=1).to_numpy()
        shape = mw / mw.mean()
        shapes[st] = shape
        ptm[st] = (float(shape.max()), f"2023 EIA-930 hourly demand of {' + '.join(names)}")
    d = read_raw(raw, "eia930-cleaned/demand_cleaned_2023_hourly_utc.csv")
    conus = d["CONUS"].to_numpy(dtype=float)
    for st in ISLANDED:
        ptm[st] = (
            float(conus.max() / conus.mean()),
            "illustrative: no hourly data for the islanded state; CONUS 2023 EIA-930 peak-to-mean",
        )
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    regions = sorted(shapes)
    w.writerow(["hour"] + [f"demand.{r}" for r in regions])
    for h in range(8760):
        w.writerow([h] + [f"{shapes[r][h]:.4g}" for r in regions])
    log.append(
        f"profiles: real 2023 demand shapes for {len(regions)} regions; AK, HI keep the synthetic shape"
    )
    return out.getvalue(), ptm


def nerc_peak_check(raw: Path, log: list[str]) -> list[tuple[str, float, float]]:
    """Coincident 2024 peak of our hourly demand per ReEDS NERC region vs reeds/reserves/peak_net_imports.csv."""
    cols = profile_columns(raw)
    h = read_raw(raw, "reeds/zones/hierarchy.csv")
    region_of: dict[str, str] = {}
    for st, g in h.groupby("st"):
        region_of[str(st)] = str(g["nercr"].value_counts().index[0])
    base = base_year_demand(raw, [])
    load: dict[str, np.ndarray] = {}
    for st, names in EIA930_STATE_COLUMNS.items():
        if st not in region_of:
            continue
        mw = cols[list(names)].sum(axis=1).to_numpy()
        series = base[st][0] / 8760 * mw / mw.mean()
        nr = region_of[st]
        load[nr] = load.get(nr, 0) + series
    ref = read_raw(raw, "reeds/reserves/peak_net_imports.csv").set_index("nercr")["MW_TotalDemand"]
    rows = []
    for nr in sorted(load):
        ours = float(load[nr].max())
        rows.append((nr, ours, float(ref[nr])))
        log.append(
            f"peak check {nr}: ours {ours:,.0f} MW vs NERC 2024 {float(ref[nr]):,.0f} MW ({ours / float(ref[nr]) - 1:+.1%})"
        )
    return rows


# =======================================================================================
# Campuses, fabs, coalition
# =======================================================================================
def build_campuses() -> pd.DataFrame:
    capex = to_base(ABILENE_CAPEX_USD_2025 / (ABILENE_MW * 1000), 2025)
    rows = []
    for c in CAMPUSES:
        rows.append(
            {
                "campus": c.code,
                "name": c.name,
                "region": c.region,
                "module_it_mw": c.module_it_mw,
                "max_modules": c.max_modules,
                "earliest_year": c.earliest_year,
                "grid_connection_year": c.grid_connection_year,
                "capex_usd_per_kw_it": round(capex, 2),
                "fixed_om_usd_per_kw_year": round(capex * CAMPUS_FOM_SHARE, 2),
                "pue": c.pue,
                "utilisation": 0.8,
                "lifetime_years": 20,
                "sensitive_data": c.sensitive_data,
                "frontier_weights": c.frontier_weights,
                "source": (
                    f"illustrative site: {c.why}; capex Abilene $15B / 1.2 GW (2025 $) x "
                    f"{deflator_factor(2025)}; fixed O&M 3% of capex, PUE, utilisation 0.8 illustrative"
                ),
            }
        )
    return frame(rows, "campuses")


def build_fabs(raw: Path) -> pd.DataFrame:
    awards = read_raw(raw, "pages/chips_act_major_awards.csv")
    rows = []
    for f in FABS:
        sel = awards[(awards["company"] == f.company) & (awards["states"].str.contains(f.region))]
        if len(sel) != 1:
            raise BuildError(f"chips_act_major_awards.csv: no single {f.company} award covering {f.region}")
        award = float(sel["direct_funding_usd"].iloc[0])
        attributable = f.state_award_usd if f.state_award_usd is not None else award
        grant = min(attributable, GRANT_INTENSITY * FAB_CAPEX_USD)
        power = MEMORY_FAB_MW if f.memory else LOGIC_FAB_MW
        acc = MEMORY_ACCELERATORS if f.memory else LOGIC_ACCELERATORS
        award_text = (
            f"{f.company} {sel['status'].iloc[0]} {sel['announcement_date'].iloc[0]}, "
            f"${award / 1e9:.3f}B ({sel['states'].iloc[0]})"
        )
        rows.append(
            {
                "fab": f.code,
                "name": f.name,
                "region": f.region,
                "capex_usd": FAB_CAPEX_USD,
                "grant_usd": round(grant),
                "power_mw": power,
                "accelerators_per_year": acc,
                "lead_time_years": f.lead_time_years,
                "earliest_year": f.earliest_year,
                "fixed_om_usd_per_year": round(FAB_FOM_SHARE * FAB_CAPEX_USD),
                "lifetime_years": 20,
                "chips_award": award_text,
                "source": (
                    f"illustrative candidate ({f.why}); capex TSMC AZ fab 1 $20B (2024 $); grant = "
                    f"min(award attributable to the state, {GRANT_INTENSITY:.4f} x capex) with the "
                    f"intensity from TSMC AZ $6.6B / $65B; power "
                    f"{'Micron NY fab mean' if f.memory else 'illustrative'}; output illustrative"
                ),
            }
        )
    return frame(rows, "fabs")


def build_coalition() -> dict[str, pd.DataFrame]:
    investors = frame(
        (
            {
                "investor": i.code,
                "name": i.name,
                "country": i.country,
                "investor_type": i.investor_type,
                "government_ownership_pct": i.government_ownership_pct,
                "entity": i.entity,
                "excluded_asset_classes": i.excluded or None,
                "max_share_pct": 100.0,
                "board_seat": i.board_seat,
                "source": f"illustrative: {i.why}",
            }
            for i in INVESTORS
        ),
        "investors",
    )
    commitments = frame(
        (
            {
                "investor": i.code,
                "year": y,
                "amount_usd": round(b * 1e9),
                "stage": stage,
                "source": "illustrative: coalition story (tens of billions over 2026-2030), 2024 $",
            }
            for i in INVESTORS
            for y, b, stage in i.commitments
        ),
        "commitments",
    )
    entities = frame(
        ({"entity": e, "name": n, "schema": s, "country": c, "identifiers": None} for e, n, s, c in ENTITIES),
        "entities",
    )
    ownership = frame(
        (
            {"owner": o, "asset": a, "voting_pct": v, "economic_pct": ec, "general_partner": gp}
            for o, a, v, ec, gp in OWNERSHIP
        ),
        "ownership",
    )
    control = frame(({"controller": c, "controlled": d, "right": r} for c, d, r in CONTROL), "control")
    caps = frame(
        ({"investor": i, "asset_class": a, "max_share_pct": m, "reason": why} for i, a, m, why in SHARE_CAPS),
        "share_caps",
    )
    return {
        "investors": investors,
        "commitments": commitments,
        "entities": entities,
        "ownership": ownership,
        "control": control,
        "share_caps": caps,
    }


# The sponsor's illustrative funding round and its cap table before it (stateside round).
# Order of magnitude from public reports of frontier-lab rounds: USD 6.6 bn at USD 157 bn
# post-money (OpenAI, Oct 2024) and USD 13 bn at USD 183 bn post-money (Anthropic, Sep 2025);
# every number below is illustrative, not any company's.
ROUND_SOURCE = (
    "illustrative: order of magnitude of frontier-AI-lab rounds (USD 6.6 bn at USD 157 bn post-money, "
    "OpenAI, Oct 2024; USD 13 bn at USD 183 bn post-money, Anthropic, Sep 2025; press releases)"
)
SPONSOR_ROUND: tuple[tuple[str, str | None, str | None, str | None, bool, float, bool, bool, bool], ...] = (
    # participant, name, country, type (blank: from investors.csv), lead, USD bn, board, observer, info rights
    ("growth_lead", "Lead Growth Fund (illustrative)", "US", "venture", True, 5.0, True, False, True),
    ("cloud", None, None, None, False, 2.0, False, True, True),
    ("chips", None, None, None, False, 1.0, False, False, False),
    ("jp_strategic", None, None, None, False, 2.0, True, False, False),
    ("uae_fund", None, None, None, False, 1.5, False, False, False),
)
SPONSOR_CAP_TABLE: tuple[tuple[str, str, str, str, float], ...] = (
    ("founders", "Founders and employees", "US", "common", 30.0),
    ("option_pool", "Employee option pool", "US", "options", 10.0),
    ("cloud", "Hyperscale Cloud Partner", "US", "preferred", 27.0),
    ("venture", "Frontier Ventures Fund III", "US", "preferred", 15.0),
    ("earlier_rounds", "Investors of earlier rounds", "US", "preferred", 18.0),
)


def build_sponsor_round() -> dict[str, pd.DataFrame]:
    """funding_rounds.csv and sponsor_cap_table.csv: one illustrative round of the sponsor.

    coalition_share_pct is 0: the sponsor's coalition money is already in commitments.csv, so
    adding the round's proceeds would count it twice (a user scenario sets its own share)."""
    rounds = frame(
        (
            {
                "round": "series_x",
                "date": "2026-03-31",
                "security_type": "preferred",
                "pre_money_valuation_usd": 150e9,
                "participant": code,
                "name": name,
                "country": country,
                "investor_type": kind,
                "government_ownership_pct": None,
                "lead": lead,
                "amount_usd": round(bn * 1e9),
                "board_seat": board,
                "observer": observer,
                "information_rights": info,
                "coalition_share_pct": 0.0,
                "source": ROUND_SOURCE,
            }
            for code, name, country, kind, lead, bn, board, observer, info in SPONSOR_ROUND
        ),
        "funding_rounds",
    )
    cap = frame(
        (
            {
                "holder": h,
                "name": n,
                "country": c,
                "security_type": t,
                "shares": None,
                "stake_pct": pct,
                "source": "illustrative: a frontier lab's fully diluted cap table before the round "
                "(founders/employees, option pool, its cloud partner, venture and earlier investors)",
            }
            for h, n, c, t, pct in SPONSOR_CAP_TABLE
        ),
        "sponsor_cap_table",
    )
    return {"funding_rounds": rounds, "sponsor_cap_table": cap}


# =======================================================================================
# Settings and deflators
# =======================================================================================
def atb_debt_fraction(raw: Path) -> float:
    fin = read_raw(raw, "reeds/financials/financials_sys_ATB2024.csv")
    vals = fin[fin["t"].between(PERIODS[0], PERIODS[-1])]["debt_fraction"].unique()
    if len(vals) != 1:
        raise BuildError(f"financials_sys_ATB2024.csv: debt_fraction varies over the periods: {vals}")
    return float(vals[0])


def turbine_supply_mw_per_year(raw: Path) -> tuple[int, str]:
    """National yearly gas-turbine deliveries available to the US grid: world large-turbine
    production x the US share of 2024 world orders (pages/gas_plant_costs_and_lead_times_reported.csv)."""
    g = read_raw(raw, "pages/gas_plant_costs_and_lead_times_reported.csv")
    world = g[(g["subject"] == "world large CCGT turbines")].iloc[0]
    us = g[(g["subject"] == "US gas turbine orders")].iloc[0]
    production, orders, us_orders = float(world["value"]), float(world["value_high"]), float(us["value"])
    mw = round(production * us_orders / orders * 1000)
    why = (
        f"world large-turbine production {production:.0f} GW/yr (IEEFA) x US share of 2024 world orders "
        f"({us_orders:.0f} of {orders:.0f} GW) = {mw:,} MW/yr"
    )
    return mw, why


def scenario_yaml(raw: Path, log: list[str] | None = None) -> str:
    debt = atb_debt_fraction(raw)
    finance = finance_yaml(raw, log if log is not None else [])
    turbines, turbine_why = turbine_supply_mw_per_year(raw)

    def mapping(d: dict[int, float] | dict[int, int]) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"

    periods = "\n".join(f"  - {{year: {p}, length_years: {PERIOD_LENGTH_YEARS}}}" for p in PERIODS)
    return f"""\
# Default US scenario: the 50 states and DC. Generated by scripts/build_default_data.py;
# every number's source or reasoning is in SOURCES.md (same folder).
name: default-us
description: >-
  Default US scenario: 50 states + DC (AK and HI islanded), existing fleet at summer ratings with
  retirement cohorts from the ReEDS/NEMS unit database, AEO2025 demand growth and fuel prices,
  2023 EIA-930 hourly demand shapes, NERC LTRA 2025 reserve margins, NARIS 2024 transfer
  capabilities with DC-tie-only seams, NREL ATB 2024 costs via ReEDS (2025 gas-plant capex), an
  illustrative coalition of nine investors and 14 candidate AI campuses. Money in 2024 US dollars.
base_dollar_year: {BASE_YEAR}
start_year: {START_YEAR}
periods:
{periods}
# OMB Circular A-4 (2003) real discount rate for the opportunity cost of capital.
discount_rate: 0.07
# Illustrative planning reserve margin for regions whose regions.csv reserve_margin is blank
# (none in the default: each state has its NERC LTRA 2025 reference margin level there).
reserve_margin: 0.15
# Illustrative: half of a corridor's capability can carry firm capacity.
firm_import_share: 0.5
mode: target
# Illustrative AI IT capacity targets, reachable by the candidate campuses (SOURCES.md).
it_target_mw: {mapping(IT_TARGET_MW)}
# 16 typical days of six 4-hour steps (96 snapshots a period): the coarsest resolution within
# 1 % in cost and 5 % in new firm capacity of every interconnection against 24 typical days
# hourly, on all 51 regions (docs/resolution.md). Solved by decomposition by typical day.
typical_days: 16
hours_per_block: 4
# The year of the real EIA-930 demand shapes in profiles.csv (solar and wind stay synthetic).
weather_year: {WEATHER_YEAR}
voll_usd_per_mwh: 10000
# National gas-turbine deliveries to the US grid (the plan builds the whole grid): {turbine_why}
# (pages/gas_plant_costs_and_lead_times_reported.csv; check: EIA 860M plans 18.7 GW of CC for 2025-2028, 4.7 GW/yr).
turbine_supply_mw_per_year: {turbines}
new_corridors_allowed: true
# Campuses with a grid_connection_year (campuses.csv) run islanded on gas they own until then
# (issue 12, SOURCES.md "Campus-owned power"). Illustrative: trailer-mounted aeroderivative
# turbines run within about a year of the order (xAI Memphis); N+1 redundancy on the campus peak;
# ATB gas CT capex (on-site generation adds USD 1-3 M per MW of a data center, CBRE via build.inc).
campus_power:
  technologies: [gas_ct]
  lead_time_years: 1
  capex_multiplier: 1.0
  island_reserve_margin: 0.2
chips:
  # Illustrative: 72 GPUs per ~120 kW GB200 NVL72 rack = 600/MW of rack power, 80% of IT in GPU racks.
  accelerators_per_mw_it: {ACCELERATORS_PER_MW_IT}
  # Illustrative import allowance for the coalition.
  import_limit_per_year: {ACCELERATOR_IMPORT_LIMIT}
  # Illustrative policy ramp for domestic supply.
  min_domestic_share: {mapping(MIN_DOMESTIC_SHARE)}
finance:
  # generation, storage: NREL ATB 2024 financing (ReEDS financials_sys_ATB2024.csv debt_fraction);
  # datacenter: Abilene $9.6B debt on a $15B JV; transmission, fab: illustrative.
  debt_share:
    datacenter: {DEBT_SHARE_ILLUSTRATIVE["datacenter"]}
    generation: {debt}
    storage: {debt}
    transmission: {DEBT_SHARE_ILLUSTRATIVE["transmission"]}
    fab: {DEBT_SHARE_ILLUSTRATIVE["fab"]}
    # GPU-backed facilities (SOURCES.md): about half the hardware's cost.
    it_equipment: 0.5
  capital_basis: committed
{finance}security:
  apply_rule_caps: true
  avoid_mandatory_declarations: false
solver:
  # Dual simplex: 2 s per LP of the default against 20 s for the interior point (docs/benchmarks.md).
  method: simplex
  # A 2 % proven gap: the relaxation's bound is weak because campus modules are 150-300 MW
  # lumps; the relax-and-round plan is within about 0.1 % of the exact MIP optimum on the
  # default (docs/benchmarks.md), and a 1 % gap costs branch and bound about 50 s more.
  mip_gap: 0.02
  time_limit_s: 300
"""


def deflators_text() -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["year", "gdp_deflator_2017_100", "factor_to_2024_usd", "source", "check"])
    for y, v in sorted(GDP_DEFLATOR_2017_100.items()):
        w.writerow(
            [y, fmt_number(v, 3), fmt_number(deflator_factor(y), 6), DEFLATOR_SOURCE, DEFLATOR_CHECK[y]]
        )
    return out.getvalue()


# =======================================================================================
# Main
# =======================================================================================
DECIMALS: dict[str, dict[str, int]] = {
    "regions": {"latitude_deg": 4, "longitude_deg": 4, "solar_cf": 3, "wind_cf": 3,
                "retail_price_usd_per_mwh": 2, "reserve_margin": 4, "datacenter_share_pct": 1},
    "corridors": {"existing_mw_forward": 3, "existing_mw_reverse": 3, "length_miles": 3,
                  "expansion_capex_usd_per_mw": 2},
    "technology_costs": {"capex_usd_per_kw": 2, "fixed_om_usd_per_kw_year": 3, "variable_om_usd_per_mwh": 3},
    "existing_capacity": {"capacity_mw": 3},
    "fuels": {"price_usd_per_mmbtu": 3, "co2_t_per_mmbtu": 6},
    "fuel_prices": {"price_usd_per_mmbtu": 3},
    "capacity_credit_steps": {"share_of_peak_upto": 4, "capacity_credit": 4},
    "demand": {"annual_demand_mwh": 0, "peak_demand_mw": 1},
    "fabs": {"capex_usd": 0, "grant_usd": 0, "fixed_om_usd_per_year": 0, "accelerators_per_year": 0},
    "commitments": {"amount_usd": 0},
}  # fmt: skip


def build_all(raw: Path) -> tuple[dict[str, str], list[str]]:
    """Every output file's text, keyed by path relative to the output folder, and the fill log."""
    log: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    tables["regions"] = build_regions(raw, log)
    interconnect = dict(zip(tables["regions"]["region"], tables["regions"]["interconnect"], strict=True))
    tables["corridors"] = build_corridors(raw, log, interconnect)
    tables["technologies"], tables["technology_costs"] = build_technologies(raw, log)
    tables["capacity_credit_steps"] = build_capacity_credit_steps()
    tables["fuels"] = build_fuels()
    tables["fuel_prices"] = build_fuel_prices(raw, log)
    tables["cost_multipliers"] = build_cost_multipliers(raw, log)
    tables["existing_capacity"] = build_existing_capacity(raw, log)
    profiles_text, peak_to_mean = build_profiles(raw, log)
    tables["demand"] = build_demand(raw, log, peak_to_mean)
    nerc_peak_check(raw, log)
    tables["campuses"] = build_campuses()
    tables["fabs"] = build_fabs(raw)
    tables.update(build_coalition())
    tables.update(build_sponsor_round())
    files = {f"{name}.csv": table_text(name, df, DECIMALS.get(name)) for name, df in tables.items()}
    files["profiles.csv"] = profiles_text
    files["scenario.yaml"] = scenario_yaml(raw, log)
    files["reference/deflators.csv"] = deflators_text()
    return files, log


def summary(files: dict[str, str], out: Path) -> str:
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(io.StringIO(files[name]))

    cap = read("existing_capacity.csv").groupby("technology")["capacity_mw"].sum() / 1000
    dem = read("demand.csv")
    dem = dem[dem["case"] == "reference"]
    twh = {p: dem[dem["period"] == p]["annual_demand_mwh"].sum() / 1e6 for p in PERIODS}
    camp = read("campuses.csv")
    com = read("commitments.csv")
    firm = com[com["stage"].isin(["committed", "funded"])]["amount_usd"].sum() / 1e9
    lines = [
        f"wrote {len(files)} files to {out}",
        f"  regions: {len(read('regions.csv'))}, corridors: {len(read('corridors.csv'))}, "
        f"technologies: {len(read('technologies.csv'))}",
        f"  existing capacity: {cap.sum():,.1f} GW ("
        + ", ".join(f"{t} {v:,.1f}" for t, v in cap.sort_values(ascending=False).items())
        + ")",
        "  background demand (reference case): " + ", ".join(f"{p} {v:,.1f} TWh" for p, v in twh.items()),
        f"  campuses: {len(camp)} sites, {float((camp['module_it_mw'] * camp['max_modules']).sum()):,.0f} MW IT "
        f"at most; fabs: {len(read('fabs.csv'))}",
        f"  coalition: {len(read('investors.csv'))} investors, ${com['amount_usd'].sum() / 1e9:,.1f}B "
        f"committed over {com['year'].min()}-{com['year'].max()} (${firm:,.1f}B committed or funded)",
    ]
    return "\n".join(lines)


def resolve_raw(shared: str | None) -> Path:
    base = Path(shared or os.environ.get("STATESIDE_SHARED") or REPO_ROOT.parent / "shared")
    return base / "data" / "raw"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", help="the shared folder (default ../shared or $STATESIDE_SHARED)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--quiet", action="store_true", help="print only the summary, not the fill log")
    args = parser.parse_args(argv)
    raw = resolve_raw(args.shared)
    if not raw.is_dir():
        print(f"error: raw data folder {raw} not found (use --shared or STATESIDE_SHARED)", file=sys.stderr)
        return 2
    try:
        files, log = build_all(raw)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for rel, text in files.items():
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    if not args.quiet:
        print("gap fills and judgements:")
        for line in log:
            print(f"  - {line}")
    print(summary(files, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
