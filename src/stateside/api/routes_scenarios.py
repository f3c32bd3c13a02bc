"""Scenarios: upload a zipped scenario folder (validated), list, show, download, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Response, UploadFile, status
from fastapi.responses import JSONResponse

from stateside.api import access, scenarios
from stateside.api.deps import SmallPage, State, User, Writer, paged
from stateside.api.problems import Problem, forbidden, not_found, problem_responses
from stateside.api.schemas import ScenarioOut, ScenarioPage
from stateside.scenario.errors import ScenarioError

router = APIRouter(prefix="/api/scenarios", tags=["scenarios"], responses=problem_responses(401, 403, 422))

ScenarioId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="A scenario id, or 'default'.")
]


def _readable(p: Any) -> None:
    if not access.can_read_scenarios(p):
        raise forbidden(
            f"role {p.role} may not read scenario folders (they hold every investor's commitments)"
        )


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """The uploaded bytes; 413 problem past ``limit``."""
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise Problem(413, f"the upload is larger than {limit // 2**20} MiB", kind="too-large")
    return data


def upload_problem(exc: Exception) -> Problem:
    """The problem answering a zip that is not a usable scenario folder."""
    if isinstance(exc, ScenarioError):
        errors = exc.errors
        return Problem(
            422,
            f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the scenario; nothing was stored",
            kind="scenario-invalid",
            title="The scenario does not validate",
            issues=[scenarios.issue_dict(i) for i in exc.issues],
        )
    return Problem(400, str(exc), kind="bad-upload", title="Not a usable scenario zip")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ScenarioOut,
    summary="Upload a zipped scenario folder",
    description="The zip holds scenario.yaml and the CSV tables (at its top, or in one folder). It is checked "
    "like 'stateside validate'; problems come back as a problem with `issues` "
    "(file, row, column, expected, found).",
    responses=problem_responses(400, 413),
)
async def upload(
    p: Writer, st: State, file: Annotated[UploadFile, File(description="The zip file.")]
) -> JSONResponse:
    import anyio

    data = await read_upload(file, st.config.max_upload_bytes)
    try:
        rec = await anyio.to_thread.run_sync(
            lambda: scenarios.store_upload(
                data,
                file.filename or "scenario.zip",
                p.user_id,
                st.config.max_unpacked_bytes,
                st.config.max_files,
                st.url,
            )
        )
    except (ScenarioError, scenarios.UploadError) as exc:
        raise upload_problem(exc) from None
    rec.uploaded_by = p.name
    return JSONResponse(rec.to_dict(), status_code=201, headers={"Location": f"/api/scenarios/{rec.id}"})


@router.get("", response_model=ScenarioPage, summary="Scenarios, newest first (the embedded default last)")
def list_all(p: User, st: State, pg: SmallPage) -> dict[str, Any]:
    _readable(p)
    items, total = scenarios.list_scenarios(pg.offset, pg.limit, st.url)
    return paged([r.to_dict() for r in items], total, pg)


@router.get(
    "/{scenario_id}", response_model=ScenarioOut, summary="One scenario", responses=problem_responses(404)
)
def show(scenario_id: ScenarioId, p: User, st: State) -> dict[str, Any]:
    _readable(p)
    rec = scenarios.get_scenario(scenario_id, st.url)
    if rec is None:
        raise not_found(f"scenario {scenario_id}")
    return rec.to_dict()


@router.get(
    "/{scenario_id}/download",
    summary="The scenario folder as a zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}, **problem_responses(404)},
)
def download(scenario_id: ScenarioId, p: User, st: State) -> Response:
    _readable(p)
    data = scenarios.scenario_zip(scenario_id, st.url)
    if data is None:
        raise not_found(f"scenario {scenario_id}")
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="scenario-{scenario_id[:8]}.zip"'},
    )


@router.delete(
    "/{scenario_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an uploaded scenario (runs planned from it are kept)",
    responses=problem_responses(404),
)
def delete(scenario_id: ScenarioId, p: Writer, st: State) -> Response:
    if scenario_id == scenarios.DEFAULT_ID:
        raise Problem(409, "the embedded default scenario cannot be deleted", kind="builtin")
    if not scenarios.delete_scenario(scenario_id, st.url):
        raise not_found(f"scenario {scenario_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
