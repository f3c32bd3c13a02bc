"""Write docs/scenario-format.md from the schema CSVs and the pydantic Settings model.

Usage::

    python scripts/gen_scenario_docs.py           # (re)write docs/scenario-format.md
    python scripts/gen_scenario_docs.py --check   # exit 1 if the committed file is stale

tests/test_scenario_docs.py asserts that the committed document equals :func:`render`,
so the format description cannot drift from the declarations.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from stateside.scenario.schema import ColumnSpec, table_specs
from stateside.scenario.settings import Settings
from stateside.scenario.validate import HOURS_PER_YEAR, MAX_CELL_ISSUES, YEAR_MAX, YEAR_MIN

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md"

TYPE_TEXT: dict[str, str] = {
    "code": "Identifier: letters, digits, `_`, `-` and `.`, starting with a letter or digit; no spaces.",
    "string": "Free text.",
    "float": "Real number (`1500`, `0.95`, `-1e3`); no NaN or infinity.",
    "int": "Whole number (`12`; `12.0` is accepted).",
    "bool": "`true` or `false` (also `yes`/`no`, `1`/`0`, any case).",
    "year": f"Whole calendar year from {YEAR_MIN} to {YEAR_MAX}.",
    "country": "ISO 3166-1 alpha-2 code such as `US`, `JP`, `AE` (any case; stored upper case).",
    "enum:a|b": "Exactly one of the listed words.",
    "list:a|b": "Zero or more of the listed words, separated by `;` (e.g. `fab;transmission`).",
}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _column_row(c: ColumnSpec) -> str:
    if c.required and c.default is None:
        need = "yes"
    elif c.default is not None:
        need = "no (default)"
    else:
        need = "no"
    ref = f"`{c.references[0]}.{c.references[1]}`" if c.references else ""
    default = f"`{c.default}`" if c.default is not None else ""
    cells = [
        f"`{c.name}`",
        f"`{c.type}`",
        c.unit,
        need,
        default,
        _num(c.min),
        _num(c.max),
        ref,
        c.description,
    ]
    return "| " + " | ".join(_cell(x) for x in cells) + " |"


def _tables_section() -> list[str]:
    out: list[str] = []
    specs = table_specs()
    out += [
        "## Tables",
        "",
        "| file | required | key | description |",
        "|---|---|---|---|",
    ]
    for s in specs.values():
        key = ", ".join(f"`{k}`" for k in s.key)
        out.append(
            f"| [`{s.file}`](#{s.name}) | {'yes' if s.required else 'no'} | {key} | {_cell(s.description)} |"
        )
    out.append("")
    for s in specs.values():
        out += [
            f"### {s.name}",
            "",
            f"`{s.file}` ({'required' if s.required else 'optional: absent means no rows'}). {s.description}",
            "",
            f"Key (unique per row): {', '.join(f'`{k}`' for k in s.key)}.",
            "",
            "| column | type | unit | required | default | min | max | references | description |",
            "|---|---|---|---|---|---|---|---|---|",
            *(_column_row(c) for c in s.columns),
            "",
        ]
    return out


def _type_name(tp: Any) -> str:
    """A readable name of a settings field's type."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return " or ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        name = " or ".join(_type_name(a) for a in rest)
        return f"{name} or null" if len(rest) < len(args) else name
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map {_type_name(args[0])} → {_type_name(args[1])}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    if isinstance(tp, type):
        return tp.__name__
    return str(tp)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is PydanticUndefined:
        return "required"
    if isinstance(value, BaseModel):
        return "(all defaults)"
    return f"`{json.dumps(value)}`"


def _constraints(field: FieldInfo) -> str:
    parts: list[str] = []
    for m in field.metadata:
        if isinstance(m, annotated_types.Ge):
            parts.append(f">= {m.ge}")
        elif isinstance(m, annotated_types.Gt):
            parts.append(f"> {m.gt}")
        elif isinstance(m, annotated_types.Le):
            parts.append(f"<= {m.le}")
        elif isinstance(m, annotated_types.Lt):
            parts.append(f"< {m.lt}")
        elif isinstance(m, annotated_types.MinLen):
            parts.append(f"at least {m.min_length} item{'s' if m.min_length != 1 else ''}")
        elif isinstance(m, annotated_types.MaxLen):
            parts.append(f"at most {m.max_length} items")
    return ", ".join(parts)


def _models(model: type[BaseModel]) -> dict[type[BaseModel], str]:
    """``model`` and every model nested in its fields, with the YAML path where each appears."""
    found: dict[type[BaseModel], str] = {}

    def visit(tp: Any, path: str) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp not in found:
                found[tp] = path
                for name, f in tp.model_fields.items():
                    visit(f.annotation, f"{path}.{name}" if path else name)
            return
        suffix = "[]" if typing.get_origin(tp) is list else ""
        for arg in typing.get_args(tp):
            visit(arg, path + suffix)

    visit(model, "")
    return found


