"""Project economics of a plan: yearly cash flows, NPV, IRR, LCOE, DSCR, payback — per
project and per investor.

Every project of :func:`stateside.finance.syndication.plan_projects` is priced with the
single-owner pro-forma of :mod:`stateside.finance.project` (NREL SAM Single Owner /
ProFAST conventions: nominal cash flows, MACRS, credits used when earned, debt sized to
a DSCR target). A financing round of a project (a campus's modules of one period, one
technology of a regional generation build) is one *component* with its own
construction, operation and loan; a project's cash flow is the sum of its components'
on one calendar.

Money: inputs in real USD of the scenario's ``base_dollar_year``; pro-forma lines
nominal (inflation ``π`` = 2.5 %/yr, ReEDS/SAM); every reported USD amount is real USD
of the base year and every NPV is valued at the start of ``start_year``.

Timeline of a component built for period ``p``: construction over ``C`` years ending
the year before ``p`` (capex spread evenly), operation from ``p`` for the asset's life.

=============  ==========================================================================
class          revenue · costs · tax · construction ``C`` and life
=============  ==========================================================================
datacenter     all-in lease of the new IT capacity at ``campus_lease_usd_per_kw_month``
               (power included: the campus buys its power, so returns differ by site) ·
               fixed O&M (campuses.csv), property tax and insurance
               (``campus_property_tax_insurance_share_per_year`` of capex), power: IT kW ×
               utilisation × PUE × 8,760 h at the plan's regional price plus the state's
               network charges (``campus_network_charge_share`` × the state's industrial
               tariff ``industrial_tariff_usd_per_mwh``) and capacity at
               ``capacity_price_usd_per_kw_year`` on the campus's peak (IT × PUE) · 39-year
               nonresidential real property, straight line (IRS Pub 946; the half-year
               form of :func:`~.tax.straight_line_rates` approximates the mid-month
               convention; no cost segregation) · ``C`` = ``campus_construction_years``,
               life ``lifetime_years``
generation     the component's share ``new MW / capacity MW`` of its technology's
               dispatch in the region (table ``dispatch``), period by period, at the
               plan's regional price (table ``prices``), plus a capacity value
               ``capacity_credit × MW × capacity_price_usd_per_kw_year`` · fixed and
               variable O&M (technology_costs.csv, the build period), fuel (heat rate ×
               fuel price, gas at the regional price), carbon price × CO2 · MACRS class
               by technology (below) · PTC (§45Y, ``tax.PTC_FULL_USD_PER_MWH``, 10
               years) for zero-emission generation (no fuel, or uranium) · ``C`` =
               ``construction_years`` (technologies.csv), life ``lifetime_years``
storage        capacity value only (the plan reports net energy and average prices, so
               arbitrage revenue cannot be measured: storage is undervalued) · fixed O&M
               · 7-year MACRS · ITC 30 % (§48E)
transmission   regulated cost of service on the rate base ``RB``: ``O&M + RB₀/L + w ·
               RB_{k-1}`` (``RB₀`` with AFUDC), book life ``L`` = 40 years (the
               model's corridor life),
               pre-tax return ``w = DF·i + (1-DF)·ROE/(1-T)`` with the allowed ROE
               ``transmission_allowed_roe`` · O&M ``transmission_om_share_per_year`` of
               capex · 20-year MACRS (Pub 946 class 49.14) · ``C`` =
               ``construction_years`` (corridors.csv)
fab            output × ``fab_price_usd_per_accelerator`` · fixed O&M (fabs.csv), cost of
               sales ``fab_cost_of_sales_share`` of revenue, electricity ``power_mw ×
               8760 h`` at the plan's regional price · 5-year MACRS (Pub 946 class 36.0,
               semiconductor manufacturing equipment; the whole fab, a simplification)
               · §48D credit 25 % if construction begins by 2026 (§48D(e)) · CHIPS grant
               (the plan's, capped) reduces the depreciable basis · ``C`` =
               ``lead_time_years``
it_equipment   (only where the coalition buys it, ``it_equipment_buyer: coalition``) one
               round per purchase — new modules and each refresh — of
               ``it_equipment_usd_per_kw_it``; earns ``it_rental_usd_per_accelerator_hour``
               × accelerators × utilisation × 8,760 h, pays the campus's all-in lease · 5-year
               MACRS (computers, Pub 946 class 00.12) · ``C`` = 1, life
               ``it_refresh_years``, then replaced (the next round) · GPU-backed debt at
               ``it_interest_rate_nominal`` over ``it_debt_tenor_years``
=============  ==========================================================================

MACRS classes (IRS Pub 946 Table B-1 and §168(e)(3)): solar, wind and geothermal
(energy property, §168(e)(3)(B)(vi)) 5 years; storage 7 years (no class life, the
default class; the IRA's 5-year treatment of §48E property was not relied on because the
2025 changes to it were not checked); gas- and oil-fired turbines (class 49.15) and
nuclear (49.12) 15 years; coal, biomass steam (49.13) and hydro (49.11) 20 years;
transmission (49.14) 20 years; fabs 5 years; campuses 39-year straight line.

Financing (ATB 2024, :mod:`.defaults`): interest 8 %, ROE 10.5 %, tax 25.74 %; debt
sized to the DSCR target (1.30, 18-year tenor, sculpted), capped at the plan's debt
share of the asset class (``settings.finance.debt_share``). Where the DSCR allows less
debt than the plan assumed, the pro-forma's equity exceeds the plan's
(``equity_gap_usd`` > 0): the plan's debt share is then not bankable at the target.

Per investor: its share of each round (cap tables) times that round's equity cash
flow, summed on one calendar; NPV at the ATB return on equity, IRR (nominal and real,
with the multiple-root policy of :mod:`.metrics`), money paid in and paid out by year.

Every assumption is scenario data (``finance:`` in scenario.yaml,
:class:`~stateside.scenario.settings.FinanceSettings`, sources in the default data's
SOURCES.md); :meth:`EconomicsAssumptions.from_settings` reads them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from stateside.finance import metrics, tax
from stateside.finance.defaults import ATB2024_CURRENT, DEBT_TENOR_YEARS, INFLATION_RATE, TARGET_DSCR
from stateside.finance.metrics import FloatArray, IntArray
from stateside.finance.project import (
    DebtTerms,
    Financing,
    ProjectCashflows,
    ProjectMetrics,
    ProjectSpec,
    TaxTerms,
    build_cashflows,
)
from stateside.plan import Plan, grid_builds
from stateside.scenario.fuels import fuel_price_table
from stateside.scenario.settings import Settings
from stateside.scenario.types import Scenario

HOURS_PER_YEAR = 8760.0
KW_PER_MW = 1000.0


@dataclass(frozen=True)
class EconomicsAssumptions:
    """Prices and terms the plan does not give — in a plan, always the scenario's
    ``finance:`` settings (:meth:`from_settings`; each field is documented in
    :class:`~stateside.scenario.settings.FinanceSettings` and docs/scenario-format.md, its
    source in the default data's SOURCES.md). The defaults here serve code that builds
    assumptions by hand (tests); the tax-credit defaults are the pre-2025 law's
    (:mod:`.tax`), the scenario's default §48D rate is the 35 % of the July 2025 law.
    """

    campus_lease_usd_per_kw_month: float = 200.0
    campus_construction_years: int = 2
    capacity_price_usd_per_kw_year: float = 98.5
    campus_property_tax_insurance_share_per_year: float = 0.015
    campus_network_charge_share: float = 0.25
    industrial_tariff_usd_per_mwh: dict[str, float] = field(default_factory=dict)
    industrial_tariff_default_usd_per_mwh: float = 81.0
    it_equipment_usd_per_kw_it: float = 32_000.0
    accelerators_per_mw_it: float = 480.0
    it_refresh_years: int = 5
    it_rental_usd_per_accelerator_hour: float = 2.5
    it_interest_rate_nominal: float = 0.10
    it_debt_tenor_years: int = 4
    fab_price_usd_per_accelerator: float = 4500.0
    fab_cost_of_sales_share: float = 0.35
    transmission_allowed_roe: float = 0.1002
    transmission_om_share_per_year: float = 0.01
    transmission_life_years: int = 40
    interest_rate_nominal: float = ATB2024_CURRENT.interest_rate_nominal
    return_on_equity_nominal: float = ATB2024_CURRENT.return_on_equity_nominal
    income_tax_rate: float = ATB2024_CURRENT.tax_rate
    inflation: float = INFLATION_RATE
    target_dscr: float = TARGET_DSCR
    debt_tenor_years: int = DEBT_TENOR_YEARS
    ptc_usd_per_mwh: float = tax.PTC_FULL_USD_PER_MWH
    storage_itc_rate: float = tax.ITC_FULL_RATE
    chips_48d_rate: float = tax.CHIPS_48D_RATE
    chips_48d_last_start_year: int = 2026

    @classmethod
    def from_settings(cls, settings: Settings) -> EconomicsAssumptions:
        """The scenario's assumptions (``finance:`` and ``chips:`` of scenario.yaml)."""
        f = settings.finance
        names = {x.name for x in fields(cls)} - {"accelerators_per_mw_it"}
        values = {n: getattr(f, n) for n in names}
        values["industrial_tariff_usd_per_mwh"] = dict(f.industrial_tariff_usd_per_mwh)
        return cls(accelerators_per_mw_it=settings.chips.accelerators_per_mw_it, **values)

    def tariff_usd_per_mwh(self, region: str) -> float:
        """The industrial tariff of a region (state), or the default."""
        return float(
            self.industrial_tariff_usd_per_mwh.get(region, self.industrial_tariff_default_usd_per_mwh)
        )

    def it_financing(self, max_debt_fraction: float) -> Financing:
        """GPU-backed financing: the IT interest rate and tenor, the project DSCR target."""
        return replace(
            self.financing(max_debt_fraction),
            debt=DebtTerms(
                interest_rate_nominal=self.it_interest_rate_nominal,
                tenor_years=self.it_debt_tenor_years,
                target_dscr=self.target_dscr,
                max_debt_fraction=max_debt_fraction,
            ),
        )

    def financing(self, max_debt_fraction: float) -> Financing:
        """ATB financing with debt sized to the DSCR target, capped at ``max_debt_fraction``."""
        return Financing(
            debt=DebtTerms(
                interest_rate_nominal=self.interest_rate_nominal,
                tenor_years=self.debt_tenor_years,
                target_dscr=self.target_dscr,
                max_debt_fraction=max_debt_fraction,
            ),
            return_on_equity_nominal=self.return_on_equity_nominal,
            income_tax_rate=self.income_tax_rate,
            inflation=self.inflation,
        )


DEFAULT_ASSUMPTIONS = EconomicsAssumptions()

PROJECT_ECONOMICS_COLUMNS: list[str] = [
    "project",
    "asset_class",
    "region",
    "first_period",
    "capex_usd",
    "grant_usd",
    "plan_equity_usd",
    "debt_usd",
    "equity_usd",
    "equity_gap_usd",
    "debt_fraction",
    "revenue_usd_per_year",
    "tax_credits_usd",
    "npv_usd",
    "project_npv_usd",
    "equity_irr",
    "equity_irr_real",
    "irr_status",
    "project_irr",
    "lcoe_usd_per_mwh",
    "min_dscr",
    "payback_year",
]

INVESTOR_RETURN_COLUMNS: list[str] = [
    "investor",
    "name",
    "country",
    "committed_usd",
    "expected_usd",
    "plan_equity_usd",
    "invested_usd",
    "distributed_usd",
    "npv_usd",
    "irr",
    "irr_real",
    "irr_status",
    "payback_year",
    "projects",
]

CASHFLOW_COLUMNS: list[str] = [
    "project",
    "year",
    "energy_mwh",
    "capex_usd",
    "grant_usd",
    "revenue_usd",
    "opex_usd",
    "fuel_usd",
    "cfads_usd",
    "debt_draw_usd",
    "debt_service_usd",
    "income_tax_usd",
    "tax_credit_usd",
    "project_cashflow_usd",
    "equity_cashflow_usd",
]


def macrs_method(kind: str, fuel: str) -> str:
    """Depreciation method of a generation/storage technology (see the module docstring)."""
    if kind == "storage":
        return "macrs_7"
    if kind == "variable":
        return "macrs_5"
    if kind == "hydro":
        return "macrs_20"
    if fuel in ("gas", "oil", "uranium"):
        return "macrs_15"
    if fuel in ("coal", "biomass"):
        return "macrs_20"
    return "macrs_5"  # thermal without fuel: geothermal (energy property)


def zero_emission(kind: str, fuel: str) -> bool:
    """Whether a generator earns the technology-neutral PTC (§45Y): no fuel, or uranium."""
    return kind != "storage" and (not fuel or fuel == "uranium")


@dataclass(frozen=True)
class Component:
    """One priced financing round of a project."""

    project: str
    period: int
    asset_class: str
    region: str
    label: str
    spec: ProjectSpec


@dataclass
class Economics:
    """The priced plan: components, per-project table and cash flows, the per-round
    equity cash flows on one calendar (for investor returns)."""

    components: list[Component]
    cashflows: list[ProjectCashflows]
    projects: pd.DataFrame
    project_cashflows: pd.DataFrame
    years: IntArray
    round_equity_nominal: pd.DataFrame  # index (project, period), columns years
    assumptions: EconomicsAssumptions
    valuation_year: int
    dollar_year: int
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# building the components


def _operating_periods(first_year: int, n_years: int, periods: list[int]) -> list[int]:
    """The plan period that each operating year falls in (the last period after the horizon)."""
    starts = np.asarray(periods)
    years = first_year + np.arange(n_years)
    pos = np.searchsorted(starts, years, side="right") - 1
    return [int(starts[max(k, 0)]) for k in pos]


def _years(x: float) -> int:
    return max(1, math.ceil(float(x) - 1e-9))


def _construction(years: int, period: int, start_year: int) -> int:
    """Construction years, at least 1 and not starting before the decision year (the model
    lets a campus be online at its earliest year whatever its construction time)."""
    return max(1, min(years, period - start_year))


class _Lookups:
    """Plan and scenario tables indexed for the component builders."""

    def __init__(self, plan: Plan, scenario: Scenario) -> None:
        s = scenario.settings
        self.periods = s.period_years
        self.start_year = s.start_year
        prices = plan.tables.get("prices", pd.DataFrame(columns=["region", "period", "price_usd_per_mwh"]))
        self.price = {
            (str(r), int(p)): float(v)
            for r, p, v in zip(prices["region"], prices["period"], prices["price_usd_per_mwh"], strict=True)
            if pd.notna(v)
        }
        disp = plan.tables.get(
            "dispatch", pd.DataFrame(columns=["region", "technology", "period", "energy_mwh", "co2_t"])
        )
        self.energy = {
            (str(r), str(g), int(p)): (float(e), float(c))
            for r, g, p, e, c in zip(
                disp["region"],
                disp["technology"],
                disp["period"],
                disp["energy_mwh"],
                disp["co2_t"],
                strict=True,
            )
        }
        onsite = plan.tables.get("campus_power", pd.DataFrame())
        for o in onsite.itertuples(index=False):  # the grid's output: less what campuses make
            key = (str(o.region), str(o.technology), int(o.period))
            e, c = self.energy.get(key, (0.0, 0.0))
            self.energy[key] = (e - float(o.energy_mwh), c - float(o.co2_t))
        builds = plan.tables.get(
            "builds", pd.DataFrame(columns=["region", "technology", "period", "capacity_mw"])
        )
        # the grid's fleet and output (campus-owned units are priced on their own output)
        builds = grid_builds(builds)
        total = builds.groupby(
            [builds["region"].astype(str), builds["technology"].astype(str), builds["period"].astype(int)]
        )["capacity_mw"].sum()
        self.capacity = {(str(r), str(g), int(p)): float(c) for (r, g, p), c in total.items()}
        self.tech = scenario.technologies.set_index(scenario.technologies["technology"].astype(str))
        tc = scenario.technology_costs
        self.costs = tc.set_index([tc["technology"].astype(str), tc["period"].astype(int)])
        prices = fuel_price_table(scenario)
        self.fuel_price = {
            (str(f), str(r), int(p)): float(v)
            for f, r, p, v in zip(
                prices["fuel"], prices["region"], prices["period"], prices["price_usd_per_mmbtu"], strict=True
            )
        }
        self.carbon = {int(k): float(v) for k, v in s.carbon_price_usd_per_t.items()}
        self.campuses = scenario.campuses.set_index(scenario.campuses["campus"].astype(str))
        self.fabs = scenario.fabs.set_index(scenario.fabs["fab"].astype(str))
        self.corridors = scenario.corridors.set_index(scenario.corridors["corridor"].astype(str))
        self.debt_share = s.finance.debt_share

    def fuel_usd_per_mmbtu(self, fuel: str, region: str, period: int) -> float:
        """Delivered price in the plan's period (one reader: model.inputs.fuels)."""
        if not fuel:
            return 0.0
        return self.fuel_price.get((fuel, region, int(period)), 0.0)


def _spec(
    name: str,
    period: int,
    construction: int,
    life: int,
    capex: float,
    a: EconomicsAssumptions,
    debt_fraction: float,
    dollar_year: int,
    **kw: object,
) -> ProjectSpec:
    return ProjectSpec(
        name=name,
        first_year=period - construction,
        construction_years=construction,
        operating_years=life,
        capex_usd=capex,
        dollar_year=dollar_year,
        financing=a.financing(debt_fraction),
        **kw,  # type: ignore[arg-type]
    )


def build_components(
    plan: Plan, scenario: Scenario, projects: pd.DataFrame, a: EconomicsAssumptions | None = None
) -> list[Component]:
    """One :class:`Component` per financing round (and technology) of ``projects``."""
    a = a or EconomicsAssumptions.from_settings(scenario.settings)
    look = _Lookups(plan, scenario)
    dollar_year = scenario.settings.base_dollar_year
    start = scenario.settings.start_year
    out: list[Component] = []
    builds = grid_builds(plan.tables.get("builds", pd.DataFrame()))  # campus power: from its own table
    for r in projects.itertuples(index=False):
        cls, p, proj, region = str(r.asset_class), int(r.period), str(r.project), str(r.region)
        debt = float(look.debt_share[cls])
        if cls == "datacenter":
            c = look.campuses.loc[proj]
            camp = plan.tables["campuses"]
            row = camp[(camp["campus"].astype(str) == proj) & (camp["period"].astype(int) == p)].iloc[0]
            kw_it = float(row["new_it_mw"]) * KW_PER_MW
            life = _years(c["lifetime_years"])
            energy, power = campus_power_cost(kw_it, c, region, p, life, look, a)
            spec = _spec(
                f"{proj}@{p}",
                p,
                _construction(a.campus_construction_years, p, start),
                life,
                float(r.capex_usd),
                a,
                debt,
                dollar_year,
                revenue_usd_per_year=a.campus_lease_usd_per_kw_month * 12.0 * kw_it,
                opex_usd_per_year=float(c["fixed_om_usd_per_kw_year"]) * kw_it
                + a.campus_property_tax_insurance_share_per_year * float(r.capex_usd),
                fuel_usd_per_year=power,
                energy_mwh_per_year=energy,
                tax=TaxTerms(depreciation="sl_39"),
            )
            out.append(Component(proj, p, cls, region, f"{float(row['new_it_mw']):,.0f} MW IT", spec))
        elif cls == "it_equipment":
            campus = proj.removeprefix("it-")
            c = look.campuses.loc[campus]
            kw_it = (
                float(r.capex_usd) / a.it_equipment_usd_per_kw_it if a.it_equipment_usd_per_kw_it > 0 else 0.0
            )
            in_use = kw_it * a.accelerators_per_mw_it / KW_PER_MW * float(c["utilisation"])
            spec = ProjectSpec(
                name=f"{proj}@{p}",
                first_year=p - 1,
                construction_years=1,
                operating_years=a.it_refresh_years,
                capex_usd=float(r.capex_usd),
                dollar_year=dollar_year,
                financing=a.it_financing(debt),
                revenue_usd_per_year=a.it_rental_usd_per_accelerator_hour * in_use * HOURS_PER_YEAR,
                opex_usd_per_year=a.campus_lease_usd_per_kw_month * 12.0 * kw_it,
                tax=TaxTerms(depreciation="macrs_5"),
            )
            out.append(Component(proj, p, cls, region, f"{kw_it / KW_PER_MW:,.0f} MW of IT equipment", spec))
        elif cls == "fab":
            f = look.fabs.loc[proj]
            construction = _construction(_years(f["lead_time_years"]), p, start)
            life = _years(f["lifetime_years"])
            revenue = float(f["accelerators_per_year"]) * a.fab_price_usd_per_accelerator
            qs = _operating_periods(p, life, look.periods)
            power_cost = np.array(
                [float(f["power_mw"]) * HOURS_PER_YEAR * look.price.get((region, q), 0.0) for q in qs]
            )
            itc = a.chips_48d_rate if p - construction <= a.chips_48d_last_start_year else 0.0
            spec = _spec(
                f"{proj}@{p}",
                p,
                construction,
                life,
                float(r.capex_usd),
                a,
                debt,
                dollar_year,
                grant_usd=float(r.grant_usd),
                revenue_usd_per_year=revenue,
                opex_usd_per_year=float(f["fixed_om_usd_per_year"]) + a.fab_cost_of_sales_share * revenue,
                fuel_usd_per_year=power_cost,
                tax=TaxTerms(
                    depreciation="macrs_5",
                    itc_rate=itc,
                    itc_basis_reduction_share=tax.CHIPS_48D_BASIS_REDUCTION_SHARE,
                ),
            )
            out.append(Component(proj, p, cls, region, "fab", spec))
        elif cls == "transmission":
            corridor = proj.removeprefix("line-").rsplit("-", 1)[0]
            cor = look.corridors.loc[corridor]
            construction = _construction(_years(cor["construction_years"]), p, start)
            life = a.transmission_life_years
            capex = float(r.capex_usd)
            requirement = transmission_revenue_real(capex, construction, life, p, debt, a, dollar_year)
            spec = _spec(
                f"{proj}@{p}",
                p,
                construction,
                life,
                capex,
                a,
                debt,
                dollar_year,
                revenue_usd_per_year=requirement,
                opex_usd_per_year=a.transmission_om_share_per_year * capex,
                tax=TaxTerms(depreciation="macrs_20"),
            )
            out.append(Component(proj, p, cls, region, "corridor expansion", spec))
        elif cls == "campus_power":  # one component per technology the campus owns
            onsite = plan.tables["campus_power"]
            campus = proj.removeprefix("power-")
            rows = onsite[
                (onsite["campus"].astype(str) == campus)
                & (onsite["period"].astype(int) == p)
                & (onsite["new_mw"] > 1e-6)
            ]
            mine = onsite[onsite["campus"].astype(str) == campus]
            for b in rows.itertuples(index=False):
                g = str(b.technology)
                # this vintage's share of the campus's own output (not the region's fleet average)
                own = {
                    int(o.period): (
                        float(o.energy_mwh) * float(b.new_mw) / float(o.capacity_mw),
                        float(o.co2_t) * float(b.new_mw) / float(o.capacity_mw),
                    )
                    for o in mine[mine["technology"].astype(str) == g].itertuples(index=False)
                    if float(o.capacity_mw) > 1e-9
                }
                out.append(
                    _power_component(
                        proj,
                        p,
                        cls,
                        region,
                        g,
                        look.tech.loc[g],
                        float(b.new_mw),
                        float(b.capex_usd),
                        look,
                        a,
                        dollar_year,
                        own_energy=own,
                        construction_years=scenario.settings.campus_power.lead_time_years,
                    )
                )
        else:  # generation or storage: one component per technology built
            rows = builds[
                (builds["region"].astype(str) == region)
                & (builds["period"].astype(int) == p)
                & (builds["new_mw"] > 1e-6)
                & (builds["capex_usd"] > 1.0)
            ]
            for b in rows.itertuples(index=False):
                g = str(b.technology)
                t = look.tech.loc[g]
                if str(t["asset_class"]) != cls:
                    continue
                out.append(
                    _power_component(
                        proj, p, cls, region, g, t, float(b.new_mw), float(b.capex_usd), look, a, dollar_year
                    )
                )
    return out


def campus_power_cost(
    kw_it: float, c: pd.Series, region: str, period: int, life: int, look: _Lookups, a: EconomicsAssumptions
) -> tuple[FloatArray, FloatArray]:
    """Grid energy (MWh) and power bill (real USD) of a campus phase per operating year.

    ``MWh = kW_IT × utilisation × PUE × 8,760 / 1,000``; bill = MWh × (regional price of
    the year's plan period + ``campus_network_charge_share`` × the state's industrial
    tariff) + ``capacity_price_usd_per_kw_year`` × kW_IT × PUE (the campus's peak).
    """
    pue = float(c["pue"])
    mwh = kw_it * float(c["utilisation"]) * pue * HOURS_PER_YEAR / KW_PER_MW
    network = a.campus_network_charge_share * a.tariff_usd_per_mwh(region)
    qs = _operating_periods(period, life, look.periods)
    price = np.array([look.price.get((region, q), 0.0) for q in qs])
    energy = np.full(life, mwh)
    bill = energy * (price + network) + a.capacity_price_usd_per_kw_year * kw_it * pue
    return energy, np.asarray(bill, dtype=np.float64)


def _power_component(
    proj: str,
    p: int,
    cls: str,
    region: str,
    g: str,
    t: pd.Series,
    new_mw: float,
    capex: float,
    look: _Lookups,
    a: EconomicsAssumptions,
    dollar_year: int,
    own_energy: dict[int, tuple[float, float]] | None = None,
    construction_years: int | None = None,
) -> Component:
    """One technology built in a region and period, as a project: it sells its share of
    the technology's regional output at the regional price and its accredited capacity at
    the capacity price. ``own_energy`` (period: MWh, tCO2) replaces the pro-rata share by
    the plant's own output (campus-owned units, which run for their campus);
    ``construction_years`` replaces the technology's."""
    kind = str(t["kind"])
    fuel = str(t["fuel"]) if isinstance(t["fuel"], str) else ""
    years = construction_years if construction_years is not None else _years(t["construction_years"])
    construction = _construction(max(int(years), 1), p, look.start_year)
    life = _years(t["lifetime_years"])
    cost = look.costs.loc[(g, p)] if (g, p) in look.costs.index else None
    fom = float(cost["fixed_om_usd_per_kw_year"]) if cost is not None else 0.0
    vom = float(cost["variable_om_usd_per_mwh"]) if cost is not None else 0.0
    kw = new_mw * KW_PER_MW
    capacity_value = float(t["capacity_credit"]) * kw * a.capacity_price_usd_per_kw_year
    qs = _operating_periods(p, life, look.periods)
    if kind == "storage":
        energy = np.zeros(life)
        revenue = np.full(life, capacity_value)
        opex = np.full(life, fom * kw)
        fuel_cost = np.zeros(life)
        terms = TaxTerms(depreciation=macrs_method(kind, fuel), itc_rate=a.storage_itc_rate)
    else:
        energy = np.zeros(life)
        co2 = np.zeros(life)
        price = np.zeros(life)
        for k, q in enumerate(qs):
            if own_energy is not None:
                e, c = own_energy.get(q, (0.0, 0.0))
                share = 1.0
            else:
                cap = look.capacity.get((region, g, q), 0.0)
                e, c = look.energy.get((region, g, q), (0.0, 0.0))
                share = new_mw / cap if cap > 1e-9 else 0.0
            energy[k] = max(e, 0.0) * share
            co2[k] = max(c, 0.0) * share
            price[k] = look.price.get((region, q), 0.0)
        carbon = np.array([look.carbon.get(q, 0.0) for q in qs])
        revenue = energy * price + capacity_value
        opex = fom * kw + vom * energy + carbon * co2
        heat_rate = float(t["heat_rate_mmbtu_per_mwh"]) if pd.notna(t["heat_rate_mmbtu_per_mwh"]) else 0.0
        fuel_price = np.array([look.fuel_usd_per_mmbtu(fuel, region, q) for q in qs])
        fuel_cost = energy * heat_rate * fuel_price
        terms = TaxTerms(
            depreciation=macrs_method(kind, fuel),
            ptc_usd_per_mwh=a.ptc_usd_per_mwh if zero_emission(kind, fuel) else 0.0,
        )
    spec = _spec(
        f"{proj}@{p}:{g}",
        p,
        construction,
        life,
        capex,
        a,
        float(look.debt_share[cls]),
        dollar_year,
        revenue_usd_per_year=revenue,
        opex_usd_per_year=opex,
        fuel_usd_per_year=fuel_cost,
        energy_mwh_per_year=energy,
        tax=terms,
    )
    return Component(proj, p, cls, region, f"{g} {new_mw:,.0f} MW", spec)


def transmission_revenue_real(
    capex_usd: float,
    construction_years: int,
    life_years: int,
    period: int,
    debt_fraction: float,
    a: EconomicsAssumptions,
    dollar_year: int,
) -> FloatArray:
    """Cost-of-service revenue requirement per operating year, real USD of ``dollar_year``.

    Nominal: ``R_k = O&M_k + RB₀/L + w · RB₀ (1 - (k-1)/L)`` for ``k = 1..L`` with
    straight-line book depreciation over ``L`` and ``w = DF·i + (1-DF)·ROE/(1-T)`` (the
    allowed return grossed up for income tax on the equity part). The rate base at COD
    ``RB₀`` is the nominal capex plus an allowance for funds used during construction
    (AFUDC): each year's spend compounds to COD at the after-tax WACC ``DF·i(1-T) +
    (1-DF)·ROE``. Deflated by ``(1+π)^(year - dollar_year)``.
    """
    pi = a.inflation
    first = period - construction_years
    cyears = first + np.arange(construction_years)
    afudc = float(
        metrics.after_tax_wacc(
            debt_fraction, a.interest_rate_nominal, a.transmission_allowed_roe, a.income_tax_rate
        )
    )
    accrual = (1.0 + afudc) ** (construction_years - 1 - np.arange(construction_years, dtype=float))
    rb0 = float(np.sum(capex_usd / construction_years * (1.0 + pi) ** (cyears - dollar_year) * accrual))
    oyears = period + np.arange(life_years)
    esc = (1.0 + pi) ** (oyears - dollar_year).astype(float)
    w = debt_fraction * a.interest_rate_nominal + (1.0 - debt_fraction) * a.transmission_allowed_roe / (
        1.0 - a.income_tax_rate
    )
    k = np.arange(1, life_years + 1, dtype=float)
    om_nominal = a.transmission_om_share_per_year * capex_usd * esc
    nominal = om_nominal + rb0 / life_years + w * rb0 * (1.0 - (k - 1.0) / life_years)
    return np.asarray(nominal / esc, dtype=np.float64)


# --------------------------------------------------------------------------------------
# pricing and aggregating


def combine(cashflows: list[ProjectCashflows], name: str) -> ProjectCashflows:
    """The sum of several pro-formas (same financing terms) on one calendar.

    ``dscr`` of the sum is ``Σ CFADS / Σ debt service`` in years with debt service;
    ``construction_years`` is the index after the last year with capex (so every debt
    draw counts as debt in :meth:`ProjectCashflows.metrics`).
    """
    first = cashflows[0]
    if len(cashflows) == 1:
        return replace(first, name=name)
    years = np.arange(min(int(c.years[0]) for c in cashflows), max(int(c.years[-1]) for c in cashflows) + 1)
    sums: dict[str, FloatArray] = {}
    for series in ProjectCashflows.SERIES:
        if series == "dscr":
            continue
        sums[series] = np.sum(
            [metrics.align_to_years(c.years, getattr(c, series), years) for c in cashflows], axis=0
        )
    ds = sums["debt_service_usd"]
    ratio = np.where(ds > 0, sums["cfads_usd"] / np.where(ds > 0, ds, 1.0), np.nan)
    capex_years = np.nonzero(sums["capex_usd"] > 0)[0]
    c_end = int(capex_years[-1]) + 1 if capex_years.size else 1
    return ProjectCashflows(
        name=name,
        years=years.astype(np.int64),
        dollar_year=first.dollar_year,
        inflation=first.inflation,
        return_on_equity_nominal=first.return_on_equity_nominal,
        wacc_nominal=first.wacc_nominal,
        construction_years=c_end,
        dscr=np.asarray(ratio, dtype=np.float64),
        **sums,
    )


def price_plan(
    plan: Plan,
    scenario: Scenario,
    projects: pd.DataFrame,
    a: EconomicsAssumptions | None = None,
) -> Economics:
    """Price every project of the plan (see the module docstring); ``a`` defaults to the
    scenario's ``finance:`` settings."""
    s = scenario.settings
    a = a or EconomicsAssumptions.from_settings(s)
    components = build_components(plan, scenario, projects, a)
    cashflows = [build_cashflows(c.spec) for c in components]
    valuation = s.start_year
    rows: list[dict[str, object]] = []
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    priced = any(c.asset_class in ("generation", "fab") for c in components)
    if priced and ("prices" not in plan.tables or not len(plan.tables["prices"])):
        notes.append(
            "the plan has no regional prices (no duals): energy revenue and fab power costs are zero"
        )
    if components:
        years = np.arange(
            min(int(cf.years[0]) for cf in cashflows), max(int(cf.years[-1]) for cf in cashflows) + 1
        ).astype(np.int64)
    else:
        years = np.zeros(0, dtype=np.int64)
    keys = [(c.project, c.period) for c in components]
    round_index = pd.MultiIndex.from_tuples(sorted(set(keys)), names=["project", "period"])
    round_eq = pd.DataFrame(0.0, index=round_index, columns=years)
    for c, cf in zip(components, cashflows, strict=True):
        round_eq.loc[(c.project, c.period)] += metrics.align_to_years(cf.years, cf.equity_cashflow_usd, years)
    info = projects.groupby("project").agg(
        asset_class=("asset_class", "first"),
        region=("region", "first"),
        first_period=("period", "min"),
        plan_equity_usd=("equity_usd", "sum"),
    )
    for proj in info.index:
        idx = [k for k, c in enumerate(components) if c.project == proj]
        if not idx:
            continue
        parts = [cashflows[k] for k in idx]
        total = combine(parts, str(proj))
        m = total.metrics(valuation_year=valuation)
        own = [cf.metrics(valuation_year=valuation).min_dscr for cf in parts]
        finite = [x for x in own if math.isfinite(x)]
        m = replace(m, min_dscr=min(finite) if finite else math.nan)
        invested = sum(cf.metrics(valuation_year=valuation).equity_invested_usd for cf in parts)
        m = replace(m, equity_invested_usd=float(invested))
        rows.append(_project_row(str(proj), info.loc[proj], total, m))
        frames.append(_cashflow_frame(total))
    table = pd.DataFrame(rows, columns=PROJECT_ECONOMICS_COLUMNS)
    cf_table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CASHFLOW_COLUMNS)
    return Economics(
        components=components,
        cashflows=cashflows,
        projects=table,
        project_cashflows=cf_table,
        years=years,
        round_equity_nominal=round_eq,
        assumptions=a,
        valuation_year=valuation,
        dollar_year=s.base_dollar_year,
        notes=notes,
    )


