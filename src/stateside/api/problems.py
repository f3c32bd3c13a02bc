"""One error format for the whole API: RFC 9457 problem details (``application/problem+json``).

Every error the service answers is ``{"type", "title", "status", "detail", "instance"}``
plus extension members where they help (``issues`` for a scenario that does not
validate, ``errors`` for a malformed request). ``type`` is a ``urn:stateside:problem:*``
name listed in docs/api.md, or ``about:blank`` when the HTTP status says it all.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"
URN = "urn:stateside:problem:"


class ProblemModel(BaseModel):
    """The OpenAPI schema of a problem details object (RFC 9457 §3)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(None, description="What went wrong in this occurrence, for a person.")
    instance: str | None = Field(None, description="The path of the request that failed.")


class Problem(Exception):
    """An error to answer as problem details; ``extra`` becomes extension members."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        kind: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.status = int(status)
        self.detail = detail
        self.type = f"{URN}{kind}" if kind else "about:blank"
        self.title = title or _phrase(self.status)
        self.headers = headers or {}
        self.extra = extra
        super().__init__(detail or self.title)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            out["detail"] = self.detail
        if instance is not None:
            out["instance"] = instance
        out.update(self.extra)
        return out


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def not_found(what: str) -> Problem:
    return Problem(404, f"{what} does not exist, or you may not see it", kind="not-found")


def forbidden(detail: str) -> Problem:
    return Problem(403, detail, kind="forbidden")


#: ``responses=`` of routes: the problems any authenticated route may answer.
def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {
            "description": _phrase(code),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemModel"}}},
        }
        for code in codes
    }
