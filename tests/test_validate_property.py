"""Property: whatever happens to one file of a valid scenario, loading either succeeds or
raises ScenarioError with at least one error — never any other exception."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stateside.cli import app
from stateside.scenario.errors import ScenarioError
from stateside.scenario.load import load_scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"
FILES = sorted(p.name for p in TINY.iterdir())

TRICKY = st.sampled_from(
    [
        "",
        " ",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "-1",
        "0",
        "1e400",
        "1e-400",
        "99999999999999999999999",
        "2.5",
        "true",
        "yes",
        "TX",
        "ZZ",
        "gas_cc",
        "2028",
        "1776",
        "a;b",
        "fab;gold",
        '"',
        '""',
        "a,b",
        "\n",
        "\x00",
        "é",
        "\ufeff",
        "{",
        "[",
        ": :",
        "- x",
        "!!python/object:os.system",
        "&a *a",
    ]
)
CELL = st.one_of(TRICKY, st.text(max_size=12))


def _mutate_cell(data: bytes, row: int, col: int, value: str) -> bytes:
    text = data.decode("utf-8", errors="surrogateescape")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return data + value.encode("utf-8", errors="surrogateescape")
    if not rows:
        return value.encode("utf-8", errors="surrogateescape")
    r = row % len(rows)
    if not rows[r]:
        rows[r] = [value]
    else:
        rows[r][col % len(rows[r])] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogateescape")


def _mutate_yaml(data: bytes, line: int, value: str) -> bytes:
    lines = data.decode("utf-8", errors="surrogateescape").split("\n")
    i = line % len(lines)
    key, sep, _ = lines[i].partition(":")
    lines[i] = f"{key}{sep} {value}" if sep else value
    return "\n".join(lines).encode("utf-8", errors="surrogateescape")


MUTATION = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 40), st.integers(0, 20), CELL),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("inject"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("drop_line"), st.integers(0, 40)),
    st.tuples(st.just("dup_line"), st.integers(0, 40)),
    st.tuples(st.just("replace"), st.binary(max_size=64)),
)


def _apply(path: Path, mutation: tuple[object, ...]) -> None:
    data = path.read_bytes()
    kind = mutation[0]
    if kind == "cell":
        _, row, col, value = mutation
        assert isinstance(row, int) and isinstance(col, int) and isinstance(value, str)
        data = (
            _mutate_yaml(data, row, value) if path.suffix == ".yaml" else _mutate_cell(data, row, col, value)
        )
    elif kind == "truncate":
        frac = mutation[1]
        assert isinstance(frac, float)
        data = data[: int(len(data) * frac)]
    elif kind == "inject":
        frac, blob = mutation[1], mutation[2]
        assert isinstance(frac, float) and isinstance(blob, bytes)
        at = int(len(data) * frac)
        data = data[:at] + blob + data[at:]
    elif kind == "replace":
        blob = mutation[1]
        assert isinstance(blob, bytes)
        data = blob
    else:
        lines = data.split(b"\n")
        idx = mutation[1]
        assert isinstance(idx, int)
        i = idx % len(lines)
        lines = lines[:i] + lines[i + 1 :] if kind == "drop_line" else lines[: i + 1] + lines[i:]
        data = b"\n".join(lines)
    path.write_bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=st.sampled_from(FILES), mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_mutated_scenario_loads_or_raises_scenario_error(
    file: str, mutations: list[tuple[object, ...]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "s"
        shutil.copytree(TINY, folder)
        for mutation in mutations:
            _apply(folder / file, mutation)
        try:
            scenario = load_scenario(folder)
        except ScenarioError as exc:
            assert exc.errors, "a ScenarioError must carry at least one error"
            for issue in exc.issues:
                line = str(issue)
                assert "\n" not in line.replace("\\n", "")
                assert ": expected " in line and ", found " in line
        else:
            assert len(scenario.regions) >= 1


@settings(max_examples=30, deadline=None)
@given(file=st.sampled_from(FILES), mutation=MUTATION)
def test_mutated_scenario_never_gives_a_traceback_in_the_cli(file: str, mutation: tuple[object, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "s"
        shutil.copytree(TINY, folder)
        _apply(folder / file, mutation)
        result = CliRunner().invoke(app, ["validate", str(folder)])
        assert result.exit_code in (0, 1)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
