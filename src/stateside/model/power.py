"""Power-system operation: dispatch limits, storage, corridor limits and the energy balance.

Symbols: :math:`g` technology, :math:`s` storage technology, :math:`r` region,
:math:`c` corridor, :math:`p` period, :math:`t=(d,h)` typical hour (day, step) of
weight :math:`w_t` hours and length :math:`\\Delta` hours; :math:`K` capacity,
:math:`X` corridor expansion online (see :mod:`stateside.model.expressions`).
"""

from __future__ import annotations

import linopy

from stateside.model.campus_power import onsite_supply
from stateside.model.data import ModelData
from stateside.model.expressions import Expressions
from stateside.model.variables import regional_sum


def add_dispatch_limits(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """``dispatch_limit``: :math:`q_{g,r,p,t} \\le a_{g,r,t}\\, K_{g,r,p}`.

    :math:`a` is the hourly availability: the solar or wind profile for variable
    technologies, the flat derate (forced outage, or for hydro the water-limited
    availability) otherwise.
    """
    gen = m.variables["gen"]
    cap = e.capacity.sel(technology=d.generators)
    m.add_constraints(gen - d.availability * cap <= 0, name="dispatch_limit", mask=gen.labels >= 0)


def add_storage(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """Storage power, energy and state of charge, cyclic within each typical day.

    * ``storage_charge_limit``: :math:`c_{s,r,p,t} \\le K_{s,r,p}`
    * ``storage_discharge_limit``: :math:`o_{s,r,p,t} \\le K_{s,r,p}`
    * ``storage_energy_limit``: :math:`e_{s,r,p,t} \\le H_s K_{s,r,p}`
    * ``storage_balance``: :math:`e_{s,r,p,(d,h)} = e_{s,r,p,(d,h-1)} + \\Delta(\\eta^c_s c - o / \\eta^d_s)`,
      with :math:`h-1` wrapping to the last step of the same day (each typical day is a cycle).
    """
    if not len(d.storage):
        return
    charge, discharge, soc = m.variables["charge"], m.variables["discharge"], m.variables["soc"]
    cap = e.capacity.sel(technology=d.storage)
    mask = soc.labels >= 0
    m.add_constraints(charge - cap <= 0, name="storage_charge_limit", mask=mask)
    m.add_constraints(discharge - cap <= 0, name="storage_discharge_limit", mask=mask)
    m.add_constraints(soc - d.storage_hours * cap <= 0, name="storage_energy_limit", mask=mask)
    balance = (
        soc
        - soc.roll(step=1)
        - d.block_hours * d.efficiency_charge * charge
        + (d.block_hours / d.efficiency_discharge) * discharge
    )
    m.add_constraints(balance == 0, name="storage_balance", mask=mask)


def add_corridor_limits(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """Transport (net transfer capacity) model, as ReEDS and GenX use between zones, with
    the firm capacity lent over the corridor sharing its capability (no double use):

    * ``flow_forward_limit``: :math:`f_{c,p,t} \\le F^+_c + X_{c,p}`,
      ``flow_reverse_limit``: :math:`-f_{c,p,t} \\le F^-_c + X_{c,p}` for hours
      :math:`t \\notin \\mathcal P`;
    * ``flow_forward_peak_limit``: :math:`f_{c,p,t} + z^+_{c,p} \\le F^+_c + X_{c,p}`,
      ``flow_reverse_peak_limit``: :math:`-f_{c,p,t} + z^-_{c,p} \\le F^-_c + X_{c,p}`
      for the peak hours :math:`t \\in \\mathcal P` (the kept peak days).

    :math:`z^\\pm \\ge 0` are the firm capacity lent from→to and to→from for the reserve
    margin (:mod:`stateside.model.reserve`): at the peak, when firm capacity is called on,
    capability promised as firm imports is not available to energy flows in the same
    direction. (Coupling z to every hour of the year instead was measured 4-6x slower
    for the default plan and changes nothing the reserve margin is about.) Expansion adds the same
    capability in both directions. On a seam (two interconnections) F holds the DC ties
    only and X is converter capacity (:mod:`stateside.model.inputs.corridors`).
    """
    if not len(d.corridors):
        return
    flow = m.variables["flow"]
    assert e.corridor_expansion is not None
    fwd, rev = m.variables["firm_forward"], m.variables["firm_reverse"]
    peak = d.peak_snapshot.broadcast_like(flow.labels)
    x = e.corridor_expansion
    m.add_constraints(flow - x <= d.corridor_fwd_gw, name="flow_forward_limit", mask=~peak)
    m.add_constraints(-flow - x <= d.corridor_rev_gw, name="flow_reverse_limit", mask=~peak)
    m.add_constraints(flow + fwd - x <= d.corridor_fwd_gw, name="flow_forward_peak_limit", mask=peak)
    m.add_constraints(-flow + rev - x <= d.corridor_rev_gw, name="flow_reverse_peak_limit", mask=peak)


def add_energy_balance(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """``energy_balance`` per region, period and typical hour (its dual is the price):

    .. math::
        \\sum_g q_{g,r,p,t} + \\sum_s (o_{s,r,p,t} - c_{s,r,p,t})
        + \\sum_c A_{r,c} f_{c,p,t} + \\sum_{k \\in r} \\sum_g q^o_{g,k,p,t} + u_{r,p,t}
        = D_{r,p,t} + L^{dc}_{r,p} + L^{fab}_{r,p}

    :math:`A_{r,c}` is +1 where r is the corridor's 'to' end and -1 at its 'from' end;
    :math:`D` the background demand, :math:`L^{dc}` and :math:`L^{fab}` the plan's
    campus and fab loads (flat over the hours); :math:`q^o` the output of campus-owned
    generation (:mod:`stateside.model.campus_power`).
    """
    lhs = m.variables["gen"].sum("technology") + m.variables["unserved"]
    if len(d.storage):
        lhs = lhs + m.variables["discharge"].sum("technology") - m.variables["charge"].sum("technology")
    if len(d.corridors):
        lhs = lhs + regional_sum(m, m.variables["flow"], d.incidence_index, d.incidence_sign)
    onsite = onsite_supply(m, d)
    if onsite is not None:
        lhs = lhs + onsite
    if e.campus_load is not None:
        lhs = lhs - e.campus_load
    if e.fab_load is not None:
        lhs = lhs - e.fab_load
    m.add_constraints(lhs == d.demand_gw, name="energy_balance")
