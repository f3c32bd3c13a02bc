"""The sweep file (YAML): which scenario, which parameters vary and how, how many samples.

A sweep varies one base scenario. Each **parameter** names a *target* (what it changes),
an *op* (how) and either grid ``values`` or a Monte Carlo ``distribution``::

    name: tiny-capex
    scenario: ../../tests/fixtures/tiny      # relative to this file; leave out for the default
    seed: 7
    samples: 16                              # Monte Carlo draws per grid point
    parameters:
      - name: turbines
        target: settings.turbine_supply_mw_per_year
        values: [2000, 3000, 4000]           # grid: every combination of grid values
      - name: gas capex
        target: technology_costs.capex_usd_per_kw
        where: {technology: [gas_cc, gas_ct]}
        distribution: {kind: triangular, low: 0.9, mode: 1.0, high: 1.5}
    tornado: true                            # also one-at-a-time low/high runs

Targets (docs/sweeps.md has the full list):

``settings.<path>``            a field of scenario.yaml (``settings.finance.debt_share.fab``,
                               ``settings.it_target_mw``, ``settings.it_target_mw.2030``);
                               op ``set`` (default), ``scale`` or ``add``
``<table>.<column>``           a numeric column of a scenario table, optionally only the rows
                               ``where`` matches; op ``scale`` (default for float columns),
                               ``add`` (default for int/year columns), ``set`` or ``grow``
``construction_delay_years``   years added to every construction time and lead time
``commitments.drop_investors`` a list of investors whose commitments do not close
``commitments.close``          each commitment closes with its pipeline-stage probability
                               (``distribution: {kind: pipeline}``)

This module only declares and checks the file; :mod:`stateside.sweep.sample` draws the
samples and :mod:`stateside.sweep.apply` turns one sample into a scenario.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from statistics import NormalDist
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stateside.scenario.schema import table_specs
from stateside.scenario.types import TABLE_NAMES


class SweepError(Exception):
    """A problem with a sweep the user can act on (bad file, bad value, unknown sweep)."""


Op = Literal["set", "scale", "add", "grow"]

#: Targets that are not a settings path or a table column.
DELAY_TARGET = "construction_delay_years"
DROP_TARGET = "commitments.drop_investors"
CLOSE_TARGET = "commitments.close"
SPECIAL_TARGETS = (DELAY_TARGET, DROP_TARGET, CLOSE_TARGET)

#: Columns ``construction_delay_years`` adds to (years; int/year columns get the value rounded).
DELAY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("technologies", "construction_years"),
    ("corridors", "construction_years"),
    ("fabs", "lead_time_years"),
    ("campuses", "earliest_year"),
)

NUMERIC_TYPES = ("float", "int", "year")

#: Most members a sweep may have (a typo in a grid should not queue a million solves).
MAX_MEMBERS = 100_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------
# distributions


class Triangular(_Strict):
    """Triangular on [low, high] with its peak at ``mode``."""

    kind: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high, found {self.low:g}, {self.mode:g}, {self.high:g}"
            )
        return self

    def quantile(self, q: float) -> float:
        a, c, b = self.low, self.mode, self.high
        fc = (c - a) / (b - a)
        if q < fc:
            return a + math.sqrt(q * (b - a) * (c - a))
        return b - math.sqrt((1 - q) * (b - a) * (b - c))


class Uniform(_Strict):
    """Uniform on [low, high]."""

    kind: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"uniform needs low < high, found {self.low:g}, {self.high:g}")
        return self

    def quantile(self, q: float) -> float:
        return self.low + q * (self.high - self.low)


class Normal(_Strict):
    """Normal with ``mean`` and ``sd``, clipped to [low, high] where given."""

    kind: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    low: float | None = None
    high: float | None = None

    def clip(self, x: float) -> float:
        if self.low is not None:
            x = max(x, self.low)
        if self.high is not None:
            x = min(x, self.high)
        return x

    def quantile(self, q: float) -> float:
        return self.clip(NormalDist(self.mean, self.sd).inv_cdf(q))


class Lognormal(_Strict):
    """Lognormal: ``median`` × exp(``sigma`` × Z), Z standard normal (right-skewed, e.g. capex overruns)."""

    kind: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)

    def quantile(self, q: float) -> float:
        return self.median * math.exp(self.sigma * NormalDist().inv_cdf(q))


class Choice(_Strict):
    """One of ``values``, with ``weights`` (default: equally likely)."""

    kind: Literal["choice"]
    values: list[Any] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"choice has {len(self.values)} values but {len(self.weights)} weights")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("choice weights must be >= 0 and not all 0")
        return self

    def probabilities(self) -> list[float]:
        w = self.weights or [1.0] * len(self.values)
        total = sum(w)
        return [x / total for x in w]


class Pipeline(_Strict):
    """Each commitment closes with its pipeline-stage probability (``finance.pipeline_probability``)."""

    kind: Literal["pipeline"]


Distribution = Annotated[
    Triangular | Uniform | Normal | Lognormal | Choice | Pipeline, Field(discriminator="kind")
]
NUMERIC_DISTRIBUTIONS = (Triangular, Uniform, Normal, Lognormal)


# --------------------------------------------------------------------------------------
# parameters


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


class Parameter(_Strict):
    """One varied quantity."""

    name: str = Field("", description="Label in tables and the tornado (default: the target).")
    target: str | list[str] = Field(
        description="What it changes: settings.<path>, <table>.<column> or a named target; a list changes "
        "several by the same value (demand.annual_demand_mwh and demand.peak_demand_mw)."
    )
    op: Op | None = Field(None, description="set, scale, add or grow (default depends on the target).")
    where: dict[str, list[str | int | float]] = Field(
        default_factory=dict,
        description="Table targets only: change the rows whose column holds one of the values.",
    )
    values: list[Any] | None = Field(None, description="Grid values.")
    distribution: Distribution | None = Field(None, description="Monte Carlo distribution.")
    base: Any = Field(None, description="Value in the tornado's base run (default: the scenario as given).")
    low: Any = Field(
        None, description="Tornado low value (default: lowest grid value or P10 of the distribution)."
    )
    high: Any = Field(None, description="Tornado high value (default: highest grid value or P90).")
    tornado: bool = Field(True, description="Whether the tornado varies this parameter.")

    @field_validator("where", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: x if isinstance(x, list) else [x] for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        targets = self.targets
        if not targets:
            raise ValueError("target is an empty list")
        if not self.name:
            self.name = ", ".join(targets)
        if (self.values is None) == (self.distribution is None):
            raise ValueError(
                "give either values (a grid) or a distribution (Monte Carlo), not both or neither"
            )
        if self.values is not None and not self.values:
            raise ValueError("values is empty")
        kinds = {target_kind(t) for t in targets}
        if len(targets) > 1 and ("special" in kinds or len(kinds) > 1):
            raise ValueError("a list of targets must all be settings paths or all table columns")
        kind = kinds.pop()
        allowed = [op for op in allowed_ops(targets[0]) if all(op in allowed_ops(t) for t in targets)]
        if self.op is None:
            self.op = allowed[0]
        elif self.op not in allowed:
            raise ValueError(
                f"op {self.op!r} does not apply to {', '.join(targets)}; use {' or '.join(allowed)}"
            )
        if self.where and kind != "table":
            raise ValueError(
                "where applies to table targets (<table>.<column>), not settings or named targets"
            )
        for t in targets if self.where else []:
            table = t.split(".", 1)[0]
            columns = table_specs()[table].column_names
            unknown = [c for c in self.where if c not in columns]
            if unknown:
                raise ValueError(f"where: {table} has no column {unknown[0]!r}; its columns are {columns}")
        dist = self.distribution
        target = targets[0]
        if target == CLOSE_TARGET:
            if not isinstance(dist, Pipeline) and self.values is None:
                raise ValueError("commitments.close takes distribution: {kind: pipeline}")
            for v in self.values or []:
                _check_list_value(v, "values", "investor:year keys of the commitments that do not close")
        elif isinstance(dist, Pipeline):
            raise ValueError(f"distribution kind pipeline applies to {CLOSE_TARGET} only")
        if target == DROP_TARGET:
            if isinstance(dist, NUMERIC_DISTRIBUTIONS):
                raise ValueError(f"{DROP_TARGET} takes lists of investors: grid values or kind: choice")
            for v in self.values or (dist.values if isinstance(dist, Choice) else []):
                _check_list_value(v, "values", "lists of investor codes")
        elif self.op in ("scale", "add", "grow") or kind == "table":
            numbers = list(self.values or [])
            if isinstance(dist, Choice):
                numbers = list(dist.values)
            for key in ("base", "low", "high"):
                if getattr(self, key) is not None:
                    numbers.append(getattr(self, key))
            bad = [v for v in numbers if not _is_number(v)]
            if bad:
                raise ValueError(f"op {self.op} of {', '.join(targets)} needs numbers, found {bad[0]!r}")
        return self

    @property
    def targets(self) -> list[str]:
        """The target(s) as a list."""
        return [self.target] if isinstance(self.target, str) else list(self.target)

    @property
    def is_grid(self) -> bool:
        return self.values is not None

    def tornado_values(self, low_q: float, high_q: float) -> tuple[Any, Any] | None:
        """The tornado's (low, high) values, or None when there is no default and none was given."""
        if self.low is not None and self.high is not None:
            return self.low, self.high
        dist = self.distribution
        lo: Any
        hi: Any
        if self.values is not None:
            if all(_is_number(v) for v in self.values):
                lo, hi = min(self.values), max(self.values)
            else:
                lo, hi = self.values[0], self.values[-1]
        elif isinstance(dist, NUMERIC_DISTRIBUTIONS):
            lo, hi = dist.quantile(low_q), dist.quantile(high_q)
        elif isinstance(dist, Choice):
            if all(_is_number(v) for v in dist.values):
                lo, hi = min(dist.values), max(dist.values)
            else:
                lo, hi = dist.values[0], dist.values[-1]
        else:
            return None
        return (self.low if self.low is not None else lo, self.high if self.high is not None else hi)


