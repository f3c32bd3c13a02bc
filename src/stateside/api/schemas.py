"""Request and response bodies of the API (they make its OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from stateside.api.auth import ROLES

Role = Literal["admin", "analyst", "investor", "state_official", "reviewer"]
assert set(Role.__args__) == set(ROLES)  # type: ignore[attr-defined]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class Me(_Out):
    name: str
    role: Role
    investor: str | None = None
    state: str | None = None
    via: str = Field(description="How this request was authenticated: token or session.")


class SessionOut(Me):
    csrf_token: str = Field(description="Send it back in the X-CSRF-Token header on state-changing requests.")


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Role
    password: str = Field(min_length=1, max_length=1024, description="10+ characters, not a common password.")
    investor: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=2)


class UserChange(BaseModel):
    """What an admin changes about a user (each field optional)."""

    model_config = ConfigDict(extra="forbid")

    disabled: bool | None = Field(None, description="Disable (sign-in and tokens refused) or enable.")
    password: str | None = Field(
        None, min_length=1, max_length=1024, description="A new password (ends the user's sessions)."
    )
    revoke: bool = Field(False, description="Revoke every API token and end every session of the user.")


class UserChangeOut(_Out):
    user: UserOut
    tokens_revoked: int = 0
    sessions_ended: int = 0


class UserOut(_Out):
    name: str
    role: Role
    investor: str | None = None
    state: str | None = None
    created_at: str
    disabled: bool
    tokens: int = Field(0, description="Unexpired API tokens.")


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field("", max_length=100)
    days: float = Field(90.0, gt=0, le=366, description="Days the token is valid (at most 366).")


class TokenOut(_Out):
    id: int
    label: str
    created_at: str
    expires_at: str | None = None
    expired: bool = False
    token: str | None = Field(None, description="The token itself: shown once, when it is made.")


class Page(_Out):
    items: list[Any]
    total: int
    offset: int
    limit: int


class ScenarioOut(_Out):
    id: str
    name: str
    filename: str
    content_hash: str
    created_at: str
    size_bytes: int
    uploaded_by: str | None = None
    warnings: list[str]
    summary: dict[str, Any]
    builtin: bool


class ScenarioPage(Page):
    items: list[ScenarioOut]  # type: ignore[assignment]


class RunOut(_Out):
    id: str
    created_at: str
    scenario: str
    scenario_hash: str
    mode: str
    status: str
    termination: str
    objective_usd: float | None = None
    mip_gap: float | None = None
    it_capacity_mw: dict[str, float] = Field(default_factory=dict)
    source: str | None = None


class RunPage(Page):
    items: list[RunOut]  # type: ignore[assignment]


class RunDetail(RunOut):
    summary: dict[str, Any]
    tables: list[str] = Field(description="The result tables you may read.")
    inputs: list[str] = Field(description="The scenario input tables you may read.")


class Column(_Out):
    name: str
    type: str


class TableOut(_Out):
    name: str
    columns: list[Column]
    total: int
    offset: int
    limit: int
    rows: list[dict[str, Any]]


class TableInfo(_Out):
    name: str
    rows: int
    columns: list[str]


class NewRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario_id: str = Field(
        min_length=1, max_length=32, description="An uploaded scenario's id, or 'default' (the embedded one)."
    )
    mode: Literal["target", "budget"] | None = Field(
        None, description="Planning mode (default: the scenario's)."
    )


class NewSweep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario_id: str = Field(min_length=1, max_length=32)
    spec_yaml: str = Field(
        min_length=1, max_length=200_000, description="The sweep file (YAML), as for 'stateside sweep'."
    )
    workers: int = Field(
        1, ge=1, le=64, description="Dask worker processes (at most the server's CPU cores)."
    )


class JobOut(_Out):
    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]
    stage: str | None = None
    progress: float
    scenario_id: str | None = None
    mode: str | None = None
    params: dict[str, Any]
    run_id: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    created_by: str | None = None
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None


class JobPage(Page):
    items: list[JobOut]  # type: ignore[assignment]


class ReviewOut(_Out):
    run_id: str
    note: str
    total: int
    offset: int
    limit: int
    rows: list[dict[str, Any]]


UserChangeOut.model_rebuild()