def _project_row(proj: str, info: pd.Series, cf: ProjectCashflows, m: ProjectMetrics) -> dict[str, object]:
    c = cf.construction_years
    real_rev = cf.real(cf.revenue_usd)
    operating = real_rev[c:] if c < real_rev.size else real_rev
    plan_equity = float(info["plan_equity_usd"])
    return {
        "project": proj,
        "asset_class": str(info["asset_class"]),
        "region": str(info["region"]),
        "first_period": int(info["first_period"]),
        "capex_usd": m.capex_usd,
        "grant_usd": m.grant_usd,
        "plan_equity_usd": plan_equity,
        "debt_usd": m.debt_usd,
        "equity_usd": m.equity_invested_usd,
        "equity_gap_usd": m.equity_invested_usd - plan_equity,
        "debt_fraction": m.debt_usd / m.capex_usd if m.capex_usd > 0 else math.nan,
        "revenue_usd_per_year": float(np.max(operating)) if operating.size else 0.0,
        "tax_credits_usd": float(np.sum(cf.real(cf.tax_credit_usd))),
        "npv_usd": m.equity_npv_usd,
        "project_npv_usd": m.project_npv_usd,
        "equity_irr": m.equity_irr_nominal,
        "equity_irr_real": m.equity_irr_real,
        "irr_status": m.equity_irr_status,
        "project_irr": m.project_irr_nominal,
        "lcoe_usd_per_mwh": m.lcoe_real_usd_per_mwh if str(info["asset_class"]) == "generation" else math.nan,
        "min_dscr": m.min_dscr,
        "payback_year": m.payback_year,
    }


