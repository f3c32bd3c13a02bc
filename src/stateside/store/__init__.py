"""The run store: plan runs kept in a database (SQLite by default, PostgreSQL by URL).

* :mod:`.db` — the URL (``STATESIDE_DB_URL``), engines, sessions, migrations on open;
* :mod:`.models` — the tables (SQLAlchemy 2), created by the Alembic revisions in ``migrations/``;
* :mod:`.codec` — a DataFrame as one blob and back, dtypes and values exact;
* :mod:`.api` — ``save_run``, ``load_run``, ``list_runs``, ``find_run_by_hash``, ``diff_runs``,
  ``export_run``, ``plan_with_store``;
* :mod:`.diff` — what changed between two runs.

Nothing here is imported by ``import stateside``: opening the store costs only when used.
See docs/store.md.
"""
