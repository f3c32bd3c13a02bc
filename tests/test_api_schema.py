"""schemathesis against the service's OpenAPI schema: generated requests to every operation, as an
admin (who may call all of them) on a store holding the tiny run, must never get a server error."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api_support import make_users, tiny_plan
from stateside.api import auth
from stateside.api.app import create_app
from stateside.api.config import ApiConfig
from stateside.store import db
from stateside.store.api import save_run

# the schema is read at collection (schemathesis' lazy fixture loader does not work with pytest 9):
# the application is made on a new, empty store now; the module fixture adds users and the run
_TMP = Path(tempfile.mkdtemp(prefix="stateside-schema-"))
STATE: dict[str, Any] = {"url": f"sqlite:///{_TMP / 'schema.db'}"}
APP = create_app(ApiConfig(db_url=STATE["url"], job_workers=0))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _store() -> Iterator[None]:
    plan, scenario = tiny_plan()
    STATE["run_id"] = save_run(plan, scenario, url=STATE["url"])  # first: users are bound to its investors
    make_users(STATE["url"])
    yield
    db.dispose_all()
    shutil.rmtree(_TMP, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: Any) -> None:
    # a fresh admin token each time (a generated DELETE /api/me/tokens/{id} may revoke the last one)
    _, token = auth.issue_token("root", "schemathesis", STATE["url"])
    if case.path_parameters and "run" in case.path_parameters:
        case.path_parameters["run"] = STATE["run_id"]  # the saved run, so its tables are really read
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])


def test_the_schema_documents_problems_and_both_credentials() -> None:
    raw = schema.raw_schema
    assert raw["info"]["title"] == "Stateside API"
    assert {"HTTPBearer", "APIKeyCookie"} <= set(raw["components"]["securitySchemes"])
    assert "ProblemModel" in raw["components"]["schemas"]
    ops = [(m.upper(), p) for p, item in raw["paths"].items() for m in item]
    assert ("POST", "/api/scenarios") in ops and ("GET", "/api/runs/{run}/tables/{name}") in ops
    assert ("POST", "/api/sweeps") in ops and ("GET", "/api/runs/{run}/security") in ops
    assert not any(p.startswith(("/runs", "/login", "/static")) for _, p in ops)  # pages are not API