def _cashflow_frame(cf: ProjectCashflows) -> pd.DataFrame:
    frame = cf.to_frame()
    return frame[CASHFLOW_COLUMNS]


# --------------------------------------------------------------------------------------
# investors


def investor_shares(allocations: pd.DataFrame, projects: pd.DataFrame, investors: list[str]) -> pd.DataFrame:
    """Each investor's share of each round's equity: ``x_{i,(project,period)} / E_(project,period)``.

    Index investors, columns (project, period)."""
    eq = projects.set_index(["project", "period"])["equity_usd"]
    cols = pd.MultiIndex.from_tuples(list(eq.index), names=["project", "period"])
    out = pd.DataFrame(0.0, index=pd.Index(investors, name="investor"), columns=cols)
    if len(allocations):
        g = allocations.groupby(["investor", "project", "period"])["equity_usd"].sum()
        for (i, proj, p), x in g.items():
            if i in out.index and (proj, int(p)) in eq.index:
                out.at[i, (proj, int(p))] = float(x) / float(eq[(proj, int(p))])
    return out


def investor_returns(
    econ: Economics,
    allocations: pd.DataFrame,
    projects: pd.DataFrame,
    investors: pd.DataFrame,
    pipeline: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-investor returns and yearly flows (see the module docstring).

    Returns ``(investor_returns, investor_cashflows)``; the second has one row per
    (investor, year): ``invested_usd`` (paid in), ``distributed_usd`` (paid out) and
    ``net_usd`` in real base-year USD, ``net_nominal_usd`` nominal.
    """
    a = econ.assumptions
    ids = investors["investor"].astype(str).tolist()
    extra = sorted(set(allocations["investor"].astype(str)) - set(ids)) if len(allocations) else []
    ids = ids + extra
    shares = investor_shares(allocations, projects, ids)
    years = econ.years
    rounds = econ.round_equity_nominal.reindex(shares.columns).fillna(0.0)
    S = shares.to_numpy(float)
    R = rounds.to_numpy(float)
    esc = (1.0 + a.inflation) ** (years - econ.dollar_year).astype(float) if years.size else np.zeros(0)
    flows = S @ R  # investors × years, nominal
    paid_in = S @ np.maximum(-R, 0.0)
    paid_out = S @ np.maximum(R, 0.0)
    plan_eq = (
        allocations.groupby("investor")["equity_usd"].sum() if len(allocations) else pd.Series(dtype=float)
    )
    counts = (
        allocations.groupby("investor")["project"].nunique() if len(allocations) else pd.Series(dtype=int)
    )
    meta = investors.set_index(investors["investor"].astype(str))
    committed = expected = pd.Series(dtype=float)
    if pipeline is not None and len(pipeline):
        tot = pipeline.groupby("investor")[["committed_usd", "expected_usd"]].sum()
        committed, expected = tot["committed_usd"], tot["expected_usd"]
    deflate = (1.0 + a.inflation) ** (econ.valuation_year - econ.dollar_year)
    rows: list[dict[str, object]] = []
    cf_rows: list[pd.DataFrame] = []
    for k, inv in enumerate(ids):
        v = flows[k]
        active = bool(np.any(np.abs(v) > 0))
        if active and years.size:
            npv = (
                float(metrics.npv(a.return_on_equity_nominal, v, start=float(years[0] - econ.valuation_year)))
                / deflate
            )
            irr = metrics.irr_detail(v)
            pay = metrics.payback_index(v)
            payback = None if np.isnan(pay) else int(years[int(pay)])
        else:
            npv, irr, payback = 0.0, metrics.IrrResult(math.nan, "none", (), "no cash flows"), None
        rows.append(
            {
                "investor": inv,
                "name": str(meta["name"].get(inv, inv)) if "name" in meta else inv,
                "country": str(meta["country"].get(inv, "")) if "country" in meta else "",
                "committed_usd": float(committed.get(inv, 0.0)),
                "expected_usd": float(expected.get(inv, 0.0)),
                "plan_equity_usd": float(plan_eq.get(inv, 0.0)),
                "invested_usd": float(np.sum(paid_in[k] / esc)) if years.size else 0.0,
                "distributed_usd": float(np.sum(paid_out[k] / esc)) if years.size else 0.0,
                "npv_usd": npv,
                "irr": irr.rate,
                "irr_real": float(metrics.real_rate(irr.rate, a.inflation)),
                "irr_status": irr.status,
                "payback_year": payback,
                "projects": int(counts.get(inv, 0)),
            }
        )
        if active:
            cf_rows.append(
                pd.DataFrame(
                    {
                        "investor": inv,
                        "year": years,
                        "invested_usd": paid_in[k] / esc,
                        "distributed_usd": paid_out[k] / esc,
                        "net_usd": v / esc,
                        "net_nominal_usd": v,
                    }
                )
            )
    cf_cols = ["investor", "year", "invested_usd", "distributed_usd", "net_usd", "net_nominal_usd"]
    cf = pd.concat(cf_rows, ignore_index=True) if cf_rows else pd.DataFrame(columns=cf_cols)
    return pd.DataFrame(rows, columns=INVESTOR_RETURN_COLUMNS), cf[cf_cols]
