"""An Arrow table of applications → typed columns per fact key, and the rows that are clean.

Takes a ``pyarrow.Table`` or ``RecordBatch`` whose columns are application
fields — nested (struct columns ``establishment``, ``project``, as
``Table.from_pylist`` makes them) or flat with dotted names
(``establishment.district``) — and gives a :class:`Frame`: per field its fact
key's :class:`~kcrules.columnar.vector.Col` (ints, bools and day ordinals as
numpy arrays read from the Arrow buffers; codes normalised once per distinct
value with the rulebook's reader and kept as indices into the code table),
each parent's presence, and ``clean``: the
rows every check of the application model passes on (types, ranges, codes,
required fields, dates in order). A row that is not clean is decided row by
row by the caller, so its error (or decision) is exactly the one
``Rulebook.evaluate`` gives: these checks may refuse more than the model, never
less.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kcrules.columnar.vector import EPOCH_ORDINAL, Col
from kcrules.errors import InputError
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.codes import code_ids
from kcrules.rulefiles.fields import APPLICATION_FIELDS, CODE_FIELDS, field_info
from kcrules.rulefiles.loader import Definition
from kcrules.util.words import suggest

#: Text fields that only name or identify (they are echoed, never matched): checked for length and pattern.
_PLAIN_TEXT = ("id", "applicant.name", "establishment.name", "establishment.tax_code", "project.employer_name")
_ARROW_KIND = {"int": pa.types.is_integer, "bool": pa.types.is_boolean, "date": pa.types.is_date32,
               "code": pa.types.is_string, "str": pa.types.is_string}


@dataclass(frozen=True)
class Lookup:
    """A column given as a small table indexed by another: a code's attributes by the code, the
    law's parameters by each row's set of parameter values. It is looked up only for the rows
    that read it, never for the whole table."""

    source: str | None     # the fact key whose values index the table (None: the row's set of parameters)
    values: np.ndarray     # per index, the value; the last entry is for index -1 (no code)
    has: np.ndarray        # per index, whether there is a value
    vocab: tuple[str, ...] | None = None


@dataclass
class Frame:
    n: int
    columns: dict[str, Col] = field(default_factory=dict)   # fact key -> column
    lookups: dict[str, Lookup] = field(default_factory=dict)  # fact key -> column given by a table
    parents: dict[str, np.ndarray] = field(default_factory=dict)  # "establishment" -> row has one
    clean: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    read: frozenset[str] = frozenset()  # fact keys some condition of the rulebook reads


def as_table(data: Any) -> pa.Table:
    """A pyarrow Table from a Table, RecordBatch, polars or pandas DataFrame (zero-copy where they allow)."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if hasattr(data, "to_arrow"):  # polars
        return data.to_arrow()
    if hasattr(data, "columns") and hasattr(data, "dtypes"):  # pandas
        return pa.Table.from_pandas(data, preserve_index=False)
    raise InputError(f"evaluate_table takes a pyarrow Table or RecordBatch (or a polars/pandas DataFrame), "
                     f"not {type(data).__name__}")


def flat_columns(table: pa.Table) -> tuple[dict[str, pa.ChunkedArray], dict[str, np.ndarray]]:
    """Dotted name → column, struct columns opened; and per struct column, the rows where it is set."""
    cols: dict[str, pa.ChunkedArray] = {}
    parents: dict[str, np.ndarray] = {}
    for name, col in zip(table.column_names, table.columns):
        if pa.types.is_struct(col.type):
            parents[name] = col.is_valid().to_numpy(zero_copy_only=False)
            flat = pa.Table.from_arrays([col], names=[name]).flatten()
            for sub, subcol in zip(flat.column_names, flat.columns):
                cols[sub] = subcol
        else:
            cols[name] = col
    unknown = [k for k in cols if k not in APPLICATION_FIELDS]
    if unknown:
        hints = [f"{k!r}" + (f" (did you mean {s!r}?)" if (s := suggest(k, list(APPLICATION_FIELDS))) else "")
                 for k in unknown]
        raise InputError(f"unknown application field(s) among the table's columns: {', '.join(hints)}; "
                         "`kcrules schema` lists the fields (nested as struct columns or dotted names)")
    return cols, parents