def _summary(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip()
    return doc.splitlines()[0].replace("``", "`") if doc else ""


def _settings_section() -> list[str]:
    out = [
        "## scenario.yaml",
        "",
        "The settings, checked by the pydantic model `stateside.scenario.settings.Settings`. "
        "Unknown keys are errors. Besides the per-field rules below: periods must be in increasing "
        "year order, `start_year` must not be after the first period, `hours_per_block` must divide 24, "
        "the years in `it_target_mw`, `carbon_price_usd_per_t` and `chips.min_domestic_share` must be "
        "period years, and `finance.debt_share` must name every asset class.",
        "",
    ]
    for model, path in _models(Settings).items():
        where = "the top level of the file" if not path else f"`{path}`"
        out += [
            f"### {model.__name__}",
            "",
            f"{_summary(model)} Keys of {where}.",
            "",
            "| field | type | default | constraints | description |",
            "|---|---|---|---|---|",
        ]
        for name, field in model.model_fields.items():
            annotation = field.annotation
            description = field.description or ""
            if not description and isinstance(annotation, type) and issubclass(annotation, BaseModel):
                description = _summary(annotation)
            cells = [
                f"`{name}`",
                _type_name(annotation),
                _default(field),
                _constraints(field),
                description,
            ]
            out.append("| " + " | ".join(_cell(x) for x in cells) + " |")
        out.append("")
    return out


def render() -> str:
    """The whole of docs/scenario-format.md."""
    out: list[str] = [
        "# Scenario format",
        "",
        "<!-- Generated by scripts/gen_scenario_docs.py from src/stateside/scenario/schema/*.csv and",
        "     src/stateside/scenario/settings.py. Do not edit by hand: edit the declarations and rerun. -->",
        "",
        "A scenario is a folder that a person can edit in a spreadsheet:",
        "",
        "* `scenario.yaml`: the settings (below);",
        "* one CSV file per table (below); optional tables may be left out;",
        "* optionally `profiles.csv`, the user's own hourly profiles;",
        "* optionally a security rules file (YAML) named by `security.rules_file`.",
        "",
        "Start from a copy of the default US scenario with `stateside scenario new DIR`, edit it, and "
        "check it with `stateside validate DIR`.",
        "",
        "## CSV conventions",
        "",
        "* UTF-8 text (a byte-order mark is accepted), comma-separated, one header row of column names.",
        "* Column order is free. Surrounding spaces in cells and names are ignored; blank lines are skipped.",
        "* A blank cell takes the column's default; it is an error in a required column without default.",
        "  A column with a default, or that is not required, may be left out entirely.",
        "* A column whose name starts with `_` is a comment column and is ignored. Any other column that is "
        "not declared is an **error** (a misspelt optional column would otherwise silently take its default).",
        "* Money is in real US dollars of `base_dollar_year`; units are in the column names and below.",
        "",
        "### Column types",
        "",
        "| type | meaning |",
        "|---|---|",
        *(f"| `{_cell(t)}` | {_cell(text)} |" for t, text in TYPE_TEXT.items()),
        "",
        "## Validation",
        "",
        "`stateside validate DIR` reports every problem at once, one line each:",
        "",
        "```",
        "file:row:column: expected …, found …",
        "```",
        "",
        "`row` is the line number in the file (the header is line 1) and `column` the column name, or for "
        "`scenario.yaml` the dotted field path; `-` where it does not apply. Any error gives exit status 1, and "
        "nothing downstream (plan, finance, …) runs on a scenario with an error. Warnings are marked "
        "`(warning)` and do not fail. Besides file, type, blank and range problems, the checks are:",
        "",
        "* keys are unique (the key columns of each table, below);",
        "* references name existing rows (e.g. `corridors.region_from` → `regions.region`; commitments of "
        "unknown investors);",
        "* a corridor's two ends differ; a variable technology has a solar or wind profile and others none; "
        "storage has `storage_hours` > 0;",
        "* in `ownership.csv` an owner differs from the asset, and the total `voting_pct` (and `economic_pct`) "
        "held in one asset is at most 100;",
        "* `technology_costs.csv` has a row for every buildable technology in every scenario period and "
        "`demand.csv` one for every region in every period; rows for other years are ignored with a warning;",
        "* `regions.csv` and `technologies.csv` have at least one row.",
        "",
        f"At most {MAX_CELL_ISSUES} problems of one kind are listed per file and column; the rest are counted "
        "in one line.",
        "",
    ]
    out += _settings_section()
    out += _tables_section()
    out += [
        "## profiles.csv (optional)",
        "",
        "The user's own hourly profiles, replacing the synthetic ones column by column. Wide format: "
        f"{HOURS_PER_YEAR} rows, one column `hour` (0 to {HOURS_PER_YEAR - 1}, each once) and any of:",
        "",
        "| column | meaning |",
        "|---|---|",
        "| `solar.<region>` | solar availability per unit of capacity, 0 to 1 |",
        "| `wind.<region>` | wind availability per unit of capacity, 0 to 1 |",
        "| `demand.<region>` | demand shape, numbers >= 0 with a positive mean (scaled to the annual demand) |",
        "",
        "`<region>` must be a region of `regions.csv`.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} is stale: run python scripts/gen_scenario_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
