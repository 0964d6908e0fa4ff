"""Seeded train/test splits, optionally stratified by a column."""

from __future__ import annotations

import numpy as np
import pandas as pd


def split_frame(
    frame: pd.DataFrame,
    *,
    test_fraction: float,
    seed: int,
    stratify_by: str | None = None,
    max_test: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into (train, test) reproducibly; stratified per value of ``stratify_by``."""
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    groups = (
        [frame.index.to_numpy()]
        if stratify_by is None
        else [idx.to_numpy() for _, idx in frame.groupby(stratify_by, dropna=False).groups.items()]
    )
    test_idx: list[int] = []
    for idx in groups:
        shuffled = rng.permutation(idx)
        n_test = round(len(shuffled) * test_fraction)
        if test_fraction > 0 and n_test == 0 and len(shuffled) > 1:
            n_test = 1
        test_idx.extend(shuffled[:n_test].tolist())
    if max_test is not None and len(test_idx) > max_test:
        test_idx = rng.permutation(test_idx)[:max_test].tolist()
    test_mask = frame.index.isin(test_idx)
    return (
        frame.loc[~test_mask].reset_index(drop=True),
        frame.loc[test_mask].reset_index(drop=True),
    )
