"""Write a stored scenario back as a scenario folder (``stateside runs export``).

The folder is what ``stateside validate``/``plan`` read: ``scenario.yaml``, one CSV per
table with each cell written the way its schema type is parsed (floats at full
precision, booleans ``true``/``false``, lists ``a;b``, blanks for none), ``profiles.csv``
when the scenario had its own profiles and the rules file named in the settings. Loading
it gives a scenario with the same content hash as the one that was saved.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import yaml

from stateside.scenario.schema import ColumnSpec, table_specs
from stateside.scenario.types import Scenario


def _cell(spec: ColumnSpec | None, value: Any) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    base = spec.base_type if spec is not None else ""
    if base == "list" or isinstance(value, (tuple, list)):
        return ";".join(str(v) for v in value)
    if base == "bool" or isinstance(value, bool):
        return "true" if bool(value) else "false"
    if base in ("int", "year"):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _table_csv(name: str, df: pd.DataFrame) -> pd.DataFrame:
    spec = table_specs().get(name)
    columns: dict[str, list[str]] = {}
    for col in df.columns:
        cspec = None
        if spec is not None and col in spec.column_names:
            cspec = spec.column(str(col))
        columns[str(col)] = [_cell(cspec, v) for v in df[col].tolist()]
    return pd.DataFrame(columns, columns=[str(c) for c in df.columns], dtype=object)


def write_scenario_dir(scenario: Scenario, path: Path) -> Path:
    """Write ``scenario`` as a scenario folder at ``path`` (replacing it; all or nothing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".scenario-", dir=path.parent))
    try:
        settings = scenario.settings.model_dump(mode="json")
        (tmp / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
        for name, df in scenario.tables.items():
            spec = table_specs().get(name)
            file = spec.file if spec is not None else f"{name}.csv"
            _table_csv(name, df).to_csv(tmp / file, index=False)
        if scenario.profiles is not None:
            scenario.profiles.to_csv(tmp / "profiles.csv", index=False, float_format=None)
        rules_file = scenario.settings.security.rules_file
        if scenario.rules_yaml and rules_file:
            rel = PurePosixPath(rules_file)
            if rel.is_absolute() or ".." in rel.parts:
                raise ValueError(
                    f"security.rules_file {rules_file!r} is not a path inside the scenario folder"
                )
            target = tmp.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(scenario.rules_yaml)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
