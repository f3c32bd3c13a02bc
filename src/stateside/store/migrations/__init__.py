"""Alembic migrations of the run store (run programmatically by :func:`stateside.store.db.ensure_schema`)."""
