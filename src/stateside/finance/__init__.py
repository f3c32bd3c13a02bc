"""Project finance: pure, vectorised functions over yearly cash-flow arrays.

* :mod:`.metrics` — NPV, IRR (with an explicit multiple-root policy), payback, LCOE,
  capital recovery factor, WACC, real/nominal conversion.
* :mod:`.tax` — MACRS (IRS Pub 946 Table A-1), straight line, ITC/PTC/§48D, income tax.
* :mod:`.debt` — debt sized to a DSCR target (sculpted or level), amortisation.
* :mod:`.project` — a project's nominal pro-forma (:class:`~.project.ProjectCashflows`)
  built from simple real-dollar inputs (:class:`~.project.ProjectSpec`), and its metrics.
* :mod:`.defaults` — ATB 2024 financing and inflation defaults, with sources.
"""
