"""A DataFrame as bytes and back, exactly: same columns, dtypes, values and index.

Parquet would do this too but needs pyarrow, which the project does not otherwise
depend on; this encoding needs nothing beyond numpy and pandas. A frame becomes one
zlib-compressed JSON document:

* numpy columns (bool, ints, floats, datetimes) as their raw little-endian bytes
  (base64), so every float — NaN, ±inf, -0.0 — comes back bit for bit;
* nullable extension columns (``Int64``, ``Float64``, ``boolean``) as data bytes plus a
  mask;
* string columns (``str``, ``string``) as a list of strings with ``null`` for missing;
* categoricals as their categories (encoded like any column) plus int codes;
* ``object`` columns value by value, with tags for what JSON cannot say (tuples, NaN
  versus None, ``pd.NA``, timestamps, numpy scalars are written as Python numbers).

The column labels and the index (a ``RangeIndex`` or any one-level index) are kept with
their dtypes. A column of a dtype outside this list raises :class:`CodecError` naming it.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from typing import Any

import numpy as np
import pandas as pd

ENCODING = "frame-json-v1+zlib"


class CodecError(ValueError):
    """A frame holds something this encoding cannot store exactly."""


def encode_frame(df: pd.DataFrame, where: str = "table") -> bytes:
    """``df`` as bytes (see the module docstring); ``where`` names it in errors."""
    if isinstance(df.columns, pd.MultiIndex) or isinstance(df.index, pd.MultiIndex):
        raise CodecError(f"{where}: tables with a MultiIndex cannot be stored; reset_index() first")
    doc = {
        "rows": len(df),
        "index": _encode_index(df.index, where),
        "labels": _encode_series(pd.Series(df.columns, dtype=df.columns.dtype), f"{where} column labels"),
        "columns": [_encode_series(df.iloc[:, i], f"{where}.{df.columns[i]}") for i in range(df.shape[1])],
    }
    return zlib.compress(json.dumps(doc, separators=(",", ":"), allow_nan=True).encode("utf-8"), 6)


def decode_frame(data: bytes) -> pd.DataFrame:
    """The frame :func:`encode_frame` wrote."""
    doc = json.loads(zlib.decompress(data).decode("utf-8"))
    n = int(doc["rows"])
    index = _decode_index(doc["index"], n)
    labels = _decode_series(doc["labels"])
    columns = [_decode_series(c) for c in doc["columns"]]
    # concat keeps each column's dtype (a DataFrame built from a dict would infer ``str`` for
    # an object column of strings)
    if columns:
        frame = pd.concat([col.set_axis(index) for col in columns], axis=1, keys=range(len(columns)))
    else:
        frame = pd.DataFrame(index=index)
    frame.columns = pd.Index(labels.array, dtype=labels.dtype)
    return frame


# --------------------------------------------------------------------------------------
# columns


def _b64(arr: np.ndarray) -> str:
    a = np.ascontiguousarray(arr)
    if a.dtype.byteorder == ">":
        a = a.byteswap().view(a.dtype.newbyteorder("<"))
    return base64.b64encode(a.tobytes()).decode("ascii")


def _from_b64(text: str, dtype: np.dtype[Any]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype.newbyteorder("<")).astype(dtype, copy=True)


def _encode_series(s: pd.Series, where: str) -> dict[str, Any]:
    dtype = s.dtype
    name = str(dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        cats = pd.Series(dtype.categories, dtype=dtype.categories.dtype)
        return {
            "kind": "category",
            "categories": _encode_series(cats, where),
            "ordered": bool(dtype.ordered),
            "codes": _b64(np.asarray(s.cat.codes.to_numpy(), dtype=np.int64)),
        }
    if isinstance(dtype, pd.StringDtype):
        values = [
            None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
            for v in s.array
        ]
        return {"kind": "string", "dtype": name, "values": values}
    if isinstance(dtype, pd.DatetimeTZDtype):
        return {"kind": "datetimetz", "dtype": name, "data": _b64(s.array.asi8)}
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and name in _MASKED:
        arr = s.array
        mask = np.asarray(pd.isna(arr), dtype=bool)
        data = np.asarray(arr.to_numpy(dtype=_MASKED[name], na_value=_MASKED_FILL[name]))
        return {"kind": "masked", "dtype": name, "data": _b64(data), "mask": _b64(mask)}
    if isinstance(dtype, np.dtype):
        if dtype.kind in "biufmM":
            return {"kind": "numpy", "dtype": dtype.str, "data": _b64(s.to_numpy())}
        if dtype.kind == "O":
            return {"kind": "object", "values": [_tag(v, where) for v in s.to_numpy()]}
    raise CodecError(f"{where}: cannot store a column of dtype {name}")


_MASKED: dict[str, type] = {
    "Int8": np.int8,
    "Int16": np.int16,
    "Int32": np.int32,
    "Int64": np.int64,
    "UInt8": np.uint8,
    "UInt16": np.uint16,
    "UInt32": np.uint32,
    "UInt64": np.uint64,
    "Float32": np.float32,
    "Float64": np.float64,
    "boolean": np.bool_,
}
_MASKED_FILL: dict[str, Any] = {k: (False if k == "boolean" else 0) for k in _MASKED}


def _decode_series(doc: dict[str, Any]) -> pd.Series:
    kind = doc["kind"]
    if kind == "numpy":
        return pd.Series(_from_b64(doc["data"], np.dtype(doc["dtype"])), copy=False)
    if kind == "masked":
        name = doc["dtype"]
        data = _from_b64(doc["data"], np.dtype(_MASKED[name]))
        mask = _from_b64(doc["mask"], np.dtype(np.bool_))
        arr: Any
        if name == "boolean":
            arr = pd.arrays.BooleanArray(data, mask)
        elif name.startswith("Float"):
            arr = pd.arrays.FloatingArray(data, mask)
        else:
            arr = pd.arrays.IntegerArray(data, mask)
        return pd.Series(arr, copy=False)
    if kind == "string":
        return pd.Series(pd.array(doc["values"], dtype=pd.api.types.pandas_dtype(doc["dtype"])))
    if kind == "datetimetz":
        dtype = pd.api.types.pandas_dtype(doc["dtype"])
        naive = _from_b64(doc["data"], np.dtype(np.int64)).view(f"datetime64[{dtype.unit}]")
        return pd.Series(pd.DatetimeIndex(naive).tz_localize("UTC").tz_convert(dtype.tz))
    if kind == "category":
        cats = _decode_series(doc["categories"])
        codes = _from_b64(doc["codes"], np.dtype(np.int64))
        categorical = pd.Categorical.from_codes(
            codes, dtype=pd.CategoricalDtype(pd.Index(cats.array, dtype=cats.dtype), ordered=doc["ordered"])
        )
        return pd.Series(categorical)
    if kind == "object":
        out = np.empty(len(doc["values"]), dtype=object)
        for i, v in enumerate(doc["values"]):
            out[i] = _untag(v)
        return pd.Series(out, dtype=object, copy=False)
    raise CodecError(f"unknown column encoding {kind!r}")


# --------------------------------------------------------------------------------------
# index


def _encode_index(index: pd.Index, where: str) -> dict[str, Any]:
    name = _tag(index.name, f"{where} index name")
    if isinstance(index, pd.RangeIndex):
        return {"kind": "range", "start": index.start, "stop": index.stop, "step": index.step, "name": name}
    return {
        "kind": "values",
        "values": _encode_series(pd.Series(index, dtype=index.dtype), f"{where} index"),
        "name": name,
    }


def _decode_index(doc: dict[str, Any], n: int) -> pd.Index:
    name = _untag(doc["name"])
    if doc["kind"] == "range":
        return pd.RangeIndex(doc["start"], doc["stop"], doc["step"], name=name)
    values = _decode_series(doc["values"])
    return pd.Index(values.array, dtype=values.dtype, name=name)


# --------------------------------------------------------------------------------------
# object values


def _tag(v: Any, where: str) -> Any:
    """A JSON value for one object-column value; tags keep what JSON would lose."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if v is pd.NA:
        return {"$na": True}
    if v is pd.NaT:
        return {"$nat": True}
    if isinstance(v, (int, np.integer)) and not isinstance(v, np.bool_):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, tuple):
        return {"$tuple": [_tag(x, where) for x in v]}
    if isinstance(v, list):
        return [_tag(x, where) for x in v]
    if isinstance(v, dict):
        return {"$dict": [[_tag(k, where), _tag(x, where)] for k, x in v.items()]}
    if isinstance(v, pd.Timestamp):
        return {"$ts": v.isoformat()}
    raise CodecError(f"{where}: cannot store a value of type {type(v).__name__} ({v!r:.60})")


def _untag(v: Any) -> Any:
    if isinstance(v, list):
        return [_untag(x) for x in v]
    if isinstance(v, dict):
        if "$tuple" in v:
            return tuple(_untag(x) for x in v["$tuple"])
        if "$dict" in v:
            return {_untag(k): _untag(x) for k, x in v["$dict"]}
        if "$na" in v:
            return pd.NA
        if "$nat" in v:
            return pd.NaT
        if "$ts" in v:
            return pd.Timestamp(v["$ts"])
        raise CodecError(f"unknown tagged value {v!r:.60}")
    return v
