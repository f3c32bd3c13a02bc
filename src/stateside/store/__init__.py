"""The run store: plan runs kept in a database (SQLite by default, PostgreSQL by URL).

* :mod:`.db` — the URL (``STATESIDE_DB_URL``), engines, sessions, migrations on open;
* :mod:`.models` — the tables (SQLAlchemy 2), created by the Alembic revisions in ``migrations/``;
* :mod:`.codec` — a DataFrame as one blob and back, dtypes and values exact;
* :mod:`.api` — ``save_run``, ``load_run``, ``list_runs``, ``find_run_by_hash``, ``diff_runs``,
  ``export_run``;
* :mod:`.diff` — what changed between two runs.

The store keeps runs; it never plans. "Plan, or reuse a stored run" is
:func:`stateside.planning.plan_with_store`, above both the run layer and the store.
Nothing here is imported by ``import stateside``: opening the store costs only when used.
See docs/store.md.
"""
