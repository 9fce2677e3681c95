"""An Arrow table of applications → typed columns per fact key, and the rows that are clean.

Takes a ``pyarrow.Table`` or ``RecordBatch`` whose columns are application
fields — nested (struct columns ``establishment``, ``project``, as
``Table.from_pylist`` makes them) or flat with dotted names
(``establishment.district``) — and gives a :class:`Frame`: per field its fact
key's :class:`~kcrules.columnar.vector.Col` (ints, bools and day ordinals as
numpy arrays; codes normalised once per distinct value with the rulebook's
reader and kept as numpy strings), each parent's presence, and ``clean``: the
rows every check of the application model passes on (types, ranges, codes,
required fields, dates in order). A row that is not clean is decided row by
row by the caller, so its error (or decision) is exactly the one
``Rulebook.evaluate`` gives: these checks may refuse more than the model, never
less.
"""

from __future__ import annotations

import datetime as dt
import typing
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


@dataclass
class Frame:
    n: int
    columns: dict[str, Col] = field(default_factory=dict)   # fact key -> column
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
        given = [cols[p] for p in cols if p.startswith(head + ".")]
        any_set = np.logical_or.reduce([c.is_valid().to_numpy(zero_copy_only=False) for c in given]) \
            if given else np.zeros(n, dtype=bool)
        frame.parents[head] = struct_parents[head] if head in struct_parents else any_set
        if field_info(head).is_required():
            frame.clean &= frame.parents[head]
    for path, (kind, _) in APPLICATION_FIELDS.items():
        col = cols.get(path)
        parent = frame.parents.get(path.partition(".")[0]) if "." in path else np.ones(n, dtype=bool)
        _read_field(frame, path, kind, col, parent, definition, find_code)
    _check_dates_in_order(frame)
    return frame


def _read_field(frame: Frame, path: str, kind: str, col: pa.ChunkedArray | None, parent: np.ndarray,
                definition: Definition, find_code: Any) -> None:
    n = frame.n
    info = field_info(path)
    default = None if info.default is None or info.is_required() else info.default
    key = cond.fact_key(path)
    if col is None or pa.types.is_null(col.type):
        valid = np.zeros(n, dtype=bool)
        values: Any = empty(kind, n)
    elif not _accepted(kind, col.type):
        frame.clean[:] = False  # the row-by-row reader says, per row, what the value should be
        frame.columns[key] = Col(empty(kind, n), np.zeros(n, dtype=bool))
        return
    else:
        valid = col.is_valid().to_numpy(zero_copy_only=False)
        values = _values(col, kind, path, definition, find_code, frame, valid)
    if info.is_required():
        frame.clean &= ~parent | valid
    vocab = vocabulary(definition, CODE_FIELDS[path]) if kind == "code" else None
    if default is not None:
        values = np.where(valid, values, default if vocab is None else vocab.index(str(default)))
        valid = np.ones(n, dtype=bool)
    frame.clean &= _within_limits(path, kind, values, valid & parent)
    frame.columns[key] = Col(values, valid & parent, vocab)


def empty(kind: str, n: int) -> np.ndarray:
    """A column of ``n`` absent values of a field's kind (typed, so comparisons with literals type-check)."""
    if kind == "str":
        return np.full(n, "", dtype=str)
    if kind == "code":
        return np.full(n, -1, dtype=np.int64)
    return np.zeros(n, dtype=bool if kind == "bool" else np.int64)


def vocabulary(definition: Definition, table: str) -> tuple[str, ...]:
    """A code table's ids: the vocabulary its columns hold indices into."""
    return tuple(code_ids(definition, table))


def _accepted(kind: str, t: pa.DataType) -> bool:
    """Arrow types read as the field's kind: its own, text for codes (also dictionary-encoded), ISO text for dates."""
    if _ARROW_KIND[kind](t):
        return True
    if kind in ("code", "str") and pa.types.is_dictionary(t):
        return pa.types.is_string(t.value_type)
    return kind == "date" and pa.types.is_string(t)


def _values(col: pa.ChunkedArray, kind: str, path: str, definition: Definition, find_code: Any, frame: Frame,
            valid: np.ndarray) -> Any:
    if kind == "int":
        return pc.fill_null(col, 0).to_numpy().astype(np.int64)
    if kind == "bool":
        return pc.fill_null(col, False).to_numpy(zero_copy_only=False)
    if kind == "date":
        if pa.types.is_string(col.type):  # ISO text, as in JSON: only YYYY-MM-DD is read here
            iso = pc.match_substring_regex(col, r"^\d{4}-\d{2}-\d{2}$")
            parsed = pc.strptime(pc.if_else(iso, col, None), format="%Y-%m-%d", unit="s", error_is_null=True)
            frame.clean &= ~valid | parsed.is_valid().to_numpy(zero_copy_only=False)
            col = parsed.cast(pa.date32())
        return pc.fill_null(col, 0).cast(pa.int32()).to_numpy().astype(np.int64) + EPOCH_ORDINAL
    if kind == "code":
        return _codes(col, CODE_FIELDS[path], vocabulary(definition, CODE_FIELDS[path]), find_code, frame, valid)
    text = pc.fill_null(col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col, "")
    if path not in _PLAIN_TEXT:
        frame.clean &= ~valid  # a text the rules might read: the row-by-row reader checks it
        return text.to_numpy(zero_copy_only=False).astype(str)
    frame.clean &= _plain_text_ok(path, text, valid)
    if cond.fact_key(path) in frame.read:
        return text.to_numpy(zero_copy_only=False).astype(str)
    # A name or reference no rule reads is only echoed (the result's id column is the input's):
    # copying it into numpy would cost more than everything else on the row.
    return np.full(len(valid), "", dtype=str)


def _codes(col: pa.ChunkedArray, table: str, vocab: tuple[str, ...], find_code: Any, frame: Frame,
           valid: np.ndarray) -> np.ndarray:
    """Each distinct value normalised once, as its index in the code table; a value no code matches
    makes its row unclean."""
    enc = col.dictionary_encode() if not pa.types.is_dictionary(col.type) else col
    combined = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
    given = combined.dictionary.to_pylist()
    position = {code: i for i, code in enumerate(vocab)}
    found = [position.get(find_code(table, g), -1) for g in given]
    index = np.array(found + [-1], dtype=np.int64)
    idx = pc.fill_null(combined.indices, len(given)).to_numpy(zero_copy_only=False).astype(np.int64)
    frame.clean &= (index[idx] >= 0) | ~valid
    return index[idx]


def _plain_text_ok(path: str, text: pa.ChunkedArray, valid: np.ndarray) -> np.ndarray:
    ok = np.ones(len(valid), dtype=bool)
    for meta in _metadata(path):
        if hasattr(meta, "max_length") and meta.max_length is not None:
            ok &= pc.less_equal(pc.utf8_length(text), meta.max_length).to_numpy(zero_copy_only=False)
        pattern = getattr(meta, "pattern", None)
        if pattern:
            ok &= pc.match_substring_regex(text, pattern).to_numpy(zero_copy_only=False)
    # The model strips surrounding white space; such values go row by row so the echo is the same.
    ok &= ~pc.match_substring_regex(text, r"^\s|\s$").to_numpy(zero_copy_only=False)
    return ok | ~valid


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

