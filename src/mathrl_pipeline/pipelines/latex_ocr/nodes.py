"""Nodes of the `latex_ocr` pipeline that the shared stages do not cover."""

from __future__ import annotations

import pandas as pd

from mathrl_pipeline.rendering import RenderConfig
from mathrl_pipeline.tasks.ingest import SourceParams
from mathrl_pipeline.tasks.latex_ocr import LatexImages, normalize_formulas


def normalize_latex_ocr(rows: pd.DataFrame, render: RenderConfig, images: LatexImages,
                        source: SourceParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise the formulas (the renderer's length limit applies), read the dataset's own
    images when ``latex_ocr.images.use`` is ``dataset``; bad rows -> rejects."""
    return normalize_formulas(rows, render, images, source)
