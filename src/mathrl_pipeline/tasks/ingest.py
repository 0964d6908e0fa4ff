"""Where a task's rows come from: the embedded generator, a Hub id, or a local file or mirror.

One code path serves the real configuration (a Hub id such as ``array/SAT`` with ``revision``
and ``split``, or a local mirror of it in the Hub's layout) and the embedded default (rows the
project generated in the source's own schema). The split is read in batches with only the
columns the task maps (:mod:`.sources`); ``limit`` and ``sample`` are applied while reading, so
memory holds the kept rows and one batch, never the whole split. Columns are then renamed to
the task's field names (``<task>.source.columns``, aliases where a dataset's versions differ).
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field

from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.progress import ProgressLog
from mathrl_pipeline.tasks.images import ImagePolicy
from mathrl_pipeline.tasks.sources import (
    FrameReader,
    Location,
    SourceError,
    reader_for,
    resolve,
    take_rows,
)

logger = logging.getLogger(__name__)

EMBEDDED = "embedded"
SOURCE_ROW = "source_row"  # the row's position in the source split (stable ids)
PROGRESS_SECONDS = 15.0  # a progress line while a long split is read

__all__ = ["EMBEDDED", "SOURCE_ROW", "EmbeddedParams", "ImagePolicy", "SampleParams",
           "SourceError", "SourceParams", "load_rows"]


class SampleParams(StrictParams):
    """A seeded sample of ``n`` rows, uniform or balanced over the values of ``by``."""

    n: int = Field(ge=0)
    by: str | None = None
    seed: int = 0


class SourceParams(StrictParams):
    """``<task>.source``: which split of which dataset, and how its columns map to task fields.

    ``path``: ``embedded`` (rows generated offline), a Hub id (streamed), a local mirror folder
    in the Hub's layout, or a local jsonl / json / parquet / csv file. ``name``, ``split``,
    ``revision``: as on the Hub. ``limit``: the first N rows of the split. ``columns``: task
    field -> source column (a list gives aliases, the first present wins, and a list ending in
    null makes the field optional; null leaves the field out); empty keeps the source's
    columns. ``sample``: then keep a seeded sample (drawn while reading). ``images``: see
    :class:`~mathrl_pipeline.tasks.images.ImagePolicy`.
    """

    path: str = EMBEDDED
    name: str | None = None
    split: str = "train"
    revision: str | None = None
    limit: int | None = Field(None, ge=0)
    columns: dict[str, str | list[str | None] | None] = Field(default_factory=dict)
    sample: SampleParams | None = None
    images: ImagePolicy = ImagePolicy()


class EmbeddedParams(StrictParams):
    """``<task>.embedded``: the offline generator used when ``source.path`` is ``embedded``."""

    count: int = Field(240, ge=1)
    seed: int = 0
    malformed_rows: int = Field(0, ge=0)  # > 0 appends broken rows to exercise the rejects


def is_embedded(source: SourceParams) -> bool:
    """Whether ``source`` asks for the embedded generator's rows."""
    return source.path == EMBEDDED


def image_root(source: SourceParams) -> Path | None:
    """The folder relative image paths start from: ``images.root``, else the local source's."""
    if source.images.root:
        return Path(source.images.root)
    if is_embedded(source):
        return None
    path = Path(source.path).expanduser()
    if path.is_dir():
        return path
    return path.parent if path.is_file() else None


def describe_source(source: SourceParams) -> str:
    """A short description of a source for messages: path, config, split, revision."""
    parts = [source.path]
    if source.name:
        parts.append(f"config {source.name}")
    if not is_embedded(source):
        parts.append(f"split {source.split}")
    if source.revision:
        parts.append(f"revision {source.revision}")
    return ", ".join(parts)


def column_plan(columns: dict[str, str | list[str | None] | None], available: list[str],
                param: str) -> dict[str, str | None]:
    """Task field -> the source column that feeds it (the first alias present; None: absent)."""
    if not columns:
        return {name: name for name in available}
    plan: dict[str, str | None] = {}
    for field, wanted in columns.items():
        if wanted is None:
            plan[field] = None
            continue
        aliases = [wanted] if isinstance(wanted, str) else list(wanted)
        present = next((a for a in aliases if a is not None and a in available), None)
        if present is None and None in aliases:  # a list ending in null: an optional field
            plan[field] = None
            continue
        if present is None:
            raise SourceError(f"parameter {param}.{field}: none of {aliases} is a column of the "
                              f"source (it has {available})")
        plan[field] = present
    return plan


def sample_positions(keys: pd.Series, sample: SampleParams) -> list[int] | None:
    """Positions of a seeded sample of up to ``sample.n`` rows, sorted (None: every row).

    ``keys`` is indexed by position; with ``sample.by`` it holds that field's values and rows
    are dealt round-robin from each value's seeded shuffle, so small groups are kept whole and
    large ones share the rest equally.
    """
    if sample.n >= len(keys):
        return None
    rng = random.Random(sample.seed)
    if sample.by is None:
        return sorted(rng.sample(list(keys.index), sample.n))
    groups = keys.groupby(keys, dropna=False).groups
    pools = {key: rng.sample(list(idx), len(idx))
             for key, idx in sorted(groups.items(), key=lambda kv: str(kv[0]))}
    picked: list[int] = []
    while len(picked) < sample.n and any(pools.values()):
        for key in list(pools):
            if pools[key] and len(picked) < sample.n:
                picked.append(pools[key].pop())
    return sorted(int(p) for p in picked)