def read_frame(table: pa.Table, definition: Definition, find_code: Any, read: frozenset[str]) -> Frame:
    """Typed columns and clean rows (see the module docstring); ``read``: the fact keys rules read."""
    n = table.num_rows
    cols, struct_parents = flat_columns(table)
    frame = Frame(n=n, clean=np.ones(n, dtype=bool), read=read)
    for head in ("applicant", "establishment", "project"):
        if head in struct_parents:
            frame.parents[head] = struct_parents[head]
        else:  # dotted columns: a row has the part where it has any of its fields
            given = [_valid_rows(_one_array(cols[p])) for p in cols if p.startswith(head + ".")]
            frame.parents[head] = np.logical_or.reduce(given) if given else np.zeros(n, dtype=bool)
        if field_info(head).is_required():
            frame.clean &= frame.parents[head]
    arrays = _arrays(cols)
    for path, (kind, _) in APPLICATION_FIELDS.items():
        parent = frame.parents.get(path.partition(".")[0]) if "." in path else np.ones(n, dtype=bool)
        _read_field(frame, path, kind, arrays.get(path), parent, definition, find_code)
    _check_dates_in_order(frame)
    return frame


def _arrays(cols: dict[str, pa.ChunkedArray]) -> dict[str, pa.Array]:
    """Each column as one array, the texts read once per distinct value (codes, ISO dates)
    dictionary-encoded first. Hashing them is the reader's largest cost, and Arrow hashes
    without holding the GIL: the columns are encoded side by side on the cores Arrow may use
    (``pyarrow.cpu_count()``, set by ``pyarrow.set_cpu_count``)."""
    arrays = {path: _one_array(col) for path, col in cols.items()}
    hashed = [path for path, arr in arrays.items()
              if APPLICATION_FIELDS[path][0] in ("code", "date") and pa.types.is_string(arr.type)]
    with ThreadPoolExecutor(max_workers=max(1, min(pa.cpu_count(), len(hashed)))) as pool:
        for path, encoded in zip(hashed, pool.map(lambda p: arrays[p].dictionary_encode(), hashed)):
            arrays[path] = encoded
    return arrays


def _read_field(frame: Frame, path: str, kind: str, arr: pa.Array | None, parent: np.ndarray,
                definition: Definition, find_code: Any) -> None:
    n = frame.n
    info = field_info(path)
    default = None if info.default is None or info.is_required() else info.default
    key = cond.fact_key(path)
    if arr is None or pa.types.is_null(arr.type):
        valid = np.zeros(n, dtype=bool)
        values: Any = empty(kind, n)
    elif not _accepted(kind, arr.type):
        frame.clean[:] = False  # the row-by-row reader says, per row, what the value should be
        frame.columns[key] = Col(empty(kind, n), np.zeros(n, dtype=bool))
        return
    else:
        valid = _valid_rows(arr)
        values = _values(arr, kind, path, definition, find_code, frame, valid)
    if info.is_required():
        frame.clean &= ~parent | valid
    vocab = vocabulary(definition, CODE_FIELDS[path]) if kind == "code" else None
    if default is not None:
        # An absent number or boolean reads as 0 or False already: only another default is written in.
        if not valid.all() and not (kind in ("int", "bool") and default == 0):
            values = np.where(valid, values, default if vocab is None else vocab.index(str(default)))
        valid = np.ones(n, dtype=bool)
    present = valid & parent
    frame.clean &= _within_limits(path, kind, values, present)
    frame.columns[key] = Col(values, present, vocab)


def empty(kind: str, n: int) -> np.ndarray:
    """A column of ``n`` absent values of a field's kind (typed, so comparisons with literals type-check)."""
    if kind == "str":
        return np.full(n, "", dtype=str)
    if kind == "code":
        return np.full(n, -1, dtype=np.int32)
    return np.zeros(n, dtype=bool if kind == "bool" else np.int64)


def vocabulary(definition: Definition, table: str) -> tuple[str, ...]:
    """A code table's ids: the vocabulary its columns hold indices into."""
    return tuple(code_ids(definition, table))


def _accepted(kind: str, t: pa.DataType) -> bool:
    """Arrow types read as the field's kind: its own, text for codes, ISO text for dates (text also
    dictionary-encoded)."""
    if _ARROW_KIND[kind](t):
        return True
    if kind in ("code", "str", "date") and pa.types.is_dictionary(t):
        return pa.types.is_string(t.value_type)
    return kind == "date" and pa.types.is_string(t)


