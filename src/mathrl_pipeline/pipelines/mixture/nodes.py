"""Nodes of the `mixture` pipeline: a thin adapter over `mathrl_pipeline.tasks.mixture`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mathrl_pipeline.tasks.mixture import mix_tasks

from .params import MixtureParams


def mix_training_sets(params: dict[str, Any], **train_splits: pd.DataFrame) -> tuple[
        pd.DataFrame, dict[str, Any]]:
    """Draw the mixture from the tasks' train splits by weight; keep the `task` column."""
    p = MixtureParams.model_validate(params)
    return mix_tasks(train_splits, p.weights, size=p.size, seed=p.seed, replace=p.replace)
