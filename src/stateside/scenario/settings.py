"""Scenario settings (``scenario.yaml``), declared once as a typed pydantic model.

Every field carries its unit in its name or description; docs/scenario-format.md is
generated from these declarations (``python scripts/gen_scenario_docs.py``).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AssetClass = Literal["datacenter", "generation", "storage", "transmission", "fab", "it_equipment"]
ASSET_CLASSES: tuple[str, ...] = (
    "datacenter",
    "generation",
    "storage",
    "transmission",
    "fab",
    "it_equipment",
    "campus_power",
)
#: The asset classes the coalition owns and funds from its commitments. Generation,
#: storage and transmission are built by the grid (utilities and merchants) for all load,
#: at least cost, and recovered through rates; they never draw on the coalition's capital
#: or appear in its cap tables (issue #11). ``campus_power`` is the exception the coalition
#: owns: generation a named campus needs before its grid connection (issue #12,
#: :mod:`stateside.model.campus_power`).
COALITION_ASSET_CLASSES: tuple[str, ...] = ("datacenter", "fab", "campus_power")
#: Debt share of IT equipment when ``finance.debt_share`` does not name it (GPU-backed
#: facilities lend about half the hardware's cost; SOURCES.md).
IT_EQUIPMENT_DEBT_SHARE_DEFAULT = 0.5


def coalition_asset_classes(finance: FinanceSettings) -> tuple[str, ...]:
    """The asset classes the coalition owns and funds: campuses and fabs always, IT
    equipment when ``finance.it_equipment_buyer`` is ``coalition`` (issue #12)."""
    extra = ("it_equipment",) if finance.it_equipment_buyer == "coalition" else ()
    return COALITION_ASSET_CLASSES + extra


STAGES: tuple[str, ...] = ("prospect", "in_talks", "term_sheet", "committed", "funded")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Strict):
    """One investment period."""

    year: int = Field(description="First year of the period; capacity built for it is online from this year.")
    length_years: int = Field(ge=1, description="Number of years the period represents.")


class SolverSettings(_Strict):
    """HiGHS options."""

    method: Literal["choose", "simplex", "ipm", "hipo", "pdlp"] = Field(
        "simplex", description="HiGHS LP method for the relaxation and the fixed-integer LP."
    )
    time_limit_s: float = Field(
        300.0,
        gt=0,
        description="Wall-clock limit of the whole solve (every stage), seconds; at the limit the best plan found is kept with its proven gap (status time_limit).",
    )
    mip_gap: float = Field(0.01, ge=0, le=1, description="Relative MIP gap at which branch and bound stops.")
    branch_and_bound: bool = Field(
        True,
        description="When the rounded plan is not proven within mip_gap, run HiGHS's branch and bound for the time left (true), or keep the rounded plan with its proven gap (false: status 'rounded', exit code 3; coalition-value members do this).",
    )
    threads: int = Field(0, ge=0, description="HiGHS threads (0: HiGHS decides).")
    simplex_scale_strategy: int = Field(
        1,
        ge=0,
        le=5,
        description="HiGHS simplex scaling (0 off, 1 choose, 2 equilibration, 3 forced equilibration, 4 max value 0, 5 max value 1). With devex pricing, 1 (HiGHS's default) solves the 4:4 plan's LP relaxation (one LP) in 11.0 s against 13.4 s for 4; the decomposition's master (solver.decomposition) always uses 4, faster with its cuts (docs/benchmarks.md).",
    )
    dual_edge_weights: Literal["choose", "dantzig", "devex", "steepest_edge"] = Field(
        "devex",
        description="Pricing of HiGHS's dual simplex (simplex_dual_edge_weight_strategy). Devex solves the default plan's LP relaxation in 11.8 s (80,717 iterations) against 13.6 s (68,099) for steepest edge, HiGHS's own choice (docs/benchmarks.md).",
    )
    presolve: bool = Field(True, description="Run HiGHS presolve.")
    crossover: bool = Field(
        True, description="Run crossover after the interior point (exact vertex and clean duals)."
    )
    decomposition: Literal["auto", "days", "off"] = Field(
        "auto",
        description="Benders decomposition by typical day (docs/model.md): 'days' always, 'off' never (one LP per stage), 'auto' for models of 400,000 rows or more (hourly national studies; the default plan has about 110,000).",
    )


