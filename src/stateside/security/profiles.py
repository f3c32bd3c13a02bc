"""Facts the rules test: one profile per investor (who stands behind it) and per asset.

``SecurityContext.from_scenario`` reads a Scenario once: rules, ownership graph,
investor profiles and asset profiles; the review, the caps, the screening and the
report all work from it, so each fact is derived in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stateside.scenario.settings import ASSET_CLASSES as ASSET_CLASSES  # one list, the scenario's
from stateside.security.countries import country_name
from stateside.security.graph import Interest, OwnershipGraph, as_bool, as_float, fmt_pct
from stateside.security.rules import RuleSet, rules_for_scenario


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def islanded_campus(row: dict[str, Any]) -> bool:
    """Whether a campus (a campuses.csv row) runs before its grid connection, on generation
    it owns (``grid_connection_year`` after ``earliest_year``)."""
    conn = as_float(row.get("grid_connection_year"), math.nan)
    return not math.isnan(conn) and conn > as_float(row.get("earliest_year"))


def as_list(value: object) -> list[str]:
    """Read a ';'-separated list cell (or an already parsed list)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in _text(value).split(";") if p.strip()]


@dataclass(frozen=True)
class InvestorProfile:
    """Who an investor is for the review, with the reason behind each fact."""

    investor: str
    name: str
    country: str
    investor_type: str
    entity: str
    foreign_person: bool
    foreign_reason: str
    excepted_investor: bool
    excepted_reasons: tuple[str, ...]
    country_of_concern: bool
    concern_reasons: tuple[str, ...]
    government_interests: dict[str, Interest]
    foreign_government_country: str | None
    foreign_government_pct: float
    foreign_government_controlled: bool
    export_authorisation_countries: tuple[str, ...]
    export_reasons: tuple[str, ...]
    #: (country, why it counts) of the acquirer and of every ≥ 25 % voting holder (§800.401(c))
    export_parties: tuple[tuple[str, str], ...]
    #: the largest share held by the governments of one foreign state that is not excepted (§800.401(b))
    non_excepted_government_country: str | None
    non_excepted_government_pct: float
    holders: tuple[Interest, ...]
    country_interests: dict[str, tuple[float, float]]
    rights: frozenset[str]
    excluded_asset_classes: frozenset[str]
    max_share_pct: float
    group: str | None
    notes: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        """Name with id and country, for tables."""
        return f"{self.name} ({self.investor}, {self.country})"


@dataclass(frozen=True)
class AssetProfile:
    """A project (or a whole asset class) as the rules see it."""

    project: str
    name: str
    asset_class: str
    region: str
    prongs: tuple[tuple[str, str], ...]
    export_controlled: bool
    export_reason: str
    #: ids of the export-controlled technologies it holds (rules.export_authorisation.technologies)
    technologies: tuple[str, ...]
    functions: tuple[str, ...]
    flags: tuple[str, ...]
    capex_usd: float | None
    grant_usd: float
    equity_usd: float | None
    class_level: bool = False

    @property
    def tid(self) -> bool:
        """A TID U.S. business (§800.248): at least one prong."""
        return bool(self.prongs)

    @property
    def prong_names(self) -> frozenset[str]:
        """The prongs, without their citations."""
        return frozenset(p for p, _ in self.prongs)


def asset_profile(
    rules: RuleSet,
    asset_class: str,
    *,
    project: str | None = None,
    name: str = "",
    region: str = "",
    flags: tuple[str, ...] = (),
    capex_usd: float | None = None,
    grant_usd: float = 0.0,
    debt_share: float | None = None,
) -> AssetProfile:
    """Profile of one project of ``asset_class`` with the given campus flags."""
    spec = rules.tid.asset_classes.get(asset_class)  # type: ignore[call-overload]
    prongs: list[tuple[str, str]] = []
    functions: list[str] = []
    if spec is not None:
        prongs += [(p, spec.section) for p in spec.prongs]
        functions += spec.functions
    for flag in flags:
        flag_spec = rules.tid.campus_flags.get(flag)  # type: ignore[call-overload]
        if flag_spec is not None:
            prongs.append((flag_spec.prong, flag_spec.section))
            if flag_spec.function:
                functions.append(flag_spec.function)
    techs = rules.export_authorisation.technologies_of(asset_class, flags)
    export_reason = (
        "holds export-controlled critical technology: "
        + "; ".join(f"{t.eccn.strip()} ({t.id})" for t in techs)
        + f" ({rules.export_authorisation.section.split(';')[0].split('(')[0].strip()})"
        if techs
        else ""
    )
    equity = None
    if capex_usd is not None:
        equity = max(capex_usd * (1.0 - (debt_share or 0.0)) - grant_usd, 0.0)
    class_level = project is None
    return AssetProfile(
        project=project if project is not None else f"{asset_class}:*",
        name=name or (f"any {asset_class} project" if class_level else (project or asset_class)),
        asset_class=asset_class,
        region=region,
        prongs=tuple(prongs),
        export_controlled=bool(techs),
        export_reason=export_reason,
        technologies=tuple(t.id for t in techs),
        functions=tuple(functions),
        flags=flags,
        capex_usd=capex_usd,
        grant_usd=grant_usd,
        equity_usd=equity,
        class_level=class_level,
    )