# ---------------------------------------------------------------- Arrow buffers as numpy arrays
# Arrow keeps a column as buffers: a validity bitmap (absent when nothing is null), then the
# values — fixed-width numbers, packed bits for booleans, offsets and bytes for text. Reading
# them as numpy arrays costs nothing for numbers and one unpacking for bits, where
# pyarrow.compute's fill_null and to_numpy copy the column once or twice.

def _one_array(col: pa.ChunkedArray) -> pa.Array:
    """The column as one array (a column of several chunks is joined once)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _valid_rows(arr: pa.Array) -> np.ndarray:
    """Per row, whether the value is not null."""
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    if arr.buffers()[0] is None:  # a column of the null type
        return np.zeros(len(arr), dtype=bool)
    return _bits(arr.buffers()[0], arr.offset, len(arr))


def _bits(buf: pa.Buffer, offset: int, n: int) -> np.ndarray:
    packed = np.frombuffer(buf, dtype=np.uint8)
    return np.unpackbits(packed, count=offset + n, bitorder="little")[offset:].view(bool)


def _numbers(arr: pa.Array, valid: np.ndarray) -> np.ndarray:
    """A column of fixed-width numbers as numpy, without a copy when no value is null; 0 where null."""
    width = np.dtype(arr.type.to_pandas_dtype())
    values = np.frombuffer(arr.buffers()[1], dtype=width, count=len(arr), offset=arr.offset * width.itemsize)
    # What lies under a null is unspecified: 0 there, as pyarrow's fill_null would give.
    return values if arr.null_count == 0 else np.where(valid, values, 0).astype(width, copy=False)


def _booleans(arr: pa.Array, valid: np.ndarray) -> np.ndarray:
    values = _bits(arr.buffers()[1], arr.offset, len(arr))
    return values if arr.null_count == 0 else values & valid


def _values(arr: pa.Array, kind: str, path: str, definition: Definition, find_code: Any, frame: Frame,
            valid: np.ndarray) -> Any:
    if kind == "int":
        values = _numbers(arr, valid)
        if values.dtype == np.uint64:  # whole numbers past int64 are the row path's (it says what is allowed)
            frame.clean &= ~valid | (values <= np.iinfo(np.int64).max)
            values = np.where(values <= np.iinfo(np.int64).max, values, 0).astype(np.int64)
        return values  # narrow integers stay narrow: comparisons promote, arithmetic is done in int64
    if kind == "bool":
        return _booleans(arr, valid)
    if kind == "date":
        if pa.types.is_date32(arr.type):
            return np.add(_numbers(arr.view(pa.int32()), valid), EPOCH_ORDINAL, dtype=np.int64)
        return _iso_days(arr, frame, valid)
    if kind == "code":
        return _codes(arr, CODE_FIELDS[path], vocabulary(definition, CODE_FIELDS[path]), find_code, frame, valid)
    if path not in _PLAIN_TEXT:
        frame.clean &= ~valid  # a text the rules might read: the row-by-row reader checks it
        return _texts(arr)
    frame.clean &= _plain_text_ok(path, arr, valid)
    if cond.fact_key(path) in frame.read:
        return _texts(arr)
    # A name or reference no rule reads is only echoed (the result's id column is the input's):
    # copying it into numpy would cost more than everything else on the row.
    return np.full(len(valid), "", dtype=str)


def _texts(arr: pa.Array) -> np.ndarray:
    text = pc.fill_null(arr.cast(pa.string()) if pa.types.is_dictionary(arr.type) else arr, "")
    return text.to_numpy(zero_copy_only=False).astype(str)


def _distinct(arr: pa.Array, valid: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """The distinct values of a column (a dictionary column's own dictionary) and each row's index
    among them; a null row gets the index one past the last."""
    enc = arr if pa.types.is_dictionary(arr.type) else arr.dictionary_encode()
    given = enc.dictionary.to_pylist()
    index = _numbers(enc.indices, valid)
    return given, (index if enc.null_count == 0 else np.where(valid, index, len(given)))


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_days(arr: pa.Array, frame: Frame, valid: np.ndarray) -> np.ndarray:
    """ISO text dates (as in JSON: only YYYY-MM-DD is read here) as day ordinals, each distinct text
    parsed once; a text that is no such date makes its row unclean."""
    given, index = _distinct(arr, valid)
    days = [dt.date.fromisoformat(g).toordinal() if _is_iso_day(g) else 0 for g in given]
    ordinals = np.array(days + [EPOCH_ORDINAL], dtype=np.int64)[index]
    bad = ordinals == 0  # no day has ordinal 0
    if bad.any():
        frame.clean &= ~(valid & bad)
        ordinals[bad] = EPOCH_ORDINAL
    return ordinals


def _is_iso_day(text: str) -> bool:
    if not _ISO_DAY.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _codes(arr: pa.Array, table: str, vocab: tuple[str, ...], find_code: Any, frame: Frame,
           valid: np.ndarray) -> np.ndarray:
    """Each distinct value normalised once, as its index in the code table; a value no code matches
    makes its row unclean."""
    given, index = _distinct(arr, valid)
    position = {code: i for i, code in enumerate(vocab)}
    # int32: a code table is small, and the indices are taken for every activity's rows.
    found = np.array([position.get(find_code(table, g), -1) for g in given] + [-1], dtype=np.int32)
    codes = found[index]
    frame.clean &= (codes >= 0) | ~valid
    return codes


def _plain_text_ok(path: str, arr: pa.Array, valid: np.ndarray) -> np.ndarray:
    """Rows whose text keeps the field's length and pattern.

    The model strips surrounding white space first; stripping only shortens a text and the
    patterns admit no white space, so a text that passes here passes there too (and no rule
    reads these texts: the decision is the same).
    """
    if pa.types.is_dictionary(arr.type):  # checked once per distinct text
        ok = _plain_text_ok(path, arr.dictionary, np.ones(len(arr.dictionary), dtype=bool))
        _, index = _distinct(arr, valid)
        return np.append(ok, True)[index]
    ok = np.ones(len(valid), dtype=bool)
    for meta in _metadata(path):
        if getattr(meta, "max_length", None) is not None:
            # A text of no more bytes than the limit has no more characters; the others are counted.
            offsets = _offsets(arr)
            long = np.flatnonzero(valid & (np.diff(offsets) > meta.max_length))
            if len(long):
                chars = pc.utf8_length(arr.take(pa.array(long))).to_numpy(zero_copy_only=False)
                ok[long] &= chars <= meta.max_length
        pattern = getattr(meta, "pattern", None)
        if pattern and arr.null_count < len(arr):
            ok &= pc.fill_null(pc.match_substring_regex(arr, pattern), True).to_numpy(zero_copy_only=False)
    return ok | ~valid


def _offsets(arr: pa.Array) -> np.ndarray:
    """A text column's offsets: row i's bytes are data[offsets[i]:offsets[i + 1]]."""
    return np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)


def _metadata(path: str) -> list[Any]:
    """Every constraint on a field: its own metadata and that of Annotated types inside its annotation."""
    info = field_info(path)
    out = list(info.metadata)
    stack = [info.annotation]
    while stack:
        tp = stack.pop()
        if typing.get_origin(tp) is typing.Annotated:
            out += list(typing.get_args(tp)[1:])
        stack += [a for a in typing.get_args(tp) if not isinstance(a, (str, int, float))]
    flat = []
    for meta in out:
        flat += list(getattr(meta, "metadata", [])) or [meta]
    return flat


def _within_limits(path: str, kind: str, values: Any, rows: np.ndarray) -> np.ndarray:
    """Rows whose value respects the field's bounds (ge/le, days within the model's calendar)."""
    if kind not in ("int", "date"):
        return np.ones(len(rows), dtype=bool)
    ok = np.ones(len(rows), dtype=bool)
    for meta in _metadata(path):
        low, high = getattr(meta, "ge", None), getattr(meta, "le", None)
        if isinstance(low, dt.date):
            low = low.toordinal()
        if isinstance(high, dt.date):
            high = high.toordinal()
        if low is not None:
            ok &= values >= low
        if high is not None:
            ok &= values <= high
    return ok | ~rows


def _check_dates_in_order(frame: Frame) -> None:
    start, end = frame.columns.get("project__start_date"), frame.columns.get("project__end_date")
    if start is not None and end is not None:
        both = start.present & end.present
        frame.clean &= ~both | (end.values >= start.values)