def _check_list_value(v: Any, field: str, what: str) -> None:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError(f"{field}: expected {what} (e.g. [] or [ae_fund]), found {v!r}")


def target_kind(target: str) -> str:
    """``settings``, ``table`` or ``special`` — or a ValueError naming what is allowed."""
    if target in SPECIAL_TARGETS:
        return "special"
    head, _, rest = target.partition(".")
    if head == "settings" and rest:
        return "settings"
    if head in TABLE_NAMES and rest:
        spec = table_specs()[head]
        if rest not in spec.column_names:
            raise ValueError(
                f"target {target}: table {head} has no column {rest!r}; its columns are {spec.column_names}"
            )
        col = spec.column(rest)
        if col.base_type not in NUMERIC_TYPES:
            raise ValueError(f"target {target}: column {rest} is {col.type}, not a number")
        return "table"
    raise ValueError(
        f"target {target!r}: expected settings.<field>, <table>.<numeric column> "
        f"(tables: {', '.join(TABLE_NAMES)}) or one of {', '.join(SPECIAL_TARGETS)}"
    )


def allowed_ops(target: str) -> tuple[Op, ...]:
    """The ops a target takes, the default first."""
    kind = target_kind(target)
    if kind == "settings":
        return ("set", "scale", "add")
    if kind == "special":
        return ("add",) if target == DELAY_TARGET else ("set",)
    table, _, column = target.partition(".")
    col = table_specs()[table].column(column)
    grow: tuple[Op, ...] = ("grow",) if "period" in table_specs()[table].column_names else ()
    if col.base_type == "float":
        return ("scale", "add", "set", *grow)
    return ("add", "set", "scale", *grow)


