"""Scenario sweeps and Monte Carlo on Dask (docs/sweeps.md).

* :mod:`~stateside.sweep.spec` — the sweep file (YAML), a typed pydantic model;
* :mod:`~stateside.sweep.sample` — grid × Monte Carlo members and the tornado's runs, seeded;
* :mod:`~stateside.sweep.apply` — one member's values applied to the base scenario;
* :mod:`~stateside.sweep.runner` — members solved in Dask workers, saved as they finish, resumable;
* :mod:`~stateside.sweep.store` — the ``sweeps`` and ``sweep_members`` rows of the run store;
* :mod:`~stateside.sweep.analysis` — metrics, P10/P50/P90, tornado;
* :mod:`~stateside.sweep.report` — tables and Plotly figures, an HTML section and page.
"""
