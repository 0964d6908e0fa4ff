"""Load raw rows from a Hugging Face dataset id or a local jsonl / json / parquet / csv file.

The same code path serves the real configuration (a Hub id such as ``zwhe99/DeepMath-103K`` with
``revision`` and ``split``, or a local mirror of it) and the embedded default (a file the project
generated). Hugging Face ``datasets`` does the loading in both cases.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

_LOCAL_BUILDERS = {
    ".jsonl": "json",
    ".json": "json",
    ".parquet": "parquet",
    ".csv": "csv",
}


class SourceError(ValueError):
    """A data source that cannot be loaded, with the parameter that named it."""


def load_source(
    source: str,
    *,
    split: str = "train",
    revision: str | None = None,
    limit: int | None = None,
    name: str | None = None,
    param_name: str = "source",
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
        if limit < 0:
            raise SourceError(f"parameter limit must be >= 0, got {limit}")
        dataset = dataset.select(range(min(limit, len(dataset))))
    frame = dataset.to_pandas()
    logger.info("Loaded %d rows from %s", len(frame), source)
    return frame


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a DataFrame as plain dicts (numpy scalars turned into Python values)."""
    return [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(index=False)]
