"""Write a new Alembic revision of the run store from a change to :mod:`.models` (maintainers).

Usage, from a checkout, after editing ``models.py``::

    .venv/bin/python -m stateside.store.revision "add a notes column to runs"

It migrates a scratch SQLite database to the current head, lets Alembic compare it with
the models and writes ``migrations/versions/NNNN_<slug>.py`` (NNNN the next number).
Review the file (autogenerate misses renames and data moves), then set
:data:`stateside.store.db.HEAD_REVISION` to NNNN; a test checks the two agree and that
the migrated schema matches the models on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from stateside.store import db

    if len(argv) != 1 or not argv[0].strip():
        print('usage: python -m stateside.store.revision "what changed"', file=sys.stderr)
        return 2
    message = argv[0].strip()
    cfg = Config()
    cfg.set_main_option("script_location", str(db.migrations_dir()))
    head = ScriptDirectory.from_config(cfg).get_current_head() or "0000"
    rev_id = f"{int(head) + 1:04d}"
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        db.upgrade(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            script = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
    if script is None or isinstance(script, list):  # pragma: no cover - one head only
        return 1
    path = Path(script.path)
    target = path.with_name(f"{rev_id}_{slug}.py")
    path.rename(target)
    print(f"wrote {target}\nreview it, then set HEAD_REVISION = {rev_id!r} in {Path(db.__file__).name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