class ChipSettings(_Strict):
    """Accelerator supply chain."""

    accelerators_per_mw_it: float = Field(
        ge=0, description="Accelerators needed per MW of new campus IT capacity (count/MW)."
    )
    import_limit_per_year: float = Field(
        ge=0, description="Accelerators that can be imported per year (count/yr)."
    )
    min_domestic_share: dict[int, float] = Field(
        default_factory=dict,
        description="Minimum share of the period's accelerator need supplied by the plan's domestic fabs, by period year (fraction).",
    )


class FinanceSettings(_Strict):
    """Capital structure used by the capital constraint."""

    debt_share: dict[str, float] = Field(
        description="Share of capex financed by project debt, by asset class (fraction)."
    )
    pipeline_probability: dict[str, float] = Field(
        default_factory=lambda: {
            "prospect": 0.1,
            "in_talks": 0.3,
            "term_sheet": 0.6,
            "committed": 0.9,
            "funded": 1.0,
        },
        description="Probability that a commitment at each pipeline stage closes (fraction).",
    )
    capital_basis: Literal["committed", "expected"] = Field(
        "committed",
        description="'committed': commitments at stage committed or funded count in full; 'expected': every commitment counts at its stage probability.",
    )
    # --- project-economics assumptions (issue #12): every one is scenario data, sweepable
    campus_lease_usd_per_kw_month: float = Field(
        200.0,
        ge=0,
        description="All-in rent a campus earns per kW of IT capacity per month, power included (USD/kW-month, base dollar year): the campus buys its power, so returns differ by site. Default: 140 triple-net market rent + ~60 of power for 1 kW of IT at PUE 1.2, 80 % utilisation and the 2023 US industrial average of 8.1 ¢/kWh (SOURCES.md).",
    )
    campus_property_tax_insurance_share_per_year: float = Field(
        0.015,
        ge=0,
        le=0.2,
        description="Property tax and insurance of a campus each year, as a share of its capex (fraction/yr).",
    )
    campus_network_charge_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Share of a state's average industrial tariff (finance.industrial_tariff_usd_per_mwh) that is network (transmission and distribution) charges a campus pays on top of the regional energy price (fraction).",
    )
    industrial_tariff_usd_per_mwh: dict[str, float] = Field(
        default_factory=dict,
        description="Average revenue per MWh from industrial customers by region (state), the tariff of a large industrial customer (USD/MWh); regions not listed use industrial_tariff_default_usd_per_mwh.",
    )
    industrial_tariff_default_usd_per_mwh: float = Field(
        81.0,
        ge=0,
        description="Industrial tariff for regions not in industrial_tariff_usd_per_mwh (USD/MWh; 2023 US average 8.1 ¢/kWh, EIA).",
    )
    campus_construction_years: int = Field(
        2, ge=1, le=10, description="Construction time of a campus phase (years)."
    )
    capacity_price_usd_per_kw_year: float = Field(
        98.5,
        ge=0,
        description="Capacity price a campus pays per kW of its peak load and a power plant earns per accredited kW (USD/kW-yr; PJM 2025/26 BRA 269.92 USD/MW-day).",
    )
    it_equipment_usd_per_kw_it: float = Field(
        32_000.0,
        ge=0,
        description="IT equipment (accelerators, servers, networking) per kW of IT capacity (USD/kW, base dollar year); includes the accelerators at accelerator_price_usd each. Public range 25,000-35,000 (SOURCES.md).",
    )
    accelerator_price_usd: float = Field(
        40_000.0,
        ge=0,
        description="Price of one accelerator, imported or domestic (USD); part of it_equipment_usd_per_kw_it (chips.accelerators_per_mw_it of them per MW).",
    )
    it_refresh_years: int = Field(
        5, ge=4, le=6, description="IT equipment is replaced every this many years (refresh cycle, 4-6)."
    )
    it_equipment_buyer: Literal["tenant", "coalition"] = Field(
        "tenant",
        description="Who buys the IT equipment: 'tenant' (the campus's tenant, under its lease; the coalition funds the campus only, as at Abilene) or 'coalition' (the coalition funds it: asset class it_equipment in capital, cap tables and returns).",
    )
    it_rental_usd_per_accelerator_hour: float = Field(
        2.5,
        ge=0,
        description="What the owner of IT equipment earns per accelerator-hour in use (USD), for the it_equipment project economics.",
    )
    it_interest_rate_nominal: float = Field(
        0.10, ge=0, le=0.5, description="Interest on GPU-backed debt (fraction/yr, nominal)."
    )
    it_debt_tenor_years: int = Field(4, ge=1, le=10, description="Tenor of GPU-backed debt (years).")
    fab_price_usd_per_accelerator: float = Field(
        4_500.0, ge=0, description="Foundry revenue per accelerator-equivalent a fab makes (USD)."
    )
    fab_cost_of_sales_share: float = Field(
        0.35, ge=0, le=1, description="Cost of sales of a fab as a share of its revenue (fraction)."
    )
    transmission_allowed_roe: float = Field(
        0.1002,
        ge=0,
        le=0.5,
        description="Allowed return on equity of transmission (FERC Opinion 569-A) (fraction).",
    )
    transmission_om_share_per_year: float = Field(
        0.01, ge=0, le=0.2, description="Transmission O&M per year as a share of capex (fraction/yr)."
    )
    transmission_life_years: int = Field(40, ge=1, le=100, description="Book life of transmission (years).")
    interest_rate_nominal: float = Field(
        0.08, ge=0, le=0.5, description="Interest on project debt (fraction/yr, nominal; NREL ATB 2024)."
    )
    return_on_equity_nominal: float = Field(
        0.105, ge=0, le=0.5, description="Cost of equity (fraction/yr, nominal; NREL ATB 2024)."
    )
    income_tax_rate: float = Field(
        0.2574,
        ge=0,
        lt=1,
        description="Combined federal and state income tax rate (fraction; NREL ATB 2024).",
    )
    inflation: float = Field(0.025, ge=0, le=0.2, description="Inflation (fraction/yr; ReEDS, SAM).")
    target_dscr: float = Field(
        1.30, gt=0, le=5, description="Debt sized to this debt-service coverage ratio."
    )
    debt_tenor_years: int = Field(18, ge=1, le=40, description="Tenor of project debt (years).")
    ptc_usd_per_mwh: float = Field(
        26.0,
        ge=0,
        description="Technology-neutral production tax credit, §45Y, full rate (USD/MWh, 10 years).",
    )
    storage_itc_rate: float = Field(
        0.30, ge=0, le=1, description="Investment tax credit of storage, §48E (fraction)."
    )
    chips_48d_rate: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Advanced manufacturing investment credit of fabs, §48D (fraction; 35 % since OBBBA, 2025).",
    )
    chips_48d_last_start_year: int = Field(
        2026, description="Fabs whose construction begins after this year earn no §48D credit (§48D(e))."
    )

    @model_validator(mode="after")
    def _fill_debt_defaults(self) -> FinanceSettings:
        self.debt_share.setdefault("it_equipment", IT_EQUIPMENT_DEBT_SHARE_DEFAULT)
        # campus-owned power is project-financed like the grid's generation unless stated
        if "generation" in self.debt_share:
            self.debt_share.setdefault("campus_power", self.debt_share["generation"])
        return self


