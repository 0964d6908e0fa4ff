"""Nodes every task pipeline shares: thin typed adapters over `mathrl_pipeline.tasks`."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from mathrl_pipeline.rendering import RenderConfig
from mathrl_pipeline.tasks.rejects import concat_rejects
from mathrl_pipeline.tasks.render import render_frame
from mathrl_pipeline.tasks.splits import SplitParams, split_frame

logger = logging.getLogger(__name__)


def render_rows(rows: pd.DataFrame, render: RenderConfig) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                   dict[str, Any]]:
    """Render each row's text to a PNG; failures become rejects with the renderer's reason."""
    return render_frame(rows, render)


def split_rows(model_input: pd.DataFrame, split: SplitParams) -> tuple[pd.DataFrame,
                                                                      pd.DataFrame]:
    """Split into train and test with the configured seed (stratified or by group)."""
    return split_frame(model_input, split)


def collect_rejects(*stages: pd.DataFrame) -> pd.DataFrame:
    """All rejects of a task's stages in one table (row id, stage, reason, detail)."""
    return concat_rejects(*stages)