# --------------------------------------------------------------------------------------
# the sweep


class TornadoSpec(_Strict):
    """One-at-a-time runs: the base, then each parameter at its low and at its high value."""

    enabled: bool = True
    metric: str = Field(
        "objective_usd", description="Metric the tornado is ranked by (any metric; see docs)."
    )
    low_quantile: float = Field(
        0.1, gt=0, lt=0.5, description="Quantile of a distribution used as its low value."
    )
    high_quantile: float = Field(0.9, gt=0.5, lt=1, description="Quantile used as its high value.")


class SweepSpec(_Strict):
    """All of a sweep file."""

    name: str = Field(description="Sweep name.")
    description: str = ""
    scenario: str | None = Field(
        None, description="Scenario folder, relative to the sweep file; leave out for the embedded default."
    )
    mode: Literal["target", "budget"] | None = Field(
        None, description="Planning mode (default: the scenario's)."
    )
    seed: int = Field(0, ge=0, description="Seed of the Monte Carlo draws: same seed, same samples.")
    samples: int = Field(1, ge=0, description="Monte Carlo draws per grid point (0: only the tornado runs).")
    solver_threads: int | None = Field(
        1, ge=0, description="HiGHS threads per solve (1: one per Dask worker); blank keeps the scenario's."
    )
    warm_start: bool = Field(
        True,
        description="Start every member's LP relaxation from the base scenario's optimal basis (solved once, first); members that change the model's shape start cold.",
    )
    parameters: list[Parameter] = Field(min_length=1)
    tornado: TornadoSpec | None = None

    @field_validator("tornado", mode="before")
    @classmethod
    def _tornado_bool(cls, v: Any) -> Any:
        if v is True:
            return {}
        if v is False:
            return None
        return v

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        names = [p.name for p in self.parameters]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"parameter names must be unique; {dup[0]!r} appears twice (give each a name)")
        if self.tornado is not None and not self.tornado.enabled:
            self.tornado = None
        mc = [p for p in self.parameters if not p.is_grid]
        if self.samples > 1 and not mc:
            raise ValueError(
                f"samples is {self.samples} but no parameter has a distribution: a grid has one member per grid point"
            )
        if self.samples == 0 and self.tornado is None:
            raise ValueError("samples is 0 and there is no tornado: nothing to run")
        n = self.n_main
        if n + self.n_tornado > MAX_MEMBERS:
            raise ValueError(
                f"the sweep has {n + self.n_tornado:,} members, more than the {MAX_MEMBERS:,} allowed"
            )
        return self

    @property
    def grid_parameters(self) -> list[Parameter]:
        return [p for p in self.parameters if p.is_grid]

    @property
    def mc_parameters(self) -> list[Parameter]:
        return [p for p in self.parameters if not p.is_grid]

    @property
    def n_grid_points(self) -> int:
        n = 1
        for p in self.grid_parameters:
            n *= len(p.values or [])
        return n

    @property
    def n_main(self) -> int:
        """Members of the grid × Monte Carlo design."""
        return self.n_grid_points * self.samples

    @property
    def tornado_parameters(self) -> list[Parameter]:
        if self.tornado is None:
            return []
        t = self.tornado
        return [
            p
            for p in self.parameters
            if p.tornado and p.tornado_values(t.low_quantile, t.high_quantile) is not None
        ]

    @property
    def n_tornado(self) -> int:
        return 1 + 2 * len(self.tornado_parameters) if self.tornado is not None else 0

    def identity(self) -> dict[str, Any]:
        """What decides the members (not the name or description): part of the sweep id."""
        d = self.model_dump(mode="json", exclude={"name", "description", "scenario"})
        return d