class CampusPowerSettings(_Strict):
    """Generation a campus owns to run before its grid connection (``campuses.grid_connection_year``)."""

    technologies: list[str] = Field(
        default_factory=lambda: ["gas_ct"],
        description="Technologies (thermal, from technologies.csv) a campus may build on site to run islanded before its grid connection.",
    )
    lead_time_years: int = Field(
        1,
        ge=0,
        le=10,
        description="Years from the decision to an on-site unit running (trailer-mounted aeroderivatives and engines: about a year); replaces the technology's construction_years for on-site builds.",
    )
    capex_multiplier: float = Field(
        1.0,
        ge=0,
        le=10,
        description="On-site capex as a multiple of the technology's capex in the campus's region (1: the same).",
    )
    island_reserve_margin: float = Field(
        0.2,
        ge=0,
        le=2,
        description="Firm on-site capacity above the campus's peak while islanded (fraction; N+1 redundancy); the region's reserve margin applies where it is higher.",
    )


class SecuritySettings(_Strict):
    """How the national-security review bounds the plan."""

    apply_rule_caps: bool = Field(
        True, description="Derive share caps from the security rules and apply them in the plan."
    )
    avoid_mandatory_declarations: bool = Field(
        False,
        description="Also cap holdings below the thresholds that trigger a mandatory CFIUS declaration.",
    )
    rules_file: str | None = Field(
        None,
        description="Extra or overriding rules (YAML) in the scenario folder, on top of the packaged rules.",
    )


