"""The security rules as typed data: loading ``rules/cfius.yaml`` and a user's overrides.

The packaged file is the single source of truth for both the review (``review.py``) and
the share caps the planning model receives (``caps.py``). A scenario may override any
value or add rules through ``settings.security.rules_file``: mappings are merged key by
key, and entries of ``rules`` are matched by ``id`` (same id: the given fields replace
the packaged ones; a new id: appended; ``enabled: false`` switches a rule off).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stateside.security.countries import is_country
from stateside.security.errors import SecurityDataError

Outcome = Literal["clear", "voluntary_notice", "mandatory_declaration", "prohibited"]
Right = Literal["board_seat", "observer", "veto", "mnpi_access", "substantive_decisions"]
Prong = Literal["critical_technology", "critical_infrastructure", "sensitive_personal_data"]
AssetClassName = Literal[
    "datacenter", "generation", "storage", "transmission", "fab", "it_equipment", "campus_power"
]
CampusFlag = Literal["sensitive_data", "frontier_weights"]

OUTCOMES: tuple[Outcome, ...] = ("clear", "voluntary_notice", "mandatory_declaration", "prohibited")
SEVERITY: dict[str, int] = {name: rank for rank, name in enumerate(OUTCOMES)}
OUTCOME_LABELS: dict[str, str] = {
    "clear": "clear",
    "voluntary_notice": "voluntary notice advisable",
    "mandatory_declaration": "mandatory declaration",
    "prohibited": "prohibited",
}
RIGHTS: tuple[str, ...] = ("board_seat", "observer", "veto", "mnpi_access", "substantive_decisions")

PACKAGED_RULES = "cfius.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Cited(_Strict):
    section: str = Field(description="Section of the regulation or policy the entry encodes.")
    note: str = Field(default="", description="Caveats, assumptions, modelling conventions.")


def _check_countries(codes: list[str]) -> list[str]:
    bad = [c for c in codes if not is_country(c)]
    if bad:
        raise ValueError(f"unknown ISO 3166-1 alpha-2 country codes {bad}")
    return codes


class CountryList(_Cited):
    """A list of countries with the section that defines it."""

    countries: list[str]

    @field_validator("countries")
    @classmethod
    def _valid(cls, v: list[str]) -> list[str]:
        return _check_countries(v)


class ExceptedInvestorTest(_Cited):
    """§800.219 excepted-investor test (the parts the scenario data can answer)."""

    foreign_holder_threshold_pct: float = Field(default=10.0, ge=0, le=100)


class CountriesOfConcern(CountryList):
    """Countries whose investors (or owners) take no stake."""

    owner_threshold_pct: float = Field(default=10.0, ge=0, le=100)


class ParentRule(_Cited):
    """When an owner is a parent (deemed to hold 100 % of what its subsidiary holds)."""

    voting_pct_at_least: float = Field(default=50.0, ge=0, le=100)


class ForeignGovernmentRule(_Cited):
    """When a foreign government controls an entity."""

    controlled_voting_pct_at_least: float = Field(default=50.0, ge=0, le=100)


class ControlRule(_Cited):
    """Modelling convention for §800.208 control."""

    voting_pct_at_least: float = Field(default=50.0, ge=0, le=100)
    rights: list[Right] = Field(default_factory=lambda: list[Right](["veto"]))


class CoveredInvestmentRule(_Cited):
    """§800.211(b) rights that make a non-controlling TID investment covered."""

    rights: list[Right]


class AssetClassTID(_Cited):
    """TID prongs of an asset class."""

    prongs: list[Prong]
    functions: list[str] = Field(default_factory=list)


class CampusFlagTID(_Cited):
    """TID prong a campus flag adds."""

    prong: Prong
    function: str = ""


class TIDRule(_Cited):
    """§800.248 TID U.S. business, by asset class and campus flag."""

    asset_classes: dict[AssetClassName, AssetClassTID]
    campus_flags: dict[CampusFlag, CampusFlagTID] = Field(default_factory=dict)


class ExportTechnology(_Cited):
    """One kind of export-controlled critical technology (§800.215) a project may hold, and the
    destinations an export of it needs a U.S. licence to **without licence exceptions**
    (§800.401(c)(2)(i): only TSU, ENC and ACE count, §800.401(e)(6)) — a list of destinations,
    or every destination except some (an NS column 1 reason for control)."""

    id: str
    eccn: str = Field(description="The ECCN(s) and what they control.")
    applies_to: list[str] = Field(description="Asset classes or campus flags that hold this technology.")
    destinations: list[str] | None = Field(None, description="Countries a licence is needed for.")
    all_destinations_except: list[str] | None = Field(
        None, description="A licence is needed for every country but these."
    )

    @field_validator("destinations", "all_destinations_except")
    @classmethod
    def _valid(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_countries(v)

    @model_validator(mode="after")
    def _one_rule(self) -> ExportTechnology:
        if (self.destinations is None) == (self.all_destinations_except is None):
            raise ValueError(
                f"technology {self.id}: give exactly one of destinations or all_destinations_except"
            )
        return self

    def licence_needed(self, country: str) -> bool:
        """Whether exporting this technology to ``country`` needs a licence (no licence exceptions)."""
        if self.destinations is not None:
            return country in self.destinations
        return country not in (self.all_destinations_except or [])

    @property
    def rule_text(self) -> str:
        if self.destinations is not None:
            return f"a licence for {', '.join(self.destinations)}"
        return f"a licence for every destination except {', '.join(self.all_destinations_except or [])}"


class ExportAuthorisation(_Cited):
    """§800.401(c): which technologies need a U.S. export licence for whom, and which holders count."""

    technologies: list[ExportTechnology] = Field(default_factory=list)
    voting_holder_pct_at_least: float = Field(default=25.0, ge=0, le=100)
    # the form before revision 2025.2 (one country list for every technology), still read
    applies_to: list[str] | None = Field(None, description="(older form) asset classes or campus flags.")
    countries: list[str] | None = Field(None, description="(older form) countries a licence is needed for.")

    @model_validator(mode="after")
    def _older_form(self) -> ExportAuthorisation:
        if self.applies_to is not None and self.countries is not None:
            self.technologies.append(
                ExportTechnology(
                    id="export_controlled",
                    eccn="(older rules form)",
                    applies_to=self.applies_to,
                    destinations=_check_countries(self.countries),
                    section=self.section,
                )
            )
        ids = [t.id for t in self.technologies]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"technology ids must be unique, found duplicates {dup}")
        return self

    def technologies_of(self, asset_class: str, flags: tuple[str, ...] = ()) -> list[ExportTechnology]:
        """The technologies a project of ``asset_class`` with campus ``flags`` holds."""
        mine = {asset_class, *flags}
        return [t for t in self.technologies if mine & set(t.applies_to)]


class FeeBracket(_Strict):
    """One row of the §800.1101 fee table."""

    below_usd: float | None
    fee_usd: float


class FilingFees(_Cited):
    """§800.1101 fee table by transaction value."""

    brackets: list[FeeBracket]

    def fee_usd(self, value_usd: float) -> float:
        """Fee for a notice on a transaction worth ``value_usd``."""
        for bracket in self.brackets:
            if bracket.below_usd is None or value_usd < bracket.below_usd:
                return bracket.fee_usd
        return self.brackets[-1].fee_usd


class CapRule(_Cited):
    """How far below a threshold a derived cap sits."""

    margin_pct: float = Field(default=0.1, gt=0, lt=5)


class Conditions(_Strict):
    """Facts a rule tests; all given conditions must hold (AND). Omitted: not tested."""

    asset_classes: list[AssetClassName] | None = None
    tid: bool | None = None
    tid_prongs_any: list[Prong] | None = None
    foreign_person: bool | None = None
    excepted_investor: bool | None = None
    country_of_concern: bool | None = None
    investor_countries: list[str] | None = None
    investor_types: list[str] | None = None
    foreign_government_pct_at_least: float | None = Field(default=None, ge=0, le=100)
    non_excepted_government_pct_at_least: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="§800.401(b): the governments of one foreign state other than an excepted "
        "foreign state hold at least this share (effective, §800.244(c)).",
    )
    foreign_government_controlled: bool | None = None
    export_authorisation_required: bool | None = None
    voting_pct_at_least: float | None = Field(default=None, ge=0, le=100)
    interest_pct_above: float | None = Field(default=None, ge=0, le=100)
    control: bool | None = None
    covered_investment: bool | None = None
    covered_transaction: bool | None = None
    rights_any: list[Right] | None = None

    @field_validator("investor_countries")
    @classmethod
    def _valid(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_countries(v)


class Rule(_Cited):
    """One condition → outcome row."""

    id: str
    title: str
    outcome: Outcome
    when: Conditions
    enabled: bool = True


class RuleSet(_Strict):
    """The whole rules file."""

    version: str
    title: str = ""
    as_of: str = ""
    domestic: CountryList
    excepted_states: CountryList
    excepted_investor: ExceptedInvestorTest
    countries_of_concern: CountriesOfConcern
    parent: ParentRule
    foreign_government: ForeignGovernmentRule
    control: ControlRule
    covered_investment: CoveredInvestmentRule
    tid: TIDRule
    export_authorisation: ExportAuthorisation
    filing_fees: FilingFees
    caps: CapRule = Field(default_factory=lambda: CapRule(section="Stateside convention"))
    rules: list[Rule]
    overrides: list[str] = Field(default_factory=list, description="Files merged over the packaged rules.")

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"rule ids must be unique, found duplicates {dup}")
        return self

    @property
    def active_rules(self) -> list[Rule]:
        """Rules that are switched on, in file order."""
        return [r for r in self.rules if r.enabled]

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def voting_thresholds_pct(self) -> list[float]:
        """Every voting / interest percentage at which some rule's outcome can change."""
        out = {self.control.voting_pct_at_least}
        for r in self.active_rules:
            if r.when.voting_pct_at_least is not None:
                out.add(r.when.voting_pct_at_least)
            if r.when.interest_pct_above is not None:
                out.add(r.when.interest_pct_above)
        return sorted(out)


