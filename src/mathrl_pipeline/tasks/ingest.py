"""Where a task's rows come from: the embedded generator, a Hub id, or a local file or mirror.

The same code path serves the real configuration (a Hub id such as ``array/SAT`` with
``revision`` and ``split``, or a local mirror of it) and the embedded default (rows the project
generated in the source's own schema). Hugging Face ``datasets`` does the loading; columns are
then renamed to the task's field names (``<task>.source.columns``), so that the task's validation
reads one schema whatever the source.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pandas as pd
from pydantic import Field

from mathrl_pipeline.params import StrictParams

logger = logging.getLogger(__name__)

EMBEDDED = "embedded"
SOURCE_ROW = "source_row"  # the row's position in the source split (stable ids)

_LOCAL_BUILDERS = {
    ".jsonl": "json",
    ".json": "json",
    ".parquet": "parquet",
    ".csv": "csv",
}


class SourceError(ValueError):
    """A data source that cannot be loaded, with the parameter that named it."""


class SampleParams(StrictParams):
    """A seeded sample of ``n`` rows, uniform or balanced over the values of ``by``."""

    n: int = Field(ge=0)
    by: str | None = None
    seed: int = 0


class ImagePolicy(StrictParams):
    """``<task>.source.images``: how image cells are read.

    ``max_images``: a row with more images is a reject (``multi_image_skipped``), as
    VisualThinker skips them; above 1 the split keeps every image in an ``images`` column.
    ``root``: the folder that relative image paths are read from.
    """

    max_images: int = Field(1, ge=1)
    root: str | None = None


class SourceParams(StrictParams):
    """``<task>.source``: what ``datasets.load_dataset`` is asked for, and how columns map.

    ``path``: ``embedded`` (rows generated offline), a Hub id, a local mirror folder, or a local
    jsonl / json / parquet / csv file. ``name``, ``split``, ``revision``: as in ``load_dataset``.
    ``limit``: the first N rows of the split. ``columns``: task field -> source column (a list
    gives aliases, the first present wins; null leaves the field out); empty keeps the source's
    columns. ``sample``: then keep a seeded sample. ``images``: see :class:`ImagePolicy`.
    """

    path: str = EMBEDDED
    name: str | None = None
    split: str = "train"
    revision: str | None = None
    limit: int | None = Field(None, ge=0)
    columns: dict[str, str | list[str] | None] = Field(default_factory=dict)
    sample: SampleParams | None = None
    images: ImagePolicy = ImagePolicy()


class EmbeddedParams(StrictParams):
    """``<task>.embedded``: the offline generator used when ``source.path`` is ``embedded``."""

    count: int = Field(240, ge=1)
    seed: int = 0
    malformed_rows: int = Field(0, ge=0)  # > 0 appends broken rows to exercise the rejects


def load_source(
    source: str,
    *,
    split: str = "train",
    revision: str | None = None,
    limit: int | None = None,
    name: str | None = None,
    param_name: str = "source.path",
) -> pd.DataFrame:
    """Load ``source`` (a local file or folder, or a Hub dataset id) as a DataFrame.

    ``limit`` keeps the first N rows in dataset order (after the split is chosen).
    """
    import datasets  # heavy import kept local; `datasets` does not import torch

    if not source:
        raise SourceError(f"parameter {param_name!r} is empty: give a Hub id or a local path")
    path = Path(source)
    if path.suffix.lower() in _LOCAL_BUILDERS or path.exists():
        if not path.exists():
            raise SourceError(f"parameter {param_name!r}: local file {source!r} does not exist")
        if path.is_dir():
            dataset = datasets.load_dataset(str(path), name=name, split=split)
        else:
            builder = _LOCAL_BUILDERS.get(path.suffix.lower())
            if builder is None:
                raise SourceError(
                    f"parameter {param_name!r}: cannot read {source!r}; expected one of "
                    f"{sorted(_LOCAL_BUILDERS)} or a dataset folder"
                )
            dataset = datasets.load_dataset(builder, data_files={split: str(path)}, split=split)
    else:
        logger.info(
            "Loading %s (split=%s, revision=%s) from the Hugging Face Hub", source, split, revision
        )
        dataset = datasets.load_dataset(source, name=name, split=split, revision=revision)
    if limit is not None:
        dataset = dataset.select(range(min(limit, len(dataset))))
    frame = dataset.to_pandas()
    logger.info("Loaded %d rows from %s", len(frame), source)
    return frame


def map_columns(frame: pd.DataFrame, columns: dict[str, str | list[str] | None],
                param_name: str) -> pd.DataFrame:
    """The task's fields from the source's columns (see :class:`SourceParams`)."""
    if not columns:
        return frame
    out = pd.DataFrame(index=frame.index)
    for field, wanted in columns.items():
        if wanted is None:
            out[field] = None
            continue
        aliases = [wanted] if isinstance(wanted, str) else list(wanted)
        present = next((a for a in aliases if a in frame.columns), None)
        if present is None:
            raise SourceError(
                f"parameter {param_name}.{field}: none of {aliases} is a column of the source "
                f"(it has {list(frame.columns)})"
            )
        out[field] = frame[present]
    return out


def sample_rows(frame: pd.DataFrame, sample: SampleParams, param_name: str) -> pd.DataFrame:
    """A seeded sample of up to ``sample.n`` rows, in source order.

    Balanced over ``sample.by``: rows are dealt round-robin from each value's seeded shuffle, so
    small groups are kept whole and large ones share the rest equally.
    """
    if sample.n >= len(frame):
        return frame
    rng = random.Random(sample.seed)
    if sample.by is None:
        picked = rng.sample(list(frame.index), sample.n)
    else:
        if sample.by not in frame.columns:
            raise SourceError(f"parameter {param_name}.by: no column {sample.by!r} to balance on")
        groups = frame.groupby(sample.by, dropna=False).groups
        pools = {
            key: rng.sample(list(idx), len(idx))
            for key, idx in sorted(groups.items(), key=lambda kv: str(kv[0]))
        }
        picked = []
        while len(picked) < sample.n and any(pools.values()):
            for key in list(pools):
                if pools[key] and len(picked) < sample.n:
                    picked.append(pools[key].pop())
    return frame.loc[sorted(picked)]


def load_rows(embedded: pd.DataFrame, source: SourceParams, task: str) -> pd.DataFrame:
    """The rows of ``<task>.source``: the embedded frame, or the loaded source, with the task's
    field names, ``source_row`` (position in the split) and the sample applied."""
    param = f"{task}.source"
    if source.path == EMBEDDED:
        frame = embedded if source.limit is None else embedded.head(source.limit)
    else:
        frame = load_source(source.path, split=source.split, revision=source.revision,
                            limit=source.limit, name=source.name, param_name=f"{param}.path")
    frame = frame.reset_index(drop=True)
    mapped = map_columns(frame, source.columns, f"{param}.columns")
    mapped[SOURCE_ROW] = range(len(mapped))
    if source.sample is not None:
        mapped = sample_rows(mapped, source.sample, f"{param}.sample")
    logger.info("%s: %d rows from %s", task, len(mapped), source.path)
    return mapped.reset_index(drop=True)