class BenefitSharing(_Strict):
    """How the campus capacity the plan puts online is shared out (fractions of IT MW; they sum to 1)."""

    sponsor: float = Field(
        0.5, ge=0, le=1, description="Share of campus IT capacity reserved for the sponsor (fraction)."
    )
    other_companies: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share offered to other companies (cloud customers, strategic partners) (fraction).",
    )
    allied_countries: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share reserved for allied countries (their governments, labs and companies) (fraction).",
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> BenefitSharing:
        total = self.sponsor + self.other_companies + self.allied_countries
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"impact.benefit_sharing shares must sum to 1, found {total:g} "
                f"(sponsor {self.sponsor:g} + other_companies {self.other_companies:g} "
                f"+ allied_countries {self.allied_countries:g})"
            )
        return self


class ImpactSettings(_Strict):
    """What the impact tables report: jobs, emissions, state benefits, CHIPS complementarity, benefit sharing."""

    home_country: str = Field(
        "US",
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2 code (upper case) of the host country; investors of any other country count as allied capital.",
    )
    benefit_sharing: BenefitSharing = Field(
        default_factory=lambda: BenefitSharing(),
        description="Split of the campus capacity between the sponsor, other companies and allied countries (illustrative defaults).",
    )
    ratepayer_counterfactual: bool = Field(
        True,
        description="Solve the same scenario without the coalition (no campuses, fabs or capital) once more, store it with the run and report the ratepayer impact per state (ratepayer_impact table).",
    )
    allied_split: Literal["equity", "equal"] = Field(
        "equity",
        description="How the allied countries' share is divided among them: in proportion to their datacenter equity in the plan, or equally among the allied countries that invest.",
    )