def _merge(base: Any, extra: Any) -> Any:
    """Deep-merge ``extra`` over ``base``; ``rules`` lists merge by id."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            if key == "rules" and isinstance(value, list) and isinstance(base.get(key), list):
                out[key] = _merge_rules(base[key], value)
            elif key in out:
                out[key] = _merge(out[key], value)
            else:
                out[key] = value
        return out
    return extra


def _merge_rules(base: list[Any], extra: list[Any]) -> list[Any]:
    merged = [dict(r) if isinstance(r, dict) else r for r in base]
    index = {r.get("id"): i for i, r in enumerate(merged) if isinstance(r, dict)}
    for rule in extra:
        rid = rule.get("id") if isinstance(rule, dict) else None
        if rid in index:
            merged[index[rid]] = _merge(merged[index[rid]], rule)
        else:
            merged.append(rule)
    return merged


def _read_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SecurityDataError(f"{origin}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SecurityDataError(f"{origin}: expected a mapping of rule settings, found {type(data).__name__}")
    return data


def _validation_message(origin: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"{origin}: {loc}: {err['msg']}")
    return "\n".join(lines)


def packaged_rules_text() -> str:
    """The text of the packaged rules file."""
    return resources.files("stateside.security").joinpath("rules", PACKAGED_RULES).read_text(encoding="utf-8")


def load_rules(override_text: str | None = None, override_origin: str = "rules override") -> RuleSet:
    """The packaged rules, with ``override_text`` (YAML) merged over them if given."""
    data = _read_yaml(packaged_rules_text(), f"stateside/security/rules/{PACKAGED_RULES}")
    origin = f"stateside/security/rules/{PACKAGED_RULES}"
    if override_text is not None:
        extra = _read_yaml(override_text, override_origin)
        data = _merge(data, extra)
        data["overrides"] = [*data.get("overrides", []), override_origin]
        origin = f"{override_origin} (merged over the packaged rules)"
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise SecurityDataError(_validation_message(origin, exc)) from None


def rules_for_scenario(scenario: Any) -> RuleSet:
    """Rules for a scenario: packaged, plus its ``settings.security.rules_file`` if any.

    Uses ``scenario.rules_yaml`` when the loader has read the file; otherwise reads it
    from the scenario folder.
    """
    text: str | None = getattr(scenario, "rules_yaml", None)
    rules_file = scenario.settings.security.rules_file
    origin = rules_file or "rules_yaml"
    if text is None and rules_file:
        source_dir: Path | None = getattr(scenario, "source_dir", None)
        path = Path(rules_file) if source_dir is None else Path(source_dir) / rules_file
        if not path.is_file():
            raise SecurityDataError(
                f"scenario.yaml: security.rules_file: file '{rules_file}' not found (looked for {path})"
            )
        text = path.read_text(encoding="utf-8")
    return load_rules(text, origin) if text is not None else load_rules()