def sweep_id(spec: SweepSpec, base_hash: str) -> str:
    """The sweep's id: the same file on the same scenario gets the same id, so a rerun resumes."""
    payload = json.dumps({"spec": spec.identity(), "scenario_hash": base_hash}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


def parse_spec(text: str, where: str = "sweep file") -> SweepSpec:
    """The sweep in YAML ``text``; a :class:`SweepError` naming each problem's place otherwise."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SweepError(f"{where}{at}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise SweepError(
            f"{where}: expected a mapping of sweep fields (name, parameters, …), found {type(data).__name__}"
        )
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = _where(tuple(err["loc"]))
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{where}: {loc}: {msg}" if loc else f"{where}: {msg}")
        raise SweepError("\n".join(lines)) from None


def load_spec(path: Path) -> SweepSpec:
    """Read and check a sweep file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SweepError(f"{path}: cannot read the sweep file ({exc.strerror or exc})") from None
    return parse_spec(text, str(path))


def scenario_dir(spec: SweepSpec, sweep_file: Path | None) -> Path | None:
    """The scenario folder the sweep varies (None: the embedded default)."""
    if spec.scenario is None or spec.scenario.strip().lower() in ("", "default"):
        return None
    p = Path(spec.scenario).expanduser()
    if not p.is_absolute() and sweep_file is not None:
        p = Path(sweep_file).resolve().parent / p
    return p