class Settings(_Strict):
    """All of ``scenario.yaml``."""

    name: str = Field(description="Scenario name.")
    description: str = Field("", description="Free text.")
    base_dollar_year: int = Field(description="Dollar year of every money figure in the scenario (real USD).")
    start_year: int = Field(
        description="Year decisions are taken: construction and lead times count from here."
    )
    periods: list[Period] = Field(min_length=1, description="Investment periods, in increasing year order.")
    discount_rate: float = Field(
        ge=0, le=0.5, description="Real social discount rate for the objective (fraction/yr)."
    )
    reserve_margin: float = Field(
        ge=0,
        le=1,
        description="Planning reserve margin over peak demand (fraction), for regions whose regions.csv reserve_margin is blank.",
    )
    demand_case: str = Field(
        "reference",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Which demand growth case of demand.csv the plan uses (its 'case' column), e.g. reference or high.",
    )
    economic_retirement: bool = Field(
        True,
        description="Let existing capacity of technologies marked economic_retirement retire early when its fixed O&M does not pay (ReEDS/GenX-style).",
    )
    seam_expansion: Literal["converter", "off"] = Field(
        "converter",
        description="Corridors between two interconnections (seams) carry DC ties only: 'converter' lets the plan add back-to-back converter capacity at the corridor's expansion cost; 'off' forbids any expansion across a seam.",
    )
    peak_days: int = Field(
        1,
        ge=0,
        le=10,
        description="Days of highest national demand kept as their own typical days (tsam extreme periods), so the energy balance faces the peak; counted within typical_days (at most typical_days - 1 are kept).",
    )
    reserve_shortfall_usd_per_kw_year: float = Field(
        1_000.0,
        gt=0,
        description="Penalty on each kW of planning reserve margin left unmet for a year (USD/kW-yr): a reserve shortfall is reported, not infeasible. Several times the annualised cost of a new gas turbine, so firm capacity is built whenever it can be.",
    )
    firm_import_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of a corridor's capability that may carry firm capacity for the reserve margin.",
    )
    mode: Literal["target", "budget"] = Field(
        "target",
        description="target: meet the IT targets at least cost; budget: maximise IT MW within committed capital.",
    )
    it_target_mw: dict[int, float] = Field(
        default_factory=dict,
        description="AI IT capacity that must be online in each period, by period year (MW).",
    )
    typical_days: int = Field(
        16,
        ge=1,
        le=365,
        description="Number of typical days (tsam clustering of the year). 16 (with 4-hour steps) is the coarsest resolution within 1 % in cost and 5 % in new firm capacity by interconnection of 24 typical days hourly on the default (docs/resolution.md).",
    )
    hours_per_block: int = Field(
        4, ge=1, le=24, description="Hours per time step within a typical day (must divide 24)."
    )
    weather_year: int = Field(
        2019,
        description="Calendar year of the hourly profiles (synthetic solar and wind, and the demand shapes' year).",
    )
    voll_usd_per_mwh: float = Field(
        10_000.0, gt=0, description="Value of lost load: penalty on unserved energy (USD/MWh)."
    )
    carbon_price_usd_per_t: dict[int, float] = Field(
        default_factory=dict, description="Carbon price by period year (USD/tCO2); blank: none."
    )
    turbine_supply_mw_per_year: float | None = Field(
        None,
        ge=0,
        description="National gas-turbine deliveries available to the plan per year (MW/yr); blank: no limit.",
    )
    new_corridors_allowed: bool = Field(True, description="Whether corridor expansion is a decision.")
    chips: ChipSettings
    finance: FinanceSettings
    security: SecuritySettings = Field(default_factory=lambda: SecuritySettings())
    solver: SolverSettings = Field(default_factory=lambda: SolverSettings())
    impact: ImpactSettings = Field(
        default_factory=lambda: ImpactSettings(),
        description="Impact reporting: host country and how campus capacity is shared (does not change the plan).",
    )
    power_only: bool = Field(False, description="Plan the power system alone: no campuses, fabs or capital.")
    campus_power: CampusPowerSettings = Field(
        default_factory=lambda: CampusPowerSettings(),
        description="On-site generation the coalition owns for campuses that run before their grid connection (campuses.grid_connection_year).",
    )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        years = [p.year for p in self.periods]
        if any(b <= a for a, b in pairwise(years)):
            raise ValueError(f"periods must be in increasing year order, found {years}")
        if self.start_year > years[0]:
            raise ValueError(f"start_year {self.start_year} is after the first period {years[0]}")
        if 24 % self.hours_per_block:
            raise ValueError(f"hours_per_block must divide 24, found {self.hours_per_block}")
        for label, mapping in (
            ("it_target_mw", self.it_target_mw),
            ("carbon_price_usd_per_t", self.carbon_price_usd_per_t),
            ("chips.min_domestic_share", self.chips.min_domestic_share),
        ):
            unknown = sorted(set(mapping) - set(years))
            if unknown:
                raise ValueError(f"{label} names years that are not periods: {unknown}; periods are {years}")
        missing = sorted(set(ASSET_CLASSES) - set(self.finance.debt_share))
        if missing:
            raise ValueError(f"finance.debt_share lacks asset classes {missing}")
        return self

    @property
    def period_years(self) -> list[int]:
        return [p.year for p in self.periods]
