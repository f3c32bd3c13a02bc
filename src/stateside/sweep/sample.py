"""Draw a sweep's members: grid × Monte Carlo, then the tornado's one-at-a-time runs. Seeded.

Members are numbered in a fixed order, so the same file on the same scenario always gives
the same members with the same index (what a resumed sweep relies on):

1. the grid × Monte Carlo design: for each grid point (every combination of the grid
   parameters' values, the last parameter varying fastest), ``samples`` draws —
   index = grid_point × samples + draw. Every grid point gets the *same* draws (common
   random numbers), so differences between grid points are not sampling noise;
2. the tornado: its base run, then each tornado parameter at its low and at its high value.

Each Monte Carlo parameter draws from its own random stream, seeded by the sweep's seed and
the parameter's name: adding or reordering parameters does not change the others' draws.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stateside.scenario.types import Scenario
from stateside.sweep.spec import (
    Choice,
    Lognormal,
    Normal,
    Parameter,
    Pipeline,
    SweepError,
    SweepSpec,
    Triangular,
    Uniform,
)

GRID = "grid"
MONTE_CARLO = "monte_carlo"
TORNADO = "tornado"
BASE_ROLE = "base"


@dataclass(frozen=True)
class Sample:
    """One member of a sweep: which values its parameters take (absent: as in the scenario)."""

    index: int
    design: str
    values: dict[str, Any] = field(default_factory=dict)
    grid_point: int | None = None
    draw: int | None = None
    role: str = ""

    @property
    def label(self) -> str:
        """``#12 grid point 3 draw 0`` or ``#40 tornado gas capex:high``."""
        if self.design == TORNADO:
            return f"#{self.index} tornado {self.role}"
        parts = [f"#{self.index}"]
        if self.grid_point is not None:
            parts.append(f"grid point {self.grid_point}")
        if self.draw is not None and self.design == MONTE_CARLO:
            parts.append(f"draw {self.draw}")
        return " ".join(parts)


def commitment_key(investor: Any, year: Any) -> str:
    """How a commitment is named in a sample: ``investor:year``."""
    return f"{investor}:{int(year)}"


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def _py(x: Any) -> Any:
    """A JSON-ready Python value (numpy scalars to int/float)."""
    if isinstance(x, np.generic):
        return x.item()
    return x


def draw(param: Parameter, n: int, seed: int, scenario: Scenario) -> list[Any]:
    """``n`` draws of a Monte Carlo parameter (its own stream: seed and name)."""
    dist = param.distribution
    rng = _rng(seed, param.name)
    if isinstance(dist, Triangular):
        return [float(x) for x in rng.triangular(dist.low, dist.mode, dist.high, size=n)]
    if isinstance(dist, Uniform):
        return [float(x) for x in rng.uniform(dist.low, dist.high, size=n)]
    if isinstance(dist, Normal):
        return [dist.clip(float(x)) for x in rng.normal(dist.mean, dist.sd, size=n)]
    if isinstance(dist, Lognormal):
        return [float(dist.median * np.exp(dist.sigma * z)) for z in rng.standard_normal(size=n)]
    if isinstance(dist, Choice):
        picks = rng.choice(len(dist.values), size=n, p=dist.probabilities())
        return [_py(dist.values[int(i)]) for i in picks]
    if isinstance(dist, Pipeline):
        return pipeline_draws(scenario, rng, n)
    raise SweepError(f"parameter {param.name!r}: no distribution to draw from")  # pragma: no cover


def pipeline_draws(scenario: Scenario, rng: np.random.Generator, n: int) -> list[list[str]]:
    """For each of ``n`` draws, the commitments that do *not* close.

    Commitment row r closes when u[r] < p(stage of r), u uniform on [0, 1), p from
    ``settings.finance.pipeline_probability``: a funded commitment (p = 1) always closes.
    """
    com = scenario.commitments
    prob = scenario.settings.finance.pipeline_probability
    missing = sorted({str(s) for s in com["stage"]} - set(prob))
    if missing:
        raise SweepError(
            f"commitments.close: settings finance.pipeline_probability has no probability for stage {missing[0]!r}"
        )
    p = np.array([float(prob[str(s)]) for s in com["stage"]])
    keys = [commitment_key(i, y) for i, y in zip(com["investor"], com["year"], strict=True)]
    u = rng.random(size=(n, len(keys)))
    return [[k for k, ui, pi in zip(keys, row, p, strict=True) if not ui < pi] for row in u]


def samples(spec: SweepSpec, scenario: Scenario) -> list[Sample]:
    """Every member of the sweep, in index order."""
    out: list[Sample] = []
    grid = spec.grid_parameters
    mc = spec.mc_parameters
    draws = {p.name: draw(p, spec.samples, spec.seed, scenario) for p in mc} if spec.samples else {}
    combos = list(itertools.product(*[p.values or [] for p in grid]))
    design = MONTE_CARLO if mc else GRID
    if spec.samples:
        for g, combo in enumerate(combos):
            fixed = {p.name: _py(v) for p, v in zip(grid, combo, strict=True)}
            for d in range(spec.samples):
                values = dict(fixed)
                for p in mc:
                    values[p.name] = draws[p.name][d]
                out.append(
                    Sample(
                        index=len(out),
                        design=design,
                        values=values,
                        grid_point=g if grid else None,
                        draw=d if mc else None,
                    )
                )
    if spec.tornado is not None:
        t = spec.tornado
        base = {p.name: _py(p.base) for p in spec.parameters if p.base is not None}
        out.append(Sample(index=len(out), design=TORNADO, values=dict(base), role=BASE_ROLE))
        for p in spec.tornado_parameters:
            lo_hi = p.tornado_values(t.low_quantile, t.high_quantile)
            assert lo_hi is not None
            for side, value in zip(("low", "high"), lo_hi, strict=True):
                out.append(
                    Sample(
                        index=len(out),
                        design=TORNADO,
                        values={**base, p.name: _py(value)},
                        role=f"{p.name}:{side}",
                    )
                )
    return out
