"""docs/scenario-format.md is generated from the declarations and must not drift."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from stateside.scenario.schema import table_specs
from stateside.scenario.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_scenario_docs", ROOT / "scripts" / "gen_scenario_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_doc_equals_generated_text() -> None:
    committed = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), (
        "docs/scenario-format.md is stale: run python scripts/gen_scenario_docs.py"
    )


def test_doc_covers_every_table_column_and_setting() -> None:
    text = _generator().render()
    for spec in table_specs().values():
        assert f"### {spec.name}\n" in text
        for column in spec.columns:
            assert f"| `{column.name}` | `{column.type.replace('|', chr(92) + '|')}` |" in text
    for name in Settings.model_fields:
        assert f"| `{name}` |" in text
    # a nested model's fields, with its default and constraint
    assert "| `mip_gap` | float | `0.01` | >= 0, <= 1 |" in text
