"""SlicedParquetDataset: the same parquet and the same frame as pandas.ParquetDataset, written
and read a slice at a time (one row group per slice)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mathrl_pipeline.datasets.sliced_parquet import SlicedParquetDataset


def _frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({
        "id": [f"r{i}" for i in range(rows)],
        "image": [{"bytes": bytes([i % 256]) * 50, "path": None} for i in range(rows)],
        # empty lists in the first slices: list<null> there, list<string> later
        "repairs": [[] if i < 5 else [f"fix{i}"] for i in range(rows)],
        # null in the first slices, numbers later
        "difficulty": [None if i < 5 else i / 2 for i in range(rows)],
        "choices": [["a", "b"] if i % 2 else None for i in range(rows)],
    })


@pytest.mark.parametrize(
    ("rows", "per_slice"),
    [
        (11, 2),  # many slices, the typed values only in later ones
        (11, 100),  # one slice
        (0, 4),  # an empty frame
    ],
)
def test_round_trip_matches_pandas(tmp_path: Path, rows: int, per_slice: int) -> None:
    frame = _frame(rows)
    dataset = SlicedParquetDataset(filepath=str(tmp_path / "x.parquet"), rows_per_slice=per_slice)
    dataset.save(frame)
    frame.to_parquet(tmp_path / "pandas.parquet")
    expected = pd.read_parquet(tmp_path / "pandas.parquet")
    loaded = dataset.load()
    assert loaded.to_dict("list").keys() == expected.to_dict("list").keys()
    for column in expected.columns:
        assert [_plain(v) for v in loaded[column]] == [_plain(v) for v in expected[column]]
    assert pd.read_parquet(tmp_path / "x.parquet").shape == expected.shape  # a plain parquet
    groups = pq.ParquetFile(tmp_path / "x.parquet").metadata.num_row_groups
    assert groups == max(1, -(-rows // per_slice))


def _plain(value: object) -> object:
    """A cell comparable across readers (arrays as lists, NaN as None)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