def _investor_profile(rules: RuleSet, graph: OwnershipGraph, row: dict[str, Any]) -> InvestorProfile:
    investor = _text(row.get("investor"))
    country = _text(row.get("country")).upper()
    entity = _text(row.get("entity")) or investor
    domestic = set(rules.domestic.countries)
    excepted_states = set(rules.excepted_states.countries)
    concern = set(rules.countries_of_concern.countries)
    notes: list[str] = []

    holders = tuple(graph.holder_interests(entity))
    govs = graph.government_interests(entity)
    countries = sorted({graph.nodes[a].country for a in graph.ancestors(entity)} - {""})
    country_interests: dict[str, tuple[float, float]] = {}
    for c in countries:
        members = {k for k in graph.ancestors(entity) if graph.nodes[k].country == c}
        country_interests[c] = graph.interest(members, entity)

    # Foreign person (§800.224): organised abroad, or controlled by a foreign person.
    if country not in domestic:
        foreign, foreign_reason = True, f"organised in {country_name(country)} ({country})"
    else:
        ctrl = [h for h in holders if h.controls and h.country not in domestic]
        foreign_govs = [g for c, g in govs.items() if c not in domestic and g.controls]
        if ctrl:
            h = ctrl[0]
            foreign, foreign_reason = True, f"US-organised but controlled by {h.holder_name} ({h.country})"
        elif foreign_govs:
            foreign, foreign_reason = (
                True,
                f"US-organised but controlled by the {foreign_govs[0].holder_name}",
            )
        else:
            foreign, foreign_reason = (
                False,
                f"organised in the US ({country}) and not controlled by a foreign person",
            )

    # Foreign governments (aggregated per country).
    foreign_govs_all = {c: g for c, g in govs.items() if c not in domestic}
    gov_country: str | None = None
    gov_pct = 0.0
    gov_controlled = False
    for c, g in foreign_govs_all.items():
        if g.voting_pct > gov_pct or gov_country is None:
            gov_country, gov_pct = c, g.voting_pct
        if g.controls or g.voting_pct >= rules.foreign_government.controlled_voting_pct_at_least:
            gov_controlled = True
            gov_country, gov_pct = c, max(gov_pct, g.voting_pct)
    # §800.401(b): only the governments of a foreign state that is not excepted count
    nx_country: str | None = None
    nx_pct = 0.0
    for c, g in foreign_govs_all.items():
        if c not in excepted_states and g.voting_pct > nx_pct:
            nx_country, nx_pct = c, g.voting_pct
    col_pct = as_float(row.get("government_ownership_pct"), 0.0)
    graph_pct = govs[country].voting_pct if country in govs else 0.0
    if col_pct > 0 and abs(col_pct - graph_pct) > 0.5:
        notes.append(
            f"investors.government_ownership_pct is {col_pct:g} % but the ownership graph gives the "
            f"government of {country} {graph_pct:.2f} % voting; the graph is used"
        )

    # Country of concern (coalition policy).
    coc_reasons: list[str] = []
    threshold = rules.countries_of_concern.owner_threshold_pct
    if country in concern:
        coc_reasons.append(f"organised in {country_name(country)} ({country}), a country of concern")
    for c, (v, e) in country_interests.items():
        if c in concern and max(v, e) >= threshold:
            coc_reasons.append(
                f"holders from {country_name(c)} ({c}) hold {fmt_pct(v)} voting / {fmt_pct(e)} economic (≥ {fmt_pct(threshold)})"
            )
    for h in holders:
        if h.country in concern and h.controls and not any(h.country in r for r in coc_reasons):
            coc_reasons.append(f"controlled by {h.holder_name} ({h.country})")

    # Excepted investor (§800.219), for the investor and every parent.
    excepted_reasons: list[str] = []
    excepted = False
    if foreign:
        fails: list[str] = []
        if country not in excepted_states | domestic:
            fails.append(
                f"organised in {country_name(country)} ({country}), neither the US nor an excepted foreign state"
            )
        for h in holders:
            if h.controls and h.country not in excepted_states | domestic:
                fails.append(f"parent {h.holder_name} is from {h.country}, not an excepted foreign state")
        limit = rules.excepted_investor.foreign_holder_threshold_pct
        for c, (v, e) in country_interests.items():
            if c not in excepted_states | domestic and max(v, e) >= limit:
                fails.append(
                    f"holders from {c} hold {fmt_pct(max(v, e))} (≥ {fmt_pct(limit)}), not an excepted state"
                )
        if coc_reasons:
            fails.append("linked to a country of concern")
        if fails:
            excepted_reasons = fails
        else:
            excepted = True
            where = "the US" if country in domestic else "an excepted foreign state"
            excepted_reasons = [
                f"organised in {country_name(country)} ({country}), {where} (§800.219(a)(3)(i)); every parent and "
                f"every ≥ {limit:g} % foreign holder from an excepted state ({rules.excepted_investor.section}; "
                "board nationality and compliance record assumed met)"
            ]
    else:
        excepted_reasons = ["not a foreign person"]

    # §800.401(c): the acquirer and every ≥ 25 % voting holder; whether a licence is needed depends
    # on the technology (review.derive_facts), so here: who counts, and for which some technology needs one
    holder_limit = rules.export_authorisation.voting_holder_pct_at_least
    parties: list[tuple[str, str]] = []
    if country not in domestic:
        parties.append((country, f"the acquirer is organised in {country_name(country)} ({country})"))
    for c, (v, _e) in country_interests.items():
        if c not in domestic and v >= holder_limit - 1e-9 and c not in {p for p, _ in parties}:
            parties.append(
                (
                    c,
                    f"holders from {country_name(c)} ({c}) hold {fmt_pct(v)} of its votes (≥ {fmt_pct(holder_limit)})",
                )
            )
    techs = rules.export_authorisation.technologies
    export_countries = [c for c, _ in parties if any(t.licence_needed(c) for t in techs)]
    export_reasons = [why for c, why in parties if c in export_countries]

    rights = {"board_seat"} if as_bool(row.get("board_seat")) else set()
    excluded = frozenset(as_list(row.get("excluded_asset_classes")))
    max_share = as_float(row.get("max_share_pct"), 100.0)
    group = f"gov:{gov_country}" if gov_controlled and gov_country else None
    return InvestorProfile(
        investor=investor,
        name=_text(row.get("name")) or investor,
        country=country,
        investor_type=_text(row.get("investor_type")),
        entity=entity,
        foreign_person=foreign,
        foreign_reason=foreign_reason,
        excepted_investor=excepted,
        excepted_reasons=tuple(excepted_reasons),
        country_of_concern=bool(coc_reasons),
        concern_reasons=tuple(coc_reasons),
        government_interests=govs,
        foreign_government_country=gov_country,
        foreign_government_pct=gov_pct,
        foreign_government_controlled=gov_controlled,
        export_authorisation_countries=tuple(export_countries),
        export_reasons=tuple(export_reasons),
        export_parties=tuple(parties),
        non_excepted_government_country=nx_country,
        non_excepted_government_pct=nx_pct,
        holders=holders,
        country_interests=country_interests,
        rights=frozenset(rights),
        excluded_asset_classes=excluded,
        max_share_pct=max_share,
        group=group,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class SecurityContext:
    """Rules, graph and profiles of one scenario."""

    rules: RuleSet
    graph: OwnershipGraph
    investors: dict[str, InvestorProfile]
    assets: dict[str, AssetProfile]
    class_assets: dict[str, AssetProfile]
    scenario: Any = None

    @classmethod
    def from_scenario(cls, scenario: Any, rules: RuleSet | None = None) -> SecurityContext:
        """Read the scenario's investors, entities, ownership, control, campuses and fabs."""
        rules = rules or rules_for_scenario(scenario)
        tables = scenario.tables
        empty = pd.DataFrame()
        graph = OwnershipGraph.from_tables(
            tables.get("entities", empty),
            tables.get("ownership", empty),
            tables.get("control", empty),
            tables["investors"],
            parent_voting_pct=rules.parent.voting_pct_at_least,
            control_rights=rules.control.rights,
        )
        investors = {
            p.investor: p
            for p in (_investor_profile(rules, graph, r) for r in tables["investors"].to_dict("records"))
        }
        debt = scenario.settings.finance.debt_share
        assets: dict[str, AssetProfile] = {}
        campuses = tables.get("campuses", empty)
        for row in campuses.to_dict("records"):
            flags = tuple(f for f in ("sensitive_data", "frontier_weights") if as_bool(row.get(f)))
            capex = (
                as_float(row.get("capex_usd_per_kw_it"))
                * as_float(row.get("module_it_mw"))
                * as_float(row.get("max_modules"))
                * 1000.0
            )
            key = _text(row.get("campus"))
            assets[key] = asset_profile(
                rules,
                "datacenter",
                project=key,
                name=_text(row.get("name")) or key,
                region=_text(row.get("region")),
                flags=flags,
                capex_usd=capex,
                debt_share=debt.get("datacenter"),
            )
            if scenario.settings.finance.it_equipment_buyer == "coalition":
                # the campus's accelerators, servers and networking, a project of its own
                # (finance: "it-<campus>"); they hold the campus's data and weights, so
                # they carry its flags
                assets[f"it-{key}"] = asset_profile(
                    rules,
                    "it_equipment",
                    project=f"it-{key}",
                    name=f"IT equipment of {_text(row.get('name')) or key}",
                    region=_text(row.get("region")),
                    flags=flags,
                    debt_share=debt.get("it_equipment"),
                )
            if islanded_campus(row):
                # the generation a campus owns to run before its grid connection (finance:
                # "power-<campus>"); it holds no data, so it carries no campus flag
                assets[f"power-{key}"] = asset_profile(
                    rules,
                    "campus_power",
                    project=f"power-{key}",
                    name=f"On-site power of {_text(row.get('name')) or key}",
                    region=_text(row.get("region")),
                    debt_share=debt.get("campus_power"),
                )
        for row in tables.get("fabs", empty).to_dict("records"):
            key = _text(row.get("fab"))
            assets[key] = asset_profile(
                rules,
                "fab",
                project=key,
                name=_text(row.get("name")) or key,
                region=_text(row.get("region")),
                capex_usd=as_float(row.get("capex_usd")),
                grant_usd=as_float(row.get("grant_usd")),
                debt_share=debt.get("fab"),
            )
        class_assets = {a: asset_profile(rules, a) for a in ASSET_CLASSES}
        return cls(rules, graph, investors, assets, class_assets, scenario)

    @property
    def asset_classes(self) -> tuple[str, ...]:
        """The classes reviewed and capped: every class, IT equipment only where the
        coalition buys it (``finance.it_equipment_buyer``; a tenant's is not the coalition's)
        and campus power only where some campus runs before its grid connection."""
        buyer = getattr(
            getattr(getattr(self.scenario, "settings", None), "finance", None), "it_equipment_buyer", "tenant"
        )
        islanded = any(a.asset_class == "campus_power" for a in self.assets.values())
        return tuple(
            a
            for a in ASSET_CLASSES
            if (a != "it_equipment" or buyer == "coalition") and (a != "campus_power" or islanded)
        )

    def assets_of_class(self, asset_class: str) -> list[AssetProfile]:
        """The scenario's projects of a class, or the class-level profile if it has none."""
        own = [a for a in self.assets.values() if a.asset_class == asset_class]
        return own or [self.class_assets[asset_class]]

    def asset(self, project: str, asset_class: str | None = None) -> AssetProfile:
        """A project's profile; unknown project ids fall back to their class's profile."""
        if project in self.assets:
            return self.assets[project]
        if asset_class is None:
            raise KeyError(project)
        base = self.class_assets[asset_class]
        return AssetProfile(**{**base.__dict__, "project": project, "name": project, "class_level": False})
