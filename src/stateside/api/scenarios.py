"""Scenario folders sent as zip files: unpacked safely, validated, kept in the store.

A zip holds a scenario folder: ``scenario.yaml`` and the CSV tables at its top, or inside
one top-level folder (what zipping a folder gives). Unpacking refuses absolute paths,
``..``, links, more than ``max_files`` entries and more than ``max_unpacked_bytes`` of
content (so a zip bomb is stopped at the limit, not after filling the disk). The folder is
then checked by the same validator as ``stateside validate``; its problems come back as
the same ``file:row:column`` issues. A scenario that validates is stored as the zip that
was sent (table ``scenarios``), with its warnings.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import stat
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, select

from stateside.scenario.errors import Issue, ScenarioError
from stateside.scenario.types import Scenario
from stateside.scenario.validate import MAX_ABS_VALUE  # one limit for uploads and scenario folders
from stateside.store.db import as_utc, session
from stateside.store.models import ScenarioUpload

SETTINGS_FILE = "scenario.yaml"
DEFAULT_ID = "default"


class UploadError(ValueError):
    """A zip file that cannot be a scenario folder (not a zip, unsafe, too big, no scenario.yaml)."""


@dataclass
class ScenarioRecord:
    """A stored scenario, without its zip."""

    id: str
    name: str
    filename: str
    content_hash: str
    created_at: datetime
    size_bytes: int
    uploaded_by: str | None
    warnings: list[str]
    summary: dict[str, Any]
    builtin: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "filename": self.filename,
            "content_hash": self.content_hash,
            "created_at": self.created_at.isoformat(),
            "size_bytes": self.size_bytes,
            "uploaded_by": self.uploaded_by,
            "warnings": self.warnings,
            "summary": self.summary,
            "builtin": self.builtin,
        }


def _safe_members(zf: zipfile.ZipFile, max_files: int) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > max_files:
        raise UploadError(f"the zip holds {len(infos)} entries; at most {max_files} are accepted")
    out = []
    for info in infos:
        name = info.filename
        p = PurePosixPath(name)
        drive = bool(p.parts) and ":" in p.parts[0]
        if name.startswith(("/", "\\")) or ".." in p.parts or "\\" in name or drive:
            raise UploadError(f"the zip entry {name!r} points outside the folder")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadError(f"the zip entry {name!r} is a link; links are not accepted")
        if info.is_dir() or p.name.startswith("._") or "__MACOSX" in p.parts:
            continue
        out.append(info)
    return out


def _root(members: list[zipfile.ZipInfo]) -> PurePosixPath:
    """The folder inside the zip that holds scenario.yaml (the top, or one top-level folder)."""
    found = sorted(
        (
            PurePosixPath(m.filename).parent
            for m in members
            if PurePosixPath(m.filename).name == SETTINGS_FILE
        ),
        key=lambda p: len(p.parts),
    )
    if not found:
        raise UploadError(f"the zip has no {SETTINGS_FILE} (zip a scenario folder, or the files in it)")
    top = found[0]
    if len(top.parts) > 1:
        raise UploadError(
            f"{SETTINGS_FILE} is nested too deep in the zip ({top}); zip the scenario folder itself"
        )
    return top


@contextmanager
def unpacked(data: bytes, max_unpacked_bytes: int, max_files: int) -> Iterator[Path]:
    """The scenario folder of zip ``data``, unpacked into a temporary folder removed afterwards."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise UploadError("the upload is not a zip file") from None
    tmp = Path(tempfile.mkdtemp(prefix="stateside-upload-"))
    try:
        with zf:
            members = _safe_members(zf, max_files)
            root = _root(members)
            total = 0
            dest_root = tmp / "scenario"
            dest_root.mkdir()
            for m in members:
                rel = PurePosixPath(m.filename)
                if root.parts:
                    if rel.parts[: len(root.parts)] != root.parts:
                        continue
                    rel = PurePosixPath(*rel.parts[len(root.parts) :])
                dest = dest_root.joinpath(*rel.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with zf.open(m) as src, dest.open("wb") as out:
                        while chunk := src.read(1 << 16):
                            total += len(chunk)
                            if total > max_unpacked_bytes:
                                raise UploadError(
                                    f"the zip unpacks to more than {max_unpacked_bytes // 2**20} MiB; refused"
                                )
                            out.write(chunk)
                except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
                    raise UploadError(f"the zip entry {m.filename!r} cannot be read: {exc}") from None
        yield dest_root
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _clean_issue(issue: Issue, folder: Path) -> Issue:
    """The issue with the server's temporary path taken out of its file name."""
    prefix = str(folder)
    if issue.file.startswith(prefix):
        rel = issue.file[len(prefix) :].lstrip("/") or "."
        return Issue(rel, issue.row, issue.column, issue.expected, issue.found, issue.severity)
    return issue


def issue_dict(issue: Issue) -> dict[str, Any]:
    return {
        "file": issue.file,
        "row": issue.row,
        "column": issue.column,
        "expected": issue.expected,
        "found": issue.found,
        "severity": issue.severity,
        "text": str(issue),
    }


def huge_values(scenario: Scenario, limit: int = 20) -> list[Issue]:
    """Numbers of the scenario's tables whose magnitude is above :data:`MAX_ABS_VALUE` (at most ``limit``)."""
    import numpy as np
    import pandas as pd

    out: list[Issue] = []
    for name, df in scenario.tables.items():
        for col in df.columns:
            s = df[col]
            if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
                continue
            v = np.abs(s.to_numpy(dtype=float, na_value=np.nan))
            for pos in np.flatnonzero(np.isfinite(v) & (v > MAX_ABS_VALUE)):
                out.append(
                    Issue(
                        f"{name}.csv",
                        int(pos) + 2,
                        str(col),
                        f"a number of magnitude at most {MAX_ABS_VALUE:g}",
                        f"{s.iloc[int(pos)]!r}",
                    )
                )
                if len(out) >= limit:
                    return out
    return out


def check_zip(data: bytes, max_unpacked_bytes: int, max_files: int) -> tuple[Scenario, list[Issue]]:
    """Validate zip ``data``: (the scenario, its warnings); raises :class:`ScenarioError` or :class:`UploadError`."""
    from stateside.scenario.load import load_checked

    with unpacked(data, max_unpacked_bytes, max_files) as folder:
        try:
            scenario, result = load_checked(folder)
        except ScenarioError as exc:
            raise ScenarioError([_clean_issue(i, folder) for i in exc.issues]) from None
        huge = huge_values(scenario)
        if huge:
            raise ScenarioError(huge)
        scenario.content_hash()
        warnings = [_clean_issue(i, folder) for i in result.issues if not i.is_error]
        scenario = dataclasses.replace(scenario, source_dir=None)
    return scenario, warnings


def _summary(scenario: Scenario) -> dict[str, Any]:
    s = scenario.settings
    return {
        "description": s.description,
        "mode": s.mode,
        "periods": [int(p) for p in s.period_years],
        "regions": len(scenario.regions),
        "campuses": len(scenario.campuses),
        "fabs": len(scenario.fabs),
        "investors": len(scenario.investors),
        # what users may be bound to (stateside.api.auth.known_bindings)
        "investor_ids": sorted(str(x) for x in scenario.investors["investor"]),
        "region_ids": sorted(str(x) for x in scenario.regions["region"]),
    }


def store_upload(
    data: bytes,
    filename: str,
    uploaded_by: int | None,
    max_unpacked_bytes: int,
    max_files: int,
    url: str | None = None,
) -> ScenarioRecord:
    """Validate and keep an uploaded zip; raises :class:`ScenarioError` / :class:`UploadError`."""
    scenario, warnings = check_zip(data, max_unpacked_bytes, max_files)
    row = ScenarioUpload(
        id=uuid.uuid4().hex,
        name=scenario.settings.name[:200],
        filename=(PurePosixPath(filename.replace("\\", "/")).name or "scenario.zip")[:255],
        content_hash=scenario.content_hash(),
        uploaded_by=uploaded_by,
        created_at=datetime.now(UTC),
        size_bytes=len(data),
        warnings_json=json.dumps([str(w) for w in warnings]),
        summary_json=json.dumps(_summary(scenario)),
        data=data,
    )
    with session(url, write=True) as s:
        s.add(row)
    return _record(row, None)


def _record(row: ScenarioUpload, user: str | None) -> ScenarioRecord:
    return ScenarioRecord(
        id=row.id,
        name=row.name,
        filename=row.filename,
        content_hash=row.content_hash,
        created_at=as_utc(row.created_at),
        size_bytes=row.size_bytes,
        uploaded_by=user,
        warnings=list(json.loads(row.warnings_json)),
        summary=dict(json.loads(row.summary_json)),
    )


def default_record() -> ScenarioRecord:
    """The packaged default US scenario, offered as scenario ``default``."""
    from stateside.scenario.load import default_dir_checked

    folder = default_dir_checked()
    return ScenarioRecord(
        id=DEFAULT_ID,
        name="default-us",
        filename="default.zip",
        content_hash="",
        created_at=datetime.fromtimestamp((folder / SETTINGS_FILE).stat().st_mtime, UTC),
        size_bytes=sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
        uploaded_by=None,
        warnings=[],
        summary={"description": "The embedded default US scenario (stateside/data/default)."},
        builtin=True,
    )


def list_scenarios(offset: int, limit: int, url: str | None = None) -> tuple[list[ScenarioRecord], int]:
    """Stored scenarios, newest first (the packaged default last), and how many there are."""
    from stateside.store.models import User

    with session(url) as s:
        total = int(s.scalar(select(func.count()).select_from(ScenarioUpload)) or 0)
        rows = s.execute(
            select(ScenarioUpload, User.name)
            .outerjoin(User, User.id == ScenarioUpload.uploaded_by)
            .order_by(ScenarioUpload.created_at.desc(), ScenarioUpload.id)
            .offset(offset)
            .limit(limit)
        ).all()
    out = [_record(r, u) for r, u in rows]
    if offset + limit > total:
        out = [*out, default_record()][:limit]
    return out, total + 1


def get_scenario(scenario_id: str, url: str | None = None) -> ScenarioRecord | None:
    from stateside.store.models import User

    if scenario_id == DEFAULT_ID:
        return default_record()
    with session(url) as s:
        row = s.execute(
            select(ScenarioUpload, User.name)
            .outerjoin(User, User.id == ScenarioUpload.uploaded_by)
            .where(ScenarioUpload.id == scenario_id)
        ).first()
    return _record(row[0], row[1]) if row is not None else None


def scenario_zip(scenario_id: str, url: str | None = None) -> bytes | None:
    """The zip of a stored scenario (the packaged default zipped on the fly)."""
    if scenario_id == DEFAULT_ID:
        from stateside.scenario.load import default_dir_checked

        folder = default_dir_checked()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(folder.rglob("*")):
                if (
                    p.is_file()
                    and "__pycache__" not in p.parts
                    and p.suffix != ".pyc"
                    and p.name != "__init__.py"
                ):
                    zf.write(p, str(PurePosixPath("default", *p.relative_to(folder).parts)))
        return buf.getvalue()
    with session(url) as s:
        row = s.get(ScenarioUpload, scenario_id)
        return bytes(row.data) if row is not None else None


def load_stored(scenario_id: str, url: str | None = None) -> Scenario:
    """The scenario of a stored zip (or the packaged default), loaded and checked again."""
    from stateside.scenario.load import load_default

    if scenario_id == DEFAULT_ID:
        return load_default()
    data = scenario_zip(scenario_id, url)
    if data is None:
        raise UploadError(f"no scenario {scenario_id}")
    scenario, _ = check_zip(data, max_unpacked_bytes=2**40, max_files=10**6)
    return scenario


def delete_scenario(scenario_id: str, url: str | None = None) -> bool:
    with session(url, write=True) as s:
        row = s.get(ScenarioUpload, scenario_id)
        if row is None:
            return False
        s.delete(row)
        return True