def _rows_to_read(reader: Any, limit: int | None, wanted: list[int] | None) -> int | None:
    """How many rows :func:`_read` will go through (None: unknown until read)."""
    if wanted is not None:
        return max(wanted) + 1 if wanted else 0
    count = reader.count(limit)
    if count is None:
        return limit
    return count if limit is None else min(count, limit)


def _read(reader: Any, columns: list[str], limit: int | None,
          wanted: list[int] | None, label: str = "ingest") -> pd.DataFrame:
    """The rows at positions ``wanted`` (all when None) below ``limit``, batch by batch (with
    progress: a bar in a terminal, a line every ``PROGRESS_SECONDS`` otherwise)."""
    frames: list[pd.DataFrame] = []
    wanted_set = None if wanted is None else set(wanted)
    last = None if wanted is None else (max(wanted) if wanted else -1)
    offset = 0
    total = _rows_to_read(reader, limit, wanted)
    with ProgressLog(total, label, unit="rows", interval_s=PROGRESS_SECONDS,
                     logger=logger) as progress:
        for batch in reader.batches(columns):
            size = batch.num_rows if hasattr(batch, "num_rows") else len(batch)
            stop = size if limit is None else min(size, limit - offset)
            if wanted_set is None:
                offsets = None if stop == size else list(range(stop))
            else:
                offsets = [i for i in range(stop) if offset + i in wanted_set]
            if offsets is None or offsets:
                frame = take_rows(batch, offsets)
                frame[SOURCE_ROW] = [offset + i for i in (offsets or range(stop))]
                frames.append(frame)
            read = stop if total is None else min(stop, total - progress.done)
            progress.update(max(0, read))
            offset += size
            if (limit is not None and offset >= limit) or (last is not None and offset > last):
                break
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*columns, SOURCE_ROW]})
    return pd.concat(frames, ignore_index=True)


def _sample_keys(reader: Any, plan: dict[str, str | None], sample: SampleParams,
                 limit: int | None, param: str) -> pd.Series:
    """Per position below ``limit``: the ``sample.by`` field's value (or just the positions)."""
    if sample.by is None:
        count = reader.count()
        if count is not None:
            total = count if limit is None else min(count, limit)
            return pd.Series(0, index=range(total))
    by_column = plan.get(sample.by) if sample.by is not None else None
    if sample.by is not None and by_column is None:
        raise SourceError(f"parameter {param}.sample.by: no field {sample.by!r} to balance on "
                          f"(fields: {sorted(plan)})")
    column = by_column or next(c for c in plan.values() if c is not None)
    keys = _read(reader, [column], limit, None, label="ingest (sample keys)")
    return keys.set_index(SOURCE_ROW)[column].map(lambda v: v if _hashable(v) else str(v))


def _hashable(value: Any) -> bool:
    """Whether a cell can be a group key."""
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _reader(embedded: pd.DataFrame, source: SourceParams, param: str) -> tuple[Any, dict]:
    """The reader of ``source`` and what the stage report says about it."""
    if is_embedded(source):
        return FrameReader(embedded), {"kind": EMBEDDED, "path": EMBEDDED}
    location: Location = resolve(source.path, source.split, source.name, source.revision, param)
    return reader_for(location, param), location.describe()


def load_rows(embedded: pd.DataFrame, source: SourceParams, task: str) -> tuple[pd.DataFrame,
                                                                              dict[str, Any]]:
    """The rows of ``<task>.source`` with the task's field names and ``source_row``, and a
    description of where they came from (for the stage report).

    The embedded frame is read only when ``source.path`` is ``embedded``: a real source never
    falls back to generated rows.
    """
    param = f"{task}.source"
    reader, info = _reader(embedded, source, param)
    plan = column_plan(source.columns, reader.columns(), f"{param}.columns")
    needed = list(dict.fromkeys(c for c in plan.values() if c is not None))
    if not needed:
        raise SourceError(f"parameter {param}.columns maps no field to a source column")
    wanted = None
    if source.sample is not None:
        keys = _sample_keys(reader, plan, source.sample, source.limit, param)
        wanted = sample_positions(keys, source.sample)
    frame = _read(reader, needed, source.limit, wanted)
    mapped = pd.DataFrame({field: (frame[column] if column is not None else None)
                           for field, column in plan.items()}, index=frame.index)
    mapped[SOURCE_ROW] = frame[SOURCE_ROW].astype("int64")
    info = {**info, "rows": len(mapped), "columns": {k: v for k, v in plan.items() if v}}
    if len(mapped) == 0:
        raise SourceError(f"parameter {param}: no rows in {describe_source(source)} "
                          f"(limit={source.limit}, sample={source.sample})")
    logger.info("%s: %d rows from %s", task, len(mapped), describe_source(source))
    return mapped, info
