"""Seeded train/test splits: stratified by a column, or by group (no group in both splits)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from pydantic import Field

from mathrl_pipeline.params import StrictParams

logger = logging.getLogger(__name__)


class SplitParams(StrictParams):
    """How a task's rows are split into train and test (``<task>.split``).

    ``stratify_by``: keep each value's share in both splits. ``group_by``: split whole groups
    (every row of a group lands in the same split; e.g. arith's problems, each rendered twice).
    """

    test_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    seed: int = 42
    max_test: int | None = Field(None, ge=0)
    stratify_by: str | None = None
    group_by: str | None = None


def _test_positions(frame: pd.DataFrame, params: SplitParams, rng: np.random.Generator) -> list:
    if params.stratify_by is None:
        groups = [frame.index.to_numpy()]
    else:
        strata = frame.groupby(params.stratify_by, dropna=False).groups
        groups = [idx.to_numpy() for idx in strata.values()]
    test_idx: list = []
    for idx in groups:
        shuffled = idx[rng.permutation(len(idx))]  # same draw as permutation(idx); no in-place
        n_test = round(len(shuffled) * params.test_fraction)
        if params.test_fraction > 0 and n_test == 0 and len(shuffled) > 1:
            n_test = 1
        test_idx.extend(shuffled[:n_test].tolist())
    if params.max_test is not None and len(test_idx) > params.max_test:
        test_idx = rng.permutation(test_idx)[: params.max_test].tolist()
    return test_idx


def split_frame(frame: pd.DataFrame, params: SplitParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into (train, test) reproducibly (see :class:`SplitParams`)."""
    for name, column in (("stratify_by", params.stratify_by), ("group_by", params.group_by)):
        if column is not None and column not in frame.columns:
            raise ValueError(f"split.{name}: no column {column!r} (have {list(frame.columns)})")
    if params.stratify_by is not None and params.group_by is not None:
        raise ValueError("split: set split.stratify_by or split.group_by, not both")
    rng = np.random.default_rng(params.seed)
    if params.group_by is None:
        test_mask = frame.index.isin(_test_positions(frame, params, rng))
    else:  # split the sorted group keys, then every row follows its group
        keys = pd.DataFrame({params.group_by: sorted(frame[params.group_by].unique())})
        test_keys = keys.loc[_test_positions(keys, params, rng), params.group_by]
        test_mask = frame[params.group_by].isin(set(test_keys)).to_numpy()
    train = frame.loc[~test_mask].reset_index(drop=True)
    test = frame.loc[test_mask].reset_index(drop=True)
    logger.info("split: %d train rows, %d test rows", len(train), len(test))
    return train, test
