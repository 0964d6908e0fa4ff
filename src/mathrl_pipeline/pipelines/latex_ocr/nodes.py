"""Nodes of the `latex_ocr` pipeline that the shared stages do not cover."""

from __future__ import annotations

import pandas as pd

from mathrl_pipeline.rendering import RenderConfig
from mathrl_pipeline.tasks.latex_ocr import normalize_formulas


def normalize_latex_ocr(rows: pd.DataFrame, render: RenderConfig) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """Normalise the formulas (what the renderer accepts is the length limit); empty -> rejects."""
    return normalize_formulas(rows, render.max_chars)
