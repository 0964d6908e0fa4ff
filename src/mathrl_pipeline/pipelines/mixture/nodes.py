"""Nodes of the `mixture` pipeline: thin adapters over `mathrl_pipeline.tasks.mixture`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mathrl_pipeline.tasks.mixture import MIXTURE_TASKS, MixtureParams, mix_tasks, mix_test_splits


def mix_training_sets(params: MixtureParams, *splits: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                              dict[str, Any]]:
    """Draw the mixture from the tasks' train splits by weight; keep the `task` column."""
    frames = dict(zip(MIXTURE_TASKS, splits, strict=True))
    return mix_tasks(frames, params.weights, size=params.size, seed=params.seed,
                     replace=params.replace)


def mix_test_sets(params: MixtureParams, *splits: pd.DataFrame) -> pd.DataFrame:
    """Every test row of the mixed tasks, for per-task evaluation of the mixture's model."""
    return mix_test_splits(dict(zip(MIXTURE_TASKS, splits, strict=True)), params.weights)
