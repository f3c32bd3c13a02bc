"""Alembic environment of the run store.

Run by :func:`stateside.store.db.upgrade`, which passes an open connection (already in a
transaction and holding the migration lock) as ``config.attributes["connection"]``. To
write a new revision from a checkout::

    .venv/bin/python -m stateside.store.revision "what changed"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from stateside.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the stateside store migrations run through stateside.store.db.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
