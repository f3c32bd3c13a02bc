"""Shared set-up of the web service tests: the tiny plan (solved once per test process), a store
with it, users of every role and their API tokens, a TestClient on the application."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from stateside.api import auth
from stateside.api.app import create_app
from stateside.api.config import ApiConfig
from stateside.plan import Plan
from stateside.scenario.load import load_scenario
from stateside.scenario.types import Scenario
from stateside.store import db
from stateside.store.api import save_run

TINY = Path(__file__).parent / "fixtures" / "tiny"
PASSWORD = "correct horse battery"

#: user name → (role, investor, state)
USERS: dict[str, tuple[str, str | None, str | None]] = {
    "root": ("admin", None, None),
    "ana": ("analyst", None, None),
    "jp": ("investor", "jp_corp", None),
    "us": ("investor", "us_lab", None),
    "ae": ("investor", "ae_fund", None),
    "tex": ("state_official", None, "TX"),
    "nm": ("state_official", None, "NM"),
    "rev": ("reviewer", None, None),
}


@lru_cache(maxsize=1)
def tiny_plan() -> tuple[Plan, Scenario]:
    """The tiny fixture, planned once per test process."""
    from stateside.run import run_plan

    scenario = load_scenario(TINY)
    return run_plan(scenario), scenario


def zip_folder(
    folder: Path, prefix: str = "tiny", change: dict[str, tuple[bytes, bytes]] | None = None
) -> bytes:
    """A zip of ``folder``'s files under ``prefix/``; ``change`` replaces bytes in named files."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            if p.is_file():
                data = p.read_bytes()
                if change and p.name in change:
                    old, new = change[p.name]
                    assert old in data, f"{old!r} not in {p.name}"
                    data = data.replace(old, new)
                zf.writestr(f"{prefix}/{p.name}" if prefix else p.name, data)
    return buf.getvalue()


@dataclass
class Service:
    """A running application on a private store, with a saved run and a token per user."""

    url: str
    client: TestClient
    run_id: str
    plan: Plan
    scenario: Scenario
    tokens: dict[str, str] = field(default_factory=dict)

    def h(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, user: str | None, path: str, **kw: Any) -> Any:
        headers = {**(self.h(user) if user else {}), **kw.pop("headers", {})}
        return self.client.get(path, headers=headers, **kw)

    def post(self, user: str | None, path: str, **kw: Any) -> Any:
        headers = {**(self.h(user) if user else {}), **kw.pop("headers", {})}
        return self.client.post(path, headers=headers, **kw)

    def delete(self, user: str | None, path: str, **kw: Any) -> Any:
        headers = {**(self.h(user) if user else {}), **kw.pop("headers", {})}
        return self.client.delete(path, headers=headers, **kw)


def make_users(url: str, check_known: bool = True) -> dict[str, str]:
    """A user of every role with an API token. ``check_known``: the investors and states they are
    bound to must exist in the store (save the tiny run first); False for a store that gets them later."""
    tokens = {}
    for name, (role, investor, state) in USERS.items():
        auth.create_user(name, role, PASSWORD, investor, state, url, check_known=check_known)
        tokens[name] = auth.issue_token(name, "tests", url)[1]
    return tokens


@contextmanager
def service(tmp: Path, workers: int = 0, **config: Any) -> Iterator[Service]:
    """The application on a new SQLite store in ``tmp`` with the tiny run saved and every user made."""
    url = f"sqlite:///{tmp / 'service.db'}"
    plan, scenario = tiny_plan()
    db.engine_for(url)
    run_id = save_run(plan, scenario, source="tests", url=url)  # first: users are bound to its investors
    tokens = make_users(url)
    app = create_app(ApiConfig(db_url=url, job_workers=workers, **config))
    try:
        with TestClient(app, base_url="https://testserver") as client:
            yield Service(url, client, run_id, plan, scenario, tokens)
    finally:
        db.dispose_all()
